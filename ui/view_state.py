"""The overview's, goals' and observation pages' choices kept in the URL, so a copied link opens the same view.

Like `ui.map_state`: for each page a pure parser (URL parameters -> a view, every bad value falling back to its
default, so an old or mistyped link still opens) and a pure serialiser (a view -> parameters, defaults left out so
links stay short), tested directly; then a thin Streamlit part that seeds the page's widget state from the URL the
first time a session renders the page and writes the widgets' values back to `st.query_params` after they are
drawn. Writing query parameters does not rerun the script, so keeping the URL costs no extra run. Other
parameters (`lang`, the map's) are left alone.

Parameters:
- overview: `period=ytd-2026-10` (also `month-`, `quarter-`, `year-`), `district=440106`, `trend=<indicator>` (the
  36-month trend), `by=<indicator>` (the district chart);
- goals: `scope=city|<district code>`, `plan=<code>`, `as_of=2026-09` (the plan year and the as-of month), `pace=`
  (linear, seasonal), `tab=` (status, chart, ranking, movers), `ind=` (the chart's indicator), `rank=`, `basis=`,
  `level=` (district or a district code for its streets);
- observation points: `quarter=2026Q3`, `district=`, `point=<id>`, `tab=` (map, trend, feedback, demands).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import streamlit as st

from data_layer.aggregates import DISTRICT_INDICATORS, TREND_INDICATORS
from data_layer.goal_rankings import BASES, RANKABLE
from data_layer.goals import PACE_METHODS
from data_layer.periods import Period, offered_numbers, offered_years
from ui.map_state import is_id, period_param, put_params

# --- overview ----------------------------------------------------------------------------------------------------

OVERVIEW_PARAMS = ("period", "district", "trend", "by")
DEFAULT_INDICATOR = "building_tax"


@dataclass(frozen=True)
class OverviewView:
    period: Period
    district: str | None = None
    trend: str = DEFAULT_INDICATOR
    by: str = DEFAULT_INDICATOR


def overview_default(last_month: date) -> OverviewView:
    return OverviewView(Period("ytd", last_month.year, last_month.month))


def parse_overview(params: Mapping[str, str], *, districts: set[str], first_month: date,
                   last_month: date) -> OverviewView:
    default = overview_default(last_month)
    period = default.period
    try:
        kind, year, number = (params.get("period") or "").split("-")
        asked = Period(kind, int(year), int(number))
        if asked.year in offered_years(asked.kind, first_month, last_month) and \
                asked.number in offered_numbers(asked.kind, asked.year, last_month):
            period = asked
    except ValueError:
        pass
    district = params.get("district")
    trend, by = params.get("trend", DEFAULT_INDICATOR), params.get("by", DEFAULT_INDICATOR)
    return OverviewView(period=period, district=district if district in districts else None,
                        trend=trend if trend in TREND_INDICATORS else DEFAULT_INDICATOR,
                        by=by if by in DISTRICT_INDICATORS else DEFAULT_INDICATOR)


def overview_params(view: OverviewView, *, last_month: date) -> dict[str, str]:
    default = overview_default(last_month)
    out: dict[str, str] = {}
    if view.period != default.period:
        out["period"] = period_param(view.period)
    if view.district:
        out["district"] = view.district
    if view.trend != default.trend:
        out["trend"] = view.trend
    if view.by != default.by:
        out["by"] = view.by
    return out


# --- goals -------------------------------------------------------------------------------------------------------

GOAL_PARAMS = ("scope", "plan", "as_of", "pace", "tab", "ind", "rank", "basis", "level")
GOAL_TABS = ("status", "chart", "ranking", "movers", "drivers", "commentary")


@dataclass(frozen=True)
class PlanChoice:
    """What the parser needs to know of a plan: its scope ("city" or a district code) and its years."""

    scope: str
    start_year: int
    end_year: int

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))


@dataclass(frozen=True)
class GoalsView:
    scope: str
    plan: str
    year: int
    month: int
    pace: str = "linear"
    tab: str = "status"
    indicator: str | None = None  # the chart's indicator; None: the table's first
    rank: str = RANKABLE[0]
    basis: str = BASES[0]
    level: str = "district"

    @property
    def as_of(self) -> date:
        return date(self.year, self.month, 1)


def goal_scopes(plans: Mapping[str, PlanChoice]) -> list[str]:
    """The page's scope choices: the city, then the districts that have a plan."""
    return ["city", *sorted({p.scope for p in plans.values() if p.scope != "city"})]


def plans_of(plans: Mapping[str, PlanChoice], scope: str) -> list[str]:
    return [code for code, plan in plans.items() if plan.scope == scope]


def default_year(plan: PlanChoice, last_month: date) -> int:
    """The year of the latest data, kept inside the plan's years."""
    return min(max(last_month.year, plan.start_year), plan.end_year)


def goal_months(year: int, last_month: date) -> list[int]:
    """As-of months of a plan year: through the latest month with data in its year, all twelve for other years."""
    return list(range(1, (last_month.month if year == last_month.year else 12) + 1))


def goals_default(plans: Mapping[str, PlanChoice], *, last_month: date, scope: str = "city",
                  plan: str | None = None) -> GoalsView:
    """The first plan of the scope, at the latest data's year and its last month (December for a finished year)."""
    code = plan or (plans_of(plans, scope) or list(plans))[0]
    year = default_year(plans[code], last_month)
    return GoalsView(scope=plans[code].scope, plan=code, year=year, month=goal_months(year, last_month)[-1])


