"""Cached wrappers for the briefing screen and the review pack page, keyed by (url, data version, ...hashable args).

The screen runs for days: every entry is bounded by a TTL and by `max_entries`, and keyed on the data version, so
an import shows at the next panel change and old versions' entries age out instead of piling up.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from data_layer import briefing, queries
from data_layer.aggregates import Scope
from data_layer.cached import TTL, engine, stored
from data_layer.cached import observation as cached_observation
from data_layer.cached import workbench as cached_workbench
from data_layer.goals import Margins
from data_layer.i18n import localized
from data_layer.workbench import WarningRules

_SMALL = 8  # a few scopes and languages per version; older versions fall out


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=_SMALL)
def updated_at(url: str, version: str) -> datetime | None:
    return briefing.data_updated_at(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=_SMALL)
def district_names(url: str, version: str, lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(codes, names) of the districts in the language."""
    frame = queries.districts(engine(url))
    return tuple(frame["code"]), tuple(frame[localized("name", lang)])


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=_SMALL)
@stored("briefing.headline")
def headline(url: str, version: str, as_of: date, scope: str) -> pd.DataFrame:
    return briefing.headline(engine(url), as_of=as_of, scope=Scope.parse(scope))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=_SMALL)
@stored("briefing.headline_trend")
def headline_trend(url: str, version: str, as_of: date, scope: str) -> pd.DataFrame:
    return briefing.headline_trend(engine(url), as_of=as_of, scope=Scope.parse(scope))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=_SMALL)
def ranking_note(url: str, version: str, as_of: date) -> briefing.RankingNote:
    return briefing.ranking_note(engine(url), as_of=as_of, frame=district_ranking(url, version, as_of))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=_SMALL)
def target_status(url: str, version: str, as_of: date, scope: str, share: float,
                  pp: float) -> tuple[dict | None, pd.DataFrame]:
    """The margins are arguments (part of the key): a changed setting must not be served from an older entry."""
    return briefing.target_status(engine(url), as_of=as_of, scope=Scope.parse(scope), margins=Margins(share, pp))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=_SMALL)
@stored("briefing.district_ranking")
def district_ranking(url: str, version: str, as_of: date) -> pd.DataFrame:
    return briefing.district_ranking(engine(url), as_of=as_of)


def alerts_panel(url: str, version: str, as_of: date, today: date, scope: str, index_drop: float,
                 negative_share: float, min_responses: int,
                 building_rules: WarningRules | None = None) -> briefing.AlertsPanel:
    """The building-warning rules are part of the key too: the screen's page passes the sentiment rules, and the
    building rules are read here from the settings (when not given) and handed to the cached part as arguments."""
    return _alerts_panel(url, version, as_of, today, scope, index_drop, negative_share, min_responses,
                         building_rules or WarningRules.from_settings())


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=_SMALL)
def _alerts_panel(url: str, version: str, as_of: date, today: date, scope: str, index_drop: float,
                  negative_share: float, min_responses: int, building_rules: WarningRules) -> briefing.AlertsPanel:
    rules = briefing.AlertRules(index_drop, negative_share, min_responses)
    parsed = Scope.parse(scope)
    # the overview's own warning list and the 观测点 page's feedback sums (~1.2 s and ~0.7 s at 50,000 buildings)
    warnings = _warnings(url, version, as_of, parsed, building_rules)
    data = briefing.ObservationData.of(cached_observation.monthly_stats(url, version),
                                       cached_observation.points(url, version), parsed)  # the 观测点 page's, stored
    return briefing.alerts_panel(engine(url), as_of=as_of, today=today, scope=parsed, rules=rules,
                                 building_rules=building_rules, warnings=warnings, data=data)


def alert_marks(url: str, version: str, as_of: date, scope: str, target_crs: str,
                building_rules: WarningRules | None = None) -> pd.DataFrame:
    """The wall map's building-warning marks; the rules are part of the key as for alerts_panel."""
    return _alert_marks(url, version, as_of, scope, target_crs, building_rules or WarningRules.from_settings())


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=_SMALL)
@stored("briefing.alert_marks")
def _alert_marks(url: str, version: str, as_of: date, scope: str, target_crs: str,
                 building_rules: WarningRules) -> pd.DataFrame:
    parsed = Scope.parse(scope)
    warnings = _warnings(url, version, as_of, parsed, building_rules)
    return briefing.alert_marks(engine(url), as_of=as_of, scope=parsed, rules=building_rules, target_crs=target_crs,
                                warnings=warnings)


def _warnings(url: str, version: str, as_of: date, scope: Scope, rules: WarningRules) -> pd.DataFrame:
    """The scope's building warnings as the overview and the map read them: one cached, stored computation for
    every page (briefing.building_alerts' rule, the district of a district scope, else the city)."""
    return cached_workbench.building_alerts(url, version, as_of, briefing.district_of(scope), rules)
