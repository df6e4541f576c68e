"""Pure pydeck builders for the building map: DataFrames in, a `pdk.Deck` out, no Streamlit calls.

Choices that keep the map fast and offline (measured in ../shared/PERF_NOTES.md and bench/map.py):
- every layer has an explicit id, so the spec is stable across reruns and a selection survives them;
- the browser gets only what the tooltip and the drawing need (`data_layer.map_payload`: rounded coordinates,
  short keys, no ids); buildings are split into one layer per colour category, so no per-row colour is sent;
- `CompactDeck.to_json` writes compact JSON (pydeck's own writes indented, sorted JSON: ~10x larger and slower)
  and embeds the buildings' JSON text as it was cached, without parsing and writing it again;
- no basemap provider: pydeck's default style and `map_style=None` both make Streamlit fetch a public Carto style,
  so the deck is built with `map_provider=None` and the district polygons are the base. An optional raster tile
  server becomes a basemap style passed inline as a `data:` URL (deck.gl's JSON cannot express the
  BitmapLayer sub-layers a raster TileLayer needs).
"""

from __future__ import annotations

import html
import itertools
import json
import math
import re
import urllib.parse
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize
from shapely.geometry import mapping

from data_layer import fmt
from data_layer.i18n import localized, translate
from data_layer.map_payload import CATEGORIES, HEIGHT_METRICS, MapPoints

Rgb = tuple[int, int, int]

MODES = ("points", "columns", "hexagon", "heatmap", "none")
HEIGHT_METRICS = HEIGHT_METRICS
COLOUR_DIMENSIONS = tuple(CATEGORIES)
# pydeck turns every string property into a deck.gl expression unless it is wrapped in quotes (which it strips),
# so literal strings below are written "'...'".
FONT_FAMILY = "'WenQuanYi Micro Hei, Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif'"
NO_DATA: Rgb = (175, 180, 188)

PALETTES: dict[str, dict[str, Rgb]] = {
    "grade": {"super_a": (200, 16, 46), "a": (242, 142, 43), "b": (31, 119, 180), "unrated": (140, 150, 160)},
    "occupancy_band": {"below_50": (200, 16, 46), "50_to_70": (242, 142, 43), "70_to_85": (140, 190, 80),
                       "85_plus": (26, 130, 60), "no_data": NO_DATA},
    "tax_band": {"under_1m": (189, 215, 238), "1m_to_10m": (107, 174, 214), "10m_to_100m": (33, 113, 181),
                 "100m_plus": (8, 48, 107), "no_data": NO_DATA},
    "industry": {"finance": (200, 16, 46), "legal": (31, 119, 180), "accounting": (255, 127, 14),
                 "ip": (148, 103, 189), "tech_rd": (44, 160, 44), "design": (227, 119, 194),
                 "digital": (23, 190, 207), "trade": (188, 189, 34), "hq": (140, 86, 75), "general": (150, 156, 164)},
    "status": {"in_use": (31, 119, 180), "under_construction": (242, 142, 43), "renovating": (148, 103, 189)},
    "observation": {"yes": (200, 16, 46), "no": (150, 156, 164)},
    "sentiment": {"positive": (26, 130, 60), "neutral": (242, 180, 43), "negative": (200, 16, 46),
                  "no_data": NO_DATA},
    **{flag: {"yes": (200, 16, 46), "no": (150, 156, 164)} for flag in ("zero_carbon", "energy_star", "featured",
                                                                         "hq_cluster", "headquarters")},
    "pipeline": {"over_100m": (8, 48, 107), "near_100m": (200, 16, 46), "over_10m": (33, 113, 181),
                 "near_10m": (242, 142, 43), "other": (175, 180, 188)},
    "output_band": {"1000_plus": (8, 48, 107), "500_to_1000": (33, 113, 181), "200_to_500": (107, 174, 214),
                    "under_200": (189, 215, 238), "no_data": NO_DATA},
}
# Point size by tax over the period (万元): a 亿元 building reads larger than a small one, and is drawn on top.
POINT_RADIUS = "t >= 10000 ? 9 : t >= 1000 ? 6 : 4"
# Sequential ramp for the district choropleth (light to dark).
CHOROPLETH_RAMP: tuple[Rgb, ...] = ((254, 235, 226), (252, 187, 161), (252, 146, 114), (239, 59, 44), (165, 15, 21))
BOUNDARY_FILL = (225, 230, 236)
BOUNDARY_LINE = (90, 100, 115)


class RawJSON:
    """JSON text to embed as it is (layer data prepared and cached as text)."""

    def __init__(self, text: str) -> None:
        self.text = text


