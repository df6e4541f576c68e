"""The URL state of the overview, goals and observation pages: pure parsers and serialisers (ui/view_state.py)."""

from __future__ import annotations

from datetime import date

import pytest

from data_layer.periods import Period, offered_numbers, offered_years
from ui import view_state as vs

FIRST, LAST = date(2024, 1, 1), date(2026, 10, 1)  # data from January 2024 through October 2026
DISTRICTS = {"440106", "440104"}


# --- overview ----------------------------------------------------------------------------------------------------


def _overview(**params: str) -> vs.OverviewView:
    return vs.parse_overview(params, districts=DISTRICTS, first_month=FIRST, last_month=LAST)


def test_an_empty_overview_url_is_the_year_to_date_through_the_latest_month() -> None:
    assert _overview() == vs.OverviewView(Period("ytd", 2026, 10), None, "building_tax", "building_tax")
    assert vs.overview_params(_overview(), last_month=LAST) == {}


@pytest.mark.parametrize("params", [
    {"period": "quarter-2026-3", "district": "440106", "trend": "occupancy_rate", "by": "registration_rate"},
    {"period": "month-2024-1"},
    {"period": "year-2025-12", "by": "tax_share"},
    {"trend": "buildings_reporting"},
])
def test_an_overview_view_survives_the_round_trip(params: dict[str, str]) -> None:
    view = _overview(**params)
    assert vs.overview_params(view, last_month=LAST) == params
    assert _overview(**vs.overview_params(view, last_month=LAST)) == view


@pytest.mark.parametrize("bad", [
    {"period": "month-2026-11"},  # after the latest month
    {"period": "quarter-2026-4"}, {"period": "year-2026-12"},  # running: one rule with the map, complete ones only
    {"period": "month-2023-12"},  # before the first year
    {"period": "quarter-2026-5"}, {"period": "week-2026-3"}, {"period": "ytd-2026"}, {"period": "ytd-x-1"},
    {"period": "ytd-99999999999999999999-1"}, {"district": "999999"}, {"district": ""},
    {"trend": "super_a"},  # grades are not dated: no trend
    {"by": "<script>"},
])
def test_bad_overview_values_fall_back_to_their_defaults(bad: dict[str, str]) -> None:
    assert _overview(**bad) == vs.overview_default(LAST)


def test_a_bad_value_only_resets_itself() -> None:
    view = _overview(period="quarter-2025-2", district="nowhere", trend="tax_share")
    assert (view.period, view.district, view.trend) == (Period("quarter", 2025, 2), None, "tax_share")


def test_every_picker_offers_complete_quarters_and_years_and_months_through_the_latest() -> None:
    assert offered_numbers("month", 2026, LAST) == list(range(1, 11))
    assert offered_numbers("quarter", 2026, LAST) == [1, 2, 3]  # October: the fourth quarter is running
    assert offered_numbers("quarter", 2026, date(2026, 12, 1)) == [1, 2, 3, 4]
    assert offered_numbers("year", 2025, LAST) == [12]
    assert offered_years("year", FIRST, LAST) == [2025, 2024]  # 2026 has not closed
    assert offered_years("ytd", FIRST, LAST) == [2026, 2025, 2024]


# --- goals -------------------------------------------------------------------------------------------------------

PLANS = {
    "GZ-2025-2027": vs.PlanChoice("city", 2025, 2027),
    "GZ-OLD": vs.PlanChoice("city", 2020, 2022),
    "TH-2025-2027": vs.PlanChoice("440106", 2025, 2027),
}


def _goals(**params: str) -> vs.GoalsView:
    return vs.parse_goals(params, plans=PLANS, districts=DISTRICTS, last_month=LAST)


def test_an_empty_goals_url_is_the_first_city_plan_at_the_latest_month() -> None:
    view = _goals()
    assert (view.scope, view.plan, view.as_of, view.pace, view.tab) == ("city", "GZ-2025-2027", LAST, "linear",
                                                                        "status")
    assert vs.goals_params(view, plans=PLANS, last_month=LAST) == {}


