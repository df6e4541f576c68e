"""The overview in a real browser: it renders, raises nothing, and talks to no host but the app's own."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_overview_renders_offline_without_errors(server: str, watched_page) -> None:
    page = watched_page.page
    page.goto(server + "/")
    page.get_by_text("楼宇经济总览").wait_for(timeout=60_000)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stMetric"]').count() == 10
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("亿元").count() >= 1
    # every metric's figure and label is shown whole inside its card, at 1,280 px too ("298.61 …" was cut before)
    page.set_viewport_size({"width": 1280, "height": 900})
    cut = page.locator('[data-testid="stMetricValue"] p, [data-testid="stMetricLabel"] p').evaluate_all(
        """ps => ps.filter(p => { const box = p.parentElement, card = p.closest('[data-testid="stMetric"]');
               return box.scrollWidth > box.clientWidth + 1
                   || p.getBoundingClientRect().right > card.getBoundingClientRect().right + 0.5; })
             .map(p => p.textContent)""")
    assert cut == []
    assert page.locator('[data-testid="stMetricValue"] p').filter(has_text="亿元").count() >= 1
    assert "lang=zh" in page.url
    assert watched_page.foreign_requests() == []


def test_language_switch_changes_the_ui_and_the_url(server: str, watched_page) -> None:
    page = watched_page.page
    page.goto(server + "/")
    page.get_by_text("楼宇经济总览").wait_for(timeout=60_000)
    page.locator("[data-testid=stSidebar]").get_by_text("English", exact=True).click()
    page.get_by_text("Building economy overview").wait_for(timeout=30_000)
    assert re.search(r"lang=en", page.url)
    # the chosen options are redrawn in English too (the boxes kept 年初至今 and 楼宇税收 before)
    shown = """() => [...document.querySelectorAll('[data-testid="stSelectbox"] input[role="combobox"]')]
                      .map(box => box.value)"""
    page.wait_for_function(f"({shown})().includes('Year to date')", timeout=30_000)
    assert "Building tax" in page.evaluate(shown) and not {"年初至今", "楼宇税收"} & set(page.evaluate(shown))
    # a fresh page from that URL opens in English
    page.goto(page.url)
    page.get_by_text("Building economy overview").wait_for(timeout=60_000)
    assert watched_page.foreign_requests() == []
