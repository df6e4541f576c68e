"""The pydeck builders: stable ids, compact data, no public basemap, tooltips and legends."""

from __future__ import annotations

import json
import re
import urllib.parse

import pandas as pd
import pytest

from data_layer import buildings, db, fmt, geo, map_payload
from data_layer.periods import Period
from ui import map_charts as mc

YTD = Period("ytd", 2026, 10)


@pytest.fixture(scope="module")
def demo(demo_url: str) -> tuple[pd.DataFrame, object]:
    engine = db.make_engine(demo_url)
    return buildings.period_frame(engine, period=YTD), geo.district_map(engine, period=YTD)


def _deck(frame: pd.DataFrame, districts, *, mode: str = "points", colour_by: str = "grade", tile_url: str = "",
          indicator: str | None = None) -> mc.CompactDeck:
    points = map_payload.map_points(frame, colour_by=colour_by, lang="zh",
                                    height_by="tax" if mode == "columns" else None)
    features = mc.district_features(districts, lang="zh", indicator=indicator,
                                    formatter=lambda v: fmt.kpi(indicator or "", v, "zh"))
    return mc.buildings_deck(points, districts=features, labels=mc.district_labels(districts, lang="zh"), mode=mode,
                             colour_by=colour_by, tooltip="{n}\n{g} · {o} · {t}", tile_url=tile_url,
                             choropleth=indicator is not None, view=mc.fit_view(frame["lon"], frame["lat"]))


def test_layer_ids_are_explicit_and_the_spec_is_stable_across_builds(demo) -> None:
    frame, districts = demo
    first, second = _deck(frame, districts).to_json(), _deck(frame, districts).to_json()
    assert first == second
    ids = [layer["id"] for layer in json.loads(first)["layers"]]
    # larger points on top: the layer holding the building with the most tax is drawn last (here super-A), and
    # the unrated stock first
    assert ids[0] == "districts" and ids[-1] == "district-names"  # names over the points, never under them
    assert set(ids[1:-1]) == {"buildings-unrated", "buildings-b", "buildings-a", "buildings-super_a"}
    top = frame.groupby(frame["grade"].astype(str))["tax_period"].max()
    assert ids[1:-1] == [f"buildings-{g}" for g in top.sort_values().index]
    # colouring by tax band puts the 亿元 buildings on top of the small ones (the complaint)
    by_band = [layer["id"] for layer in json.loads(_deck(frame, districts, colour_by="tax_band").to_json())["layers"]]
    assert by_band[-2] == "buildings-100m_plus" and by_band.index("buildings-under_1m") < by_band.index(
        "buildings-1m_to_10m")
    # within a layer the records run in ascending tax, so the largest of a colour is drawn last
    layer = json.loads(first)["layers"][-2]  # the top buildings layer, under the names
    taxes = [r["t"] for r in layer["data"] if r["t"] != "—"]
    assert taxes == sorted(taxes) and layer["getRadius"].endswith("t >= 10000 ? 9 : t >= 1000 ? 6 : 4")


def test_every_building_is_drawn_once_with_only_the_tooltip_fields(demo) -> None:
    frame, districts = demo
    spec = json.loads(_deck(frame, districts).to_json())
    layers = [layer for layer in spec["layers"] if layer["id"].startswith("buildings-")]
    assert sum(len(layer["data"]) for layer in layers) == len(frame)
    assert {tuple(sorted(r)) for layer in layers for r in layer["data"]} == {("g", "n", "o", "p", "t", "v", "w")}
    # positions come back through the layer's accessor: origin + p / 100000, within a metre of the store's
    layer = next(layer for layer in layers if layer["id"] == "buildings-super_a")
    origin = [float(v) for v in re.findall(r"\[([\d.]+) \+ p\[0\] / 100000, ([\d.]+) \+", layer["getPosition"])[0]]
    super_a = frame[frame["grade"] == "super_a"]
    first, row = layer["data"][0], super_a.sort_values("tax_period", kind="stable").iloc[0]  # least tax first
    lon, lat = origin[0] + first["p"][0] / 100000, origin[1] + first["p"][1] / 100000
    assert float(geo.distance_m(lon, lat, row["lon"], row["lat"])) < 1.0
    assert first["n"] == row["name"] and first["g"] == "超甲级"
    assert first["o"] == round(row["occupancy_rate"] * 100, 1) and first["t"] == round(row["tax_period"])


def test_a_click_maps_back_to_the_building_through_layer_and_index(demo) -> None:
    frame, _ = demo
    points = map_payload.map_points(frame, colour_by="grade", lang="zh")
    unrated = frame[frame["grade"] == "unrated"].sort_values("tax_period", kind="stable", na_position="first")  # drawn order
    event = {"selection": {"indices": {"buildings-unrated": [3]},
                           "objects": {"buildings-unrated": [{"n": unrated["name"].iloc[3]}]}}}
    assert mc.selected_building(event, points) == int(unrated["id"].iloc[3])
    stale = {"selection": {"indices": {"buildings-unrated": [3]},
                           "objects": {"buildings-unrated": [{"n": "别的楼"}]}}}
    assert mc.selected_building(stale, points) is None  # the data changed between drawing and clicking
    district = {"selection": {"indices": {"districts": [0]}, "objects": {"districts": [{"properties": {}}]}}}
    assert mc.selected_building(district, points) is None
    assert mc.selected_building({"selection": {"indices": {}, "objects": {}}}, points) is None


