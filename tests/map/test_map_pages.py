"""The map and profile pages under AppTest, on the demo city (expected values from SQL on the raw tables)."""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_layer import db, geo

REPO = Path(__file__).resolve().parents[2]
MAP_PAGE = str(REPO / "app_pages" / "map.py")
BUILDING_PAGE = str(REPO / "app_pages" / "building.py")


def _scalar(url: str, sql: str, **params: object) -> object:
    with db.make_engine(url).connect() as conn:
        return conn.execute(text(sql), params).scalar()


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _deck(at: AppTest) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def _run_map(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(MAP_PAGE, default_timeout=120)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def test_map_page_shows_every_building_offline(demo_env: str) -> None:
    at = _run_map()
    assert not at.exception
    total = _scalar(demo_env, "SELECT COUNT(*) FROM building")
    assert _metric(at, "楼宇数") == f"{total:,}"
    spec = _deck(at)
    assert spec["mapStyle"] == "__MAP_STYLE__"  # no basemap host
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids[0] == "districts" and ids[-1] == "district-names"  # outlines under, names over the buildings
    drawn = sum(len(layer["data"]) for layer in spec["layers"] if layer["id"].startswith("buildings-"))
    assert drawn == total
    assert dict(at.query_params) == {"lang": "zh"}  # defaults keep the URL clean
    assert at.get("download_button") and len(at.get("download_button")) == 2


def test_filters_in_the_url_select_the_buildings_pandas_would(demo_env: str, raw) -> None:
    at = _run_map({"district": "440106", "grade": "super_a,a", "occ": "80-100"})
    assert not at.exception
    b = raw.building.set_index("id")
    last = raw.month[raw.month["month"] == raw.month["month"].max()].set_index("building_id")
    occupancy = (last["occupied_area_m2"] / last["leasable_area_m2"] * 100).reindex(b.index)
    wanted = b[(b["district_code"] == "440106") & b["grade"].isin(["super_a", "a"]) & (occupancy >= 80)]
    assert _metric(at, "楼宇数") == f"{len(wanted):,}"
    table = at.dataframe[0].value
    assert sorted(table["楼宇编号"]) == sorted(wanted["code"])
    assert at.multiselect(key="map_districts").value == ["440106"]


def test_choosing_a_district_writes_it_into_the_url(demo_env: str) -> None:
    at = _run_map()
    at.multiselect(key="map_districts").set_value(["440106", "440105"]).run()
    at.selectbox(key="map_colour").set_value("tax_band").run()
    assert dict(at.query_params) == {"lang": "zh", "district": "440106,440105", "colour": "tax_band"}
    expected = _scalar(demo_env, "SELECT COUNT(*) FROM building WHERE district_code IN ('440106', '440105')")
    assert _metric(at, "楼宇数") == f"{expected:,}"
    # the same parameters in a new session reproduce the view
    again = _run_map({"district": "440106,440105", "colour": "tax_band"})
    assert _metric(again, "楼宇数") == f"{expected:,}"
    assert any(layer["id"] == "buildings-100m_plus" for layer in _deck(again)["layers"])


def test_no_match_says_so_and_still_draws_the_districts(demo_env: str) -> None:
    at = _run_map({"q": "不存在的楼宇名"})
    assert not at.exception
    assert _metric(at, "楼宇数") == "0"
    assert "没有符合筛选条件的楼宇" in at.info[0].value
    base = _deck(at)["layers"][0]
    assert base["@@type"] == "LineLayer" and len(base["data"]) >= 11 * 3  # every district's outline, edge by edge


def test_choropleth_and_comparison_use_the_overview_rules(demo_env: str) -> None:
    at = _run_map({"choro": "building_tax", "cmp": "440106,440104"})
    assert not at.exception
    features = _deck(at)["layers"][0]["data"]["features"]
    tianhe = next(f["properties"] for f in features if f["properties"]["n"] == "天河区")
    tax = _scalar(demo_env, "SELECT SUM(m.tax_10k) FROM building_month m JOIN building b ON b.id = m.building_id "
                            "WHERE b.district_code = '440106' AND m.month >= '2026-01-01'")
    assert tianhe["g"] == f"楼宇税收: {tax / 10_000:,.2f} 亿元"
    comparison = at.dataframe[1].value
    assert list(comparison.columns) == ["指标", "天河区", "越秀区"]
    assert comparison.set_index("指标").loc["楼宇税收", "天河区"] == f"{tax / 10_000:,.2f} 亿元"


def test_a_tile_server_in_another_crs_moves_the_points(demo_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_TILE_URL", "http://tiles.intranet.local/{z}/{x}/{y}.png")
    monkeypatch.setenv("DASHBOARD_TILE_CRS", "WGS-84")
    name = _scalar(demo_env, "SELECT name FROM building WHERE id = 1")
    at = _run_map({"q": str(name)})
    assert not at.exception
    spec = _deck(at)
    style = json.loads(urllib.parse.unquote(spec["mapStyle"].split(",", 1)[1]))
    assert style["sources"]["tiles"]["tiles"] == ["http://tiles.intranet.local/{z}/{x}/{y}.png"]
    layer = next(layer for layer in spec["layers"] if layer["id"].startswith("buildings-"))
    origin = [float(v) for v in re.findall(r"\[([\d.]+) \+ p\[0\] / 100000, ([\d.]+) \+", layer["getPosition"])[0]]
    east, north = layer["data"][0]["p"]
    lon, lat = origin[0] + east / 100_000, origin[1] + north / 100_000
    gcj_lon = _scalar(demo_env, "SELECT lon FROM building WHERE id = 1")
    gcj_lat = _scalar(demo_env, "SELECT lat FROM building WHERE id = 1")
    expected = geo.gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert float(geo.distance_m(lon, lat, *expected)) < 1.0
    assert float(geo.distance_m(lon, lat, gcj_lon, gcj_lat)) > 300  # really moved off the GCJ-02 position
    assert "WGS-84" in " ".join(c.value for c in at.caption)


def test_english_map(demo_env: str) -> None:
    at = _run_map({"lang": "en"})
    assert not at.exception
    assert at.title[0].value == "Building map"
    assert "Buildings" in [m.label for m in at.metric]
    assert "occupancy {o}%" in json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)["text"]


def test_profile_page_opens_from_the_id_in_the_url(demo_env: str, raw) -> None:
    point_building = int(raw.point["building_id"].iloc[0])
    at = AppTest.from_file(BUILDING_PAGE, default_timeout=120)
    at.query_params["id"] = str(point_building)
    at.run()
    assert not at.exception
    assert at.subheader[0].value == raw.building.set_index("id").loc[point_building, "name"]
    months = raw.month[(raw.month["building_id"] == point_building) & (raw.month["month"] >= "2026-01-01")]
    tax = months["tax_10k"].sum()
    assert _metric(at, "期内税收") == (f"{tax / 10_000:,.2f} 亿元" if tax >= 10_000 else f"{tax:,.0f} 万元")
    assert len(at.get("plotly_chart")) == 3
    point_id = int(raw.point["id"].iloc[0])
    scores = raw.feedback[(raw.feedback["point_id"] == point_id) & raw.feedback["score"].notna()]
    assert _metric(at, "历史平均评分（1–5）") == f"{scores['score'].mean():.2f}"


@pytest.mark.parametrize(("value", "message"), [("999999", "找不到编号为 999999 的楼宇"),
                                                ("abc", "找不到编号为 abc 的楼宇"),
                                                ("²", "找不到编号为 ² 的楼宇"),
                                                ("99999999999999999999", "找不到编号为 99999999999999999999")])
def test_profile_page_with_a_bad_id_explains(demo_env: str, value: str, message: str) -> None:
    at = AppTest.from_file(BUILDING_PAGE, default_timeout=120)
    at.query_params["id"] = value
    at.run()
    assert not at.exception
    assert message in at.warning[0].value


def test_markdown_in_a_bad_id_is_shown_literally_not_rendered(demo_env: str) -> None:
    at = AppTest.from_file(BUILDING_PAGE, default_timeout=120)
    at.query_params["id"] = "![](//evil.cn/x)"
    at.run()
    assert not at.exception
    # every Markdown special is backslash-escaped, so no image (and no request to that host) is rendered
    assert r"\!\[\]\(//evil\.cn/x\)" in at.warning[0].value


def test_an_unknown_tile_crs_setting_is_named_in_a_warning(demo_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_TILE_URL", "http://tiles.intranet.local/{z}/{x}/{y}.png")
    monkeypatch.setenv("DASHBOARD_TILE_CRS", "EPSG:3857")
    at = _run_map()
    assert not at.exception
    assert "DASHBOARD_TILE_CRS" in at.warning[0].value and "3857" in at.warning[0].value


def test_profile_search_by_name_sets_the_id(demo_env: str, raw) -> None:
    at = AppTest.from_file(BUILDING_PAGE, default_timeout=120).run()
    assert "输入楼宇名称查找" in at.info[0].value
    target = raw.building.set_index("id").loc[1]
    at.text_input(key="building_q").set_value(target["name"]).run()
    at.selectbox(key="building_pick").select(1).run()
    assert not at.exception
    assert at.query_params["id"] == "1"
    assert at.subheader[0].value == target["name"]


def test_leaving_the_map_and_coming_back_keeps_the_filters(demo_env: str) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120).run()
    at.switch_page("app_pages/map.py").run()
    at.multiselect(key="map_districts").set_value(["440106"]).run()
    at.switch_page("app_pages/overview.py").run()
    at.query_params.pop("district", None)  # a page switch in the browser drops the URL's parameters
    at.switch_page("app_pages/map.py").run()
    assert not at.exception
    assert at.multiselect(key="map_districts").value == ["440106"]
    assert at.query_params["district"] == "440106"


def test_the_table_sends_one_page_sorted_over_all_buildings_and_a_pick_opens_that_row(demo_env: str, raw) -> None:
    at = _run_map()
    total = len(raw.building)
    assert total > 100  # the demo city fills more than two pages
    assert len(at.dataframe[0].value) == 50  # one page of rows, not the whole city
    at.selectbox(key="map_tsort").set_value("gross_area_m2").run()  # floor area, smallest first
    at.number_input(key="map_tpage").set_value(2).run()
    assert not at.exception
    # rows 51-100 of the buildings by floor area, equal areas by code
    wanted = raw.building.sort_values(["gross_area_m2", "code"]).iloc[50:100]
    table = at.dataframe[0].value
    assert list(table["楼宇编号"]) == list(wanted["code"])
    assert f"第 2/{-(-total // 50)} 页，共 {total:,} 栋" in " ".join(c.value for c in at.caption)
    assert dict(at.query_params) == {"lang": "zh", "tsort": "gross_area_m2", "tpage": "2"}
    # picking the 4th row of page 2 opens the 54th smallest building, not the 4th of page 1
    at.session_state["map_table_gross_area_m2_2"] = {"selection": {"rows": [3], "columns": []}}
    at.run()
    assert wanted["name"].iloc[3] in [s.value for s in at.subheader]
