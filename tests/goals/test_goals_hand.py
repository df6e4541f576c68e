"""Goal tracking on small hand-built datasets. Every expected value is worked out by hand in the comments, not by
the code under test."""

from __future__ import annotations

import math
from datetime import date

import pytest

from data_layer import goal_rankings, goals
from data_layer.aggregates import Scope
from data_layer.goals import Margins, status_of
from data_layer.periods import Period
from tests.goals.conftest import GoalFactory, months_of

CITY = Scope()


def _row(table, indicator: str) -> dict:
    """One indicator's row, with missing numbers as None."""
    rows = table[table["indicator"] == indicator].to_dict("records")
    assert len(rows) == 1
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in rows[0].items()}


# ------------------------------------------------------------------------- a building crossing 10M mid-year


@pytest.fixture
def crossing(gf: GoalFactory):
    """B1 pays 200 万元 a month (year to date: Apr 800, May 1,000, Jun 1,200); B2 pays 50 a month."""
    gf.district("D1")
    gf.building(1, "D1")
    gf.building(2, "D1")
    gf.months(1, {m: {"tax_10k": 200.0} for m in months_of(2025, 1, 6)})
    gf.months(2, {m: {"tax_10k": 50.0} for m in months_of(2025, 1, 6)})
    return gf


def test_a_building_crossing_10m_counts_from_the_month_it_reaches_the_bound(crossing, engine) -> None:
    def count(month: int) -> float | None:
        values = goals.indicator_values(engine, scope=CITY, as_of=date(2025, month, 1), codes=["buildings_tax_10m"])
        return values["buildings_tax_10m"].actual

    assert count(4) == 0  # 800 < 1,000
    assert count(5) == 1  # exactly 1,000: the bound is inclusive
    assert count(6) == 1


def test_forecast_counts_buildings_on_course_to_cross(crossing, engine) -> None:
    crossing.plan("P10M", {"buildings_tax_10m": 1})
    table = goals.goal_table(engine, plan_code="P10M", as_of=date(2025, 3, 1))
    row = _row(table, "buildings_tax_10m")
    # March, linear pace: a building is on course when its YTD ≥ 1,000 × 3/12 = 250: B1 has 600, B2 150.
    assert row["actual"] == 0 and row["progress"] == 0.0
    assert row["forecast"] == 1
    assert row["status"] == "on_track"


def test_drill_down_names_the_building_that_entered_the_list(crossing, engine) -> None:
    movers = goal_rankings.threshold_movers(engine, scope=CITY, as_of=date(2025, 5, 1))
    assert movers[["movement", "code", "ytd_before", "ytd_now"]].values.tolist() == [["entered", "B1", 800.0, 1000.0]]
    assert goal_rankings.threshold_movers(engine, scope=CITY, as_of=date(2025, 6, 1)).empty  # already on it


def test_a_correction_to_an_earlier_month_moves_the_crossing(crossing, engine) -> None:
    crossing.set_tax(1, date(2025, 2, 1), 100.0)  # B1's year to date: May 900, June 1,100
    values = {m: goals.indicator_values(engine, scope=CITY, as_of=date(2025, m, 1), codes=["buildings_tax_10m"])
              for m in (5, 6)}
    assert values[5]["buildings_tax_10m"].actual == 0
    assert values[6]["buildings_tax_10m"].actual == 1


def test_a_building_that_skips_a_month_keeps_its_year_to_date(gf: GoalFactory, engine) -> None:
    gf.district("D1")
    gf.building(1, "D1")
    gf.building(3, "D1")
    gf.months(1, {m: {"tax_10k": 200.0} for m in months_of(2025, 1, 4)})
    gf.months(3, {date(2025, 1, 1): {"tax_10k": 600.0}, date(2025, 2, 1): {"tax_10k": 500.0},
                  date(2025, 4, 1): {"tax_10k": 0.0}})  # no report in March
    march = goals.indicator_values(engine, scope=CITY, as_of=date(2025, 3, 1), codes=["buildings_tax_10m"])
    assert march["buildings_tax_10m"].actual == 1  # B3: 600 + 500 = 1,100 through March; B1 only 600


