"""The baseline of bench.map's first-frame figure: a Streamlit page that draws the map page's building points (the
same ScatterplotLayers with the same data, view and selection settings as the map's default view) with
st.pydeck_chart and nothing else: no district outlines or names, no metrics, filters, table or profile.

    DATABASE_URL=sqlite:///... streamlit run bench/bare_map.py

The difference between the two pages' first frames is what the map page's other elements and layers cost.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # streamlit run puts bench/ on the path, not the repo

from data_layer import cached
from data_layer.buildings import BuildingFilter
from data_layer.cached import map as cached_map
from data_layer.settings import get_settings
from ui import map_charts
from ui.map_state import default_period

url = get_settings().database_url
version = cached.data_version(url)
_, last = cached.month_bounds(url, version)
period = default_period(last)
key = (url, version, period.kind, period.year, period.number)
crs = cached_map.boundary_crs(url, version)
frame = cached_map.filtered(*key, crs, BuildingFilter())
points = cached_map.map_points(*key, crs, BuildingFilter(), "grade", "zh", None, get_settings().min_responses)
placed = frame[frame["lon"].notna() & frame["lat"].notna()]
deck = map_charts.buildings_deck(points, districts={"features": []}, labels=[], mode="points", colour_by="grade",
                                 tooltip="{n}", view=map_charts.fit_view(placed["lon"], placed["lat"], pitch=0))
deck.layers = [layer for layer in deck.layers if str(layer.id).startswith("buildings-")]
st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="map_deck", height=560)
