"""Warm after an import (issue 22): no visitor pays for a data change.

Every write (an import, undo, restore, plan edit, also one made by the command line in another process or in
another replica) bumps the store's data version, and every cached wrapper in data_layer/cached is keyed by it: the
first visit after a write would compute the pages' data afresh. One daemon thread per process and store (started
from app.py through `st.cache_resource`) polls the data version every `DASHBOARD_WARM_INTERVAL` seconds and, when
it changed, calls the cached wrappers of each page's default view (overview, map, goals, observation and the wall
screen: the newest period, the whole city, the default language) with the new version, so they are filled before anyone asks.

Bounded and one at a time: one thread, one page after the other, under a lock (a test or a second start never runs
two warmings together); the import never waits for it (it only reads, after the write committed) and a page run
that asks for an entry being warmed waits for that one computation instead of starting a second (Streamlit's
per-key compute lock). The defaults come from the same helpers the pages use (ui.view_state, ui.map_state,
settings), so a warmed key is exactly the key the page asks for; tests/pages/test_warm.py checks it by running a page
after a warming with the underlying query counted.

Calling `st.cache_data` functions off the script thread is what Streamlit's own background refresh does
(runtime/caching/cache_utils.py `_run_background_refresh`): the cached functions here are context-free.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date

import streamlit as st

from data_layer import cached, db, goal_rankings, observation, queries
from data_layer import drivers as drivers_core
from data_layer.aggregates import Scope
from data_layer.buildings import BuildingFilter
from data_layer.cached import enterprises as cached_enterprises
from data_layer.cached import goals as cached_goals
from data_layer.cached import imports as cached_imports
from data_layer.cached import map as cached_map
from data_layer.cached import observation as cached_observation
from data_layer.cached import review as cached_review
from data_layer.cached import workbench as cached_workbench
from data_layer.enterprises import GapScope
from data_layer.geo import normalise_crs
from data_layer.goals import Margins
from data_layer.indicators import TAX_10M_BOUND_10K
from data_layer.settings import get_settings
from data_layer.workbench import WarningRules
from ui import map_state
from ui import view_state as vs

log = logging.getLogger(__name__)
PAGES = ("overview", "map", "goals", "observation", "briefing")
_ONE_AT_A_TIME = threading.Lock()  # process-wide: at most one warming runs, whatever starts it


def warm_overview(url: str, version: str, last: date, lang: str) -> None:
    period = vs.overview_default(last).period
    cached_imports.loaded(url, version)
    cached_imports.unplaced(url, version)
    cached.overview_kpis(url, version, period.kind, period.year, period.number, None)
    if cached_enterprises.has_register(url, version):
        cached_enterprises.register_rates(url, version, period.end, GapScope(district=None))
    cached.monthly_indicators(url, version, period.end, 36, None)
    cached.district_indicators(url, version, period.kind, period.year, period.number)
    _alerts(url, version, min(period.end, last), lang)


def _alerts(url: str, version: str, as_of: date, lang: str) -> None:
    """The early-warning list under the overview and the map (ui.workbench_view.alert_list), as an anonymous
    visitor sees it (the names of enterprises that moved out are keyed by role: a signed-in editor computes his)."""
    rules = WarningRules.from_settings()
    alerts = cached_workbench.building_alerts(url, version, as_of, None, rules)
    cached_workbench.alert_rows(url, version, as_of, None, rules, lang)
    if (alerts["rule"] == "move_out").any():
        cached_workbench.move_out_names(url, version, as_of, rules, None, False)


def warm_map(url: str, version: str, last: date, lang: str) -> None:
    settings = get_settings()
    period = map_state.default_period(last)
    key = (url, version, period.kind, period.year, period.number)
    cached_map.streets(url, version)
    cached_map.has_observation_points(url, version)
    target_crs = normalise_crs(settings.tile_crs) if settings.tile_url else cached_map.boundary_crs(url, version)
    filters = BuildingFilter()
    cached_map.filtered(*key, target_crs, filters)
    cached_map.district_map(*key, target_crs)
    cached_map.map_points(*key, target_crs, filters, map_state.MapView(filters, period).colour, lang, None,
                          settings.min_responses)
    sort_by, descending = map_state.split_sort(map_state.DEFAULT_TABLE_SORT)
    cached_map.table_page(*key, target_crs, filters, lang, sort_by, descending, 1)  # the table's first page
    cached_map.district_indicators(*key)
    _alerts(url, version, min(period.end, last), lang)
    cached_imports.unplaced(url, version)


def warm_goals(url: str, version: str, last: date, lang: str) -> None:
    plans = cached_goals.plan_list(url, version, False)
    if plans.empty:
        return
    choices = {r.code: vs.PlanChoice("city" if r.scope_type == "city" else r.scope_code, int(r.start_year),
                                     int(r.end_year)) for r in plans.itertuples()}
    view = vs.goals_default(choices, last_month=last)
    as_of, scope, margins = date(view.year, view.month, 1), str(Scope()), Margins.from_settings()
    cached_goals.goal_table(url, version, view.plan, as_of, view.pace, margins.share, margins.pp)
    cached_workbench.pipeline(url, version, as_of, None)
    cached_goals.attainment(url, version, view.plan, as_of, view.pace, margins.share, margins.pp)
    cached_goals.ranking(url, version, view.rank, as_of, "district", None, view.basis,
                         goal_rankings.MIN_RANK_BUILDINGS)
    cached_goals.threshold_movers(url, version, scope, as_of, TAX_10M_BOUND_10K, "last_month")
    cached_goals.occupancy_movers(url, version, scope, as_of, "last_month")
    indicator = next(iter(drivers_core.INDICATORS))
    cached_review.drivers_of_change(url, version, indicator, scope, as_of, "yoy")
    cached_review.driver_bars(url, version, indicator, scope, as_of, "yoy", drivers_core.ROOT, lang)
    quarter = (view.month - 1) // 3 + 1
    cached_review.notes(url, version, view.plan, view.year, quarter, scope)
    cached_review.final_state(url, version, view.plan, view.year, quarter, scope)


def warm_observation(url: str, version: str, last: date, lang: str) -> None:
    from ui.observation_charts import keyword_window  # plotly-heavy module: imported only when warming

    settings = get_settings()
    stats = cached_observation.monthly_stats(url, version)
    points = cached_observation.points(url, version)
    if stats.empty or points.empty:
        return
    quarter = observation.quarters(stats)[0]
    as_of = observation.demand_day(settings.today)
    cached_observation.point_table(url, version, quarter, settings.min_responses, as_of)
    cached_observation.trend(url, version, settings.min_responses, None, None)
    cached_observation.boundaries(url, version)
    cached_observation.dimension_breakdown(url, version, quarter, settings.min_responses, None, None)
    start, end = keyword_window(quarter)
    cached_observation.negative_keywords(url, version, start, end, None)
    cached_observation.demands(url, version)
    cached_observation.demand_summary(url, version, ("district_code",), as_of)
    query = (url, version, int(points["point_id"].iloc[0]), None, None, False, settings.review_confidence)
    cached_observation.feedback_list(*query)
    cached_observation.feedback_counts(*query)


def warm_briefing(url: str, version: str, last: date, lang: str) -> None:
    """The wall screen's panels for the whole city (app_pages/briefing.py): a screen left running shows an import
    at its next panel, and that panel reads what is warmed here (at 50,000 buildings the tiles' 12-month trend
    alone is ~1 s to compute)."""
    from data_layer.briefing import AlertRules
    from data_layer.cached import briefing as cached_briefing

    settings, scope = get_settings(), str(Scope())
    cached_briefing.updated_at(url, version)
    cached_briefing.district_names(url, version, lang)
    cached_briefing.headline(url, version, last, scope)
    cached_briefing.headline_trend(url, version, last, scope)
    cached_briefing.target_status(url, version, last, scope, settings.at_risk_margin_share, settings.at_risk_margin_pp)
    cached_briefing.district_ranking(url, version, last)
    cached_briefing.ranking_note(url, version, last)
    cached_briefing.alert_marks(url, version, last, scope, cached_map.boundary_crs(url, version))
    rules = AlertRules.from_settings()
    cached_briefing.alerts_panel(url, version, last, settings.today, scope, rules.index_drop, rules.negative_share,
                                 rules.min_responses)


WARMERS = {"overview": warm_overview, "map": warm_map, "goals": warm_goals, "observation": warm_observation,
           "briefing": warm_briefing}


def warm(url: str, version: str, pages: tuple[str, ...] = PAGES) -> list[str]:
    """Fill the cached wrappers of each page's default view for `version`; returns the pages warmed. A page that
    fails is logged and skipped (its first visitor then computes it, and sees the error as the page would)."""
    with _ONE_AT_A_TIME:
        first, last = cached.month_bounds(url, version)
        if first is None:
            return []
        lang = get_settings().locale
        cached.districts(url, version)
        done = []
        for page in pages:
            try:
                WARMERS[page](url, version, last, lang)
                done.append(page)
            except Exception:  # a background thread must survive a bad store or a page's error
                log.warning("warming the %s page for data version %s failed", page, version, exc_info=True)
        return done


@dataclass
class Warmer:
    """Polls the data version of one store and warms the default views once per version."""

    url: str
    interval: float
    warmed: str | None = None  # the last version warmed
    warmed_at: float = 0.0  # when that warming ended (time.monotonic())
    rounds: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def check(self) -> bool:
        """One poll: warm when the version changed since the last warming, or when the entries it filled have
        outlived the cache TTL (so a quiet day does not leave the next visitor a cold page); True when it warmed."""
        engine = cached.engine(self.url)
        if db.store_status(engine).code != "ok":  # missing, empty or not upgraded yet: the pages say so, nothing to warm
            return False
        version = queries.data_version(engine)
        if version == self.warmed and time.monotonic() - self.warmed_at < cached.TTL:
            return False
        warm(self.url, version)
        with self.changed:  # timed from the end: by then + TTL every entry it filled has expired, none is half-old
            self.warmed, self.warmed_at, self.rounds = version, time.monotonic(), self.rounds + 1
            self.changed.notify_all()
        return True

    def wait_for(self, version: str, timeout: float) -> bool:
        """Block until `version` has been warmed (tests and the benchmark; pages never wait)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.warmed == version, timeout=timeout)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.check()
            except Exception:  # a store being replaced or briefly locked: try again next poll
                log.warning("checking the data version of the store failed", exc_info=True)
            self.stop.wait(self.interval)


def _stop(warmer: Warmer | None) -> None:
    """When the resource is released (cleared, evicted), its thread ends at its next poll."""
    if warmer is not None:
        warmer.stop.set()


@st.cache_resource(show_spinner=False, on_release=_stop)
def start(url: str) -> Warmer | None:
    """The store's warmer, started once per process (None when DASHBOARD_WARM_INTERVAL is 0: switched off)."""
    interval = get_settings().warm_interval_seconds
    if interval <= 0:
        return None
    warmer = Warmer(url, float(interval))
    threading.Thread(target=warmer.run, name="dashboard-warmer", daemon=True).start()
    return warmer
