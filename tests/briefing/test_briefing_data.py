"""The briefing's data functions on hand-made stores (expected figures worked out by hand in the comments) and on
the demo city (expected figures from the raw tables with SQL or pandas)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine, text, update

from data_layer import briefing, db, plans
from data_layer.aggregates import Scope
from data_layer.briefing import AlertRules, ObservationData
from data_layer.models import Plan

RULES = AlertRules(index_drop=5.0, negative_share=0.30, min_responses=5)
NOW = (date(2026, 7, 1), date(2026, 9, 1))  # the third quarter through September
BEFORE = (date(2026, 4, 1), date(2026, 6, 1))  # the whole quarter before


@pytest.fixture
def observed(points, engine: Engine) -> Engine:  # type: ignore[no-untyped-def]
    """Four points. Index = 0.6 S + 0.4 T with S = (mean score − 1) / 4 × 100, T = (1 + pos − neg) / 2 × 100."""
    for point, district in ((1, "D1"), (2, "D1"), (3, "D2"), (4, "D2")):
        points.point(point, district=district)
    # point 1: before 5 × score 5 (index 100), now 5 × score 4 (75): fell 25 points
    points.feedback(1, date(2026, 6, 1), [5] * 5)
    points.feedback(1, date(2026, 9, 1), [4] * 5)
    # point 2: before 75; now S = 75 and labels 2 neg, 1 pos, 2 neutral: T = (1 + .2 - .4) / 2 × 100 = 40,
    # index 0.6 × 75 + 0.4 × 40 = 61: fell 14, and negative share 0.4 > 0.3
    points.feedback(2, date(2026, 5, 1), [4] * 5)
    points.feedback(2, date(2026, 9, 1), [4] * 5, ["negative", "negative", "positive", "neutral", "neutral"])
    # point 3: before 5 × 3 (50); now S = 50, the model says 3 neg 2 pos but staff corrected one to positive:
    # 2 neg 3 pos, T = 60, index 30 + 24 = 54 (rose 4), negative share 0.4: alert for the share only
    points.feedback(3, date(2026, 6, 1), [3] * 5)
    points.feedback(3, date(2026, 8, 1), [3] * 5, ["negative"] * 3 + ["positive"] * 2,
                    corrected=[None, None, "positive", None, None])
    # point 4: four responses only: no index, never an alert
    points.feedback(4, date(2026, 9, 1), [1] * 4)
    return engine


def test_alerts_follow_the_rules_and_a_correction_wins(observed: Engine) -> None:
    data = ObservationData.load(observed)
    alerts = briefing.sentiment_alerts(data, as_of=NOW[1], rules=RULES).set_index("code")
    assert list(alerts.index) == ["OP001", "OP002", "OP003"]  # the largest fall first
    assert alerts.loc["OP001", "reason"] == "index_drop"
    assert alerts.loc["OP001", "change"] == pytest.approx(-25.0)
    assert alerts.loc["OP002", "reason"] == "index_drop+negative_share"
    assert alerts.loc["OP002", "index"] == pytest.approx(61.0)
    assert alerts.loc["OP003", "reason"] == "negative_share"
    assert alerts.loc["OP003", "index"] == pytest.approx(54.0)  # 46 if the model's label had been used
    assert alerts.loc["OP003", "negative_share"] == pytest.approx(0.4)


def test_summary_pools_responses_instead_of_averaging_points(observed: Engine) -> None:
    data = ObservationData.load(observed)
    city = briefing.sentiment_summary(data, start=NOW[0], end=NOW[1], min_responses=5)
    # 19 responses, score sum 20 + 20 + 15 + 4 = 59; 10 labelled: 4 positive, 4 negative
    survey = (59 / 19 - 1) / 4 * 100
    assert city == {"points": 4, "responses": 19, "index": pytest.approx(0.6 * survey + 0.4 * 50),
                    "negative_share": pytest.approx(0.4)}
    district = briefing.sentiment_summary(ObservationData.load(observed, Scope("district", "D2")), start=NOW[0],
                                          end=NOW[1], min_responses=5)
    assert district["responses"] == 9
    assert district["index"] == pytest.approx(0.6 * ((19 / 9 - 1) / 4 * 100) + 0.4 * 60)


def test_too_few_responses_give_no_index(observed: Engine) -> None:
    data = ObservationData.load(observed, Scope("district", "D2"))
    summary = briefing.sentiment_summary(data, start=date(2026, 9, 1), end=date(2026, 9, 1), min_responses=5)
    assert summary["responses"] == 4 and summary["index"] is None and summary["negative_share"] is None


@pytest.fixture
def demands(points, engine: Engine) -> Engine:  # type: ignore[no-untyped-def]
    points.point(1, district="D1")
    points.point(2, district="D2")
    points.demand(1, 1, opened=date(2026, 9, 5), due=date(2026, 10, 5))  # open, overdue by 27 days at Nov 1
    points.demand(2, 2, opened=date(2026, 10, 20), due=date(2026, 11, 19), category="policy")  # open, not due
    points.demand(3, 1, opened=date(2026, 8, 1), due=date(2026, 9, 1), closed=date(2026, 10, 15))  # closed
    points.demand(4, 2, opened=date(2026, 7, 1), due=date(2026, 7, 31), closed=date(2026, 11, 5))  # open on Oct 31
    points.demand(5, 1, opened=date(2026, 11, 3), due=date(2026, 12, 3))  # after the month
    return engine


def test_demands_are_counted_by_their_dates_on_the_day(demands: Engine) -> None:
    summary = briefing.demand_summary(demands, day=date(2026, 10, 31))
    assert summary == {"open": 3, "overdue": 2, "opened": 1, "closed": 1}  # opened and closed in October (Q4 so far)
    listed = briefing.open_demands(demands, day=date(2026, 10, 31))
    assert list(listed["id"]) == [4, 1, 2]
    assert list(listed["days_overdue"]) == [93, 27, 0]
    by_category = briefing.demand_categories(demands, day=date(2026, 10, 31)).set_index("category")
    assert by_category.loc["parking"].tolist() == [2, 2] and by_category.loc["policy"].tolist() == [1, 0]
    district = briefing.demand_summary(demands, day=date(2026, 10, 31), scope=Scope("district", "D2"))
    assert district == {"open": 2, "overdue": 1, "opened": 1, "closed": 0}


def _plan(engine: Engine, code: str, start: int, end: int, scope: tuple[str, str | None] = ("city", None)) -> None:
    plans.create_plan(engine, user="tester", via="cli",
                      plan=plans.PlanInput(code, f"计划{code}", f"Plan {code}", start, end, *scope))


def test_the_plan_is_the_scopes_own_one_covering_the_year(engine: Engine, make) -> None:  # type: ignore[no-untyped-def]
    make.district("D1")
    _plan(engine, "CITY-A", 2025, 2027)
    _plan(engine, "CITY-B", 2026, 2026)
    _plan(engine, "TEMPLATE", 2026, 2028)
    _plan(engine, "D1-P", 2026, 2026, ("district", "D1"))
    with engine.begin() as conn:
        conn.execute(update(Plan).where(Plan.code == "TEMPLATE").values(is_template=True))
    assert briefing.plan_for(engine, scope=Scope(), year=2026)["code"] == "CITY-B"  # the latest-starting
    assert briefing.plan_for(engine, scope=Scope(), year=2025)["code"] == "CITY-A"
    assert briefing.plan_for(engine, scope=Scope(), year=2028) is None  # only the template covers it
    assert briefing.plan_for(engine, scope=Scope("district", "D1"), year=2026)["code"] == "D1-P"
    plan, table = briefing.target_status(engine, as_of=date(2028, 3, 1))
    assert plan is None and table.empty


def test_status_counts_group_the_statuses() -> None:
    table = pd.DataFrame({"status": ["on_track", "achieved", "at_risk", "off_track", "missed", "no_data",
                                     "no_target", "on_track"]})
    assert briefing.status_counts(table) == {"good": 3, "at_risk": 1, "bad": 2, "no_data": 2}


def test_the_window_is_the_quarter_so_far_against_the_whole_quarter_before() -> None:
    assert briefing.quarter_window(date(2026, 2, 17)) == ((date(2026, 1, 1), date(2026, 2, 1)),
                                                          (date(2025, 10, 1), date(2025, 12, 1)))


def test_headline_matches_the_raw_table(demo_url: str) -> None:
    engine = db.make_engine(demo_url)
    frame = briefing.headline(engine, as_of=date(2026, 10, 1))
    assert list(frame.index) == list(briefing.HEADLINE_CODES)
    with engine.connect() as conn:
        reporting = conn.execute(text("SELECT COUNT(*) FROM building_month WHERE month = '2026-10-01'")).scalar()
        tax = conn.execute(text("SELECT SUM(tax_10k) FROM building_month WHERE month BETWEEN '2026-01-01' AND "
                                "'2026-10-01'")).scalar()
        occupied, leasable = conn.execute(text("SELECT SUM(occupied_area_m2), SUM(leasable_area_m2) FROM "
                                               "building_month WHERE month = '2026-10-01'")).one()
    assert frame.loc["buildings_reporting", "value"] == reporting
    assert frame.loc["building_tax", "value"] == pytest.approx(tax)
    assert frame.loc["occupancy_rate", "value"] == pytest.approx(occupied / leasable)


def test_district_ranking_orders_the_districts_by_tax_this_year(demo_url: str) -> None:
    engine = db.make_engine(demo_url)
    ranking = briefing.district_ranking(engine, as_of=date(2026, 10, 1))
    with engine.connect() as conn:
        raw = pd.read_sql(text("SELECT b.district_code, m.month, m.tax_10k, m.occupied_area_m2, m.leasable_area_m2 "
                               "FROM building_month m JOIN building b ON b.id = m.building_id "
                               "WHERE m.month >= '2026-01-01' AND m.month <= '2026-10-01'"), conn)
    tax = raw.groupby("district_code")["tax_10k"].sum().sort_values(ascending=False)
    october = raw[raw["month"].astype(str).str.startswith("2026-10")].groupby("district_code")[
        ["occupied_area_m2", "leasable_area_m2"]].sum()
    assert len(ranking) == 11
    assert list(ranking["entity"]) == list(tax.index)
    assert list(ranking["rank"]) == list(range(1, 12))
    first = ranking.iloc[0]
    assert first["tax"] == pytest.approx(tax.iloc[0])
    assert first["occupancy"] == pytest.approx(100 * october.loc[first["entity"], "occupied_area_m2"]
                                               / october.loc[first["entity"], "leasable_area_m2"])


def test_alerts_panel_on_the_demo_city(demo_url: str) -> None:
    engine = db.make_engine(demo_url)
    panel = briefing.alerts_panel(engine, as_of=date(2026, 10, 1), today=date(2026, 10, 31), rules=RULES)
    assert (panel.start, panel.end) == (date(2026, 10, 1), date(2026, 10, 1))  # October: Q4 so far
    with engine.connect() as conn:
        responses = conn.execute(text("SELECT COUNT(*) FROM feedback WHERE submitted_on >= '2026-10-01' AND "
                                      "submitted_on < '2026-11-01'")).scalar()
        open_now = conn.execute(text("SELECT COUNT(*) FROM demand WHERE opened_on < '2026-11-01' AND "
                                     "(closed_on IS NULL OR closed_on >= '2026-11-01')")).scalar()
    assert panel.summary["responses"] == responses
    assert panel.demands["open"] == open_now
    assert 0 <= panel.summary["index"] <= 100
    assert set(panel.alerts["reason"]) <= {"index_drop", "negative_share", "index_drop+negative_share"}


def test_natural_breaks_give_the_leader_a_class_of_its_own() -> None:
    # {1, 2} {10, 11} {50}: squared deviations 0.5 + 0.5 + 0 = 1, the least of any three classes
    assert briefing.natural_breaks(pd.Series([50.0, 1.0, 10.0, 2.0, 11.0]), 3) == [1.0, 2.0, 11.0, 50.0]
    tax = pd.Series([176.8, 47.6, 17.1, 14.3, 12.4, 9.3, 5.7, 5.5, 4.3, 3.5, 2.2])  # the districts (亿元)
    edges = briefing.natural_breaks(tax, 4)
    classes = [briefing.break_class(v, edges) for v in tax]
    assert classes[0] == 3 and classes[1] == 2  # 天河 alone at the top, 海珠 (47.6) below it
    assert briefing.natural_breaks(pd.Series([5.0, 5.0]), 4) == [5.0, 5.0]
    assert briefing.break_class(None, edges) is None


def test_goal_rows_are_ordered_worst_first_keeping_the_plans_order_within_a_status() -> None:
    table = pd.DataFrame({"code": list("abcdef"),
                          "status": ["on_track", "off_track", "at_risk", "missed", "no_data", "at_risk"]})
    assert list(briefing.goals_worst_first(table)["code"]) == ["b", "d", "c", "f", "e", "a"]


def test_the_screen_comes_from_the_links_parameters() -> None:
    plan = briefing.screen_plan({"panels": "map:45,kpis,bogus,rankings:30,map:5"}, default_seconds=15)
    assert plan.panels == ("map", "kpis", "rankings") and plan.seconds == (45, 15, 30)
    assert plan.tick == 15 and [plan.ticks(k) for k in range(3)] == [3, 1, 2]  # gcd(45, 15, 30) = 15
    assert briefing.screen_plan({"pin": "alerts", "panels": "kpis"}, default_seconds=20) == \
        briefing.ScreenPlan(("alerts",), (20,), pinned=True)
    assert briefing.screen_plan({"panels": "kpis:0,map:x"}, default_seconds=20).seconds == (20, 20)
    assert briefing.screen_plan({}, default_seconds=20).panels == briefing.PANELS
    assert plan.position_of("rankings") == 2 and plan.position_of("alerts") == 0 and plan.position_of(None) == 0


def test_months_behind_counts_calendar_months() -> None:
    assert briefing.months_behind(date(2026, 10, 1), date(2026, 12, 6)) == 2
    assert briefing.months_behind(date(2025, 11, 1), date(2026, 2, 1)) == 3
    assert briefing.months_behind(None, date(2026, 2, 1)) is None


def test_every_unchanged_rank_comes_with_its_reason(demo_url: str) -> None:
    """The demo city's year-to-date ranking does not move between September and October: the month is complete
    (as many buildings report as the month before), so the reason is the gaps between neighbours."""
    engine = db.make_engine(demo_url)
    as_of = date(2026, 10, 1)
    frame = briefing.district_ranking(engine, as_of=as_of)
    note = briefing.ranking_note(engine, as_of=as_of, frame=frame)
    ranked = frame[frame["state"] == "ranked"].sort_values("rank")
    if (ranked["rank_change"] != 0).any():
        assert note.reason == "moved"
        return
    assert note.reason in ("steady", "open_month")
    if note.reason == "steady":
        gaps = ranked["tax"].shift(1) - ranked["tax"]
        assert note.smallest_gap == pytest.approx(float(gaps.dropna().min()))
    moved = frame.assign(rank_change=[1.0] + [0.0] * (len(frame) - 1))
    assert briefing.ranking_note(engine, as_of=as_of, frame=moved).reason == "moved"
