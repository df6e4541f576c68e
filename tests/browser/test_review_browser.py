"""The quarterly review in a real browser: a drivers-of-change bar clicked down to a building's profile."""

from __future__ import annotations

import re

import pytest

from tests.browser.actions import click_until, idle

pytestmark = pytest.mark.browser


def _bars(page):  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stTabPanel"]:visible .js-plotly-plot .trace.bars').first.locator(".point path")


def _click(page, bar) -> None:  # type: ignore[no-untyped-def]
    """Click a bar as a person would: at its centre (plotly's drag layer, above the bars, takes the click)."""
    bar.wait_for(timeout=30_000)
    box = bar.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def _ticks(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stTabPanel"]:visible .js-plotly-plot .xtick text').all_text_contents()


def _streets_shown(page) -> bool:  # type: ignore[no-untyped-def]
    return any(tick.endswith("街道") for tick in _ticks(page))


def test_a_drivers_bar_drills_down_to_a_buildings_profile(server: str, watched_page) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    page.goto(server + "/goals")
    page.get_by_role("heading", name="目标跟踪").wait_for(timeout=60_000)
    tab = page.get_by_role("tab", name="变动归因")
    click_until(page, lambda: tab.click(timeout=20_000), lambda: tab.get_attribute("aria-selected") == "true",
                what="the drivers tab")
    bars = _bars(page)
    bars.first.wait_for(timeout=60_000)
    idle(page)
    top = _ticks(page)
    assert "海珠区" in top and "总变动" in top  # districts, then the total
    first_district = top[0]
    # the largest contribution, a district: the breadcrumb names where we are and the axis lists its streets
    click_until(page, lambda: _click(page, _bars(page).first),
                lambda: page.get_by_text(f"› {first_district}").count() > 0 and _streets_shown(page),
                what=f"the streets of {first_district}")
    assert "小计" in _ticks(page)  # a district's streets add up to its bar
    # the click kept the view: still 2026 as of October (a re-created year box once sent its first year, 2025,
    # back with the click, and the drill fell back to the districts of December 2025)
    assert "as_of" not in page.url and page.get_by_text("2026年目标 · 截至 2026-10").count() == 1
    click_until(page, lambda: _click(page, _bars(page).first),  # a street: its buildings
                lambda: bool(_ticks(page)) and not _streets_shown(page), what="a street's buildings")
    click_until(page, lambda: _click(page, _bars(page).first),  # a building: its profile opens
                lambda: re.match(r".*/building\?.*id=\d+", page.url) is not None, what="a building's profile")
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert watched_page.foreign_requests() == []
