"""Cached wrappers for the planner's workbench (early warnings, pipeline), keyed by (url, data version, ...):
the rules are arguments, so a changed setting never serves an older list."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data_layer import workbench
from data_layer.cached import TTL, district_names, engine, stored
from data_layer.workbench import WarningRules


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=16)
@stored("workbench.building_alerts")
def building_alerts(url: str, version: str, as_of: date, district: str | None, rules: WarningRules) -> pd.DataFrame:
    return workbench.building_alerts(engine(url), as_of=as_of, rules=rules, district=district)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=16)
@stored("workbench.alert_rows")
def alert_rows(url: str, version: str, as_of: date, district: str | None, rules: WarningRules,
               lang: str) -> pd.DataFrame:
    """building_alerts as people read them (workbench.alert_rows), row for row: worded once per language and data
    version, not on every rerun (~0.05 s at 50,000 buildings' 600 warnings)."""
    return workbench.alert_rows(building_alerts(url, version, as_of, district, rules), lang=lang,
                                district_names=district_names(url, version, lang))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=16)
@stored("workbench.pipeline")
def pipeline(url: str, version: str, as_of: date, district: str | None) -> pd.DataFrame:
    return workbench.pipeline(engine(url), as_of=as_of, district=district)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def building_figures(url: str, version: str, building_id: int, kind: str, year: int, number: int) -> dict | None:
    """One building's vacant area and trend, output per ㎡ / per employee and its ranks among its district's and
    its grade's buildings, read from the period frame the map shares (a resource: not read again)."""
    from data_layer.cached import map as cached_map

    frame = cached_map.period_frame(url, version, kind, year, number, cached_map.boundary_crs(url, version))
    return workbench.building_figures(frame, building_id=building_id)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=16)
def move_out_names(url: str, version: str, as_of: date, rules: WarningRules, role: str | None,
                   kiosk: bool) -> dict[int, list[str]]:
    """The names behind each building's move-out warning, for editors; {} for anyone else (role in the key)."""
    return workbench.move_out_names(engine(url), as_of=as_of, rules=rules, role=role, kiosk=kiosk)
