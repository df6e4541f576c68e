"""目标跟踪 and 计划编辑 in a real browser: they render, raise nothing, show status in words, rank the eleven
districts, keep the editor closed to visitors, and talk to no host but the app's own."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

DISTRICTS = ("荔湾区", "越秀区", "海珠区", "天河区", "白云区", "黄埔区", "番禺区", "花都区", "南沙区", "从化区", "增城区")


def test_goal_tracking_renders_statuses_and_ranks_every_district(server: str, watched_page) -> None:
    page = watched_page.page
    page.goto(server + "/goals")
    page.get_by_role("heading", name="目标跟踪").wait_for(timeout=60_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
    metrics = page.locator('[data-testid="stMetric"]')
    assert metrics.count() == 4
    labels = " ".join(metrics.all_inner_texts())
    for word in ("可完成", "有风险", "滞后", "无数据"):  # status in words, not colour alone
        assert word in labels
    page.get_by_role("tab", name="动态排名").click()
    chart = page.locator('[data-testid="stTabPanel"]:visible .js-plotly-plot').first  # the ranking bar chart
    chart.wait_for(timeout=60_000)
    names = chart.locator(".ytick text").all_text_contents()
    assert sorted(names) == sorted(DISTRICTS)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert watched_page.foreign_requests() == []


def test_plan_editor_is_closed_to_visitors(server: str, watched_page) -> None:
    page = watched_page.page
    page.goto(server + "/plan-editor")
    page.get_by_text("此操作需要“编辑”权限").wait_for(timeout=60_000)
    assert page.locator('[data-testid="stDataFrame"]').count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    assert watched_page.foreign_requests() == []