class CompactDeck(pdk.Deck):
    """A Deck whose JSON is compact, keeps Chinese as UTF-8 and embeds RawJSON layer data verbatim: this is what
    `st.pydeck_chart` sends to the browser on every rerun."""

    def to_json(self) -> str:
        raw: list[str] = []
        token = uuid.uuid4().hex  # a placeholder no data can contain

        def default(value: object) -> object:
            if isinstance(value, RawJSON):
                raw.append(value.text)
                return f"{token}-{len(raw) - 1}"
            return default_serialize(value)

        text = json.dumps(self, default=default, separators=(",", ":"), ensure_ascii=False)
        return re.sub(f'"{token}-(\\d+)"', lambda match: raw[int(match.group(1))], text)


@dataclass(frozen=True)
class LegendItem:
    label: str
    colour: Rgb
    count: int | None = None

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.colour)


def _pct_numbers(rate: pd.Series) -> list[object]:
    return [round(float(v) * 100, 1) if pd.notna(v) else "—" for v in rate]


def _tax_numbers(tax: pd.Series) -> list[object]:
    return [round(float(v)) if pd.notna(v) else "—" for v in tax]


def legend(points: MapPoints, *, colour_by: str, lang: str) -> list[LegendItem]:
    """One entry per category drawn, in legend order, with its count."""
    prefix = {"occupancy_band": "map.occ_band"}.get(colour_by, f"map.{colour_by}")
    return [LegendItem(translate(f"{prefix}.{code}", lang), PALETTES[colour_by][code], count)
            for code, count in points.counts.items()]


def choropleth_bins(values: pd.Series, classes: int = 5) -> list[float]:
    """Class edges (quantiles, duplicates dropped) for the district choropleth: len(edges) - 1 classes."""
    clean = values.dropna().astype(float)
    if clean.empty:
        return []
    edges = sorted(set(np.quantile(clean, np.linspace(0, 1, classes + 1)).round(10).tolist()))
    return edges if len(edges) > 1 else [edges[0], edges[0]]


def choropleth_colour(value: float, edges: Sequence[float]) -> Rgb:
    if value is None or (isinstance(value, float) and math.isnan(value)) or len(edges) < 2:
        return NO_DATA
    index = int(np.searchsorted(edges[1:-1], value, side="right"))
    ramp = CHOROPLETH_RAMP if len(edges) - 1 >= len(CHOROPLETH_RAMP) else CHOROPLETH_RAMP[-(len(edges) - 1):]
    return ramp[min(index, len(ramp) - 1)]


def choropleth_legend(edges: Sequence[float], formatter: Callable[[float], str]) -> list[LegendItem]:
    items = []
    for k in range(len(edges) - 1):
        low, high = edges[k], edges[k + 1]
        items.append(LegendItem(f"{formatter(low)} – {formatter(high)}", choropleth_colour((low + high) / 2, edges)))
    return items


def district_features(districts: gpd.GeoDataFrame, *, lang: str, indicator: str | None,
                      formatter: Callable[[float], str] | None = None, decimals: int = 5) -> dict:
    """The district polygons as a GeoJSON FeatureCollection whose properties carry the tooltip fields
    (n, g, o, t, the same keys as the buildings) and a fill colour c."""
    name_col = localized("name", lang)
    edges = choropleth_bins(districts[indicator]) if indicator else []
    occupancy = _pct_numbers(districts["occupancy_rate"]) if "occupancy_rate" in districts else None
    tax = _tax_numbers(districts["building_tax"]) if "building_tax" in districts else None
    features = []
    for position, row in enumerate(districts.itertuples(index=False)):
        if indicator:
            value = getattr(row, indicator)
            fill = (*choropleth_colour(value, edges), 200)
            detail = f"{translate(f'kpi.{indicator}', lang)}: {formatter(value) if formatter else value}"
        else:
            fill = (*BOUNDARY_FILL, 110)
            count = getattr(row, "buildings_reporting", None)
            detail = translate("map.tooltip.district", lang, count=f"{count:,.0f}" if pd.notna(count) else "—")
        features.append({"type": "Feature", "geometry": _round_coords(mapping(row.geometry), decimals),
                         "properties": {"n": getattr(row, name_col), "g": detail,
                                        "o": occupancy[position] if occupancy is not None else "—",
                                        "t": tax[position] if tax is not None else "—", "c": list(fill)}})
    return {"type": "FeatureCollection", "features": features}


def _round_coords(geometry: dict, decimals: int) -> dict:
    def walk(value: Any) -> Any:
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], (int, float)):
            return [round(float(v), decimals) for v in value]
        return [walk(v) for v in value]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def district_labels(districts: gpd.GeoDataFrame, *, lang: str) -> list[dict]:
    """One label per district at a point inside it (orientation without a basemap)."""
    name_col = localized("name", lang)
    points = districts.geometry.representative_point()
    return [{"n": name, "x": round(p.x, 4), "y": round(p.y, 4)} for name, p in zip(districts[name_col], points,
                                                                                      strict=True)]


