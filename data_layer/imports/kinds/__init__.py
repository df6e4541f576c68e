"""One module per kind of import file, each with `check(conn, rows, ctx) -> list[Change]`,
`write(conn, changes, ctx, batch_id) -> dict` (what undo needs) and `undo(conn, info, batch_id)`: the shape
`ImportKind` states, and mypy checks every kind module against it (see `module`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from data_layer.imports.base import Change, Rows
    from data_layer.imports.pipeline import Context


class ImportKind(Protocol):
    """What the pipeline and undo call on a kind. A module implements it with three module-level functions."""

    def check(self, conn: Connection, rows: Rows, ctx: Context) -> list[Change]:
        """The changes the rows would make to the store; problems go to `ctx.findings`."""
        ...

    def write(self, conn: Connection, changes: list[Change], ctx: Context, batch_id: int) -> dict[str, Any]:
        """Apply the changes; returns what undo needs (`created`, `replaced` payloads per table)."""
        ...

    def undo(self, conn: Connection, created: dict[str, Any], replaced: dict[str, Any], batch_id: int) -> set[str]:
        """Restore what the batch replaced and delete what it created; returns the months to re-summarise."""
        ...


def module(kind: str) -> ImportKind:
    # Imported on first use, not with the package: a page that never imports does not load the kinds (shapely
    # for boundaries, the identity rules for buildings). Assigning each module to an `ImportKind` entry is what
    # makes mypy check its functions against the protocol.
    from data_layer.imports.kinds import (
        boundaries,
        buildings,
        city,
        demands,
        enterprises,
        feedback,
        monthly,
        plans,
        streets,
        tenancies,
    )

    modules: dict[str, ImportKind] = {"streets": streets, "buildings": buildings, "monthly": monthly, "city": city,
                                      "plans": plans, "feedback": feedback, "demands": demands,
                                      "boundaries": boundaries, "enterprises": enterprises, "tenancies": tenancies}
    return modules[kind]
