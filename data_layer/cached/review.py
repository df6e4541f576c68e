"""Cached wrappers for the quarterly review (drivers of change, commentary, reporting completeness, issued packs),
keyed by (url, data version, ...hashable args)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from data_layer import drivers
from data_layer.aggregates import Scope
from data_layer.cached import TTL, engine, stored

if TYPE_CHECKING:  # report (reportlab, matplotlib) is imported when a pack is made
    from data_layer.report.content import PackSettings


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
@stored("review.drivers_of_change", "drivers")
def drivers_of_change(url: str, version: str, indicator: str, scope: str, as_of: date, basis: str) -> drivers.Drivers:
    return drivers.drivers(engine(url), indicator=indicator, scope=Scope.parse(scope), as_of=as_of, basis=basis)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
@stored("review.driver_bars")
def driver_bars(url: str, version: str, indicator: str, scope: str, as_of: date, basis: str, node: str,
                lang: str) -> pd.DataFrame:
    result = drivers_of_change(url, version, indicator, scope, as_of, basis)
    return result.bars(node, scope=Scope.parse(scope), lang=lang)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def notes(url: str, version: str, plan_code: str, year: int, quarter: int, scope: str) -> pd.DataFrame:
    from data_layer import commentary

    return commentary.notes(engine(url), plan_code=plan_code, year=year, quarter=quarter, scope=scope)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def final_state(url: str, version: str, plan_code: str, year: int, quarter: int, scope: str) -> dict | None:
    from data_layer import commentary

    return commentary.final_state(engine(url), plan_code=plan_code, year=year, quarter=quarter, scope=scope)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=4)
def review_pack(url: str, version: str, year: int, quarter: int, scope: str, fmt: str, lang: str,
                options: PackSettings, sections: tuple[str, ...]) -> bytes:
    """The pack with the chosen sections as file bytes (few entries: a few hundred KB each). `options` (the
    settings and the minute it is made) is part of the key: a changed setting never serves an older file."""
    from data_layer import report

    return report.render(engine(url), year=year, quarter=quarter, scope=Scope.parse(scope), fmt=fmt, lang=lang,
                         options=options, sections=sections)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=32)
def figures_now(url: str, version: str, year: int, quarter: int, scope: str, lang: str) -> dict:
    """An issued pack's figures as the store reads them now (report.archive.current_figures)."""
    from data_layer.report import archive

    return archive.current_figures(engine(url), year=year, quarter=quarter, scope=scope, lang=lang)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=16)
def reporting(url: str, version: str, month: date, scope: str) -> pd.DataFrame:
    """Every expected building and whether it has reported the month and the quarter (completeness.buildings)."""
    from data_layer import completeness

    return completeness.buildings(engine(url), month=month, scope=Scope.parse(scope))