# ------------------------------------------------------------------------------- an as-of at a quarter end


@pytest.fixture
def quarter(gf: GoalFactory):
    """One building, leasable 1,000 m².
    2024: tax 100 a month Jan-Jun and 200 Jul-Dec (1,800; half-year share 600/1,800 = 1/3), occupied 600,
          new enterprises 1 a month. City tax 1,000 a month.
    2025 Jan-Jun: tax 150 a month (900), occupied 650, 660 ... 700 (65 % rising 1 point a month),
          registered 8 of 10 operating (80 %), new enterprises 2 a month. City tax 1,000 a month."""
    gf.district("D1")
    gf.building(1, "D1")
    gf.months(1, {m: {"tax_10k": 100.0 if m.month <= 6 else 200.0, "occupied_area_m2": 600.0, "new_enterprises": 1}
                  for m in months_of(2024)})
    gf.months(1, {m: {"tax_10k": 150.0, "occupied_area_m2": 640.0 + 10 * m.month, "new_enterprises": 2}
                  for m in months_of(2025, 1, 6)})
    gf.city({m: 1_000.0 for m in months_of(2024) + months_of(2025, 1, 6)})
    gf.plan("PQ", {"building_tax": 2_900, "occupancy_rate": 72, "registration_rate": 81, "tax_share": 14,
                   "new_enterprises": 20})
    return gf


def test_quarter_end_with_linear_pace(quarter, engine) -> None:
    table = goals.goal_table(engine, plan_code="PQ", as_of=date(2025, 6, 1), pace="linear",
                             margins=Margins(share=0.10, pp=2.0))
    tax = _row(table, "building_tax")
    assert tax["actual"] == 900
    assert tax["progress"] == pytest.approx(900 / 2_900)
    assert tax["expected"] == pytest.approx(2_900 * 6 / 12)  # 1,450
    assert tax["pace_ratio"] == pytest.approx(900 / 1_450)
    assert tax["forecast"] == pytest.approx(1_800)  # 900 ÷ (6/12)
    assert tax["status"] == "off_track"  # short by 1,100 > 10 % of 2,900
    occupancy = _row(table, "occupancy_rate")
    assert occupancy["actual"] == pytest.approx(70.0)
    assert occupancy["gap"] == pytest.approx(-2.0) and occupancy["progress"] is None
    assert occupancy["expected"] is None  # rates compare their current value; no pace
    assert occupancy["forecast"] == pytest.approx(76.0)  # 70 + 1 point a month × 6 months left
    assert occupancy["status"] == "on_track"
    registration = _row(table, "registration_rate")
    assert registration["actual"] == pytest.approx(80.0) and registration["forecast"] == pytest.approx(80.0)
    assert registration["status"] == "at_risk"  # 1 point short, within 2 points
    share = _row(table, "tax_share")
    assert share["actual"] == pytest.approx(15.0)  # 900 ÷ 6,000
    assert share["status"] == "on_track"
    enterprises = _row(table, "new_enterprises")
    assert enterprises["actual"] == 12 and enterprises["expected"] == pytest.approx(10.0)
    assert enterprises["forecast"] == pytest.approx(24.0) and enterprises["status"] == "on_track"
    assert not table["final"].any()


def test_quarter_end_with_seasonal_pace_from_last_years_profile(quarter, engine) -> None:
    table = goals.goal_table(engine, plan_code="PQ", as_of=date(2025, 6, 1), pace="seasonal",
                             margins=Margins(share=0.10, pp=2.0))
    tax = _row(table, "building_tax")
    assert tax["pace_method"] == "seasonal"
    assert tax["expected"] == pytest.approx(2_900 / 3)  # last year's first half was a third of its total
    assert tax["forecast"] == pytest.approx(2_700)  # 900 ÷ (1/3)
    assert tax["status"] == "at_risk"  # short by 200 ≤ 290
    share = _row(table, "tax_share")
    assert share["forecast"] == pytest.approx(100 * 2_700 / 12_000)  # city tax was flat: 6,000 ÷ 0.5


