"""The briefing screen in headless Chromium at 1920×1080, on servers of its own (a short panel interval comes from
the environment): no sidebar or login prompt on a kiosk link even where login is required, the next panel within
the interval, type sizes, no exception, no request to another host; and a bounded soak test of the server's memory
over many rotations (DASHBOARD_SOAK_ROTATIONS=200 for the long run). The page's soak under AppTest (Python's
object count, Streamlit's caches and session state) is tests/briefing/test_briefing_soak.py."""

from __future__ import annotations

import itertools
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from data_layer import db, users
from data_layer.auth import Actor
from tests.browser.conftest import LOCAL_PREFIXES, serve

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

REPO = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1920, "height": 1080}
INTERVAL = 2  # seconds between panels on the test server
# The soak stops at SOAK_ROTATIONS or after SOAK_SECONDS, whichever comes first, and needs at least
# SOAK_BASELINE + SOAK_MIN_AFTER rotations. The long run: DASHBOARD_SOAK_ROTATIONS=200 DASHBOARD_SOAK_SECONDS=1500.
SOAK_ROTATIONS = int(os.environ.get("DASHBOARD_SOAK_ROTATIONS", "60"))
SOAK_SECONDS = float(os.environ.get("DASHBOARD_SOAK_SECONDS", "150"))
SOAK_BASELINE = 20
SOAK_MIN_AFTER = 20


@dataclass(frozen=True)
class Server:
    base: str
    pid: int
    token: str


