"""Cached wrappers for the map and building-profile pages, keyed by (url, data version, ...hashable args).

The period frame (every building with its period figures) is the one expensive query; it is cached per period
and target CRS as a shared resource, and each filter combination is a cheap pandas selection over it, cached
separately so that reruns caused by a click or a table sort unpickle only the filtered rows. Entry limits bound
memory at province scale (a 50,000-building period frame is ~40 MB in memory, its map text ~5 MB).
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import streamlit as st

from data_layer import aggregates, buildings, geo, map_payload
from data_layer.buildings import BuildingFilter
from data_layer.cached import TTL, engine, stored
from data_layer.map_payload import MapPoints
from data_layer.periods import Period


@st.cache_resource(ttl=TTL, show_spinner=False, max_entries=4)
@stored("map.period_frame")
def period_frame(url: str, version: str, kind: str, year: int, number: int, target_crs: str) -> pd.DataFrame:
    """Every building with the period's figures, one shared object per key (a resource, not pickled: at 50,000
    buildings that saves a 13 MB pickle on the first run and an unpickle on every rerun of the default view).
    Read-only for every caller: filters select rows into new frames, nothing assigns into it."""
    frame = buildings.period_frame(engine(url), period=Period(kind, year, number))
    return geo.convert_frame(frame, target=target_crs)


def filtered(url: str, version: str, kind: str, year: int, number: int, target_crs: str,
             filters: BuildingFilter) -> pd.DataFrame:
    """The buildings passing `filters` (read-only: with no filter it is the shared period frame itself)."""
    if filters == BuildingFilter():
        return period_frame(url, version, kind, year, number, target_crs)
    return _filtered(url, version, kind, year, number, target_crs, filters)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=16)
def _filtered(url: str, version: str, kind: str, year: int, number: int, target_crs: str,
              filters: BuildingFilter) -> pd.DataFrame:
    frame = period_frame(url, version, kind, year, number, target_crs)
    return buildings.filter_frame(frame, filters=filters)


@st.cache_resource(ttl=TTL, show_spinner=False, max_entries=8)
@stored("map.map_points", "map_points")
def map_points(url: str, version: str, kind: str, year: int, number: int, target_crs: str, filters: BuildingFilter,
               colour_by: str, lang: str, height_by: str | None, min_responses: int) -> MapPoints:
    """One shared, immutable object per key (a resource: at 50,000 buildings its ~9 MB of text would otherwise be
    pickled on the first run and unpickled on every rerun). `min_responses` (a setting) is an argument so that it is
    part of the cache key."""
    frame = filtered(url, version, kind, year, number, target_crs, filters)
    if colour_by == "sentiment":
        frame = frame.merge(sentiment_index(url, version, kind, year, number, min_responses), left_on="id",
                            right_on="building_id", how="left")
    if colour_by == "pipeline":  # the candidates as of the period's last month (one per building: 亿元 first)
        from data_layer.cached import workbench as cached_workbench

        found = cached_workbench.pipeline(url, version, Period(kind, year, number).end, None)
        bound = found.drop_duplicates("building_id", keep="last").set_index("building_id")["bound"]
        frame = frame.assign(pipeline_bound=frame["id"].map(bound))
    if colour_by == "headquarters":  # headquarters enterprises housed in the period's last month (issue 24)
        from data_layer.cached import moves as cached_moves

        found = cached_moves.headquarters(url, version, Period(kind, year, number).end, "building")
        frame = frame.assign(headquarters=frame["id"].map(found.set_index("building_id")["headquarters"]))
    return map_payload.map_points(frame, colour_by=colour_by, lang=lang, height_by=height_by)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=32)
@stored("map.table_page", "table_page")
def table_page(url: str, version: str, kind: str, year: int, number: int, target_crs: str, filters: BuildingFilter,
               lang: str, sort_by: str, descending: bool, page: int) -> tuple[pa.Table, list[int]]:
    """One page of the table under the map, as Arrow (st.dataframe takes it without converting a DataFrame on
    every rerun), and the building ids of its rows. Only this page reaches the browser: the whole filtered list
    was ~1 MB at 10k buildings and ~5 MB at 50k on every rerun; the downloads carry the full list."""
    frame = filtered(url, version, kind, year, number, target_crs, filters)
    rows, ids = buildings.table_page(frame, by=sort_by, descending=descending, page=page, lang=lang)
    return pa.Table.from_pandas(rows, preserve_index=False), ids


def table(url: str, version: str, kind: str, year: int, number: int, target_crs: str, filters: BuildingFilter,
          lang: str, sort_by: str, descending: bool) -> pd.DataFrame:
    """Every filtered building in the table's order, for the downloads: built when one is clicked, not cached (a
    download is rare, and 50,000 rows held per filter would crowd the cache)."""
    frame = filtered(url, version, kind, year, number, target_crs, filters)
    return buildings.table_frame(buildings.sort_buildings(frame, by=sort_by, descending=descending, lang=lang),
                                 lang=lang)


@st.cache_data(ttl=TTL, show_spinner=False)
def streets(url: str, version: str) -> pd.DataFrame:
    return buildings.streets(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False)
def boundary_crs(url: str, version: str) -> str:
    return geo.boundary_crs(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=12)
@stored("map.district_indicators")
def district_indicators(url: str, version: str, kind: str, year: int, number: int) -> pd.DataFrame:
    return aggregates.district_indicators(engine(url), period=Period(kind, year, number))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=12)
def district_map(url: str, version: str, kind: str, year: int, number: int, target_crs: str) -> gpd.GeoDataFrame:
    return geo.district_map(engine(url), period=Period(kind, year, number), target_crs=target_crs,
                            indicators=district_indicators(url, version, kind, year, number))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=4)
def has_observation_points(url: str, version: str) -> bool:
    return buildings.has_observation_points(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=12)
@stored("map.sentiment_index")
def sentiment_index(url: str, version: str, kind: str, year: int, number: int, min_responses: int) -> pd.DataFrame:
    return buildings.sentiment_index(engine(url), period=Period(kind, year, number), min_responses=min_responses)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def search(url: str, version: str, text: str, limit: int) -> pd.DataFrame:
    return buildings.search_buildings(engine(url), text=text, limit=limit)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def building_detail(url: str, version: str, building_id: int, kind: str, year: int, number: int) -> dict | None:
    return buildings.building_detail(engine(url), building_id=building_id, period=Period(kind, year, number))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def building_history(url: str, version: str, building_id: int, end: date, months: int) -> pd.DataFrame:
    return buildings.building_history(engine(url), building_id=building_id, end=end, months=months)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def observation(url: str, version: str, building_id: int, kind: str, year: int,
                number: int) -> tuple[dict | None, pd.DataFrame]:
    e = engine(url)
    point = buildings.observation_point(e, building_id=building_id)
    if point is None:
        return None, pd.DataFrame()
    return point, buildings.observation_scores(e, building_id=building_id, period=Period(kind, year, number))
