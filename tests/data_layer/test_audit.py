"""The audit trail records changes in the same transaction as the change."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from data_layer import audit
from data_layer.auth import has_role


def test_audit_row_holds_who_what_old_and_new(engine) -> None:
    with engine.begin() as conn:
        audit.record(conn, user="zhang", action="plan_edit", table="plan_target", key="GZ-2025-2027/occupancy_rate/2026",
                     old={"target_value": 80.0}, new={"target_value": 82.5})
    with engine.connect() as conn:
        row = conn.execute(text("SELECT user_name, action, table_name, row_key, old_value, new_value FROM audit_log")).one()
    assert row.user_name == "zhang" and row.action == "plan_edit"
    assert json.loads(row.old_value) == {"target_value": 80.0}
    assert json.loads(row.new_value) == {"target_value": 82.5}


def test_a_rolled_back_change_leaves_no_audit_row(engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        audit.record(conn, user="li", action="import", table="building", key="B1", new={"name": "楼"})
        raise RuntimeError("the change failed")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM audit_log")).scalar() == 0


def test_roles_are_ordered() -> None:
    assert has_role("admin", "editor") and has_role("editor", "editor") and has_role("editor", "viewer")
    assert not has_role("viewer", "editor") and not has_role(None, "viewer") and not has_role("root", "viewer")
