"""The building map in a real browser: it draws buildings offline, filters live in the URL, a click opens the
profile, and a configured tile server is the only extra host the page talks to."""

from __future__ import annotations

import io
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import text

from data_layer import db
from tests.browser.actions import idle
from tests.browser.conftest import _free_port, serve

pytestmark = pytest.mark.browser

MAP = '[data-testid="stDeckGlJsonChart"]'
GRADE_B = (31, 119, 180)  # the palette's colour for grade B buildings (ui/map_charts.PALETTES)


def _scalar(url: str, sql: str, **params: object) -> object:
    with db.make_engine(url).connect() as conn:
        return conn.execute(text(sql), params).scalar()


def _count_metric(page) -> str:  # type: ignore[no-untyped-def]
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="楼宇数")
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def _wait_for_count(page, expected: str, timeout_s: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if _count_metric(page) == expected:
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise AssertionError(f"building count never became {expected} (last: {_count_metric(page)})")


def _coloured_pixels(page, rgb: tuple[int, int, int], tolerance: int = 40) -> int:  # type: ignore[no-untyped-def]
    """How many pixels of the map canvas are close to `rgb` (the canvas is drawn by WebGL, so look at it)."""
    image = Image.open(io.BytesIO(page.locator(f"{MAP} canvas").first.screenshot())).convert("RGB")
    pixels = np.asarray(image, dtype=int)
    return int((np.abs(pixels - np.array(rgb)).max(axis=2) <= tolerance).sum())


def _wait_for_buildings(page, timeout_s: float = 90) -> int:  # type: ignore[no-untyped-def]
    page.locator(f"{MAP} canvas").first.wait_for(timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = _coloured_pixels(page, GRADE_B)
        if found > 50:
            return found
        time.sleep(0.5)
    raise AssertionError("no grade-B building was drawn on the map canvas")


def test_map_draws_buildings_offline_without_errors(server: str, watched_page, demo_url: str) -> None:
    page = watched_page.page
    page.goto(server + "/map")
    page.get_by_text("楼宇地图").first.wait_for(timeout=60_000)
    assert _wait_for_buildings(page) > 50
    total = _scalar(demo_url, "SELECT COUNT(*) FROM building")
    assert _count_metric(page) == f"{total:,}"
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "lang=zh" in page.url
    assert watched_page.foreign_requests() == []


def test_district_filter_changes_the_count_and_the_url_and_the_link_reproduces_it(
        server: str, watched_page, browser, demo_url: str) -> None:
    page = watched_page.page
    page.goto(server + "/map")
    _wait_for_count(page, f"{_scalar(demo_url, 'SELECT COUNT(*) FROM building'):,}")
    tianhe = _scalar(demo_url, "SELECT COUNT(*) FROM building WHERE district_code = '440106'")
    district = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="区域")
    district.locator("input").click()
    page.keyboard.type("天河区")
    page.keyboard.press("Enter")
    _wait_for_count(page, f"{tianhe:,}")
    deadline = time.monotonic() + 30
    while "district=440106" not in page.url and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "district=440106" in page.url
    shared = page.url
    # a colleague opens the copied link in a fresh browser (no shared session or storage)
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    try:
        other = context.new_page()
        other.goto(shared)
        _wait_for_count(other, f"{tianhe:,}")
        # the district filter shows the choice (the filters render just after the map: wait for them)
        chosen = other.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="区域")
        expect(chosen).to_contain_text("天河区", timeout=30_000)
    finally:
        context.close()
    assert watched_page.foreign_requests() == []


def test_clicking_a_building_opens_its_profile(server: str, watched_page, demo_url: str) -> None:
    name = _scalar(demo_url, "SELECT name FROM building WHERE id = 68")
    page = watched_page.page
    # filtered by name to one building, the map centres on it: a click in the middle of the canvas hits it
    page.goto(server + "/map?q=" + urllib.parse.quote(str(name)))
    _wait_for_count(page, "1")
    canvas = page.locator(f"{MAP} canvas").first
    canvas.wait_for(timeout=60_000)
    idle(page)  # the page has finished drawing: the map no longer moves under the pointer

    def centre() -> tuple[float, float]:
        box = canvas.bounding_box()
        assert box is not None
        return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    # hovering until the tooltip names the building proves deck.gl has drawn and can pick it
    tooltip = page.locator(".deck-tooltip").filter(has_text=str(name))
    deadline = time.monotonic() + 90
    while not tooltip.is_visible() and time.monotonic() < deadline:
        x, y = centre()
        page.mouse.move(x - 3, y)
        page.mouse.move(x, y)
        time.sleep(0.5)
    assert tooltip.is_visible(), "hovering the building never showed its tooltip"
    assert "超甲级 · 入驻率" in tooltip.inner_text()  # name, grade, occupancy and tax, in Chinese
    page.mouse.click(*centre())
    heading = page.get_by_role("heading", name=str(name))
    deadline = time.monotonic() + 120
    while not heading.count() and time.monotonic() < deadline:
        errors = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
        assert errors.count() == 0, errors.first.inner_text()
        time.sleep(0.5)
    assert heading.count(), "the click did not open the profile panel"
    assert page.get_by_text("打开楼宇档案页").count() >= 1
    assert page.locator(".map-legend").filter(has_text="楼宇等级").count() == 1  # the legend stays beside the profile
    assert page.locator('[data-testid="stException"]').count() == 0
    assert watched_page.foreign_requests() == []


# --- with a tile server configured -------------------------------------------------------------------------------



class _TileHandler(BaseHTTPRequestHandler):
    """A stand-in intranet tile server: a light-green 256 px PNG for any {z}/{x}/{y}, with CORS allowed."""

    requested: list[str] = []
    png = b""

    def do_GET(self) -> None:
        type(self).requested.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(self.png)))
        self.end_headers()
        self.wfile.write(self.png)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def tiled_server(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, type]]:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 235, 200)).save(buffer, format="PNG")
    _TileHandler.png, _TileHandler.requested = buffer.getvalue(), []
    tiles = ThreadingHTTPServer(("127.0.0.1", _free_port()), _TileHandler)
    threading.Thread(target=tiles.serve_forever, daemon=True).start()
    tile_url = f"http://127.0.0.1:{tiles.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    try:
        with serve(demo_url, tmp_path_factory.mktemp("tiled") / "streamlit.log", DASHBOARD_TILE_CRS="WGS-84",
                   DASHBOARD_TILE_URL=tile_url) as running:
            yield running.base, _TileHandler
    finally:
        tiles.shutdown()


def test_a_configured_tile_server_is_drawn_and_is_the_only_other_host(tiled_server, watched_page) -> None:
    base, handler = tiled_server
    page = watched_page.page
    page.goto(base + "/map")
    page.get_by_text("坐标已换算到该坐标系").wait_for(timeout=90_000)  # the caption names the tile CRS
    page.locator(f"{MAP} canvas").first.wait_for(timeout=60_000)
    deadline = time.monotonic() + 60
    while not handler.requested and time.monotonic() < deadline:
        time.sleep(0.3)
    assert handler.requested, "the basemap never asked the tile server for a tile"
    assert all(path.endswith(".png") and path.count("/") == 3 for path in handler.requested)
    network = [u for u in watched_page.requests if u.startswith(("http://", "https://", "ws://", "wss://"))]
    assert {urllib.parse.urlsplit(u).hostname for u in network} == {"127.0.0.1"}  # the app and its tile server
    assert any(f":{urllib.parse.urlsplit(base).port}/" in u for u in network)
    assert watched_page.foreign_requests() == []
