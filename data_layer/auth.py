"""Roles and what each may do: the one place the rule lives (pages ask `ui.auth.require_role`, data-layer write
functions call `require`)."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("viewer", "editor", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}
# Through which door a change came in; stored in audit_log.via.
VIAS = ("app", "cli")


class PermissionDenied(PermissionError):
    """An actor tried something their role does not allow."""


@dataclass(frozen=True)
class Actor:
    """Who is making a change, with which role, and through which door (app or cli): what the audit row records."""

    name: str
    role: str
    via: str = "app"


def has_role(role: str | None, needed: str) -> bool:
    """True when `role` is at least `needed` (admin ⊇ editor ⊇ viewer). Unknown or missing roles have none."""
    if role not in _RANK:
        return False
    return _RANK[role] >= _RANK[needed]


def sees_names(role: str | None) -> bool:
    """Whether a user may see which colleague did something (corrected a label, wrote or finalised a note, issued
    a pack) and export the tables that say so: editors and admins. A user name is half of a sign-in, so strangers
    and viewers are told that it was done, not by whom."""
    return has_role(role, "editor")


def require(actor: Actor, needed: str) -> None:
    """Raise PermissionDenied unless `actor` holds `needed`: the data layer's copy of the page gate, so a write
    function refuses even when a page forgot to ask."""
    if not has_role(actor.role, needed):
        raise PermissionDenied(f"{actor.name!r} ({actor.role}) may not do this: it needs {needed}")


# Enterprise tax (一企一档) is confidential: how much of it a session may receive.
TAX_ACCESS = ("value", "band", "none")


def tax_access(role: str | None, *, kiosk: bool = False) -> str:
    """"value" (the yearly tax in 万元) for editors and admins, "band" for signed-in viewers, "none" for anonymous
    sessions and kiosk links (a wall screen is read by whoever walks past). The data layer's enterprise queries
    call this with the viewer's role, so a page cannot receive more than the rule allows."""
    if kiosk or role is None:
        return "none"
    if has_role(role, "editor"):
        return "value"
    return "band" if has_role(role, "viewer") else "none"
