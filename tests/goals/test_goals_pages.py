"""目标跟踪 and 计划编辑 under AppTest on the demo city (expected values from SQL on the raw tables)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

import ui.auth
from data_layer import db
from data_layer.indicators import BY_CODE
from data_layer.summaries import bump_data_version
from tests.goals.conftest import GoalFactory, months_of
from ui import goal_charts as gc
from ui.plan_grid import grid_targets, mixed_comparators, target_grid

REPO = Path(__file__).resolve().parents[2]
GOALS = str(REPO / "app_pages" / "goals.py")
EDITOR = str(REPO / "app_pages" / "plan_editor.py")
STATUS_WORDS = {"可完成", "有风险", "滞后", "已完成", "未完成", "无数据", "本年无目标"}


def _sql(url: str, sql: str, **params: object) -> pd.DataFrame:
    with db.make_engine(url).connect() as conn:
        return pd.read_sql(text(sql), conn, params=params)


def _plan_indicators(url: str, plan: str) -> set[str]:
    return set(_sql(url, "SELECT DISTINCT t.indicator_code FROM plan_target t JOIN plan p ON p.id = t.plan_id"
                         " WHERE p.code = :c", c=plan)["indicator_code"])


COLUMN_OF = {"status_table": "status_text", "ranking_table": "rank"}  # read-only tables carry no key in AppTest


def _frame(at: AppTest, key: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if COLUMN_OF[key] in d.value.columns)


def test_status_table_lists_every_indicator_of_the_city_plan_with_a_status(demo_env: str) -> None:
    at = AppTest.from_file(GOALS, default_timeout=90).run()
    assert not at.exception
    table = _frame(at, "status_table")
    city_plan = "GZ-2025-2027"  # the demo's city plan: this year - 1 to this year + 1 (today 2026-11-23)
    expected = {BY_CODE[c].name_zh for c in _plan_indicators(demo_env, city_plan)}
    assert set(table["indicator"]) == expected and len(table) == len(expected) == 14
    words = table["status_text"].str.split(" ", n=1).str[1]
    assert set(words) <= STATUS_WORDS and words.notna().all()
    assert set(words) & {"可完成", "有风险", "滞后"}  # the demo plan is set so that the year is mixed
    assert sum(int(m.value) for m in at.metric) == len(expected)
    # the actual tax to date is the raw sum of 2026 through the latest month (October)
    raw = _sql(demo_env, "SELECT SUM(tax_10k) AS t FROM building_month WHERE month >= '2026-01-01'")["t"][0]
    tax = table.loc[table["indicator"] == "楼宇税收", "actual"].iloc[0]
    assert tax == f"{raw / 10_000:,.2f} 亿元"


def test_ranking_lists_the_eleven_districts(demo_env: str) -> None:
    at = AppTest.from_file(GOALS, default_timeout=90).run()
    ranking = _frame(at, "ranking_table")
    districts = set(_sql(demo_env, "SELECT name_zh FROM district")["name_zh"])
    assert len(districts) == 11 and set(ranking["name"]) == districts
    assert sorted(int(r) for r in ranking["rank"]) == list(range(1, 12))  # occupancy, all reporting: ranks 1-11


def test_street_ranking_within_a_district(demo_env: str) -> None:
    at = AppTest.from_file(GOALS, default_timeout=90).run()
    at.selectbox(key="rank_level").set_value("440106").run()
    assert not at.exception
    streets = set(_sql(demo_env, "SELECT name_zh FROM street WHERE district_code = '440106'")["name_zh"])
    assert set(_frame(at, "ranking_table")["name"]) == streets


def test_a_district_plan_and_a_past_year(demo_env: str) -> None:
    at = AppTest.from_file(GOALS, default_timeout=90).run()
    at.selectbox(key="goal_scope").set_value("440106").run()
    assert not at.exception
    table = _frame(at, "status_table")
    assert len(table) == len(_plan_indicators(demo_env, "GZ-440106-2025-2027")) == 5
    at.selectbox(key="goal_year").set_value(2025).run()
    assert at.selectbox(key="goal_month_2025").value == 12  # a finished year opens at December: final attainment
    words = set(_frame(at, "status_table")["status_text"].str.split(" ", n=1).str[1])
    assert words <= {"已完成", "未完成", "无数据"}
    assert "已完成" in [m.label for m in at.metric]


def test_english_is_a_switch(demo_env: str) -> None:
    at = AppTest.from_file(GOALS, default_timeout=90)
    at.query_params["lang"] = "en"
    at.run()
    assert at.title[0].value == "Goal tracking"
    assert "Building tax revenue" in set(_frame(at, "status_table")["indicator"])


def test_a_store_without_plans_says_how_to_add_one(gf: GoalFactory, engine, monkeypatch: pytest.MonkeyPatch) -> None:
    gf.district("D1")
    gf.building(1, "D1")
    gf.months(1, {m: {} for m in months_of(2025, 1, 3)})
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    at = AppTest.from_file(GOALS, default_timeout=60).run()
    assert not at.exception
    assert "计划编辑" in at.info[0].value


# ---------------------------------------------------------------------------------------------- plan editor


def _editor(url: str, monkeypatch: pytest.MonkeyPatch, role: str | None = "editor") -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(EDITOR, default_timeout=60)
    if role:
        at.session_state["auth_user"] = ui.auth.AuthUser("tester", role)
    return at.run()


def test_the_editor_is_closed_to_viewers(demo_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for role in (None, "viewer"):
        at = _editor(demo_copy, monkeypatch, role)
        assert not at.exception
        assert "编辑" in at.warning[0].value
        assert not at.dataframe and not at.button


def test_the_grid_shows_the_plan_and_saving_it_unchanged_changes_nothing(demo_copy: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    at = _editor(demo_copy, monkeypatch)
    assert not at.exception
    grid = next(d for d in at.dataframe if d.key and d.key.startswith("grid_GZ-2025-2027")).value
    assert len(grid) == 14 and {"2025", "2026", "2027"} <= set(grid.columns)
    at.button(key="save_targets").click().run()
    assert "新增 0 项，修改 0 项，删除 0 项" in at.success[0].value
    assert _sql(demo_copy, "SELECT COUNT(*) AS n FROM audit_log")["n"][0] == 0


def test_create_a_plan_through_the_form(demo_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _editor(demo_copy, monkeypatch)
    at.button_group(key="plan_mode").set_value("create").run()
    at.text_input(key="create_code").input("TH-2027-2029")
    at.text_input(key="create_name_zh").input("天河区新计划")
    at.text_input(key="create_name_en").input("Tianhe new plan")
    at.selectbox(key="create_scope").set_value("district")
    at.selectbox(key="create_district").set_value("440106")
    at.number_input(key="create_start").set_value(2027)
    at.number_input(key="create_end").set_value(2029)
    at.button[0].click().run()
    assert not at.exception and not at.error
    plan = _sql(demo_copy, "SELECT scope_type, scope_code, start_year, end_year FROM plan WHERE code = 'TH-2027-2029'")
    assert plan.values.tolist() == [["district", "440106", 2027, 2029]]
    audit = _sql(demo_copy, "SELECT user_name, action FROM audit_log")
    assert audit.values.tolist() == [["tester", "plan_create"]]
    assert at.selectbox(key="edit_plan").value == "TH-2027-2029"  # opened for editing its targets


def test_copy_a_template_and_refuse_a_bad_code(demo_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _editor(demo_copy, monkeypatch)
    at.button_group(key="plan_mode").set_value("copy").run()
    at.selectbox(key="copy_source").set_value("SZ-2023")
    at.text_input(key="copy_code").input("bad code!")
    at.text_input(key="copy_name_zh").input("苏州式")
    at.text_input(key="copy_name_en").input("Suzhou-style")
    at.number_input(key="copy_start").set_value(2027)
    at.button[0].click().run()
    assert "bad code" in at.error[0].value and "无效" in at.error[0].value
    at.text_input(key="copy_code").input("SZ-2027")
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    copied = _sql(demo_copy, "SELECT t.indicator_code, t.year, t.target_value, t.comparator FROM plan_target t"
                             " JOIN plan p ON p.id = t.plan_id WHERE p.code = 'SZ-2027' ORDER BY t.indicator_code")
    assert len(copied) == 5 and set(copied["year"]) == {2027}
    events = copied[copied["indicator_code"] == "promotion_events"].iloc[0]
    assert (events["target_value"], events["comparator"]) == (70.0, ">")  # "more than 70" kept


def test_grid_round_trip_keeps_targets_and_drops_empty_cells() -> None:
    targets = pd.DataFrame({"indicator_code": ["occupancy_rate", "occupancy_rate", "promotion_events"],
                            "year": [2025, 2027, 2025], "target_value": [80.0, 85.0, 70.0],
                            "comparator": [">=", ">=", ">"]})
    grid = target_grid(targets, indicators=["occupancy_rate", "promotion_events", "vacant_area"],
                       years=[2025, 2026, 2027], lang="zh", unit_label=str)
    assert grid.loc[0, "name"] == "已建楼宇入驻率" and math.isnan(grid.loc[0, "2026"])
    assert grid.loc[2, "comparator"] == "<="  # a new lower-is-better row starts with its default
    grid.loc[2, "2026"] = 5_000.0  # the reader types a target
    rows = grid_targets(grid)
    assert rows == [
        {"indicator_code": "occupancy_rate", "year": 2025, "target_value": 80.0, "comparator": ">="},
        {"indicator_code": "occupancy_rate", "year": 2027, "target_value": 85.0, "comparator": ">="},
        {"indicator_code": "promotion_events", "year": 2025, "target_value": 70.0, "comparator": ">"},
        {"indicator_code": "vacant_area", "year": 2026, "target_value": 5_000.0, "comparator": "<="},
    ]


def test_saving_the_grid_keeps_each_years_own_comparator() -> None:
    targets = pd.DataFrame({"indicator_code": ["promotion_events", "promotion_events"], "year": [2025, 2026],
                            "target_value": [70.0, 80.0], "comparator": [">", ">="]})
    grid = target_grid(targets, indicators=["promotion_events"], years=[2025, 2026, 2027], lang="zh",
                       unit_label=str)
    assert grid.loc[0, "comparator"] == ">"  # the first year's is shown
    assert mixed_comparators(targets) == ["promotion_events"]
    grid.loc[0, "2027"] = 90.0  # the reader adds a year and leaves the comparator alone
    assert grid_targets(grid, original=targets) == [
        {"indicator_code": "promotion_events", "year": 2025, "target_value": 70.0, "comparator": ">"},
        {"indicator_code": "promotion_events", "year": 2026, "target_value": 80.0, "comparator": ">="},  # kept
        {"indicator_code": "promotion_events", "year": 2027, "target_value": 90.0, "comparator": ">"},
    ]
    grid.loc[0, "comparator"] = ">="  # now the reader changes it: every year of the row follows
    assert {r["comparator"] for r in grid_targets(grid, original=targets)} == {">="}


def test_an_import_while_editing_keeps_the_edits_and_refuses_the_save(demo_copy: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    at = _editor(demo_copy, monkeypatch)
    plan = "GZ-2025-2027"
    before = _sql(demo_copy, "SELECT COUNT(*) AS n FROM plan_target t JOIN plan p ON p.id = t.plan_id"
                             " WHERE p.code = :c", c=plan)["n"][0]
    at.multiselect[0].unselect("new_enterprises").run()  # an edit: saving would delete these targets
    grid_key = next(d.key for d in at.dataframe if d.key and d.key.startswith(f"grid_{plan}"))
    # an import lands: one target changes and the data version moves on
    engine = db.make_engine(demo_copy)
    with engine.begin() as conn:
        conn.execute(text("UPDATE plan_target SET target_value = target_value + 1 WHERE indicator_code ="
                          " 'occupancy_rate' AND plan_id = (SELECT id FROM plan WHERE code = :c)"), {"c": plan})
        bump_data_version(conn)
    at.run()
    assert not at.exception
    assert "编辑期间已被修改" in at.warning[0].value
    assert any(d.key == grid_key for d in at.dataframe)  # same grid: the edits are still there
    assert "new_enterprises" not in at.multiselect[0].value
    at.button(key="save_targets").click().run()
    assert not at.success and "未保存" in at.error[0].value
    after = _sql(demo_copy, "SELECT COUNT(*) AS n FROM plan_target t JOIN plan p ON p.id = t.plan_id"
                            " WHERE p.code = :c", c=plan)["n"][0]
    assert after == before  # nothing deleted, the import's change kept
    assert _sql(demo_copy, "SELECT COUNT(*) AS n FROM audit_log")["n"][0] == 0
    at.button(key="reload_targets").click().run()
    assert not at.warning and "new_enterprises" in at.multiselect[0].value


def test_chart_units_come_from_the_translations() -> None:
    frame = pd.DataFrame({"year": [2025], "target": [20_000.0], "actual": [15_000.0], "forecast": [None],
                          "final": [True]})
    labels = {k: k for k in ("target", "actual", "forecast", "year")}
    figure = gc.target_actual_chart(frame, unit="10k_yuan", lang="en", labels=labels,
                                    t=lambda key, **kw: f"<{key}>")
    assert figure.layout.yaxis.title.text == "<goals.chart.unit.10k_yuan>"
    assert figure.data[0].y[0] == pytest.approx(2.0)  # 20,000 万元 = 2 亿元 (100M yuan)
    movers = pd.DataFrame({"code": ["B1"], "name": ["楼"], "district_code": ["D1"], "state": ["both"],
                           "rate_before": [50.0], "rate_now": [60.0], "delta_m2": [25_000.0]})
    shown = gc.occupancy_table(movers, lang="zh", district_names={}, t=lambda key, **kw: key)
    assert shown["delta"].tolist() == ["+2.5 万㎡"]