@pytest.fixture(scope="module")
def kiosk_store(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A writable copy of the demo city with a kiosk link; returns (url, token)."""
    target = tmp_path_factory.mktemp("briefing") / "demo.db"
    shutil.copy(Path(demo_url.removeprefix("sqlite:///")), target)
    url = f"sqlite:///{target}"
    _, token = users.create_kiosk_token(db.make_engine(url), label="会议室大屏",
                                        by=Actor(name="setup", role="admin", via="cli"))
    return url, token


def _serve(url: str, token: str, log: Path, **env: str) -> Iterator[Server]:
    """The app with extra settings (tests/browser/conftest.py's serve), for a kiosk link."""
    with serve(url, log, **env) as running:
        yield Server(running.base, running.pid, token)


@pytest.fixture(scope="module")
def kiosk_server(kiosk_store: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Login required for the app; panels every INTERVAL seconds."""
    url, token = kiosk_store
    yield from _serve(url, token, tmp_path_factory.mktemp("kiosk") / "streamlit.log",
                      DASHBOARD_REQUIRE_LOGIN="1", DASHBOARD_KIOSK_INTERVAL=str(INTERVAL))


class Screen:
    """A 1920×1080 page that records every request and console error."""

    def __init__(self, browser) -> None:  # type: ignore[no-untyped-def]
        self.context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def foreign(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(LOCAL_PREFIXES)]

    def panel(self) -> str:
        return self.page.inner_text(".bf-bar .name")


@pytest.fixture
def screen(browser) -> Iterator[Screen]:  # type: ignore[no-untyped-def]
    view = Screen(browser)
    yield view
    view.context.close()


PANEL_NAMES = ["核心指标（年初至今）", "年度目标进度", "各区楼宇税收分布", "营商环境感知与预警", "各区动态排名"]
SLACK = 1.5  # seconds beyond the interval for the fragment's run on the server and the redraw
# After the map, software-rendered WebGL (no GPU in this headless browser) blocks the page's main thread while it
# draws the deck's district polygons and ~1,500 points, so the next panel's redraw waits for it: measured on the
# shared 2-core test machine, the map stayed up 3.6-5.1 s at a 2 s interval (every other panel 1.9-2.1 s). That
# is this machine's CPU drawing WebGL, not the server (a wall display draws the deck on its GPU), so the map keeps
# a bound of its own, still tight enough to catch a stuck rotation.
AFTER_MAP_SLACK = 6.0
# When each panel name appeared, stamped in the page itself the moment the DOM changed (performance.now(), ms), so
# the timing does not include this test's own polling.
STAMP_CHANGES_JS = """() => {
  window.__changes = [];
  let last = document.querySelector('.bf-bar .name')?.innerText;
  new MutationObserver(() => {
    const now = document.querySelector('.bf-bar .name')?.innerText;
    if (now && now !== last) { window.__changes.push({name: now, at: performance.now()}); last = now; }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
LOOK_JS = """() => {
  const size = (selector) => { const e = document.querySelector(selector);
                               return e ? parseFloat(getComputedStyle(e).fontSize) : null; };
  let smallest = 1000;
  for (const element of document.querySelectorAll('.bf, .bf *')) {
    const own = [...element.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (own && element.offsetParent !== null) {
      smallest = Math.min(smallest, parseFloat(getComputedStyle(element).fontSize));
    }
  }
  return {name: document.querySelector('.bf-bar .name')?.innerText, smallest: smallest,
          value: size('.bf-tile .value'), label: size('.bf-tile .label'),
          calm: document.querySelectorAll('.bf-calm').length,
          exceptions: document.querySelectorAll('[data-testid="stException"]').length};
}"""


def test_a_kiosk_link_shows_the_briefing_full_screen_and_rotates(kiosk_server: Server, screen: Screen,
                                                                  tmp_path: Path) -> None:
    page = screen.page
    page.goto(f"{kiosk_server.base}/briefing?kiosk={kiosk_server.token}")
    page.wait_for_selector(".bf-bar .name", timeout=60_000)
    assert page.locator("input[type=password]").count() == 0  # no login prompt
    for chrome in ('[data-testid="stSidebar"]', 'header[data-testid="stHeader"]', '[data-testid="stToolbar"]',
                   '[data-testid="stSidebarCollapsedControl"]'):
        assert all(not element.is_visible() for element in page.locator(chrome).all()), chrome
    background = page.evaluate("getComputedStyle(document.querySelector('.stApp')).backgroundColor")
    assert background == "rgb(11, 18, 32)"  # the dark theme

    looks = [page.evaluate(LOOK_JS)]
    page.evaluate(STAMP_CHANGES_JS)
    # One more change than there are panels: the gaps between the stamped changes then cover every panel once.
    for _ in range(len(PANEL_NAMES) + 1):
        after_map = looks[-1]["name"] == "各区楼宇税收分布"
        page.wait_for_function("(name) => document.querySelector('.bf-bar .name')?.innerText !== name",
                               arg=looks[-1]["name"], timeout=(INTERVAL + (AFTER_MAP_SLACK if after_map else SLACK)
                                                               + 2) * 1000)  # a stuck screen fails here
        page.wait_for_timeout(200)
        looks.append(page.evaluate(LOOK_JS))
        if looks[-1]["value"] is not None:
            page.screenshot(path=str(tmp_path / "kpis.png"))
    names = [look["name"] for look in looks]
    first = PANEL_NAMES.index(names[0])
    assert names == [PANEL_NAMES[(first + k) % len(PANEL_NAMES)] for k in range(len(names))]  # each in turn
    changes = page.evaluate("window.__changes")
    assert [change["name"] for change in changes] == names[1:]  # one stamp per change: no flicker in between
    gaps = [(before["name"], (after["at"] - before["at"]) / 1000) for before, after in itertools.pairwise(changes)]
    print("\npanel gaps (s):", ", ".join(f"{name} {gap:.2f}" for name, gap in gaps))
    for name, gap in gaps:  # how long each panel stayed up: within the interval and the slack
        # (No lower bound: the fragment's timer keeps its beat, so the panel after a stalled map comes early.)
        assert gap <= INTERVAL + (AFTER_MAP_SLACK if name == "各区楼宇税收分布" else SLACK), (name, gap)
    kpis = next(look for look in looks if look["value"] is not None)
    assert kpis["value"] >= 64 and kpis["label"] >= 28  # headline numbers and their labels
    assert min(look["smallest"] for look in looks) >= 28  # every text on the screen
    assert all(look["calm"] == 0 and look["exceptions"] == 0 for look in looks), looks
    assert "Traceback" not in page.inner_text("body")
    assert screen.foreign() == [] and screen.errors == []


def test_without_the_token_the_briefing_asks_for_login(kiosk_server: Server, screen: Screen) -> None:
    screen.page.goto(f"{kiosk_server.base}/briefing")
    screen.page.wait_for_selector("input[type=password]", timeout=60_000)
    assert screen.page.locator(".bf-bar").count() == 0


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


COUNT_ROTATIONS_JS = """() => {
  window.__rotations = 0;
  let last = document.querySelector('.bf-bar .name')?.innerText;
  new MutationObserver(() => {
    const now = document.querySelector('.bf-bar .name')?.innerText;
    if (now && now !== last) { window.__rotations += 1; last = now; }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def test_memory_stays_flat_over_many_rotations(kiosk_store: tuple[str, str], browser,  # type: ignore[no-untyped-def]
                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    """A panel a second; the server's resident memory at the end is within 10 % of its value after the first
    20 rotations (by then every panel's queries are cached and the session is warm). This is the issue's own
    criterion: with ~250 MB resident and 40 rotations after the baseline in the CI run (SOAK_ROTATIONS=60,
    at most SOAK_SECONDS=150 s) it catches leaks of about 0.5 MB per rotation. Smaller leaks, down to a couple of
    Python objects per rotation, are the job of test_objects_caches_and_session_stay_flat below: RSS moves in
    allocator-sized steps and cannot see them in a run this short.

    This browser has WebGL switched off: the server does the same work for every panel (the map's deck is built
    and sent all the same), but software-rendered WebGL on a busy test machine stalls the page for seconds at each
    map panel, which would measure the test machine instead of the server."""
    from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

    url, token = kiosk_store
    no_gl = browser.browser_type.launch(executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, "--disable-3d-apis"])
    screen = Screen(no_gl)
    try:
        for server in _serve(url, token, tmp_path_factory.mktemp("soak") / "streamlit.log",
                             DASHBOARD_KIOSK_INTERVAL="1"):
            page = screen.page
            page.goto(f"{server.base}/briefing")
            page.wait_for_selector(".bf-bar .name", timeout=60_000)
            page.evaluate(COUNT_ROTATIONS_JS)
            deadline = time.monotonic() + SOAK_SECONDS
            baseline, rotations = None, 0
            while time.monotonic() < deadline and rotations < SOAK_ROTATIONS:
                rotations = page.evaluate("window.__rotations")
                if baseline is None and rotations >= SOAK_BASELINE:
                    baseline = _rss_kib(server.pid)
                page.wait_for_timeout(250)
            final = _rss_kib(server.pid)
            assert rotations >= SOAK_BASELINE + SOAK_MIN_AFTER, f"only {rotations} rotations in {SOAK_SECONDS:g} s"
            assert baseline is not None
            print(f"\nsoak: {rotations} rotations, RSS {baseline / 1024:.1f} MiB after {SOAK_BASELINE}, "
                  f"{final / 1024:.1f} MiB at the end ({(final - baseline) / baseline:+.1%})")
            assert abs(final - baseline) <= 0.10 * baseline
            assert page.locator('[data-testid="stException"]').count() == 0 and page.locator(".bf-calm").count() == 0
            assert screen.foreign() == []
    finally:
        screen.context.close()
        no_gl.close()
