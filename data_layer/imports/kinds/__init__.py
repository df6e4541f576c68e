"""One module per kind of import file, each with `check(conn, rows, ctx) -> list[Change]`,
`write(conn, changes, ctx, batch_id) -> dict` (what undo needs) and `undo(conn, info, batch_id)`."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

_MODULES = {"streets": "streets", "buildings": "buildings", "monthly": "monthly", "city": "city", "plans": "plans",
            "feedback": "feedback", "demands": "demands", "boundaries": "boundaries",
            "enterprises": "enterprises", "tenancies": "tenancies"}


def module(kind: str) -> ModuleType:
    return import_module(f"data_layer.imports.kinds.{_MODULES[kind]}")