def parse_goals(params: Mapping[str, str], *, plans: Mapping[str, PlanChoice], districts: set[str],
                last_month: date) -> GoalsView:
    """The goals view a URL describes. `plans`: the plans that are not templates, in the page's order (not empty).
    A plan outside the scope, a year outside the plan or a month without data gives that part's default."""
    scope = params.get("scope", "city")
    scope = scope if scope in goal_scopes(plans) else "city"
    plan = params.get("plan", "")
    view = goals_default(plans, last_month=last_month, scope=scope,
                         plan=plan if plan in plans and plans[plan].scope == scope else None)
    try:
        year_text, month_text = (params.get("as_of") or "").split("-")
        year, month = int(year_text), int(month_text)
        if year in plans[view.plan].years:
            months = goal_months(year, last_month)
            view = replace(view, year=year, month=month if month in months else months[-1])
    except ValueError:
        pass
    pace, tab = params.get("pace", "linear"), params.get("tab", "status")
    rank, basis, level = params.get("rank", RANKABLE[0]), params.get("basis", BASES[0]), params.get("level", "district")
    levels = {"district", *districts} if view.scope == "city" else {view.scope}
    return replace(view, pace=pace if pace in PACE_METHODS else "linear", tab=tab if tab in GOAL_TABS else "status",
                   indicator=params.get("ind") or None, rank=rank if rank in RANKABLE else RANKABLE[0],
                   basis=basis if basis in BASES else BASES[0],
                   level=level if level in levels else ("district" if view.scope == "city" else view.scope))


def goals_params(view: GoalsView, *, plans: Mapping[str, PlanChoice], last_month: date) -> dict[str, str]:
    default = goals_default(plans, last_month=last_month, scope=view.scope)
    out: dict[str, str] = {}
    if view.scope != "city":
        out["scope"] = view.scope
    if view.plan != default.plan:
        out["plan"] = view.plan
    plan_default = goals_default(plans, last_month=last_month, plan=view.plan)
    if (view.year, view.month) != (plan_default.year, plan_default.month):
        out["as_of"] = f"{view.year}-{view.month:02d}"
    level_default = "district" if view.scope == "city" else view.scope
    for name, value, fallback in (("pace", view.pace, "linear"), ("tab", view.tab, "status"),
                                  ("ind", view.indicator, None), ("rank", view.rank, RANKABLE[0]),
                                  ("basis", view.basis, BASES[0]), ("level", view.level, level_default)):
        if value and value != fallback:
            out[name] = value
    return out


# --- observation points ------------------------------------------------------------------------------------------

OBS_PARAMS = ("quarter", "district", "point", "tab")
OBS_TABS = ("map", "trend", "feedback", "demands")


@dataclass(frozen=True)
class ObservationView:
    quarter: str  # "2026Q3"
    district: str | None = None
    point: int | None = None
    tab: str = "map"


def parse_observation(params: Mapping[str, str], *, quarters: Sequence[str], districts: set[str],
                      point_district: Mapping[int, str]) -> ObservationView:
    """`quarters`: those with feedback, newest first (the default); a point outside the district is dropped."""
    quarter = params.get("quarter", "")
    district = params.get("district")
    district = district if district in districts else None
    text = params.get("point")
    point = int(text) if is_id(text) and int(text or 0) in point_district else None
    if point is not None and district is not None and point_district[point] != district:
        point = None
    tab = params.get("tab", "map")
    return ObservationView(quarter=quarter if quarter in quarters else quarters[0], district=district, point=point,
                           tab=tab if tab in OBS_TABS else "map")


def observation_params(view: ObservationView, *, quarters: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    if view.quarter != quarters[0]:
        out["quarter"] = view.quarter
    if view.district:
        out["district"] = view.district
    if view.point is not None:
        out["point"] = str(view.point)
    if view.tab != "map":
        out["tab"] = view.tab
    return out


# --- Streamlit: widgets <-> URL ----------------------------------------------------------------------------------


def url_params(names: Sequence[str], saved_key: str) -> dict[str, str]:
    """The URL's parameters, or, when it has none of this page's, the ones this session last wrote here: a page
    switch from the menu drops the URL's parameters, and coming back should not lose the view."""
    params = st.query_params.to_dict()
    if not any(name in params for name in names) and saved_key in st.session_state:
        return dict(st.session_state[saved_key])
    return params


def seed(values: Mapping[str, object]) -> None:
    """Widget state from a parsed view, for keys the session does not hold yet (first render of the page). None
    (the "whole city" or "all points" option) is left to the widget's first option: a selectbox whose state is set
    to None shows an empty choice instead of that option's label."""
    for key, value in values.items():
        if key not in st.session_state and value is not None:
            st.session_state[key] = value


def write_url(wanted: Mapping[str, str], *, names: Sequence[str], saved_key: str) -> None:
    """Put this page's parameters into the URL (only those that changed; no rerun), and remember them."""
    st.session_state[saved_key] = dict(wanted)
    put_params(wanted, names)


def tab_state(key: str, codes: Sequence[str], labels: Sequence[str], wanted: str) -> None:
    """Seed a keyed st.tabs (whose state is its label) with the tab `wanted` names, once per session."""
    if key not in st.session_state:
        st.session_state[key] = labels[codes.index(wanted)]


def tab_code(key: str, codes: Sequence[str], labels: Sequence[str]) -> str:
    """The open tab's code (its state holds the translated label)."""
    label = st.session_state.get(key)
    return codes[labels.index(label)] if label in labels else codes[0]
