"""The map playback page's state and its component (issue 25).

- `parse_params` / `to_params` are pure: the range, the month shown, the metric, cumulative tax, columns and the
  district filter as URL parameters (`from`, `to`, `at`, `metric`, `cum`, `mode`, `district`).
- `step_args` builds what one step sends the component: the month's class byte per building (`c`), optional
  column heights (`h`), the districts' classes and value labels, the legend; the buildings' positions (`pos`) only
  when the browser does not hold them yet (it reports the key of the positions it holds in the component value).
- The component itself (ui/components/playback/build, deck.gl bundled once by scripts/build_playback.sh) is a
  Streamlit v1 component: an iframe loaded once, whose args are posted to it on every rerun. Streamlit's own
  st.pydeck_chart re-sends the whole deck spec on every rerun, which is what a step must not do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import streamlit.components.v1 as components

from data_layer import fmt
from data_layer.buildings import OCCUPANCY_BANDS
from data_layer.periods import add_months
from data_layer.playback import METRICS, NO_DATA, POSITION_SCALE, DistrictSteps, Positions, Steps
from ui import map_charts
from ui.map_state import put_params

BUILD_DIR = Path(__file__).resolve().parent / "components" / "playback" / "build"
MODES = ("points", "columns")
DEFAULT_MONTHS = 12
Translate = Callable[..., str]


@dataclass(frozen=True)
class PlaybackView:
    start: date
    end: date
    at: date
    metric: str = "occupancy"
    cumulative: bool = False
    mode: str = "points"
    districts: tuple[str, ...] = ()


def _month(text: str | None) -> date | None:
    try:
        year, month = (int(v) for v in (text or "").split("-"))
        return date(year, month, 1)
    except (ValueError, OverflowError):
        return None


def month_param(value: date) -> str:
    return value.strftime("%Y-%m")


def default_view(first_month: date, last_month: date) -> PlaybackView:
    start = max(first_month, add_months(last_month, -(DEFAULT_MONTHS - 1)))
    return PlaybackView(start=start, end=last_month, at=start)


def parse_params(params: Mapping[str, str], *, first_month: date, last_month: date,
                 districts: set[str]) -> PlaybackView:
    """The view a URL describes; anything invalid or outside the data falls back to the default (the last 12
    months, from their first)."""
    view = default_view(first_month, last_month)
    start, end = _month(params.get("from")), _month(params.get("to"))
    if start and end and first_month <= start <= end <= last_month:
        view = replace(view, start=start, end=end, at=start)
    at = _month(params.get("at"))
    if at and view.start <= at <= view.end:
        view = replace(view, at=at)
    metric = params.get("metric") or "occupancy"
    picked = tuple(dict.fromkeys(c for c in (params.get("district") or "").split(",") if c in districts))
    return replace(view, metric=metric if metric in METRICS else "occupancy",
                   cumulative=params.get("cum") == "1" and metric == "tax",
                   mode="columns" if params.get("mode") == "columns" else "points", districts=picked)


def to_params(view: PlaybackView) -> dict[str, str]:
    """The URL parameters of a view (the range and the month always: a copied link reproduces the frame)."""
    out = {"from": month_param(view.start), "to": month_param(view.end), "at": month_param(view.at)}
    if view.metric != "occupancy":
        out["metric"] = view.metric
    if view.cumulative:
        out["cum"] = "1"
    if view.mode != "points":
        out["mode"] = view.mode
    if view.districts:
        out["district"] = ",".join(view.districts)
    return out


def positions_key(version: str, view: PlaybackView, crs: str) -> str:
    """Names the positions a browser holds: a new filter, range or data version needs new ones."""
    text = f"{version}|{view.start}|{view.end}|{','.join(view.districts)}|{crs}"
    return hashlib.sha1(text.encode()).hexdigest()[:12]


# --- colours and legend ----------------------------------------------------------------------------------------

TAX_RAMP: tuple[map_charts.Rgb, ...] = ((222, 235, 247), (158, 202, 225), (66, 146, 198), (33, 113, 181),
                                        (8, 48, 107))


def palette(metric: str, classes: int) -> list[list[int]]:
    """The colour of each class index: the map's occupancy-band colours; a blue ramp for tax, the choropleth's red
    ramp for vacancy (more vacant ㎡ reads darker), trimmed to the number of classes the range has."""
    if metric == "occupancy":
        return [list(map_charts.PALETTES["occupancy_band"][code]) for code in OCCUPANCY_BANDS[:-1]]
    ramp = TAX_RAMP if metric == "tax" else map_charts.CHOROPLETH_RAMP
    return [list(c) for c in ramp[-classes:]] if classes else []


def _number(metric: str, value: float, lang: str) -> str:
    return fmt.money_10k(value, lang) if metric == "tax" else fmt.area(value, lang)


def legend(metric: str, edges: tuple[float, ...], t: Translate, lang: str) -> list[dict[str, Any]]:
    """One entry per class, in class order, with its colour."""
    if metric == "occupancy":
        labels = [t(f"map.occ_band.{code}") for code in OCCUPANCY_BANDS[:-1]]
    elif not edges:
        labels = []
    else:
        shown = [_number(metric, e, lang) for e in edges]
        labels = [f"< {shown[0]}", *[f"{a} – {b}" for a, b in zip(shown, shown[1:], strict=False)], f"≥ {shown[-1]}"]
    colours = palette(metric, len(labels))
    return [{"label": label, "rgb": rgb} for label, rgb in zip(labels, colours, strict=True)]


def district_text(metric: str, value: float, lang: str) -> str:
    if fmt.missing(value):
        return "—"
    return fmt.pct(value) if metric == "occupancy" else _number(metric, value, lang)


def geo_features(districts: gpd.GeoDataFrame, lang: str) -> dict:
    """The district outlines as GeoJSON, each feature with its code (the map page's own polygons)."""
    features = map_charts.district_features(districts, lang=lang, indicator=None)
    for feature, code in zip(features["features"], districts["code"], strict=True):
        feature["properties"] = {"n": feature["properties"]["n"], "code": str(code)}
    return features


def first_view(where: Positions, districts: gpd.GeoDataFrame) -> dict[str, float]:
    if len(where.ids):
        lon, lat = list(where.lon), list(where.lat)
    else:
        bounds = districts.total_bounds if len(districts) else (113.2, 23.0, 113.5, 23.3)
        lon, lat = [bounds[0], bounds[2]], [bounds[1], bounds[3]]
    view = map_charts.fit_view(lon, lat)
    return {"longitude": view.longitude, "latitude": view.latitude, "zoom": view.zoom, "pitch": 0, "bearing": 0}


def step_args(*, view: PlaybackView, steps: Steps, district_steps: DistrictSteps, where: Positions,
              columns: np.ndarray, key: str, send_positions: bool, t: Translate, lang: str,
              geo: dict | None = None, first: dict[str, float] | None = None, tile_url: str = "") -> dict[str, Any]:
    """What the component receives for the month `view.at` (module docstring)."""
    index = steps.months.index(view.at)
    items = legend(view.metric, steps.edges, t, lang)
    district_items = palette(view.metric, len(district_steps.edges) + 1 if view.metric != "occupancy" else 4)
    d_index = district_steps.months.index(view.at)
    args: dict[str, Any] = {
        "pkey": key, "months": [month_param(m) for m in steps.months], "index": index,
        "c": steps.classes[index][columns].tobytes(),
        "palette": [item["rgb"] for item in items], "no_data": list(map_charts.NO_DATA),
        "district_palette": district_items, "legend": items,
        # the districts' own bins (tax and vacancy: quantiles of the districts' values); occupancy shares the bands
        "district_legend": [] if view.metric == "occupancy" else legend(view.metric, district_steps.edges, t, lang),
        "district_legend_title": t("playback.district_legend"),
        "legend_title": t("playback.cumulative_title") if view.cumulative else t(f"playback.metric.{view.metric}"),
        "districts": {"codes": list(district_steps.codes),
                      "classes": [int(c) if c != NO_DATA else NO_DATA for c in district_steps.classes[d_index]],
                      "text": [district_text(view.metric, v, lang) for v in district_steps.values[d_index]]},
        "labels": {k: t(f"playback.control.{k}") for k in ("play", "pause", "first", "back", "forward", "speed",
                                                             "no_data")},
        "columns": view.mode == "columns",
    }
    if view.mode == "columns":
        args["h"] = steps.heights[index][columns].tobytes()
    if send_positions:
        args |= {"pos": where.pos, "origin": list(where.origin), "scale": POSITION_SCALE, "names": list(where.names),
                 "codes": list(where.codes), "geo": geo, "view": first, "tiles": tile_url or None}
    return args


_component = components.declare_component("map_playback", path=str(BUILD_DIR))


def render(args: dict[str, Any]) -> Any:
    """Mount (or update) the playback component; returns what the browser last reported ({have, month})."""
    return _component(key="map_playback", default=None, **args)


# --- the Streamlit part: widget state seeded from the URL, the URL written back -------------------------------

PARAM_NAMES = ("from", "to", "at", "metric", "cum", "mode", "district")
KEYS = {"range": "pb_range", "metric": "pb_metric", "cumulative": "pb_cum", "mode": "pb_mode",
        "districts": "pb_districts"}
AT_KEY = "pb_at"


def sync_from_url(*, first_month: date, last_month: date, districts: set[str]) -> PlaybackView:
    """Seed the widgets from the URL the first time this session renders the page (or after it was left), and
    return the view the widgets and the component now hold: the month is the one the browser last asked for when
    it lies in the range, else the URL's, else the range's first."""
    import streamlit as st

    state = st.session_state
    if KEYS["range"] not in state:
        view = parse_params(st.query_params.to_dict(), first_month=first_month, last_month=last_month,
                            districts=districts)
        state.update({KEYS["range"]: (view.start, view.end), KEYS["metric"]: view.metric,
                      KEYS["cumulative"]: view.cumulative, KEYS["mode"]: view.mode,
                      KEYS["districts"]: list(view.districts), AT_KEY: view.at})
        state.pop("map_playback", None)  # a value left from an earlier visit names positions no frame holds
    start, end = state[KEYS["range"]]
    metric = state[KEYS["metric"]] if state[KEYS["metric"]] in METRICS else "occupancy"
    view = PlaybackView(start=start, end=end, at=start, metric=metric,
                        cumulative=bool(state[KEYS["cumulative"]]) and metric == "tax",
                        mode=state[KEYS["mode"]] if state[KEYS["mode"]] in MODES else "points",
                        districts=tuple(c for c in state[KEYS["districts"]] if c in districts))
    reported = state.get("map_playback") or {}
    asked = _month(reported.get("month")) if isinstance(reported, dict) else None
    for candidate in (asked, state.get(AT_KEY)):
        if isinstance(candidate, date) and start <= candidate <= end:
            view = replace(view, at=candidate)
            break
    state[AT_KEY] = view.at
    return view


def holds_positions(key: str) -> bool:
    """Whether the browser reported holding the positions named `key`."""
    import streamlit as st

    reported = st.session_state.get("map_playback")
    return isinstance(reported, dict) and reported.get("have") == key


def write_url(view: PlaybackView) -> None:
    """Put the view into the URL, touching only this page's parameters."""
    put_params(to_params(view), PARAM_NAMES)
