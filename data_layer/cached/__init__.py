"""The one Streamlit-aware part of the data layer: cached wrappers the pages call. Shared wrappers (engine,
store status, overview) live here; each area of the app keeps its own in a module of this package
(`data_layer.cached.<area>`), built on `engine()` and the same keys.

The engine is a resource (one per database URL per process). Query results are data cached with a TTL and keyed
by the database URL and the store's data version, so an import (which bumps the version) shows on the next rerun
in every session and replica, and tests pointing at different temporary stores never share entries.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from data_layer import aggregates, db, migrations, queries
from data_layer import stored as stored_results
from data_layer.i18n import localized
from data_layer.periods import Period
from data_layer.settings import get_settings

TTL = get_settings().cache_ttl_seconds  # a deployment constant, read once per process
F = TypeVar("F", bound=Callable[..., Any])


@st.cache_resource(show_spinner=False)
def engine(url: str) -> Engine:
    return db.make_engine(url)


@st.cache_resource(show_spinner=False)
def upgrade_schema(url: str) -> str:
    """Upgrade an older store in place, once per process; returns the revision reached."""
    migrations.upgrade(engine(url))
    return migrations.head_revision()


def stored(name: str, codec: str = "frame") -> Callable[[F], F]:
    """Keep the wrapped function's result in the store per data version (data_layer.stored; issue 22), under
    `@st.cache_data` / `@st.cache_resource`: the process's cache answers first, then the store (what another
    process, the warmer or this one before a restart computed), and only then the function. The function takes
    (url, version, ...); its other arguments, with their defaults, are the stored row's key."""

    def decorate(func: F) -> F:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(url: str, version: str, *args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(url, version, *args, **kwargs)
            bound.apply_defaults()
            key = tuple(bound.arguments.values())[2:]
            return stored_results.remember(engine(url), version, name, key, lambda: func(*bound.args, **bound.kwargs),
                                           stored_results.codec(codec))

        return wrapper  # type: ignore[return-value]

    return decorate


def store_status(url: str) -> db.StoreStatus:
    return db.store_status(engine(url))  # one cheap query; never cached, so a repaired store shows at once


def data_version(url: str) -> str:
    return queries.data_version(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False)
def month_bounds(url: str, version: str) -> tuple:
    e = engine(url)
    return queries.first_month(e), queries.latest_month(e)


@st.cache_data(ttl=TTL, show_spinner=False)
def districts(url: str, version: str) -> pd.DataFrame:
    return queries.districts(engine(url))


def district_names(url: str, version: str, lang: str) -> dict[str, str]:
    """District code → name in the language, from the cached district list."""
    frame = districts(url, version)
    return dict(zip(frame["code"], frame[localized("name", lang)], strict=True))


@st.cache_data(ttl=TTL, show_spinner=False)
@stored("overview_kpis")
def overview_kpis(url: str, version: str, kind: str, year: int, number: int, district: str | None) -> pd.DataFrame:
    return queries.overview_kpis(engine(url), period=Period(kind, year, number), district=district)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=48)
@stored("monthly_indicators")
def monthly_indicators(url: str, version: str, end: object, months: int, district: str | None) -> pd.DataFrame:
    return aggregates.monthly_indicators(engine(url), end=end, months=months, district=district)  # type: ignore[arg-type]


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=24)
@stored("district_indicators")
def district_indicators(url: str, version: str, kind: str, year: int, number: int) -> pd.DataFrame:
    return aggregates.district_indicators(engine(url), period=Period(kind, year, number))
