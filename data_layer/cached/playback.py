"""Cached wrappers for the map playback page (issue 25), keyed by (url, data version, range, ...).

A range's monthly matrices and its class bytes are resources (not pickled): at 50,000 buildings × 120 months a
class matrix is 6 MB and each step only slices one row of it, so a step's server time is that slice, not an
unpickle. Few entries: a visitor plays one range at a time.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from data_layer import playback
from data_layer.cached import TTL, engine


@st.cache_resource(ttl=TTL, show_spinner=False, max_entries=2)
def monthly(url: str, version: str, start: date, end: date) -> playback.Monthly:
    return playback.read_monthly(engine(url), start=start, end=end)


@st.cache_resource(ttl=TTL, show_spinner=False, max_entries=6)
def steps(url: str, version: str, start: date, end: date, metric: str, cumulative: bool) -> playback.Steps:
    values = playback.metric_values(monthly(url, version, start, end), metric=metric, cumulative_tax=cumulative)
    return playback.steps(values, metric=metric)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=12)
def district_steps(url: str, version: str, start: date, end: date, metric: str,
                   cumulative: bool) -> playback.DistrictSteps:
    return playback.district_steps(engine(url), start=start, end=end, metric=metric, cumulative_tax=cumulative)


@st.cache_resource(ttl=TTL, show_spinner=False, max_entries=4)
def positions(url: str, version: str, end: date, target_crs: str, districts: tuple[str, ...]) -> playback.Positions:
    """The buildings of the map's period frame for the range's last month (shared with the map page's cache)."""
    from data_layer.cached import map as cached_map

    frame = cached_map.period_frame(url, version, "month", end.year, end.month, target_crs)
    if districts:
        frame = frame[frame["district_code"].isin(districts)]
    return playback.positions(frame)