def test_as_of_september_seasonal_on_the_ranking_tab_round_trips() -> None:
    params = {"as_of": "2026-09", "pace": "seasonal", "tab": "ranking", "rank": "building_tax", "basis": "yoy",
              "level": "440106"}
    view = _goals(**params)
    assert (view.year, view.month, view.pace, view.tab, view.level) == (2026, 9, "seasonal", "ranking", "440106")
    assert vs.goals_params(view, plans=PLANS, last_month=LAST) == params


def test_a_district_plan_round_trips_with_its_scope() -> None:
    params = {"scope": "440106", "as_of": "2025-06", "tab": "movers", "ind": "occupancy_rate"}
    view = _goals(**params)
    assert (view.scope, view.plan, view.year, view.month, view.level) == ("440106", "TH-2025-2027", 2025, 6, "440106")
    assert vs.goals_params(view, plans=PLANS, last_month=LAST) == params


def test_an_older_plan_opens_at_its_last_year_and_december() -> None:
    view = _goals(plan="GZ-OLD")
    assert (view.plan, view.year, view.month) == ("GZ-OLD", 2022, 12)  # 2026 is outside 2020-2022: kept inside
    assert vs.goals_params(view, plans=PLANS, last_month=LAST) == {"plan": "GZ-OLD"}


@pytest.mark.parametrize("bad, expected", [
    ({"scope": "999999"}, {}),
    ({"plan": "TH-2025-2027"}, {}),  # a district's plan under the city scope: the city's first plan
    ({"plan": "NOPE"}, {}),
    ({"as_of": "2026-11"}, {}),  # no data after October: the year's latest month
    ({"as_of": "2024-03"}, {}),  # outside the plan's years
    ({"as_of": "2026-13"}, {}), ({"as_of": "2026"}, {}), ({"as_of": "x-y"}, {}),
    ({"pace": "quadratic"}, {}), ({"tab": "secret"}, {}), ({"rank": "drop table"}, {}), ({"basis": "?"}, {}),
    ({"level": "999999"}, {}),
    ({"scope": "440106", "level": "440104"}, {"scope": "440106"}),  # a district plan ranks its own streets
])
def test_bad_goals_values_fall_back_to_their_defaults(bad: dict[str, str], expected: dict[str, str]) -> None:
    assert vs.goals_params(_goals(**bad), plans=PLANS, last_month=LAST) == expected


def test_a_finished_year_defaults_to_december_and_the_running_one_to_the_latest_month() -> None:
    assert vs.goal_months(2025, LAST)[-1] == 12
    assert vs.goal_months(2026, LAST)[-1] == 10
    assert (_goals(as_of="2025-12").month, _goals(as_of="2026-10").month) == (12, 10)
    # the default for 2025 is December, so a 2025 view says so in the URL (it is not the plan's default year)
    assert vs.goals_params(_goals(as_of="2025-12"), plans=PLANS, last_month=LAST) == {"as_of": "2025-12"}


# --- observation points ------------------------------------------------------------------------------------------

QUARTERS = ["2026Q4", "2026Q3", "2026Q2"]
POINTS = {1: "440106", 2: "440106", 3: "440104"}


def _obs(**params: str) -> vs.ObservationView:
    return vs.parse_observation(params, quarters=QUARTERS, districts=DISTRICTS, point_district=POINTS)


def test_observation_view_round_trips() -> None:
    params = {"quarter": "2026Q3", "district": "440106", "point": "2", "tab": "demands"}
    view = _obs(**params)
    assert view == vs.ObservationView("2026Q3", "440106", 2, "demands")
    assert vs.observation_params(view, quarters=QUARTERS) == params
    assert vs.observation_params(_obs(), quarters=QUARTERS) == {}
    assert _obs() == vs.ObservationView("2026Q4")


@pytest.mark.parametrize("bad", [{"quarter": "2019Q1"}, {"quarter": "2026Q9"}, {"district": "x"}, {"point": "99"},
                                 {"point": "²"}, {"point": "-1"}, {"tab": "admin"}])
def test_bad_observation_values_fall_back(bad: dict[str, str]) -> None:
    assert _obs(**bad) == vs.ObservationView("2026Q4")


def test_a_point_outside_the_chosen_district_is_dropped() -> None:
    assert _obs(district="440104", point="1") == vs.ObservationView("2026Q4", "440104", None)
