"""Cached wrappers for goal tracking and the plan editor, keyed by (url, data version, ...hashable args).
Plan edits bump the data version, so a saved target shows on the next rerun in every session."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data_layer import goal_rankings, goals, plans
from data_layer.aggregates import Scope
from data_layer.cached import TTL, engine, stored


@st.cache_data(ttl=TTL, show_spinner=False)
def plan_list(url: str, version: str, templates: bool | None) -> pd.DataFrame:
    return plans.list_plans(engine(url), templates=templates)


@st.cache_data(ttl=TTL, show_spinner=False)
def plan_targets(url: str, version: str, plan_code: str) -> pd.DataFrame:
    return plans.plan_targets(engine(url), plan_code=plan_code)


@st.cache_data(ttl=TTL, show_spinner=False)
def plan_history(url: str, version: str, plan_code: str) -> pd.DataFrame:
    return plans.plan_history(engine(url), plan_code=plan_code)


@st.cache_data(ttl=TTL, show_spinner=False)
def goal_table(url: str, version: str, plan_code: str, as_of: date, pace: str, share: float, pp: float) -> pd.DataFrame:
    return goals.goal_table(engine(url), plan_code=plan_code, as_of=as_of, pace=pace,
                            margins=goals.Margins(share=share, pp=pp))


@st.cache_data(ttl=TTL, show_spinner=False)
def attainment(url: str, version: str, plan_code: str, as_of: date, pace: str, share: float, pp: float) -> pd.DataFrame:
    return goals.attainment_by_year(engine(url), plan_code=plan_code, as_of=as_of, pace=pace,
                                    margins=goals.Margins(share=share, pp=pp))


@st.cache_data(ttl=TTL, show_spinner=False)
@stored("goals.ranking")
def ranking(url: str, version: str, code: str, as_of: date, level: str, district: str | None, basis: str,
            min_buildings: int) -> pd.DataFrame:
    return goal_rankings.ranking(engine(url), code=code, as_of=as_of, level=level, district=district, basis=basis,
                                 min_buildings=min_buildings)


@st.cache_data(ttl=TTL, show_spinner=False)
@stored("goals.threshold_movers")
def threshold_movers(url: str, version: str, scope: str, as_of: date, bound: float, compare: str) -> pd.DataFrame:
    return goal_rankings.threshold_movers(engine(url), scope=Scope.parse(scope), as_of=as_of, bound=bound,
                                          compare=compare)


@st.cache_data(ttl=TTL, show_spinner=False)
@stored("goals.occupancy_movers")
def occupancy_movers(url: str, version: str, scope: str, as_of: date, compare: str) -> pd.DataFrame:
    return goal_rankings.occupancy_movers(engine(url), scope=Scope.parse(scope), as_of=as_of, compare=compare)


@st.cache_data(ttl=TTL, show_spinner=False)
def district_shares(url: str, version: str) -> dict:
    return plans.district_shares(engine(url))
