"""Copying a template for a district: count targets scaled by the district's share of buildings, or kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

import ui.auth
from data_layer import db, plans
from data_layer.plans import PlanInput
from tests.goals.conftest import GoalFactory

EDITOR = str(Path(__file__).resolve().parents[2] / "app_pages" / "plan_editor.py")


def _targets(url_or_engine, code: str) -> dict[tuple[str, int], float]:  # type: ignore[no-untyped-def]
    engine = db.make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    frame = plans.plan_targets(engine, plan_code=code)
    return {(r.indicator_code, int(r.year)): float(r.target_value) for r in frame.itertuples()}


@pytest.fixture
def eight_buildings(gf: GoalFactory):  # type: ignore[no-untyped-def]
    """Two districts: D1 with 3 of the city's 8 buildings (share 0.375), D2 with 5."""
    for code in ("D1", "D2"):
        gf.district(code)
    for building_id in range(1, 9):
        gf.building(building_id, "D1" if building_id <= 3 else "D2")
    return gf


def test_the_share_is_the_districts_buildings_over_the_citys(engine, eight_buildings) -> None:  # type: ignore[no-untyped-def]
    assert plans.scope_share(engine, scope_type="district", scope_code="D1").factor == pytest.approx(3 / 8)
    assert plans.scope_share(engine, scope_type="city", scope_code=None).factor == 1.0
    shares = plans.district_shares(engine)
    assert {c: (s.buildings, s.city_buildings) for c, s in shares.items()} == {"D1": (3, 8), "D2": (5, 8)}


def test_scaling_a_jiaxing_copy_for_a_district(engine, eight_buildings) -> None:  # type: ignore[no-untyped-def]
    plans.copy_plan(engine, user="wang", source_code="JX-2015-2017", scale=3 / 8,
                    plan=PlanInput("D1-JX", "甲区嘉兴式", "D1 Jiaxing-style", 2027, 0, "district", "D1"))
    got = _targets(engine, "D1-JX")
    # counts × 0.375, rounded half up: 40 -> 15, 70 -> 26.25 -> 26, 100 -> 37.5 -> 38 (featured and ≥ 10M alike)
    assert [got[("buildings_tax_10m", y)] for y in (2027, 2028, 2029)] == [15.0, 26.0, 38.0]
    assert [got[("featured_buildings", y)] for y in (2027, 2028, 2029)] == [15.0, 26.0, 38.0]
    # rates are shares already: kept
    assert [got[("occupancy_rate", y)] for y in (2027, 2028, 2029)] == [65.0, 75.0, 85.0]
    assert got[("tax_share", 2027)] == 6.0
    with engine.connect() as conn:
        row = conn.execute(text("SELECT new_value FROM audit_log WHERE table_name = 'plan'")).scalar()
    assert json.loads(row)["scaled_by"] == 0.375 and json.loads(row)["copied_from"] == "JX-2015-2017"


def test_keeping_the_targets_and_small_counts(engine, eight_buildings) -> None:  # type: ignore[no-untyped-def]
    plans.copy_plan(engine, user="wang", source_code="JX-2015-2017",
                    plan=PlanInput("D1-KEEP", "保持", "Kept", 2027, 0, "district", "D1"))
    assert _targets(engine, "D1-KEEP")[("buildings_tax_10m", 2027)] == 40.0
    # Suzhou's 7 renovations × 0.05 = 0.35 would round to 0: a target the source set at 7 stays at least 1
    assert plans.scaled_value("renovated_buildings", 7, 0.05) == 1.0
    assert plans.scaled_value("renovated_buildings", 0, 0.05) == 0.0
    assert plans.scaled_value("occupancy_rate", 65, 0.05) == 65


def test_the_editor_scales_a_copy_and_says_by_what_factor(demo_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", demo_copy)
    at = AppTest.from_file(EDITOR, default_timeout=90)
    at.session_state["auth_user"] = ui.auth.AuthUser("tester", "editor")
    at.run()
    at.button_group(key="plan_mode").set_value("copy").run()
    with db.make_engine(demo_copy).connect() as conn:
        tianhe, total = (int(v) for v in conn.execute(text(
            "SELECT SUM(CASE WHEN district_code = '440106' THEN 1 ELSE 0 END), COUNT(*) FROM building")).one())
    factors = next(d.value for d in at.dataframe if "factor" in d.value.columns)
    assert len(factors) == 11
    assert factors.loc[factors["buildings"] == tianhe, "factor"].iloc[0] == pytest.approx(round(tianhe / total, 3))
    at.selectbox(key="copy_source").set_value("JX-2015-2017")
    at.text_input(key="copy_code").input("TH-JX")
    at.text_input(key="copy_name_zh").input("天河区嘉兴式计划")
    at.text_input(key="copy_name_en").input("Tianhe Jiaxing-style")
    at.selectbox(key="copy_scope").set_value("district")
    at.selectbox(key="copy_district").set_value("440106")
    at.number_input(key="copy_start").set_value(2027)
    at.radio(key="copy_scale").set_value("scale")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert f"{tianhe:,} ÷ {total:,}" in at.warning[0].value
    got = _targets(demo_copy, "TH-JX")
    expected = max(1, int(40 * tianhe / total + 0.5))
    assert got[("buildings_tax_10m", 2027)] == expected != 40
