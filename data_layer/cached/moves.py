"""Cached wrappers for enterprise moves (data_layer.moves), keyed by (url, data version, ...). Every move is derived
once per data version; the viewer's role and kiosk flag are in the key of anything that returns enterprise rows."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data_layer import moves
from data_layer.cached import TTL, engine, stored
from data_layer.moves import MoveScope


@st.cache_resource(ttl=TTL, show_spinner=False, max_entries=2)
@stored("moves.all_moves")
def all_moves(url: str, version: str) -> pd.DataFrame:
    """Every move of the register, one shared object per data version (a resource, not pickled: 300,000 moves at
    200,000 enterprises would be unpickled on every rerun). Read-only for every caller: filters make new frames."""
    return moves.all_moves(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def building_moves(url: str, version: str, building_id: int) -> pd.DataFrame:
    return moves.building_moves(engine(url), building_id=building_id)


def period_moves(url: str, version: str, first: date, last: date, scope: MoveScope) -> pd.DataFrame:
    """The moves dated first..last with an end in `scope` (no names, no tax); one building's without deriving the
    whole register."""
    source = (building_moves(url, version, scope.building_id)
              if scope.level == "building" and scope.building_id is not None else all_moves(url, version))
    return moves.touching(moves.in_period(source, first=first, last=last), scope)


@st.cache_resource(ttl=TTL, show_spinner=False, max_entries=32)
@stored("moves.move_list")
def move_list(url: str, version: str, first: date, last: date, scope: MoveScope, role: str | None,
              kiosk: bool) -> pd.DataFrame:
    """The moves with the enterprise details as the role may see them (role and kiosk in the key); shared and
    read-only like `all_moves` (a city's year is ~150,000 rows at 200,000 enterprises)."""
    return moves.move_list(engine(url), period_moves(url, version, first, last, scope), role=role, kiosk=kiosk)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=16)
@stored("moves.headquarters")
def headquarters(url: str, version: str, month: date, by: str = "district") -> pd.DataFrame:
    return moves.headquarters(engine(url), month=month, by=by)
