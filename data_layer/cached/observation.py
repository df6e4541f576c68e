"""Cached wrappers of the observation area (data_layer.observation), keyed by the store URL and data version.

Feedback sums per point, dimension and month are small (points × 6 × months) and every index is computed from
them in pandas, so a page hit reads one cached frame instead of scanning the feedback table."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data_layer import observation
from data_layer.cached import TTL, engine, stored


@st.cache_data(ttl=TTL, show_spinner=False)
def points(url: str, version: str) -> pd.DataFrame:
    return observation.points(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False)
@stored("observation.monthly_stats")
def monthly_stats(url: str, version: str) -> pd.DataFrame:
    return observation.monthly_stats(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False)
def demands(url: str, version: str) -> pd.DataFrame:
    return observation.demands(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False)
def demand_summary(url: str, version: str, by: tuple[str, ...], as_of: date) -> pd.DataFrame:
    return observation.demand_summary(demands(url, version), by=list(by), as_of=as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
@stored("observation.point_table")
def point_table(url: str, version: str, quarter: str, min_responses: int, as_of: date) -> pd.DataFrame:
    return observation.point_table(monthly_stats(url, version), points(url, version),
                                   demand_summary(url, version, ("point_id",), as_of),
                                   quarter=quarter, min_responses=min_responses)


@st.cache_data(ttl=TTL, show_spinner=False)
def district_table(url: str, version: str, quarter: str, min_responses: int) -> pd.DataFrame:
    return observation.district_table(monthly_stats(url, version), points(url, version), quarter=quarter,
                                      min_responses=min_responses)


@st.cache_data(ttl=TTL, show_spinner=False)
@stored("observation.trend")
def trend(url: str, version: str, min_responses: int, district: str | None, point_id: int | None) -> pd.DataFrame:
    return observation.trend(monthly_stats(url, version), points(url, version), min_responses=min_responses,
                             district=district, point_id=point_id)


@st.cache_data(ttl=TTL, show_spinner=False)
@stored("observation.dimension_breakdown")
def dimension_breakdown(url: str, version: str, quarter: str, min_responses: int, district: str | None,
                        point_id: int | None) -> pd.DataFrame:
    return observation.dimension_breakdown(monthly_stats(url, version), points(url, version), quarter=quarter,
                                           min_responses=min_responses, district=district, point_id=point_id)


@st.cache_data(ttl=TTL, show_spinner=False)
@stored("observation.negative_keywords")
def negative_keywords(url: str, version: str, start: date, end: date, point_ids: tuple[int, ...] | None,
                      top: int = 12) -> pd.DataFrame:
    return observation.negative_keywords(engine(url), start=start, end=end,
                                         point_ids=list(point_ids) if point_ids is not None else None, top=top)


@st.cache_data(ttl=TTL, show_spinner=False)
def keyword_comments(url: str, version: str, term: str, dimension: str, start: date, end: date,
                     point_ids: tuple[int, ...] | None) -> pd.DataFrame:
    return observation.keyword_comments(engine(url), term=term, dimension=dimension, start=start, end=end,
                                        point_ids=list(point_ids) if point_ids is not None else None)


@st.cache_data(ttl=TTL, show_spinner=False)
def corrections_since(url: str, version: str, through: str | None) -> int:
    return observation.corrections_since(engine(url), through=through)


@st.cache_data(ttl=TTL, show_spinner=False)
def feedback_list(url: str, version: str, point_id: int, dimension: str | None, label: str | None,
                  review_only: bool, review_confidence: float) -> pd.DataFrame:
    return observation.feedback_list(engine(url), point_id=point_id, dimension=dimension, label=label,
                                     review_only=review_only, review_confidence=review_confidence)


@st.cache_data(ttl=TTL, show_spinner=False)
def feedback_counts(url: str, version: str, point_id: int, dimension: str | None, label: str | None,
                    review_only: bool, review_confidence: float) -> tuple[int, int]:
    return observation.feedback_counts(engine(url), point_id=point_id, dimension=dimension, label=label,
                                       review_only=review_only, review_confidence=review_confidence)


@st.cache_data(ttl=TTL, show_spinner=False)
def boundaries(url: str, version: str) -> pd.DataFrame:
    return observation.district_boundaries(engine(url))
