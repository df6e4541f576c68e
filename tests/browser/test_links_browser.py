"""Views a colleague can open from a link: the goals page set to as-of 2026-09, seasonal pace and the ranking tab,
and the overview set to a quarter, a district and an indicator, copied into a fresh browser context (no shared
session or storage) show the same tables and figures on the same tab."""

from __future__ import annotations

import urllib.parse

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PANEL = '[data-testid="stTabPanel"]:visible'
GRID = '[data-testid="stDataFrame"]'


def _cells(page, scope: str = PANEL) -> list[str]:  # type: ignore[no-untyped-def]
    """The texts of the first table in `scope` (the data grid keeps an accessible copy of its cells)."""
    grid = page.locator(f"{scope} {GRID}").first
    grid.locator('[role="gridcell"]').first.wait_for(state="attached", timeout=60_000)
    return grid.locator('[role="gridcell"]').all_text_contents()


def _choose(page, label: str, option: str, scope: str = '[data-testid="stSidebar"]') -> None:  # type: ignore[no-untyped-def]
    """Pick `option` in the selectbox labelled `label`; a rerun that lands while the list is open closes it, so
    open it again until the option shows."""
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(6):
        page.locator(f'{scope} [data-testid="stSelectbox"]').filter(has_text=label).click()
        try:
            choice.wait_for(timeout=5_000)
            break
        except Exception:
            continue
    choice.click()


def _fresh(browser, url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(url)
    return context, page


def test_a_goals_view_opens_from_its_link_on_the_same_tab(server: str, watched_page, browser) -> None:
    page = watched_page.page
    page.goto(server + "/goals")
    page.get_by_role("heading", name="目标跟踪").wait_for(timeout=60_000)
    _cells(page)
    _choose(page, "截至月份", "2026-09")
    page.wait_for_url(lambda url: "as_of=2026-09" in url, timeout=60_000)
    page.get_by_role("radio", name="季节", exact=True).click()
    page.wait_for_url(lambda url: "pace=seasonal" in url, timeout=60_000)
    expect(page.locator(PANEL).get_by_text("(季节", exact=False).first).to_be_attached(timeout=60_000)
    status = _cells(page)  # the status table as of September, seasonal pace
    page.get_by_role("tab", name="动态排名").click()
    page.wait_for_url(lambda url: "tab=ranking" in url, timeout=60_000)
    ranking = _cells(page)
    shared = page.url
    assert "2026-09" in " ".join(page.locator('[data-testid="stCaptionContainer"]').all_inner_texts())

    context, other = _fresh(browser, shared)
    try:
        expect(other.get_by_role("tab", name="动态排名")).to_have_attribute("aria-selected", "true", timeout=60_000)
        assert _cells(other) == ranking
        other.get_by_role("tab", name="指标状态").click()
        expect(other.locator(PANEL).get_by_text("(季节", exact=False).first).to_be_attached(timeout=60_000)
        assert _cells(other) == status
        sidebar = other.locator('[data-testid="stSidebar"]')
        expect(sidebar.get_by_role("combobox", name="截至月份")).to_have_value("2026-09")
        assert other.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()
    assert watched_page.foreign_requests() == []


def _metric(page, label: str) -> str:  # type: ignore[no-untyped-def]
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text(timeout=60_000)


def test_an_overview_view_opens_from_its_link(server: str, watched_page, browser) -> None:
    page = watched_page.page
    page.goto(server + "/")
    page.get_by_text("楼宇经济总览").wait_for(timeout=60_000)
    city = _metric(page, "在统楼宇")
    _choose(page, "区域", "天河区")
    page.wait_for_url(lambda url: "district=440106" in url, timeout=60_000)
    _choose(page, "统计周期", "季度")
    page.wait_for_url(lambda url: "period=quarter-" in url, timeout=60_000)
    _choose(page, "季度", "Q2")
    page.wait_for_url(lambda url: "period=quarter-2026-2" in url, timeout=60_000)
    _choose(page, "走势指标", "注册率", scope="[data-testid=stMain]")
    page.wait_for_url(lambda url: "trend=registration_rate" in url, timeout=60_000)
    expect(page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first).to_contain_text("天河区")
    tiles = {label: _metric(page, label) for label in ("在统楼宇", "入驻率（面积加权）", "楼宇税收", "注册率")}
    assert tiles["在统楼宇"] != city
    shared = page.url
    assert "/overview?" in shared

    # opened as "/" with the same parameters (the root page hands them on to the overview)
    context, other = _fresh(browser, server + "/?" + urllib.parse.urlsplit(shared).query)
    try:
        expect(other.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first).to_contain_text("天河区", timeout=60_000)
        assert {label: _metric(other, label) for label in tiles} == tiles
        expect(other.get_by_role("combobox", name="走势指标")).to_have_value("注册率")
        # the trend's axis is the registration rate in percent
        expect(other.locator(".js-plotly-plot").first.locator(".ytitle")).to_contain_text("注册率", timeout=60_000)
        assert other.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()
    assert watched_page.foreign_requests() == []
