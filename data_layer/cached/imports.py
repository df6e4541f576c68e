"""Cached wrappers for the 数据管理 page, keyed by (url, data version, ...): an import or undo bumps the version,
so the history and row counts show the change on the next rerun."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_layer import first_day
from data_layer.cached import TTL, engine, stored
from data_layer.imports import history as import_history
from data_layer.imports.table_export import row_count as table_rows


@st.cache_data(ttl=TTL, show_spinner=False)
def history(url: str, version: str) -> pd.DataFrame:
    return import_history(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False)
def row_count(url: str, version: str, table: str) -> int:
    return table_rows(engine(url), table)


@st.cache_data(ttl=TTL, show_spinner=False)
def loaded(url: str, version: str) -> first_day.Loaded:
    return first_day.loaded(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False)
@stored("imports.unplaced")
def unplaced(url: str, version: str) -> pd.DataFrame:
    return first_day.unplaced(engine(url))
