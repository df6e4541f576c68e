"""The briefing screen's pure builders: numbers in the units users expect, every stored text escaped, the CSS a
constant, tables that fit the screen, map labels that do not pile up, and a deck that asks no outside host."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon

from data_layer import settings
from data_layer.briefing import AlertsPanel, RankingNote
from data_layer.i18n import translate
from data_layer.settings import get_settings
from ui import briefing_view as view

REPO = Path(__file__).resolve().parents[2]


def t(key: str, **values: object) -> str:
    return translate(key, "zh", **values)


def test_headline_numbers_are_split_into_digits_and_chinese_units() -> None:
    assert view.big_number("building_tax", 2_551_442.0, "zh") == ("255.14", "亿元")
    assert view.big_number("building_tax", 8_000.0, "zh") == ("8,000", "万元")
    assert view.big_number("occupancy_rate", 0.71525, "zh") == ("71.5", "%")
    assert view.big_number("buildings_reporting", 1455.0, "zh") == ("1,455", "栋")
    assert view.big_number("tax_share", None, "zh") == ("—", "")


def test_tiles_say_the_change_in_words() -> None:
    frame = pd.DataFrame({"value": [0.7152, 31.0, 2_551_442.0], "previous": [0.7262, None, 2_384_289.0],
                          "change": [-0.0110, None, 0.0701], "change_kind": ["pp", "none", "rel"]},
                         index=["occupancy_rate", "super_a", "building_tax"])
    tiles = view.kpi_tiles(frame, lang="zh", t=t)
    assert [tile.delta for tile in tiles] == ["同比 -1.1 个百分点", "当前评定", "同比 +7.0%"]
    assert [tile.tone for tile in tiles] == ["down", "flat", "up"]


def test_stored_text_is_escaped_everywhere() -> None:
    evil = '<script>alert(1)</script>&"'
    ranking = pd.DataFrame({"entity": ["D1"], "name_zh": [evil], "name_en": [evil], "buildings": [12.0],
                            "tax": [5000.0], "rank": [1.0], "rank_change": [0.0], "state": ["ranked"],
                            "occupancy": [70.0], "occupancy_rank": [1.0]})
    alerts = pd.DataFrame({"code": ["OP1"], "building": [evil], "district_code": ["D1"], "responses": [9],
                           "index": [40.0], "previous_index": [60.0], "change": [-20.0], "negative_share": [0.5],
                           "reason": ["index_drop+negative_share"]})
    panel = AlertsPanel(date(2026, 8, 1), date(2026, 10, 1), {"points": 1, "responses": 9, "index": 40.0,
                                                              "negative_share": 0.5},
                        {"points": 1, "responses": 9, "index": 60.0, "negative_share": 0.1}, alerts,
                        {"open": 1, "overdue": 0, "opened": 1, "closed": 0}, date(2026, 10, 31))
    for html in (view.ranking_html(ranking, lang="zh", t=t),
                 view.alerts_html(panel, lang="zh", t=t, district_names={"D1": evil}),
                 view.panel_bar_html(name="x", meta=evil, position=0, total=5), view.calm_html(evil),
                 view.note_html(evil)):
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;" in html
    # the map's SVG is set as markup by the page's script: its own text must already be escaped
    districts = gpd.GeoDataFrame({"code": ["D1"], "name_zh": [evil], "name_en": [evil], "building_tax": [5000.0]},
                                 geometry=[Polygon([(113.0, 23.0), (113.2, 23.0), (113.2, 23.2)])])
    svg = view.district_map_svg(districts, lang="zh")
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;" in svg


def test_the_css_is_a_constant_that_hides_the_chrome_and_scales_with_the_screen() -> None:
    assert view.CSS.strip().startswith("<style>") and view.CSS.strip().endswith("</style>")
    for hidden in ('[data-testid="stSidebar"]', 'header[data-testid="stHeader"]', '[data-testid="stToolbar"]',
                   '[role="dialog"]'):  # Streamlit's own English connection dialog too
        assert hidden in view.CSS
    # one unit: 1 px at 1366×768, larger screens scale up
    assert "--u: min(calc(100vw / 1366), calc(100vh / 768))" in view.CSS
    assert "font-size: calc(58 * var(--u))" in view.CSS  # headline numbers: 82 px at 1920×1080
    sizes = [float(size) for size in re.findall(r"font-size: calc\((\d+(?:\.\d+)?) \* var\(--u\)\)", view.CSS)]
    assert sizes and min(sizes) >= 28  # no text under 28 px at 1366×768
    assert re.search(r"\d+u\b", view.CSS.replace("1366", "").replace("768", "")) is None  # every unit converted


def test_the_script_carries_no_markup_the_sanitiser_would_drop() -> None:
    """DOMPurify drops a <script> whose text contains "<" before a letter, "/" or "!" (it looks like markup)."""
    body = view.SCRIPT.split("<script>")[1].split("</script>")[0]
    assert re.search(r"<[/\w!]", body) is None
    assert "_stcore/health" in body and "bf-overlay" in body


def _goal_rows(count: int) -> pd.DataFrame:
    statuses = ["on_track", "off_track", "at_risk"]
    return pd.DataFrame({"indicator": [f"i{k}" for k in range(count)], "name_zh": [f"指标{k}" for k in range(count)],
                         "name_en": [f"I{k}" for k in range(count)], "unit": "count", "comparator": ">=",
                         "target": 10.0, "actual": 8.0, "gap": -2.0, "progress": 0.8, "forecast": 9.0,
                         "status": [statuses[k % 3] for k in range(count)]})


def test_goal_rows_are_worst_first_and_trimmed_to_what_fits() -> None:
    counts = {"good": 1, "at_risk": 1, "bad": 1, "no_data": 0}
    short = view.targets_html(_goal_rows(6), counts, lang="zh", t=t, final=False)
    # rows 0..5 have statuses on, off, risk, on, off, risk: off track (1, 4), at risk (2, 5), on track (0, 3)
    order = [int(name) for name in re.findall(r"<td>指标(\d+)</td>", short)]
    assert order == [1, 4, 2, 5, 0, 3]
    long = view.targets_html(_goal_rows(14), counts, lang="zh", t=t, final=False)
    assert long.count("<table") == 1 and long.count("<tr>") == 1 + view.ROWS_PER_TABLE
    assert "另有 3 项" in long and "可完成 1 项" in long and "✖ 滞后" in long
    # the three left out are on-track rows: 14 rows hold 5 on track (0, 3, 6, 9, 12); the last three are cut
    assert "指标6" not in long and "指标9" not in long and "指标12" not in long and "指标3" in long
    # the tax share reads to 0.01 % as on its tile, the goals page and the pack (24.95 %, not 24.9 %)
    share = _goal_rows(1).assign(indicator="tax_share", unit="pct", target=24.0, actual=24.95, forecast=24.95)
    assert "≥ 24.00%" in view.targets_html(share, counts, lang="zh", t=t, final=False)
    assert ">24.95%<" in view.targets_html(share, counts, lang="zh", t=t, final=False)


def test_every_district_label_is_placed_and_none_overlaps() -> None:
    districts = gpd.read_file(REPO / "assets" / "geo" / "guangzhou_districts.geojson")
    districts["building_tax"] = [float(k + 1) * 10_000 for k in range(len(districts))]
    districts["name_zh"] = districts["name_zh"] if "name_zh" in districts else districts["name"]
    svg = view.district_map_svg(districts, lang="zh")
    names = re.findall(r'data-name="([^"]+)"', svg)
    assert len(names) == len(districts) == 11 and set(names) == set(districts["name_zh"])
    project = view._projector(districts.geometry.total_bounds, view.MAP_WIDTH, view.MAP_HEIGHT)
    anchors = districts.geometry.representative_point()
    labels = view.place_labels([(n, "1.00 亿元", *project(p.x, p.y)) for n, p in zip(districts["name_zh"], anchors,
                                                                                    strict=True)])
    assert len(labels) == 11
    for k, label in enumerate(labels):
        assert 0 <= label.x and label.x + label.width <= view.MAP_WIDTH
        assert 0 <= label.y and label.y + label.height <= view.MAP_HEIGHT
        assert not any(label.overlaps(other, gap=0) for other in labels[k + 1:]), label.name
    assert view.LABEL_PX >= 28 and 'font-size: 28px' in view.CSS  # 28 map units = 28 px at 1366×768


def test_a_crowded_label_moves_out_with_a_leader_instead_of_being_dropped() -> None:
    labels = view.place_labels([("天河区", "176.84 亿元", 400.0, 300.0), ("越秀区", "17.11 亿元", 402.0, 301.0)])
    assert [label.name for label in labels] == ["天河区", "越秀区"]
    assert not labels[0].moved and labels[1].moved and not labels[0].overlaps(labels[1])


def test_the_map_and_its_key_show_the_classes_with_their_values() -> None:
    districts = gpd.GeoDataFrame({"code": ["D1", "D2", "D3"], "name_zh": ["甲区", "乙区", "丙区"],
                                  "name_en": ["Jia", "Yi", "Bing"], "building_tax": [1_768_381.0, 475_896.0, 20_000.0]},
                                 geometry=[Polygon([(113.0, 23.0), (113.2, 23.0), (113.2, 23.2)]),
                                           Polygon([(113.3, 23.0), (113.5, 23.0), (113.5, 23.2)]),
                                           Polygon([(113.6, 23.0), (113.8, 23.0), (113.8, 23.2)])])
    html = view.map_html(districts, lang="zh", t=t)
    assert "http" not in html and "176.84 亿元" in html and "甲区" in html
    # three values, three classes: each its own; the key lists the leader's class first, with its range
    side = view.map_side_html(districts, lang="zh", t=t)
    assert side.index("176.84 亿元") < side.index("2.00 亿元") and side.count("1 个区") == 3


def test_a_sparkline_is_drawn_from_the_values_and_breaks_at_gaps() -> None:
    svg = view.sparkline_svg([1.0, 3.0, None, 2.0, 2.0], width=100, height=30)
    # x step 25; y = 30 - 2 - (v - 1) / 2 * 26: 1 → 28, 3 → 2, 2 → 15
    assert '<polyline class="line" vector-effect="non-scaling-stroke" points="0.0,28.0 25.0,2.0"/>' in svg
    assert 'points="75.0,15.0 100.0,15.0"' in svg
    assert view.sparkline_svg([5.0]) == "" and view.sparkline_svg([]) == ""


def test_the_rank_change_is_an_arrow_and_a_number_and_no_change_says_why() -> None:
    assert view.rank_change_html(2.0) == '<span class="up">▲ 2</span>'
    assert view.rank_change_html(-1.0) == '<span class="down">▼ 1</span>'
    assert view.rank_change_html(0.0) == '<span class="flat">＝ 0</span>'
    open_month = RankingNote("open_month", 1200, 1455)
    assert "2026年11月数据尚未报齐（在统楼宇 1,200 栋，上月 1,455 栋）" in view.ranking_note_text(
        open_month, as_of=date(2026, 11, 1), lang="zh", t=t)
    steady = view.ranking_note_text(RankingNote("steady", 1455, 1455, 2_663.54), as_of=date(2026, 11, 1), lang="zh",
                                    t=t)
    assert "最小差距 2,664 万元" in steady
    assert view.ranking_note_text(RankingNote("moved"), as_of=date(2026, 11, 1), lang="zh", t=t) == ""


def test_times_are_shown_in_the_given_zone_not_the_servers(utc_process: None) -> None:
    stored = datetime(2026, 10, 8, 1, 30)  # naive: UTC, as the store keeps it
    assert view.local_time(stored, ZoneInfo("Asia/Shanghai")) == "10-08 09:30"
    assert view.local_time(stored.replace(tzinfo=UTC), ZoneInfo("UTC")) == "10-08 01:30"
    assert view.local_time(None, ZoneInfo("Asia/Shanghai")) == "—"


def test_the_time_zone_setting_defaults_to_china_and_survives_a_typo(monkeypatch: pytest.MonkeyPatch,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("DASHBOARD_TIMEZONE", raising=False)
    assert get_settings().timezone == "Asia/Shanghai"
    monkeypatch.setenv("DASHBOARD_TIMEZONE", "Europe/Berlin")
    assert get_settings().timezone == "Europe/Berlin"
    monkeypatch.setenv("DASHBOARD_TIMEZONE", "Asia/Shangai")
    settings._timezone.cache_clear()  # the warning is once per name and process
    with caplog.at_level(logging.WARNING, logger="dashboard.settings"):
        assert get_settings().timezone == "Asia/Shanghai"
        assert get_settings().timezone == "Asia/Shanghai"
    warnings = [record for record in caplog.records if "Asia/Shangai" in record.getMessage()]
    assert len(warnings) == 1  # once, not on every run of every page


def test_the_module_says_the_sizes_the_css_sets() -> None:
    doc = " ".join(str(view.__doc__).split())
    assert "headline numbers 58 units" in doc and "font-size: calc(58 * var(--u))" in view.CSS
    assert "28 units" in doc and "font-size: calc(28 * var(--u))" in view.CSS
