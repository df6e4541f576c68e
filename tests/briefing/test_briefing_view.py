"""The briefing screen's pure builders: numbers in the units users expect, every stored text escaped, the CSS a
constant, tables that fit the screen, map labels that do not pile up, and a deck that asks no outside host."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon

from data_layer import settings
from data_layer.briefing import AlertsPanel
from data_layer.i18n import translate
from data_layer.map_payload import MapPoints
from data_layer.settings import get_settings
from ui import briefing_view as view


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


def test_the_css_is_a_constant_that_hides_the_chrome() -> None:
    assert view.CSS.strip().startswith("<style>") and view.CSS.strip().endswith("</style>")
    for hidden in ('[data-testid="stSidebar"]', 'header[data-testid="stHeader"]', '[data-testid="stToolbar"]'):
        assert hidden in view.CSS
    assert "font-size: 96px" in view.CSS  # headline numbers (at least 64 px)


def _goal_rows(count: int) -> pd.DataFrame:
    statuses = ["on_track", "off_track", "at_risk"]
    return pd.DataFrame({"indicator": [f"i{k}" for k in range(count)], "name_zh": [f"指标{k}" for k in range(count)],
                         "name_en": [f"I{k}" for k in range(count)], "unit": "count", "comparator": ">=",
                         "target": 10.0, "actual": 8.0, "gap": -2.0, "progress": 0.8, "forecast": 9.0,
                         "status": [statuses[k % 3] for k in range(count)]})


def test_a_long_plan_is_split_into_two_tables_and_then_trimmed() -> None:
    counts = {"good": 1, "at_risk": 1, "bad": 1, "no_data": 0}
    assert view.targets_html(_goal_rows(14), counts, lang="zh", t=t, final=False).count("<table") == 1
    assert view.targets_html(_goal_rows(20), counts, lang="zh", t=t, final=False).count("<table") == 2
    long = view.targets_html(_goal_rows(31), counts, lang="zh", t=t, final=False)
    assert long.count("<tr>") == 2 + 28 and "另有 3 项" in long
    assert "可完成 1 项" in long and "✖ 滞后" in long


def test_map_labels_that_would_overlap_are_left_out() -> None:
    labels = [{"n": "天河区", "x": 113.36, "y": 23.12}, {"n": "越秀区", "x": 113.361, "y": 23.121},
              {"n": "从化区", "x": 113.59, "y": 23.65}]
    kept = view.placed_labels(labels, zoom=9.0, size_px=30)
    assert [label["n"] for label in kept] == ["天河区", "从化区"]


def test_the_deck_draws_districts_and_buildings_without_any_outside_host() -> None:
    districts = gpd.GeoDataFrame({"code": ["D1", "D2"], "name_zh": ["甲区", "乙区"], "name_en": ["Jia", "Yi"],
                                  "building_tax": [20_000.0, 5_000.0], "occupancy_rate": [0.7, 0.6],
                                  "buildings_reporting": [10.0, 5.0]},
                                 geometry=[Polygon([(113.0, 23.0), (113.2, 23.0), (113.2, 23.2)]),
                                           Polygon([(113.3, 23.0), (113.5, 23.0), (113.5, 23.2)])])
    points = MapPoints({"super_a": '[{"p":[1,2],"n":"x"}]'}, {"super_a": (1,)}, {"super_a": ("x",)}, (113.0, 23.0))
    deck = view.briefing_deck(points, districts=districts, lang="zh")
    spec = json.loads(deck.to_json())
    assert [layer["id"] for layer in spec["layers"]] == ["districts", "buildings-super_a", "district-names"]
    assert "http" not in deck.to_json()
    assert spec["layers"][2]["getSize"] >= 28
    side = view.map_side_html(districts, lang="zh", t=t)
    assert side.index("甲区") < side.index("乙区") and "2.00 亿元" in side


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
    assert "headline numbers 96 px" in " ".join(str(view.__doc__).split()) and "font-size: 96px" in view.CSS