# --- view and deck -------------------------------------------------------------------------------------------------

def fit_view(lon: Sequence[float], lat: Sequence[float], *, width_px: int = 640, height_px: int = 560,
             pitch: float = 0.0) -> pdk.ViewState:
    """A view that shows every given point (Web Mercator zoom from the bounding box), capped at street level."""
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if lon_a.size == 0:
        return pdk.ViewState(longitude=113.35, latitude=23.13, zoom=9, pitch=pitch)
    west, east, south, north = lon_a.min(), lon_a.max(), lat_a.min(), lat_a.max()
    span_x = max(east - west, 1e-4) * 1.3  # a margin, so points at the edge are not cut in half
    y_north, y_south = (math.log(math.tan(math.pi / 4 + math.radians(v) / 2)) for v in (north, south))
    span_y = max(math.degrees(y_north - y_south), 1e-4) * 1.3
    # deck.gl and Mapbox GL count zoom in 512-pixel worlds: the world is 512 * 2**zoom pixels wide.
    zoom = min(math.log2(width_px * 360 / (512 * span_x)), math.log2(height_px * 360 / (512 * span_y)))
    return pdk.ViewState(longitude=round((west + east) / 2, 5), latitude=round((south + north) / 2, 5),
                         zoom=round(max(3.0, min(zoom, 15.5)), 2), pitch=pitch, bearing=0)


def tile_style(tile_url: str) -> str:
    """A raster basemap style for the tile server, inline as a data: URL (no request for the style itself)."""
    style = {"version": 8, "sources": {"tiles": {"type": "raster", "tiles": [tile_url], "tileSize": 256}},
             "layers": [{"id": "tiles", "type": "raster", "source": "tiles"}]}
    return "data:application/json," + urllib.parse.quote(json.dumps(style, separators=(",", ":")), safe="")


def district_segments(features: dict) -> list[dict]:
    """Every edge of the district polygons' rings as {"c": [x1, y1, x2, y2]} (the outlines drawn when there is no
    choropleth). Drawn by a LineLayer: at a 1-2 px line width it looks the same as a PathLayer, and in software
    WebGL its much smaller shader compiles and draws about 0.25 s sooner (bench/map.py)."""
    segments: list[dict[str, list[float]]] = []
    for feature in features["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for ring in (ring for polygon in polygons for ring in polygon):
            segments.extend({"c": [*a[:2], *b[:2]]} for a, b in itertools.pairwise(ring))
    return segments


def buildings_deck(points: MapPoints, *, districts: dict, labels: list[dict], mode: str, colour_by: str,
                   tooltip: str, view: pdk.ViewState, choropleth: bool = False, tile_url: str = "",
                   height_px: int = 560) -> CompactDeck:
    """The map: district boundaries as the base (filled polygons with tooltips for a choropleth, outlines
    otherwise), the buildings as points, 3D columns, hexagon density or a heatmap, and the district names on top.

    Layer ids are fixed: "districts", "district-names", "buildings-<category>", "density".
    The default view uses as few layer types as it can: headless Chromium renders WebGL in software, where every
    extra shader program (polygon fill, SDF text, text background) costs noticeable time before the first draw."""
    position = points.position_expression
    if choropleth:
        base = pdk.Layer("GeoJsonLayer", districts, id="districts", pickable=True, stroked=True, filled=True,
                         get_fill_color="properties.c", get_line_color=[*BOUNDARY_LINE, 220],
                         line_width_min_pixels=1.2)
    else:
        base = pdk.Layer("LineLayer", district_segments(districts), id="districts",
                         get_source_position="[c[0],c[1]]", get_target_position="[c[2],c[3]]",
                         get_color=[*BOUNDARY_LINE, 200], get_width=1.2, width_units="'pixels'", pickable=False)
    label_background = {"background": True, "get_background_color": [255, 255, 255, 170],
                        "background_padding": [3, 1]} if choropleth else {}
    # Plain (not SDF) glyphs: an SDF atlas of Chinese glyphs takes seconds to build in software rendering. The names
    # are drawn last, over the buildings: in the city centre the points would otherwise hide them (天河区, 海珠区).
    names = pdk.Layer("TextLayer", labels, id="district-names", get_position=["x", "y"], get_text="n", get_size=13,
                      get_color=[40, 44, 56, 255], character_set="'auto'", font_family=FONT_FAMILY, pickable=False,
                      font_weight=700,
                      font_settings={"fontSize": 32, "buffer": 2}, **label_background)
    layers = [base]
    if mode in ("points", "columns"):
        # Larger points on top: layers whose buildings carry more tax are drawn later (points.draw_order); within
        # a layer the records are in ascending tax already (map_payload).
        for code in points.draw_order:
            text = points.json[code]
            colour = [*PALETTES[colour_by][code], 215]
            if mode == "points":
                layers.append(pdk.Layer(
                    "ScatterplotLayer", RawJSON(text), id=f"buildings-{code}", get_position=position,
                    get_fill_color=colour, get_radius=POINT_RADIUS, radius_units="'pixels'", stroked=True,
                    get_line_color=[255, 255, 255, 160], line_width_min_pixels=0.5, pickable=True))
            else:
                layers.append(pdk.Layer(
                    "ColumnLayer", RawJSON(text), id=f"buildings-{code}", get_position=position,
                    get_elevation="e", elevation_scale=1, radius=45, disk_resolution=8, extruded=True,
                    get_fill_color=colour, pickable=True))
    elif mode in ("hexagon", "heatmap") and points.json:
        everything = RawJSON("[" + ",".join(text[1:-1] for text in points.json.values()) + "]")
        if mode == "hexagon":
            layers.append(pdk.Layer("HexagonLayer", everything, id="density", get_position=position,
                                    radius=600, elevation_scale=6, elevation_range=[0, 1500], extruded=True,
                                    coverage=0.9, pickable=False))
        else:
            layers.append(pdk.Layer("HeatmapLayer", everything, id="density", get_position=position,
                                    radius_pixels=35, intensity=1, threshold=0.05, pickable=False))
    layers.append(names)
    # Without a tile server the style is left at pydeck's sentinel: with map_provider=None it reaches Streamlit
    # as "__MAP_STYLE__", which it drops without substituting its public default (None or "" would get one).
    style = {"map_style": tile_style(tile_url)} if tile_url else {}
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None, tooltip={"text": tooltip},
                       height=height_px, **style)


