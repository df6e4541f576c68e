"""Feedback imported without a dimension: the dimension is read from the comment's text (and a note says how
many rows), a row with neither a dimension nor a text is refused at its cell, and so is a text that names none.

The expected dimensions come from the lexicon's keyword lists (data_layer/sentiment/lexicon/dimensions.txt):
电梯 is only under [operations], 地铁站 only under [transport], 人才公寓 only under [talent]; 总体还行吧 holds
no keyword of any dimension."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import Engine, text

from data_layer.imports import Options, run_import

TODAY = date(2026, 11, 23)
HEADER = ["观测点编号", "反馈日期", "评价维度", "评分", "意见内容"]


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_TODAY", TODAY.isoformat())


def _csv(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _import(engine: Engine, name: str, rows: list[list[object]]):  # type: ignore[no-untyped-def]
    return run_import(engine, kind="feedback", file_name=name, data=_csv(rows), user="tester",
                      options=Options(today=TODAY))


def _stored(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(text("SELECT text, dimension FROM feedback")))  # code-point order


def test_a_blank_dimension_is_assigned_from_the_text_with_a_note(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    outcome = _import(engine, "fb.csv", [HEADER,
                                         ["OP001", "2026-10-08", "", 2, "电梯经常坏，要等很久"],
                                         ["OP001", "2026-10-09", "政务服务", 4, "电梯很好"],  # given: kept
                                         ["OP001", "2026-10-10", "", 3, "地铁站太远了"],
                                         ["OP001", "2026-10-11", "", 1, "人才公寓房源太少"]])
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    assert _stored(engine) == [("人才公寓房源太少", "talent"), ("地铁站太远了", "transport"),
                               ("电梯很好", "gov_service"), ("电梯经常坏，要等很久", "operations")]
    notes = [p for p in outcome.findings.notes if p.code == "dimension_assigned"]
    assert len(notes) == 1  # one note for the file
    assert dict(notes[0].params) == {"count": 3, "rows": "2, 4-5"}  # spreadsheet rows (the header is row 1)
    assert "3" in notes[0].message("en") and "2, 4-5" in notes[0].message("zh")


def test_a_file_without_a_dimension_column_is_assigned_too(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    outcome = _import(engine, "nodim.csv", [["观测点编号", "反馈日期", "意见内容"],
                                            ["OP001", "2026-10-08", "地铁站太远了"]])
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    assert _stored(engine) == [("地铁站太远了", "transport")]


def test_no_dimension_and_no_text_is_an_error_at_the_row_and_column(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    outcome = _import(engine, "bad.csv", [HEADER,
                                          ["OP001", "2026-10-08", "", 2, "电梯经常坏"],
                                          ["OP001", "2026-10-09", "", 3, ""]])  # nothing to assign from
    assert not outcome.committed
    found = [(p.code, p.row, p.letter, p.column) for p in outcome.findings.problems]
    assert found == [("missing_value", 3, "C", "评价维度")]
    assert "评价维度" in outcome.findings.problems[0].where("zh")
    assert _stored(engine) == []  # the file is refused whole


def test_a_comment_that_names_no_dimension_goes_to_other_with_the_note(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    outcome = _import(engine, "vague.csv", [HEADER,
                                            ["OP001", "2026-10-08", "", 2, "电梯经常坏"],
                                            ["OP001", "2026-10-10", "", 3, "总体还行吧"]])  # names no dimension
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    assert _stored(engine) == [("总体还行吧", "other"), ("电梯经常坏", "operations")]
    notes = [p for p in outcome.findings.notes if p.code == "dimension_assigned"]
    assert dict(notes[0].params) == {"count": 2, "rows": "2-3"}
