"""One figure everywhere: for the demo city, the overview page, every briefing panel and the review pack show the
same text for every label they share, for a complete quarter, the running quarter and the year to date.

The expected side of each comparison is another screen's output, not a recomputation: the test fails when one of
them grows its own rule (a window, an as-of day, a rounding) again."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data_layer import briefing, db, fmt, goals, observation, report
from data_layer.periods import Period
from tests.conftest import DEMO_TODAY
from ui import briefing_view as view
from ui.goal_charts import status_table

OVERVIEW = str(Path(__file__).resolve().parents[2] / "app_pages" / "overview.py")
AS_OF = date(2026, 10, 1)  # the demo's last full month: the fourth quarter is running
RULES = briefing.AlertRules(index_drop=5.0, negative_share=0.30, min_responses=5)
MARGINS = goals.Margins(share=0.10, pp=2.0)
OPTIONS = report.PackSettings(today=DEMO_TODAY, timezone="Asia/Shanghai", rules=RULES, margins=MARGINS,
                              generated_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


def _t(key: str, **values: object) -> str:
    from data_layer.i18n import translate

    return translate(key, "zh", **values)


@pytest.fixture(scope="module")
def screens(demo_url: str) -> dict[str, object]:
    engine = db.make_engine(demo_url)
    return {
        "engine": engine,
        "running": report.build(engine, year=2026, quarter=4, options=OPTIONS),
        "complete": report.build(engine, year=2026, quarter=3, options=OPTIONS),
        "headline": briefing.headline(engine, as_of=AS_OF),
        "targets": briefing.target_status(engine, as_of=AS_OF, margins=MARGINS),
        "alerts": briefing.alerts_panel(engine, as_of=AS_OF, today=DEMO_TODAY, rules=RULES),
    }


def _shown(kpis: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """What a KPI table reads as: (value, change) per code."""
    return {str(code): (fmt.kpi(str(code), row["value"], "zh"), fmt.change(row["change_kind"], row["change"], "zh"))
            for code, row in kpis.iterrows()}


def test_kpis_read_the_same_on_the_overview_the_wall_and_in_the_pack(screens: dict, demo_url: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    pack_ytd = _shown(screens["running"].ytd_kpis)
    wall = {tile_code: (number + ("" if unit in ("%", "", "栋") else " ") + ("" if unit == "栋" else unit), delta)
            for tile_code, (number, unit), delta in
            ((code, view.big_number(str(code), row["value"], "zh"), view.delta_text(row, _t, "zh")[0])
             for code, row in screens["headline"].iterrows())}
    for code, (value, delta) in wall.items():
        assert value == pack_ytd[code][0], code
        if delta.startswith("同比"):
            assert delta == f"同比 {pack_ytd[code][1]}", code

    monkeypatch.setenv("DATABASE_URL", demo_url)
    page = AppTest.from_file(OVERVIEW, default_timeout=60).run()  # year to date through October
    assert not page.exception
    on_page = {m.label: m.value for m in page.metric}
    for code, (value, _) in pack_ytd.items():
        label = _t(f"kpi.{code}")
        if label in on_page:
            assert on_page[label] == value, code
    assert on_page[_t("kpi.tax_share")] == pack_ytd["tax_share"][0]  # the figure the issue saw three ways

    quarter = Period("quarter", 2026, 3)
    assert _shown(screens["complete"].quarter_kpis) == _shown(
        briefing.period_figures(screens["engine"], period=quarter))


def test_goals_alerts_demands_and_ranking_agree(screens: dict, demo_url: str) -> None:
    running = screens["running"]
    plan, wall_goals = screens["targets"]
    assert plan is not None
    page = status_table(goals.goal_table(screens["engine"], plan_code=plan["code"], as_of=AS_OF, margins=MARGINS),
                        lang="zh", t=_t)
    pack_rows = report.content.goals_table(running).rows
    assert [row[3] for row in pack_rows] == [fmt.progress(str(r["unit"]), r["gap"], r["progress"], "zh")
                                             for _, r in wall_goals.iterrows()]
    assert list(running.goals["status"]) == list(wall_goals["status"])
    assert len(page) == len(wall_goals)
    # the goal table's tax share reads as its tile does, to 0.01 % (it read 24.9 % beside a 24.95 % tile)
    shares = page.loc[page["indicator"] == "楼宇税收占全市税收比重", "actual"]
    assert list(shares) == [fmt.kpi("tax_share", screens["headline"].loc["tax_share", "value"], "zh")]

    # observation-point alerts: the page's count for the running quarter, the wall's and the pack's
    engine = screens["engine"]
    stats, points = observation.monthly_stats(engine), observation.points(engine)
    on_page = observation.alerts(observation.point_table(stats, points, pd.DataFrame(), quarter="2026Q4",
                                                         min_responses=RULES.min_responses),
                                 index_drop=RULES.index_drop, negative_share=RULES.negative_share)
    assert len(on_page) == len(screens["alerts"].alerts) == len(running.alerts) > 0
    assert sorted(on_page["code"]) == sorted(screens["alerts"].alerts["code"]) == sorted(running.alerts["code"])

    # demands: open and overdue as of the same day on the page, the wall and this quarter's pack
    page_demands = observation.demand_summary(observation.demands(engine), by=[], as_of=DEMO_TODAY)
    wall = screens["alerts"].demands
    assert (int(page_demands["open"].iloc[0]), int(page_demands["overdue"].iloc[0])) == (
        wall["open"], wall["overdue"]) == (running.demands["open"], running.demands["overdue"])
    assert screens["alerts"].demand_day == running.demand_day == DEMO_TODAY
    assert screens["complete"].demand_day == date(2026, 9, 30)  # a past quarter: its last day

    ranking = briefing.district_ranking(engine, as_of=AS_OF)
    pd.testing.assert_frame_equal(ranking.reset_index(drop=True), running.ranking.reset_index(drop=True))


def test_the_drivers_of_change_start_and_end_at_the_kpis_the_pack_prints(screens: dict) -> None:
    """The drivers tab and the pack's drivers section split the same change the KPI table prints: building tax
    and occupancy for the complete quarter, against last year and the previous quarter (issue 18)."""
    from data_layer import drivers

    pack = screens["complete"]
    for basis, kpis in (("yoy", pack.quarter_kpis), ("qoq", pack.qoq_kpis)):
        for code in ("building_tax", "occupancy_rate"):
            result = drivers.drivers(screens["engine"], indicator=code, scope=pack.scope, as_of=pack.as_of,
                                     basis=basis)
            row = kpis.loc[code]
            assert fmt.kpi(code, result.value_now, "zh") == fmt.kpi(code, row["value"], "zh")
            assert fmt.kpi(code, result.value_before, "zh") == fmt.kpi(code, row["previous"], "zh")
            assert result.bars(scope=pack.scope)["contribution"].sum() == pytest.approx(result.change, abs=1e-9)


@pytest.mark.parametrize("district", [None, "440106"])
def test_the_overview_trend_reads_as_each_months_tiles(screens: dict, district: str | None) -> None:
    """Every point of the overview's 36-month trend (any headline indicator) is the figure the tiles show for that
    month as a one-month period, for the city and a district."""
    from data_layer import aggregates, queries

    trend = aggregates.monthly_indicators(screens["engine"], end=AS_OF, months=36, district=district)
    assert len(trend) == 36
    for month in (date(2024, 11, 1), date(2025, 12, 1), date(2026, 7, 1), AS_OF):
        row = trend.set_index("month").loc[pd.Timestamp(month)]
        tiles = queries.period_kpis(screens["engine"], period=Period("month", month.year, month.month),
                                    district=district)
        for code in aggregates.TREND_INDICATORS:
            assert fmt.kpi(code, row[code], "zh") == fmt.kpi(code, tiles[code], "zh"), (month, code)


def test_building_alerts_read_the_same_on_the_overview_the_wall_and_in_the_pack(screens: dict, demo_url: str,
                                                                                monkeypatch: pytest.MonkeyPatch
                                                                                ) -> None:
    """The workbench's early warnings: the overview's list (as of the period's last month), the wall's alerts panel
    and the running quarter's pack list the same buildings, rules and figures, worded the same."""
    from data_layer import workbench

    names = screens["running"].district_names
    wall = workbench.alert_rows(screens["alerts"].building_alerts, lang="zh", district_names=names)
    pack = report.content.building_alerts_table(screens["running"], limit=10_000)
    assert len(wall) > 0
    assert [[r.building, r.district, r.rule, r.figures] for r in wall.itertuples()] == [
        [row[0], row[1], row[4], row[5]] for row in pack.rows]
    monkeypatch.setenv("DATABASE_URL", demo_url)
    page = AppTest.from_file(OVERVIEW, default_timeout=60).run()  # year to date through October: as of October
    assert not page.exception
    table = next(frame.value for frame in page.dataframe if "figures" in frame.value.columns)
    assert list(table["figures"]) == list(wall["figures"]) and list(table["rule"]) == list(wall["rule"])
    assert list(table["code"]) == list(wall["code"])  # the same buildings, in the same order


def test_vacancy_and_output_read_the_same_in_the_table_the_comparison_and_the_profile(screens: dict) -> None:
    """Vacant ㎡ and output per ㎡: the map's table, the 盘活 list and the profile read one period frame; the
    district comparison reads aggregates, whose vacant area is the buildings' sum."""
    from data_layer import aggregates, buildings, workbench
    from ui import map_charts as mc

    period = Period("ytd", 2026, 10)
    frame = buildings.period_frame(screens["engine"], period=period)
    table = buildings.table_frame(frame, lang="zh")
    revive = workbench.revive_table(workbench.revive_list(frame, below_pct=60), lang="zh").set_index("building_id")
    for _, row in frame[frame["occupancy_rate"] < 0.6].head(20).iterrows():
        profile = workbench.building_figures(frame, building_id=int(row["id"]))
        assert profile is not None
        shown = table.loc[frame.index[frame["id"] == row["id"]][0]]
        assert shown["空置面积（㎡）"] == revive.loc[row["id"], "vacant_m2"] == round(profile["vacant_m2"])
        assert shown["税收单产（元/㎡·年）"] == revive.loc[row["id"], "tax_per_m2"] == round(profile["tax_per_m2"])
    districts = aggregates.district_indicators(screens["engine"], period=period)
    by_district = frame.groupby(frame["district_code"].astype(str))["vacant_m2"].sum()
    for _, row in districts.iterrows():
        assert row["vacant_area"] == by_district[row["code"]]
    compare = mc.district_comparison(districts, codes=list(districts["code"]), lang="zh").set_index("指标")
    assert compare.loc["空置面积", "天河区"] == fmt.kpi("vacant_area", districts.set_index("code").loc[
        "440106", "vacant_area"], "zh")


def test_the_wall_sparklines_end_on_the_tiles_figures(screens: dict) -> None:
    """Each headline tile's 12-month sparkline (briefing.headline_trend) is the overview's month figures: its stocks
    end on the tile's value (read in the as-of month either way), and its monthly tax from January sums to the
    tile's year-to-date tax."""
    from data_layer import queries

    trend = briefing.headline_trend(screens["engine"], as_of=AS_OF)
    headline = screens["headline"]
    assert list(trend.index) == [date(2025, 11, 1), date(2025, 12, 1), *(date(2026, m, 1) for m in range(1, 11))]
    month = queries.overview_kpis(screens["engine"], period=Period("month", 2026, 10))
    for code in briefing.HEADLINE_CODES:
        assert fmt.kpi(code, trend.loc[AS_OF, code], "zh") == fmt.kpi(code, month.loc[code, "value"], "zh"), code
    for code in ("buildings_reporting", "super_a", "grade_a", "occupancy_rate"):
        assert fmt.kpi(code, trend.loc[AS_OF, code], "zh") == fmt.kpi(code, headline.loc[code, "value"], "zh"), code
    year = trend.loc[[m for m in trend.index if m.year == 2026], "building_tax"].sum()
    assert fmt.kpi("building_tax", year, "zh") == fmt.kpi("building_tax", headline.loc["building_tax", "value"], "zh")