def selected_building(selection: object, points: MapPoints) -> int | None:
    """The building id of a single-object selection on a buildings layer (None for a district or nothing).
    The browser reports the layer and the index in its data, plus the object; the name is checked too."""
    state = selection.get("selection", {}) if isinstance(selection, dict) else getattr(selection, "selection", {})
    indices = state.get("indices", {}) if isinstance(state, dict) else getattr(state, "indices", {})
    objects = state.get("objects", {}) if isinstance(state, dict) else getattr(state, "objects", {})
    for layer_id, chosen in (indices or {}).items():
        if str(layer_id).startswith("buildings-") and chosen:
            items = (objects or {}).get(layer_id) or [{}]
            name = items[0].get("n") if isinstance(items[0], dict) else None
            return points.building_at(str(layer_id).removeprefix("buildings-"), int(chosen[0]), name)
    return None


# --- legend and comparison (pure, for the page to show) ------------------------------------------------------------

def legend_html(items: Sequence[LegendItem], *, title: str) -> str:
    """Colour swatches with labels; labels are escaped (they are our translations and formatted numbers anyway)."""
    rows = []
    for item in items:
        count = "" if item.count is None else f' <span style="color:#6b7280">({item.count:,})</span>'
        rows.append('<div style="display:flex;align-items:center;gap:6px;margin:2px 0">'
                    f'<span style="display:inline-block;width:12px;height:12px;border-radius:2px;'
                    f'background:{item.hex}"></span><span>{html.escape(item.label)}{count}</span></div>')
    return (f'<div class="map-legend" style="font-size:0.85rem">'
            f'<div style="font-weight:600;margin-bottom:4px">{html.escape(title)}</div>{"".join(rows)}</div>')


COMPARE_ROWS = ("buildings_reporting", "super_a", "grade_a", "occupancy_rate", "registration_rate", "building_tax",
                "tax_share", "buildings_tax_10m", "buildings_tax_100m", "new_enterprises", "vacant_area", "tax_per_m2",
                "tax_per_employee")


def district_comparison(stats: pd.DataFrame, *, codes: Sequence[str], lang: str) -> pd.DataFrame:
    """Indicators as rows, the chosen districts as columns (in the order chosen), values formatted for reading."""
    name_col = localized("name", lang)
    chosen = stats.set_index("code").loc[list(codes)]
    table = pd.DataFrame({row[name_col]: [fmt.kpi(code, row[code], lang) for code in COMPARE_ROWS]
                          for _, row in chosen.iterrows()})
    table.insert(0, translate("map.compare.indicator", lang), [translate(f"kpi.{c}", lang) for c in COMPARE_ROWS])
    return table
