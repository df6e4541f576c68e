"""The buildings in the compact form the browser gets for the map: one JSON array per colour category.

Why a module of its own: at province scale (50,000 buildings) building this text is the page's largest cost, so
it is made once per filter/colour/language with vectorised string operations and cached (`data_layer.cached.map`);
reruns then reuse the text (see bench/map.py). No pydeck here: `ui.map_charts` embeds the text into the deck.

Each record carries only what drawing and the tooltip need: p (position as whole 1e-5 degrees, about 1 m, east
and north of `origin`: the layer's accessor adds the origin back, and the integers are half as long as degrees),
n (name), g (grade label), o (occupancy % with one decimal, the template adds "%"),
t (tax over the period in whole 万元, the template adds the unit), v (vacant ㎡ in the period's last month) and w
(its change over 3 months, signed), and e (column height in metres) in 3D mode.
Missing figures are "—".
The building ids stay on the server: a selection comes back as (layer, index) and is mapped through `ids`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_layer import fmt
from data_layer.buildings import OCCUPANCY_BANDS, OUTPUT_BANDS, TAX_BANDS
from data_layer.i18n import translate
from data_layer.models import GRADES, INDUSTRIES, STATUSES

# Colour dimensions and their categories, in legend order.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "grade": GRADES,
    "occupancy_band": OCCUPANCY_BANDS,
    "tax_band": TAX_BANDS,
    "industry": INDUSTRIES,
    "status": STATUSES,
    "observation": ("yes", "no"),
    "sentiment": ("positive", "neutral", "negative", "no_data"),
    # the planner's workbench (issue 17): each flag, the threshold pipeline, output per ㎡
    "zero_carbon": ("yes", "no"),
    "energy_star": ("yes", "no"),
    "featured": ("yes", "no"),
    "hq_cluster": ("yes", "no"),
    "pipeline": ("over_100m", "near_100m", "over_10m", "near_10m", "other"),
    "output_band": OUTPUT_BANDS,
    # the enterprise register (issue 24): buildings housing a headquarters enterprise in the period's last month
    "headquarters": ("yes", "no"),
}
FLAG_COLOURS = {"zero_carbon": "is_zero_carbon_pilot", "energy_star": "energy_star", "featured": "is_featured",
                "hq_cluster": "is_hq_cluster"}
HEIGHT_METRICS = ("tax", "area", "occupancy")
# Positions are sent in 1e-5 degree steps (about 1 m) from an origin: "34071" instead of "113.34071". Measured in
# headless Chromium, the arithmetic accessor that adds the origin back costs no visible time at 10k points.
POSITION_SCALE = 100_000
TALLEST_M = 2_500.0


@dataclass(frozen=True)
class MapPoints:
    """Per category (legend order): the JSON array text, and the building ids and names in the same order."""

    json: dict[str, str]
    ids: dict[str, tuple[int, ...]]
    names: dict[str, tuple[str, ...]]
    origin: tuple[float, float] = (0.0, 0.0)
    # the categories in drawing order: the one whose largest building carries the least tax first, so the
    # largest points end on top (ties: the legend's last first, as before)
    draw_order: tuple[str, ...] = ()

    @property
    def position_expression(self) -> str:
        """The deck.gl accessor expression that turns p back into longitude and latitude."""
        lon, lat = self.origin
        return f"[{lon} + p[0] / {POSITION_SCALE}, {lat} + p[1] / {POSITION_SCALE}]"

    @property
    def counts(self) -> dict[str, int]:
        return {code: len(ids) for code, ids in self.ids.items()}

    def building_at(self, category: str, index: int, name: str | None = None) -> int | None:
        """The building drawn at `index` of a category's layer; None when out of range or, given the name the
        browser reported, when it does not match (the data changed between drawing and clicking)."""
        ids = self.ids.get(category, ())
        if not 0 <= index < len(ids):
            return None
        if name is not None and self.names[category][index] != name:
            return None
        return ids[index]


def colour_codes(frame: pd.DataFrame, colour_by: str) -> pd.Series:
    """The category each building is coloured by (codes of CATEGORIES[colour_by])."""
    if colour_by == "observation":
        return pd.Series(np.where(frame["is_observation_point"].to_numpy(dtype=bool), "yes", "no"),
                         index=frame.index)
    if colour_by == "sentiment":
        index = frame["sentiment_index"] if "sentiment_index" in frame else pd.Series(np.nan, index=frame.index)
        codes = np.select([index.isna(), index >= 60, index >= 40], ["no_data", "positive", "neutral"], "negative")
        return pd.Series(codes, index=frame.index)
    if colour_by in FLAG_COLOURS:
        return pd.Series(np.where(frame[FLAG_COLOURS[colour_by]].to_numpy() > 0, "yes", "no"), index=frame.index)
    if colour_by == "headquarters":  # `headquarters` (a count per building) merged in by the caller
        count = frame["headquarters"] if "headquarters" in frame else pd.Series(0, index=frame.index)
        return pd.Series(np.where(count.fillna(0).to_numpy() > 0, "yes", "no"), index=frame.index)
    if colour_by == "pipeline":  # `pipeline_bound` (10m | 100m) merged in by the caller for the candidates
        ytd = frame["tax_ytd"]
        bound = frame["pipeline_bound"] if "pipeline_bound" in frame else pd.Series(None, index=frame.index)
        codes = np.select([ytd >= 10_000, bound == "100m", ytd >= 1_000, bound == "10m"],
                          ["over_100m", "near_100m", "over_10m", "near_10m"], "other")
        return pd.Series(codes, index=frame.index)
    return frame[colour_by].astype("object")


def clean_text(values: pd.Series) -> pd.Series:
    """Text from the data with control characters replaced by spaces (they would break a tooltip line)."""
    return values.astype(str).str.replace(r"[\x00-\x1f\x7f\u2028\u2029]", " ", regex=True)


def json_strings(values: pd.Series) -> pd.Series:
    """JSON string literals for cleaned text: backslash and double quote escaped."""
    return '"' + values.str.replace("\\", "\\\\", regex=False).str.replace('"', '\\"', regex=False) + '"'


def heights(frame: pd.DataFrame, height_by: str) -> pd.Series:
    """Column heights in metres: the chosen metric scaled so the largest building is TALLEST_M high."""
    value = {"tax": frame["tax_period"], "area": frame["gross_area_m2"],
             "occupancy": frame["occupancy_rate"]}[height_by].fillna(0.0).clip(lower=0)
    top = float(value.max()) if len(value) else 0.0
    return (value / top * TALLEST_M).round(0) if top > 0 else value * 0


def _numbers(values: pd.Series, pattern: str) -> pd.Series:
    """Numbers as JSON text by a printf `pattern` ("%.1f"), '"—"' for a missing one (a list comprehension: three
    times faster than numpy's char.mod at 50,000 buildings)."""
    return pd.Series(['"—"' if fmt.missing(v) else pattern % v for v in values.to_numpy(dtype=float).tolist()],
                     index=values.index, dtype=object)


def map_points(frame: pd.DataFrame, *, colour_by: str, lang: str, height_by: str | None = None) -> MapPoints:
    """The buildings of `frame` as compact JSON arrays per colour category (empty categories left out)."""
    placed = frame["lon"].notna() & frame["lat"].notna()
    if not placed.all():  # buildings without coordinates are listed beside the map, not drawn on it
        frame = frame[placed]
    if frame.empty:
        return MapPoints({}, {}, {})
    # larger points on top: within a layer the buildings with more tax come last (deck.gl draws data in order)
    frame = frame.iloc[np.argsort(frame["tax_period"].fillna(-1).to_numpy(), kind="stable")]
    grade_labels = {code: translate(f"map.grade.{code}", lang) for code in GRADES}
    names = clean_text(frame["name"])
    origin = (math.floor(frame["lon"].min() * 100) / 100, math.floor(frame["lat"].min() * 100) / 100)
    east = ((frame["lon"] - origin[0]) * POSITION_SCALE).round().astype("int64").astype(str)
    north = ((frame["lat"] - origin[1]) * POSITION_SCALE).round().astype("int64").astype(str)
    records = (
        '{"p":[' + east + "," + north
        + '],"n":' + json_strings(names)
        + ',"g":"' + frame["grade"].astype("object").map(grade_labels).fillna("") + '"'
        + ',"o":' + _numbers(frame["occupancy_rate"] * 100, "%.1f")
        + ',"t":' + _numbers(frame["tax_period"].round(0), "%.0f")
        + ',"v":' + _numbers(frame["vacant_m2"].round(0), "%.0f")
        + ',"w":' + _numbers(frame["vacant_change_3m"].round(0), '"%+.0f"')
    )
    if height_by:
        records = records + ',"e":' + heights(frame, height_by).astype(int).astype(str)
    records = records + "}"
    codes = colour_codes(frame, colour_by).to_numpy()
    ids, names = frame["id"].to_numpy(), names.to_numpy()
    tax = frame["tax_period"].to_numpy(dtype=float)
    out_json, out_ids, out_names, top = {}, {}, {}, {}
    for code in CATEGORIES[colour_by]:
        mask = codes == code
        if mask.any():
            out_json[code] = "[" + ",".join(records[mask].tolist()) + "]"
            out_ids[code] = tuple(int(i) for i in ids[mask])
            out_names[code] = tuple(str(n) for n in names[mask])
            top[code] = float(np.nanmax(tax[mask])) if (tax[mask] == tax[mask]).any() else -1.0
    legend = list(out_json)
    order = sorted(legend, key=lambda c: (top[c], -legend.index(c)))
    return MapPoints(out_json, out_ids, out_names, origin, tuple(order))
