"""Map playback (issue 25) in a real browser: three months played, each building taking its monthly colour in the
layer data the component exposes (window.__playback, not canvas pixels); the URL holds the range and the month."""

from __future__ import annotations

import urllib.parse

import pytest

from tests.browser.actions import click_until, idle, until

pytestmark = pytest.mark.browser

# The map's occupancy-band colours (ui/map_charts.PALETTES["occupancy_band"]).
BAND_50_70, BAND_70_85, BAND_85_PLUS = [242, 142, 43], [140, 190, 80], [26, 130, 60]
# Worked out by hand from the demo city's rows (leasable area unchanged in the three months):
# GZ0300854 芳村丰湾总部大厦, 23,910 ㎡ leasable, 85 % = 20,323.5 ㎡: occupied 20,210 (Jan) -> 70-85 %,
#   20,360 (Feb) -> 85 % and over, 20,190 (Mar) -> 70-85 %;
# GZ0600141 金穗东域大厦, 119,320 ㎡ leasable, 70 % = 83,524 ㎡: occupied 83,350 -> 50-70 %, 84,160 -> 70-85 %,
#   83,250 -> 50-70 %.
EXPECTED = {
    "GZ0300854": {"2026-01": BAND_70_85, "2026-02": BAND_85_PLUS, "2026-03": BAND_70_85},
    "GZ0600141": {"2026-01": BAND_50_70, "2026-02": BAND_70_85, "2026-03": BAND_50_70},
}


def _component(page):  # type: ignore[no-untyped-def]
    """The playback component's iframe (a Streamlit v1 component), once it is on the page."""
    found = page.locator('iframe[title$="map_playback"]')
    return found.first.element_handle().content_frame() if found.count() else None


def _played(page, month: str) -> bool:  # type: ignore[no-untyped-def]
    frame = _component(page)
    return bool(frame) and bool(frame.evaluate(
        f"() => !!window.__playback && window.__playback.steps.includes('{month}')"))


def test_playing_three_months_colours_each_building_by_its_month(server: str, watched_page) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    page.goto(f"{server}/map-time?from=2026-01&to=2026-03&at=2026-01")
    idle(page)
    assert until(lambda: _played(page, "2026-01"), 90, "the first month drawn")
    # play: the component asks the server for each next month and draws it before asking for the one after
    def play() -> None:  # a second try must not pause a playback the first one started
        frame = _component(page)
        if not frame.evaluate("() => window.__playback.playing"):
            frame.click("#play")

    click_until(page, play, lambda: _played(page, "2026-02"), what="playback started")
    assert until(lambda: _played(page, "2026-03"), 90, "the third month drawn")
    frame = _component(page)
    for code, months in EXPECTED.items():
        for month, colour in months.items():
            got = frame.evaluate(f"() => window.__playback.colourOf('{code}', '{month}')")
            assert got == colour, (code, month, got)
    # the buildings' positions came once: every step after the first carried only the month's class bytes
    assert frame.evaluate("() => window.__playback.buildings") == 1500
    idle(page)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    assert (query["from"], query["to"]) == (["2026-01"], ["2026-03"])
    assert until(lambda: urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query).get("at") == ["2026-03"], 30)
    assert not watched_page.foreign_requests()  # offline: no tiles, no CDN
