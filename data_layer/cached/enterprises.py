"""Cached wrappers for the enterprise register (building profile, registration gap), keyed by (url, data
version, ...). The viewer's role and kiosk flag are part of every key that returns enterprise rows, so an entry
made for an editor is never served to a viewer."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data_layer import enterprises
from data_layer.cached import TTL, engine
from data_layer.enterprises import GapScope


@st.cache_data(ttl=TTL, show_spinner=False)
def has_register(url: str, version: str) -> bool:
    return enterprises.has_register(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def building_enterprises(url: str, version: str, building_id: int, month: date, role: str | None,
                         kiosk: bool) -> pd.DataFrame:
    return enterprises.building_enterprises(engine(url), building_id=building_id, month=month, role=role, kiosk=kiosk)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=32)
def registration_gap(url: str, version: str, month: date, scope: GapScope, role: str | None,
                     kiosk: bool) -> pd.DataFrame:
    return enterprises.registration_gap(engine(url), month=month, scope=scope, role=role, kiosk=kiosk)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def register_rates(url: str, version: str, month: date, scope: GapScope) -> dict[str, object]:
    return enterprises.register_rates(engine(url), month=month, scope=scope)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=32)
def gap_summary(url: str, version: str, month: date, scope: GapScope, by: str) -> pd.DataFrame:
    return enterprises.gap_summary(engine(url), month=month, scope=scope, by=by)


@st.cache_data(ttl=TTL, show_spinner=False)
def building_places(url: str, version: str) -> pd.DataFrame:
    return enterprises.building_places(engine(url))