def test_names_from_the_data_cannot_break_the_json(demo) -> None:
    frame, districts = demo
    odd = frame.head(3).copy()
    odd["name"] = ['引号"和\\反斜杠', "换行\n楼</script>", "=1+1"]
    spec = json.loads(_deck(odd, districts).to_json())
    names = [r["n"] for layer in spec["layers"][1:-1] for r in layer["data"]]
    assert sorted(names) == sorted(['引号"和\\反斜杠', "换行 楼</script>", "=1+1"])


def test_json_is_compact_utf8_and_asks_for_no_basemap(demo) -> None:
    frame, districts = demo
    text = _deck(frame, districts).to_json()
    assert "\n" not in text and ", " not in text[:2000] and "\\u" not in text
    assert "珠江" in text
    spec = json.loads(text)
    # pydeck's sentinel, which Streamlit drops without substituting its public Carto style
    assert spec["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in spec
    assert "cartocdn" not in text and "mapbox" not in text

    def compact(value: object) -> int:
        return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())

    buildings = sum(compact(layer["data"]) for layer in spec["layers"] if layer["id"].startswith("buildings-"))
    # the budget was 1.0 MB at 10k buildings (85 bytes a building and the outlines); the vacant ㎡ and its 3-month
    # trend in the tooltip (issue 17) add ~13 bytes a building
    assert buildings / len(frame) < 100  # bytes per building, tooltip fields included (vacant ㎡ and its trend: +13)
    assert compact(spec["layers"][0]) < 100_000  # the simplified outlines of the 11 districts, edge by edge


def test_a_tile_server_becomes_an_inline_raster_style(demo) -> None:
    frame, districts = demo
    spec = json.loads(_deck(frame, districts, tile_url="http://tiles.intranet/{z}/{x}/{y}.png").to_json())
    assert spec["mapStyle"].startswith("data:application/json,")
    style = json.loads(urllib.parse.unquote(spec["mapStyle"].split(",", 1)[1]))
    assert style["sources"]["tiles"]["tiles"] == ["http://tiles.intranet/{z}/{x}/{y}.png"]


@pytest.mark.parametrize(("mode", "layer_type"), [("columns", "ColumnLayer"), ("hexagon", "HexagonLayer"),
                                                  ("heatmap", "HeatmapLayer")])
def test_other_modes(demo, mode: str, layer_type: str) -> None:
    frame, districts = demo
    layers = json.loads(_deck(frame, districts, mode=mode).to_json())["layers"]
    assert layers[-1]["id"] == "district-names"
    layers = layers[1:-1]  # between the outlines and the names
    assert layers[-1]["@@type"] == layer_type
    if mode == "columns":
        heights = [r["e"] for layer in layers for r in layer["data"]]
        assert max(heights) == 2500 and min(heights) >= 0
        assert all(layer["getElevation"] == "@@=e" for layer in layers)
    else:
        assert layers[-1]["id"] == "density" and len(layers[-1]["data"]) == len(frame)


def test_legend_counts_add_up_and_follow_the_palette(demo) -> None:
    frame, _ = demo
    items = mc.legend(map_payload.map_points(frame, colour_by="tax_band", lang="zh"), colour_by="tax_band", lang="zh")
    assert sum(i.count for i in items) == len(frame)
    assert [i.label for i in items][:2] == ["不足100万元", "100万–1000万元"]
    obs = map_payload.map_points(frame, colour_by="observation", lang="en")
    assert {i.label: i.count for i in mc.legend(obs, colour_by="observation", lang="en")} == {
        "Observation point": 50, "Not an observation point": 1450}
    assert all(set(map_payload.CATEGORIES[c]) == set(mc.PALETTES[c]) for c in map_payload.CATEGORIES)


def test_choropleth_colours_districts_and_puts_values_in_the_tooltip(demo) -> None:
    frame, districts = demo
    spec = json.loads(_deck(frame, districts, indicator="occupancy_rate").to_json())
    features = spec["layers"][0]["data"]["features"]
    assert len(features) == 11
    tianhe = next(f for f in features if f["properties"]["n"] == "天河区")["properties"]
    rate = districts.set_index("code").loc["440106", "occupancy_rate"]
    assert tianhe["g"] == f"入驻率（面积加权）: {rate * 100:.1f}%"
    assert len({tuple(f["properties"]["c"]) for f in features}) >= 4  # several classes in use


def test_choropleth_bins_and_colours() -> None:
    edges = mc.choropleth_bins(pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, None]))
    assert edges[0] == 1.0 and edges[-1] == 5.0 and len(edges) == 6
    assert mc.choropleth_colour(1.0, edges) == mc.CHOROPLETH_RAMP[0]
    assert mc.choropleth_colour(5.0, edges) == mc.CHOROPLETH_RAMP[-1]
    assert mc.choropleth_colour(float("nan"), edges) == mc.NO_DATA


def test_fit_view_frames_the_points() -> None:
    wide = mc.fit_view([113.0, 113.9], [22.6, 23.6])
    narrow = mc.fit_view([113.32, 113.33], [23.11, 23.12])
    assert narrow.zoom > wide.zoom and 113.0 < wide.longitude < 113.9
    assert mc.fit_view([113.3], [23.1]).zoom == 15.5  # a single building: street level, not infinite zoom