def test_actuals_for_month_quarter_year_to_date_and_year(quarter, engine) -> None:
    def values(period: Period) -> dict:
        frame = goals.actuals(engine, scope=CITY, period=period,
                              codes=["building_tax", "occupancy_rate", "tax_share", "new_enterprises"])
        return dict(zip(frame["indicator"], frame["value"], strict=True))

    q2 = values(Period("quarter", 2025, 2))
    assert q2["building_tax"] == 450 and q2["new_enterprises"] == 6
    assert q2["occupancy_rate"] == pytest.approx(70.0)  # read in June
    assert q2["tax_share"] == pytest.approx(15.0)  # 450 ÷ 3,000
    may = values(Period("month", 2025, 5))
    assert may["building_tax"] == 150 and may["occupancy_rate"] == pytest.approx(69.0)
    assert values(Period("ytd", 2025, 6))["building_tax"] == 900
    year = values(Period("year", 2024))
    assert year["building_tax"] == 1_800 and year["occupancy_rate"] == pytest.approx(60.0)


def test_margins_come_from_the_settings(quarter, engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_AT_RISK_SHARE", "0.40")  # 40 % of 2,900 = 1,160 ≥ the 1,100 shortfall
    monkeypatch.setenv("DASHBOARD_AT_RISK_PP", "0.5")  # registration is 1 point short: beyond half a point
    table = goals.goal_table(engine, plan_code="PQ", as_of=date(2025, 6, 1))
    assert _row(table, "building_tax")["status"] == "at_risk"
    assert _row(table, "registration_rate")["status"] == "off_track"


def test_a_past_year_shows_its_final_attainment(quarter, engine) -> None:
    quarter.plan("P24", {"building_tax": 1_800, "occupancy_rate": 60.5}, year=2024)
    table = goals.goal_table(engine, plan_code="P24", as_of=date(2024, 12, 1))
    assert table["final"].all()
    assert _row(table, "building_tax")["status"] == "achieved"  # exactly the target: met
    assert _row(table, "occupancy_rate")["status"] == "missed"  # 60.0 < 60.5, although within the margin


# ------------------------------------------------------------------------------------ lower is better


@pytest.fixture
def vacancy(gf: GoalFactory):
    """D1: leasable 1,000, occupied 600, 620 ... 700 in Jan-Jun 2025, so vacant 400 falling 20 a month to 300.
    D2: one building with 100 m² vacant in June."""
    gf.district("D1")
    gf.district("D2")
    gf.building(1, "D1")
    gf.building(2, "D2")
    gf.months(1, {m: {"occupied_area_m2": 580.0 + 20 * m.month} for m in months_of(2025, 1, 6)})
    gf.months(2, {date(2025, 6, 1): {"occupied_area_m2": 900.0}})
    return gf


def test_vacant_area_is_lower_is_better(vacancy, engine) -> None:
    vacancy.plan("PV", {"vacant_area": 170}, scope_type="district", scope_code="D1")
    row = _row(goals.goal_table(engine, plan_code="PV", as_of=date(2025, 6, 1)), "vacant_area")
    assert row["comparator"] == "<="  # the registry's default for lower-is-better
    assert row["actual"] == 300
    assert row["forecast"] == pytest.approx(180)  # 300 − 20 a month × 6
    assert row["status"] == "at_risk"  # 10 over the target, within 10 % of 170
    def status(target: float) -> str:
        return status_of(forecast=180, target=target, comparator="<=", unit="m2", final=False, margins=Margins())

    assert status(200) == "on_track"
    assert status(150) == "off_track"  # 30 over, beyond 10 % of 150


def test_lower_is_better_ranks_the_smallest_first(vacancy, engine) -> None:
    ranking = goal_rankings.ranking(engine, code="vacant_area", as_of=date(2025, 6, 1), min_buildings=1)
    assert ranking[["entity", "rank"]].values.tolist() == [["D2", 1.0], ["D1", 2.0]]


def test_overdue_demands_counted_at_month_end(vacancy, engine) -> None:
    vacancy.demand(1, date(2025, 3, 1), date(2025, 3, 31), None)  # overdue from the end of March on
    vacancy.demand(1, date(2025, 4, 10), date(2025, 5, 10), date(2025, 5, 20))  # closed late, but before May ends
    vacancy.demand(1, date(2025, 5, 1), date(2025, 5, 15), date(2025, 6, 20))  # open and overdue at the end of May
    may = goals.indicator_values(engine, scope=CITY, as_of=date(2025, 5, 1), codes=["overdue_demands"])
    assert may["overdue_demands"].actual == 2
    june = goals.indicator_values(engine, scope=CITY, as_of=date(2025, 6, 1), codes=["overdue_demands"])
    # month ends Jan-Jun: 0, 0, 1, 1, 2, 1; least-squares slope 5.5 / 17.5 per month, 6 months left
    assert june["overdue_demands"].actual == 1
    assert june["overdue_demands"].forecast == pytest.approx(1 + 6 * 5.5 / 17.5)


# ------------------------------------------------------------------------- a district with no data in a month


@pytest.fixture
def gap(gf: GoalFactory):
    """D1: two buildings, 600 of 1,000 m² occupied and 100 万元 tax each, Jan-Jun 2025.
    D2: one building, 900 occupied and 300 tax, Jan-May only (nothing for June). D3: no buildings at all."""
    for code in ("D1", "D2", "D3"):
        gf.district(code)
    gf.building(1, "D1")
    gf.building(2, "D1")
    gf.building(3, "D2")
    for building in (1, 2):
        gf.months(building, {m: {"occupied_area_m2": 600.0, "tax_10k": 100.0} for m in months_of(2025, 1, 6)})
    gf.months(3, {m: {"occupied_area_m2": 900.0, "tax_10k": 300.0} for m in months_of(2025, 1, 5)})
    return gf


def test_the_city_total_leaves_out_a_district_that_did_not_report(gap, engine) -> None:
    june = goals.indicator_values(engine, scope=CITY, as_of=date(2025, 6, 1), codes=["occupancy_rate", "building_tax"])
    assert june["occupancy_rate"].actual == pytest.approx(60.0)  # (600 + 600) ÷ 2,000: D2 absent
    assert june["building_tax"].actual == 2_700  # D1 6 × 200 + D2 5 × 300
    may = goals.indicator_values(engine, scope=CITY, as_of=date(2025, 5, 1), codes=["occupancy_rate"])
    assert may["occupancy_rate"].actual == pytest.approx(70.0)  # 2,100 ÷ 3,000


def test_a_district_without_data_this_month_says_so(gap, engine) -> None:
    gap.plan("PD2", {"occupancy_rate": 80, "building_tax": 3_000}, scope_type="district", scope_code="D2")
    table = goals.goal_table(engine, plan_code="PD2", as_of=date(2025, 6, 1))
    occupancy = _row(table, "occupancy_rate")
    assert occupancy["actual"] is None and occupancy["status"] == "no_data" and occupancy["note"] == "no_data"
    tax = _row(table, "building_tax")
    assert tax["actual"] == 1_500 and tax["note"] == "incomplete"
    assert tax["forecast"] == pytest.approx(1_500 / (5 / 12))  # from the five months reported: 3,600
    assert tax["status"] == "on_track"


def test_ranking_lists_every_district_and_ranks_those_with_data(gap, engine) -> None:
    ranking = goal_rankings.ranking(engine, code="occupancy_rate", as_of=date(2025, 6, 1), min_buildings=1)
    assert set(ranking["entity"]) == {"D1", "D2", "D3"}
    rows = ranking.set_index("entity")
    assert rows.at["D1", "rank"] == 1 and rows.at["D1", "state"] == "ranked"
    assert rows.at["D1", "previous_rank"] == 2  # in May D2 led with 90 %
    assert rows.at["D1", "rank_change"] == 1  # moved up one place
    assert rows.at["D2", "state"] == "no_data" and rows.at["D3", "state"] == "no_data"


def test_minimum_size_rule_keeps_a_tiny_district_off_the_top(gap, engine) -> None:
    strict = goal_rankings.ranking(engine, code="occupancy_rate", as_of=date(2025, 5, 1), min_buildings=2)
    rows = strict.set_index("entity")
    assert rows.at["D1", "rank"] == 1
    assert rows.at["D2", "state"] == "too_small"  # 90 % but one building
    loose = goal_rankings.ranking(engine, code="occupancy_rate", as_of=date(2025, 5, 1), min_buildings=1)
    assert loose.set_index("entity").at["D2", "rank"] == 1


# --------------------------------------------------------------------------------- new 亿元楼宇, streets, other


def test_a_new_100m_building_was_not_over_the_bound_last_year(gf: GoalFactory, engine) -> None:
    gf.district("D1")
    for building in (1, 2, 3, 4):
        gf.building(building, "D1")
    last_year = {1: 1_000.0, 2: 600.0, 4: 1_000.0}  # a month in 2024: B1 and B4 end at 12,000, B2 at 7,200
    this_year = {1: 4_000.0, 2: 4_000.0, 3: 3_500.0, 4: 100.0}  # a month in 2025, Jan-Mar
    for building, tax in last_year.items():
        gf.months(building, {m: {"tax_10k": tax} for m in months_of(2024)})
    for building, tax in this_year.items():
        gf.months(building, {m: {"tax_10k": tax} for m in months_of(2025, 1, 3)})
    values = goals.indicator_values(engine, scope=CITY, as_of=date(2025, 3, 1),
                                    codes=["buildings_tax_100m", "new_buildings_tax_100m"])
    assert values["buildings_tax_100m"].actual == 3  # B1 12,000, B2 12,000, B3 10,500
    assert values["new_buildings_tax_100m"].actual == 2  # B2 (7,200 last year) and B3 (no report last year)
    # March, linear: on course means YTD ≥ 10,000 × 3/12 = 2,500 (B1, B2, B3); "new" still compares last year
    # with the full bound, so B2 (7,200 < 10,000) stays new and B1 does not
    assert values["buildings_tax_100m"].forecast == 3
    assert values["new_buildings_tax_100m"].forecast == 2


def test_designations_have_no_history_and_events_no_source(gf: GoalFactory, engine) -> None:
    gf.district("D1")
    gf.building(1, "D1", is_featured=True)
    gf.building(2, "D1")
    gf.months(1, {m: {} for m in months_of(2024) + months_of(2025, 1, 3)})
    gf.plan("P24", {"featured_buildings": 1, "promotion_events": (70, ">")}, year=2024)
    gf.plan("P25", {"featured_buildings": 1}, year=2025)
    past = goals.goal_table(engine, plan_code="P24", as_of=date(2024, 12, 1))
    assert _row(past, "featured_buildings")["note"] == "no_history"
    assert _row(past, "featured_buildings")["status"] == "no_data"
    events = _row(past, "promotion_events")
    assert events["comparator"] == ">" and events["note"] == "no_source" and events["status"] == "no_data"
    now = _row(goals.goal_table(engine, plan_code="P25", as_of=date(2025, 3, 1)), "featured_buildings")
    assert now["actual"] == 1 and now["status"] == "on_track"


def test_street_scope_and_street_ranking(gf: GoalFactory, engine) -> None:
    gf.district("D1")
    s1, s2 = gf.street(1, "D1"), gf.street(2, "D1")
    gf.building(1, "D1", street_id=1)
    gf.building(2, "D1", street_id=2)
    gf.building(3, "D1")  # no street: in the district, in no street
    gf.months(1, {date(2025, 1, 1): {"occupied_area_m2": 800.0}})
    gf.months(2, {date(2025, 1, 1): {"occupied_area_m2": 400.0}})
    gf.months(3, {date(2025, 1, 1): {"occupied_area_m2": 0.0}})
    street = goals.indicator_values(engine, scope=Scope("street", s1), as_of=date(2025, 1, 1), codes=["occupancy_rate"])
    assert street["occupancy_rate"].actual == pytest.approx(80.0)
    district = goals.indicator_values(engine, scope=Scope("district", "D1"), as_of=date(2025, 1, 1),
                                      codes=["occupancy_rate"])
    assert district["occupancy_rate"].actual == pytest.approx(40.0)  # 1,200 ÷ 3,000
    ranking = goal_rankings.ranking(engine, code="occupancy_rate", as_of=date(2025, 1, 1), level="street",
                                    district="D1", min_buildings=1)
    assert ranking[["entity", "rank"]].values.tolist() == [[s1, 1.0], [s2, 2.0]]


def test_attainment_by_year_has_final_past_years_and_targets_ahead(quarter, engine) -> None:
    from data_layer import plans

    plans.create_plan(engine, user="tester", plan=plans.PlanInput("P3", "三年", "Three", 2024, 2026), targets=[
        {"indicator_code": "building_tax", "year": year, "target_value": value}
        for year, value in ((2024, 2_000), (2025, 2_900), (2026, 3_500))])
    frame = goals.attainment_by_year(engine, plan_code="P3", as_of=date(2025, 6, 1)).set_index("year")
    assert frame.at[2024, "actual"] == 1_800 and frame.at[2024, "status"] == "missed" and frame.at[2024, "final"]
    assert frame.at[2025, "actual"] == 900 and frame.at[2025, "status"] == "off_track"
    assert frame.at[2026, "target"] == 3_500 and frame.at[2026, "status"] == "no_data"


# ------------------------------------------------------------------------- review fixes: final, progress, margins


def test_an_as_of_december_without_december_data_is_not_final(quarter, engine) -> None:
    # data only through June 2025: December is asked for but has not happened in the store
    table = goals.goal_table(engine, plan_code="PQ", as_of=date(2025, 12, 1), pace="linear",
                             margins=Margins(share=0.10, pp=2.0))
    assert not table["final"].any()
    tax = _row(table, "building_tax")
    assert tax["actual"] == 900 and tax["note"] == "incomplete"  # Jan-Jun, six of twelve months
    assert tax["forecast"] == pytest.approx(1_800)  # 900 ÷ (6/12), not the 900 reported so far
    assert tax["status"] == "off_track"  # short by 1,100 > 290; not "missed"


@pytest.fixture
def stops_in_october(gf: GoalFactory):
    """2024: tax 100 a month Jan-Oct only (1,000), occupied 600 of 1,000 m² (60 %); 2025: January reported, so
    2024 is over although its November and December never came."""
    gf.district("D1")
    gf.building(1, "D1")
    gf.months(1, {m: {"tax_10k": 100.0, "occupied_area_m2": 600.0} for m in months_of(2024, 1, 10)})
    gf.months(1, {date(2025, 1, 1): {"tax_10k": 100.0, "occupied_area_m2": 600.0}})
    return gf


def test_a_past_year_without_december_data_is_final(stops_in_october, engine) -> None:
    from data_layer import plans

    plans.create_plan(engine, user="tester", plan=plans.PlanInput("P2Y", "两年", "Two", 2024, 2025), targets=[
        {"indicator_code": "building_tax", "year": 2024, "target_value": 1_100},
        {"indicator_code": "occupancy_rate", "year": 2024, "target_value": 59}])
    december = goals.goal_table(engine, plan_code="P2Y", as_of=date(2024, 12, 1))
    assert december["final"].all()  # read in October, the year's last month with data
    tax = _row(december, "building_tax")
    assert tax["actual"] == 1_000 and tax["forecast"] == 1_000
    assert tax["status"] == "missed"  # 1,000 < 1,100; a pace forecast would have said 1,200, on track
    occupancy = _row(december, "occupancy_rate")
    assert occupancy["actual"] == pytest.approx(60.0) and occupancy["status"] == "achieved"  # October's 60 ≥ 59
    frame = goals.attainment_by_year(engine, plan_code="P2Y", as_of=date(2025, 1, 1))
    past = frame[frame["year"] == 2024].set_index("indicator")
    assert past["final"].all()
    assert past.at["building_tax", "status"] == "missed" and past.at["occupancy_rate", "status"] == "achieved"
    # an earlier month of a finished year is a look back, not the final result
    assert not goals.goal_table(engine, plan_code="P2Y", as_of=date(2024, 6, 1))["final"].any()


def test_the_final_rule() -> None:
    def final(as_of: date, latest: date | None, year_last: date | None) -> bool:
        return goals.is_final(as_of, latest=latest, year_last=year_last)

    assert final(date(2025, 12, 1), date(2025, 12, 1), date(2025, 12, 1))  # December with December data
    assert not final(date(2025, 12, 1), date(2025, 10, 1), date(2025, 10, 1))  # December asked, October stored
    assert final(date(2025, 12, 1), date(2026, 3, 1), date(2025, 10, 1))  # a later year exists: no more to come
    assert final(date(2025, 10, 1), date(2026, 3, 1), date(2025, 10, 1))
    assert not final(date(2025, 9, 1), date(2026, 3, 1), date(2025, 10, 1))  # before the year's last month
    assert not final(date(2025, 12, 1), None, None)  # an empty store


def test_progress_is_attainment_whichever_way_the_target_is_met(vacancy, engine) -> None:
    vacancy.plan("PV", {"vacant_area": 170}, scope_type="district", scope_code="D1")
    row = _row(goals.goal_table(engine, plan_code="PV", as_of=date(2025, 6, 1)), "vacant_area")
    assert row["actual"] == 300
    assert row["progress"] == pytest.approx(170 / 300)  # 56.7 %: worse than the target, below 100 %

    def progress(actual: float, target: float, comparator: str) -> float | None:
        return goals.progress_of(actual=actual, target=target, comparator=comparator, unit="m2")

    assert progress(1.0, 0.8, "<=") == pytest.approx(0.8)  # the review's example: 1.0 against at most 0.8
    assert progress(0.5, 0.8, "<=") == pytest.approx(1.6)  # better than the target: over 100 %
    assert progress(0.0, 0.8, "<") is None  # nothing vacant: no ratio, the status says it
    assert progress(900, 2_900, ">=") == pytest.approx(900 / 2_900)
    assert goals.progress_of(actual=70, target=72, comparator=">=", unit="pct") is None  # rates: gap in points


def test_at_risk_means_short_by_less_than_the_margin() -> None:
    def status(forecast: float, target: float, unit: str, comparator: str = ">=") -> str:
        return status_of(forecast=forecast, target=target, comparator=comparator, unit=unit, final=False,
                         margins=Margins(share=0.10, pp=2.0))

    assert status(2_610, 2_900, "10k_yuan") == "off_track"  # short by exactly 290 = 10 % of 2,900
    assert status(2_611, 2_900, "10k_yuan") == "at_risk"  # short by 289
    assert status(78.0, 80.0, "pct") == "off_track"  # exactly 2 points short
    assert status(78.5, 80.0, "pct") == "at_risk"
    assert status(187, 170, "m2", "<=") == "off_track"  # 17 over = 10 % of 170
    assert status(186, 170, "m2", "<=") == "at_risk"


# ------------------------------------------------------------------------------------ renovations are a flow


def test_renovations_are_paced_and_forecast_like_a_flow(gf: GoalFactory, engine) -> None:
    """B1 and B2 finished their renovation in 2025, B3 in 2024. 2024 tax is all in December, so a seasonal
    profile exists for tax; renovations are dated by year only and must stay linear."""
    gf.district("D1")
    gf.building(1, "D1", renovated_year=2025)
    gf.building(2, "D1", renovated_year=2025)
    gf.building(3, "D1", renovated_year=2024)
    gf.months(1, {m: {"tax_10k": 1_200.0 if m.month == 12 else 0.0} for m in months_of(2024)})
    gf.months(1, {m: {} for m in months_of(2025, 1, 3)})
    gf.plan("PR", {"renovated_buildings": 10})
    row = _row(goals.goal_table(engine, plan_code="PR", as_of=date(2025, 3, 1), pace="seasonal",
                                margins=Margins(share=0.10, pp=2.0)), "renovated_buildings")
    assert row["actual"] == 2
    assert row["pace_method"] == "linear" and row["expected"] == pytest.approx(2.5)  # 10 × 3/12
    assert row["forecast"] == pytest.approx(8.0)  # 2 ÷ (3/12)
    assert row["status"] == "off_track"  # 2 short of 10, beyond 1
    assert row["note"] == "year_dated"


# ------------------------------------------------------------------------------------ yoy with a zero base


def test_a_zero_base_last_year_is_not_comparable_rather_than_no_data(gf: GoalFactory, engine) -> None:
    """New enterprises in June (each area reports only June, so the year to date is June's figure):
    D1 0 in 2024, 5 in 2025; D2 2 then 4 (+100 %); D3 reports only in 2025."""
    for code in ("D1", "D2", "D3"):
        gf.district(code)
        gf.building(int(code[1]), code)
    gf.months(1, {date(2024, 6, 1): {"new_enterprises": 0}, date(2025, 6, 1): {"new_enterprises": 5}})
    gf.months(2, {date(2024, 6, 1): {"new_enterprises": 2}, date(2025, 6, 1): {"new_enterprises": 4}})
    gf.months(3, {date(2025, 6, 1): {"new_enterprises": 3}})
    ranking = goal_rankings.ranking(engine, code="new_enterprises", as_of=date(2025, 6, 1), basis="yoy",
                                    min_buildings=1).set_index("entity")
    assert ranking.at["D2", "state"] == "ranked" and ranking.at["D2", "score"] == pytest.approx(100.0)
    assert ranking.at["D1", "state"] == "zero_base" and ranking.at["D1", "value"] == 5
    assert ranking.at["D3", "state"] == "no_base"


def test_occupancy_movers_rank_by_the_change_in_occupied_area(gf: GoalFactory, engine) -> None:
    gf.district("D1")
    gf.district("D2")
    for building_id, district in ((1, "D1"), (2, "D1"), (3, "D1"), (4, "D1"), (5, "D2")):
        gf.building(building_id, district)
    feb, mar = date(2025, 2, 1), date(2025, 3, 1)
    gf.months(1, {feb: {"occupied_area_m2": 100.0}, mar: {"occupied_area_m2": 900.0}})  # +800
    gf.months(2, {mar: {"occupied_area_m2": 500.0}})  # new in March: +500
    gf.months(3, {feb: {"occupied_area_m2": 300.0}})  # gone in March: -300
    gf.months(4, {feb: {"occupied_area_m2": 400.0}, mar: {"occupied_area_m2": 400.0}})  # unchanged
    gf.months(5, {feb: {"occupied_area_m2": 0.0}, mar: {"occupied_area_m2": 1_000.0}})  # +1,000 but in D2
    movers = goal_rankings.occupancy_movers(engine, scope=Scope("district", "D1"), as_of=mar, limit=3)
    assert movers["code"].tolist() == ["B1", "B2", "B3"]  # |+800| > |+500| > |-300|; the limit drops B4
    assert movers["state"].tolist() == ["both", "new", "gone"]
    assert movers["delta_m2"].tolist() == [800.0, 500.0, -300.0]
    assert movers.loc[0, "rate_before"] == 10.0 and movers.loc[0, "rate_now"] == 90.0  # of 1,000 m² leasable
    city = goal_rankings.occupancy_movers(engine, scope=CITY, as_of=mar, limit=1)
    assert city["code"].tolist() == ["B5"]
