"""Reporting completeness on a hand-built city; the expected counts are worked out in the comments."""

from __future__ import annotations

from datetime import date

from data_layer import completeness
from tests.goals.conftest import GoalFactory

JUL, AUG = date(2025, 7, 1), date(2025, 8, 1)


def test_who_has_reported_the_month_and_the_quarter(gf: GoalFactory, engine) -> None:
    gf.district("D1")
    gf.district("D2")
    gf.street(1, "D1")
    gf.building(1, "D1", 1)  # reports July and August: complete
    gf.building(2, "D1", 1)  # August only: the month yes, the quarter (July-August) no
    gf.building(3, "D2")  # July only: the month no
    gf.building(4, "D2", status="under_construction")  # not expected to report
    gf.building(5, "D2", status="renovating")  # renovating, but reported in July: expected
    gf.months(1, {JUL: {}, AUG: {}})
    gf.months(2, {AUG: {}})
    gf.months(3, {JUL: {}})
    gf.months(5, {JUL: {}})
    frame = completeness.buildings(engine, month=AUG)
    assert frame["code"].tolist() == ["B1", "B2", "B3", "B5"]
    assert frame["month_reported"].tolist() == [True, True, False, False]
    assert frame["quarter_reported"].tolist() == [2, 1, 1, 1] and set(frame["quarter_months"]) == {2}
    # 4 expected; 2 reported August; 1 complete for July-August; D1 has every building in, D2 has not
    assert completeness.totals(frame) == {"expected": 4, "month_reported": 2, "quarter_complete": 1, "districts": 2,
                                          "districts_complete": 1}
    summary = completeness.summary(frame, level="district")
    assert summary[["district_code", "expected", "month_reported", "month_missing", "quarter_complete",
                    "quarter_missing"]].values.tolist() == [["D2", 2, 0, 2, 0, 2], ["D1", 2, 2, 0, 1, 1]]
    streets = completeness.summary(frame, level="street")
    assert streets[["street_id", "expected", "month_missing"]].values.tolist() == [[0, 2, 2], [1, 2, 0]]
