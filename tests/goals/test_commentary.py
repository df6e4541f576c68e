"""Commentary on a quarter: editors only, audited, closed once the quarter is final."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data_layer import commentary
from data_layer.auth import Actor, PermissionDenied
from data_layer.models import AuditLog

EDITOR, VIEWER = Actor("li", "editor"), Actor("wang", "viewer")
KEY = {"plan_code": "GZ", "year": 2026, "quarter": 3, "scope": "city"}


def test_notes_are_written_by_editors_audited_and_closed_when_final(engine) -> None:
    with pytest.raises(PermissionDenied):
        commentary.save_note(engine, actor=VIEWER, indicator="", text="x", **KEY)
    assert commentary.save_note(engine, actor=EDITOR, indicator="", text="税收增长主要来自海珠区。", **KEY)
    assert commentary.save_note(engine, actor=EDITOR, indicator="building_tax", text="<b>A & B</b>", **KEY)
    assert not commentary.save_note(engine, actor=EDITOR, indicator="building_tax", text="<b>A & B</b> ", **KEY)
    assert commentary.save_note(engine, actor=EDITOR, indicator="", text="税收增长主要来自天河区。", **KEY)
    notes = commentary.notes(engine, **KEY)
    assert notes[["indicator", "text", "updated_by"]].values.tolist() == [
        ["", "税收增长主要来自天河区。", "li"], ["building_tax", "<b>A & B</b>", "li"]]
    assert commentary.notes(engine, **(KEY | {"quarter": 2})).empty  # per quarter
    with engine.connect() as conn:
        rows = conn.execute(select(AuditLog.action, AuditLog.old_value, AuditLog.new_value)
                            .where(AuditLog.table_name == "review_note").order_by(AuditLog.id)).all()
    assert [r[0] for r in rows] == ["review_note"] * 3  # three changes, the unchanged save left no row
    assert "海珠区" in rows[2][1] and "天河区" in rows[2][2]  # old and new text

    assert commentary.mark_final(engine, actor=EDITOR, **KEY)
    assert commentary.final_state(engine, **KEY)["final_by"] == "li"
    with pytest.raises(commentary.CommentaryFinal):
        commentary.save_note(engine, actor=EDITOR, indicator="", text="改一下", **KEY)
    assert commentary.notes(engine, **KEY)["text"].iloc[0] == "税收增长主要来自天河区。"
