"""The warnings' wording on the wall screen (escaped, counted) and the pipeline's place in the pack's order."""

from __future__ import annotations

import pandas as pd

from data_layer.i18n import translate
from data_layer.workbench import ALERT_COLUMNS, alert_figures
from ui import briefing_view as view


def _t(key: str, **values: object) -> str:
    return translate(key, "zh", **values)


def test_the_wall_lists_building_warnings_escaped_with_their_rules() -> None:
    """One line a warning on the wall (building, district, rule, its figures in short), so the panel fits every
    resolution; the overview's list and the pack give the figures in full."""
    rows = [[7, "B7", "<b>楼</b>", "D1", "a", 8_000.0, "occupancy_drop_3m", 0.9, 0.8, -0.1, "pp"],
            [8, "B8", "乙楼", "D1", "b", 9_000.0, "stopped_reporting", "2026-08", "2026-10", 2, "months"]] * 3
    frame = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    html = view.building_alerts_html(frame, lang="zh", t=_t, district_names={"D1": "甲区"}, limit=4)
    assert "楼宇预警 6 条" in html and "另有 2 条楼宇预警" in html
    assert "&lt;b&gt;楼&lt;/b&gt;" in html and "<b>楼" not in html
    assert "<td>甲区</td><td>停止报送</td><td class=\"num\">2 个月未报</td>" in html
    assert "<td>入驻率三个月内下降</td><td class=\"num\">90.0% → 80.0%</td>" in html
    assert "（-10.0 个百分点）" not in html  # the full wording would wrap the rows past the screen's bottom
    english = view.building_alerts_html(frame, lang="en", t=lambda key, **kw: translate(key, "en", **kw),
                                        district_names={"D1": "D1"}, limit=4)
    assert "<td>Occupancy ↓ 3 months</td>" in english and "<td>Not reporting</td>" in english
    assert "暂无楼宇预警" in view.building_alerts_html(frame.iloc[:0], lang="zh", t=_t, district_names={})


def test_figures_read_in_both_languages() -> None:
    row = {"unit": "rel", "before": 1_000.0, "after": 600.0, "change": -0.4}
    assert alert_figures(row, "zh") == "上年同期 1,000 万元 → 今年 600 万元（-40.0%）"
    assert alert_figures(row, "en") == "same months last year ¥10.0 M → this year ¥6.0 M (-40.0%)"
    below = {"unit": "10k_yuan", "before": 12_000.0, "after": 9_000.0, "change": -1_000.0}
    assert alert_figures(below, "zh") == "上年全年 1.20 亿元 → 今年预计 9,000 万元"
