"""Roles and what each may do: the one place the rule lives (pages ask `ui.auth.require_role`)."""

from __future__ import annotations

ROLES = ("viewer", "editor", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}


def has_role(role: str | None, needed: str) -> bool:
    """True when `role` is at least `needed` (admin ⊇ editor ⊇ viewer). Unknown or missing roles have none."""
    if role not in _RANK:
        return False
    return _RANK[role] >= _RANK[needed]
