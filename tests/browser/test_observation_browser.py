"""The 观测点 page in a real browser: map and charts draw, nothing raises, no request leaves the app's host."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_observation_page_renders_map_and_charts_offline(server: str, watched_page) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    page.goto(server + "/observation")
    page.get_by_text("营商环境观测点").first.wait_for(timeout=90_000)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=90_000)
    page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(timeout=90_000)
    assert page.locator('[data-testid="stMetric"]').count() == 6
    page.get_by_role("tab", name="走势、维度与关键词").click()
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    page.get_by_role("tab", name="企业诉求").click()
    page.get_by_text("诉求办理情况（按类别）").wait_for(timeout=60_000)
    page.get_by_role("tab", name="反馈明细").click()
    page.get_by_text("最新在前").wait_for(timeout=60_000)
    assert page.locator(".js-plotly-plot").count() >= 3
    assert page.locator('[data-testid="stException"]').count() == 0
    assert watched_page.foreign_requests() == []
