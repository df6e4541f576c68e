"""Attacks on a real server, as a stranger would make them: many websocket sessions opening pages the moment the
server has started (the legacy pages/ routing race), an oversized upload outside any form, and imported names
carrying Markdown, HTML and links, looked at in headless Chromium (no request may leave the app)."""

from __future__ import annotations

import asyncio
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

from data_layer import db
from data_layer.auth import Actor
from tests.browser.actions import click_until
from tests.browser.conftest import serve
from tests.conftest import without_stored_results

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

SETUP = Actor("setup", "admin", "cli")
# What a hostile file could name a district and a building: Markdown image and emphasis, HTML, a bare link.
EVIL_DISTRICT = "![i](http://evil.example/p.png)天河**MD**<b>B</b>"
EVIL_BUILDING = "http://evil.example/x 大厦 [点我](http://evil.example/y)"
DATA_ELEMENTS = {"metric", "arrow_data_frame", "plotly_chart", "deck_gl_json_chart"}


def _copy(demo_url: str, folder: Path) -> str:
    shutil.copy(demo_url.removeprefix("sqlite:///"), folder / "demo.db")
    return without_stored_results(f"sqlite:///{folder / 'demo.db'}")  # the names are changed by hand below


@pytest.fixture(scope="module")
def doctored(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo city after a hostile import (names above), open to anonymous viewers as by default."""
    url = _copy(demo_url, tmp_path_factory.mktemp("doctored"))
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE district SET name_zh = :n WHERE code = '440106'"), {"n": EVIL_DISTRICT})
        conn.execute(text("UPDATE building SET name = :n WHERE id = 1"), {"n": EVIL_BUILDING})
    engine.dispose()
    with serve(url, tmp_path_factory.mktemp("doctored_log") / "streamlit.log") as running:
        yield running.base


# ---------------------------------------------------------------------------------------------- the race


def _run(coroutine: object) -> object:
    """asyncio.run in a worker thread: Playwright's sync API (the browser fixture of this session) keeps an event
    loop running in the main thread, where asyncio.run refuses to start a second one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()  # type: ignore[arg-type]


async def _open(base: str, page: str, linger: float) -> list[ForwardMsg]:
    """One websocket session asking for `page` ('' = the default page), with every message it gets until
    `linger` seconds after its first script run finished (so that rotation reruns have time to arrive)."""
    messages: list[ForwardMsg] = []
    async with connect(base.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
                       max_size=None, open_timeout=60) as ws:
        request = BackMsg()
        request.rerun_script.CopyFrom(ClientState(query_string="lang=zh", page_name=page))
        await ws.send(request.SerializeToString())
        deadline = None
        loop = asyncio.get_running_loop()
        while deadline is None or loop.time() < deadline:
            timeout = 60 if deadline is None else max(0.05, deadline - loop.time())
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=timeout)
            except TimeoutError:
                break
            if isinstance(raw, str):
                continue
            message = ForwardMsg()
            message.ParseFromString(raw)
            messages.append(message)
            if message.WhichOneof("type") == "script_finished" and deadline is None:
                deadline = loop.time() + linger
    return messages


def _elements(messages: list[ForwardMsg]) -> list[tuple[str, str]]:
    """(element type, its text) of every element the session was sent."""
    found = []
    for message in messages:
        if message.WhichOneof("type") == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            kind = element.WhichOneof("type") or ""
            body = getattr(getattr(element, kind), "body", "") if kind in {"html", "markdown"} else ""
            label = getattr(getattr(element, kind), "label", "") if kind == "text_input" else ""
            found.append((kind, body or label))
    return found


def test_no_session_sees_data_without_the_login_gate_even_right_after_a_restart(
        demo_url: str, tmp_path: Path) -> None:
    """Eight sessions open pages the moment a fresh server answers (the briefing rotating every second): each
    gets the login form and nothing else, also from the rotation's later reruns."""
    url = _copy(demo_url, tmp_path)
    pages = ["", "briefing", "observation", "briefing", "overview", "goals", "map", "briefing"]
    with serve(url, tmp_path / "streamlit.log", DASHBOARD_REQUIRE_LOGIN="1", DASHBOARD_KIOSK_INTERVAL="1") as server:

        async def everyone() -> list[list[ForwardMsg]]:
            return await asyncio.gather(*(_open(server.base, page, linger=3.0) for page in pages))

        sessions = _run(everyone())
    for page, messages in zip(pages, sessions, strict=True):
        elements = _elements(messages)
        kinds = {kind for kind, _ in elements}
        assert ("text_input", "用户名") in elements, (page, kinds)
        assert not kinds & DATA_ELEMENTS, (page, kinds)
        assert not [body for kind, body in elements if kind == "html" and 'class="name"' in body], page


# ---------------------------------------------------------------------------------------------- uploads


def test_an_upload_outside_any_form_is_bounded_by_the_import_limit(doctored: str) -> None:
    """Streamlit's upload endpoint takes a file from any session it knows; server.maxUploadSize (= the import
    limit, 50 MB) is the only bound, and a larger body is refused with 413 before it is read."""

    with urllib.request.urlopen(doctored + "/_stcore/health", timeout=30) as response:  # sets the XSRF cookie
        cookie = next((c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or []
                       if c.startswith("_streamlit_xsrf=")), "")
    assert cookie, "no XSRF cookie"

    def put(sid: str, size: int) -> int:
        request = urllib.request.Request(f"{doctored}/_stcore/upload_file/{sid}/f1", method="PUT", data=b"",
                                         headers={"Content-Length": str(size), "Cookie": cookie,
                                                  "X-Xsrftoken": cookie.split("=", 1)[1]})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    async def attempt() -> int:
        async with connect(doctored.replace("http://", "ws://") + "/_stcore/stream",
                           subprotocols=["streamlit"], max_size=None) as ws:
            request = BackMsg()
            request.rerun_script.CopyFrom(ClientState(query_string="", page_name=""))
            await ws.send(request.SerializeToString())
            while True:  # an anonymous session on the login form: no uploader anywhere on its page
                message = ForwardMsg()
                message.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=60))
                if message.WhichOneof("type") == "new_session":
                    sid = message.new_session.initialize.session_id
                    return await asyncio.to_thread(put, sid, 50 * 1024 * 1024 + 2 * 1024 * 1024)

    assert _run(attempt()) == 413


# ---------------------------------------------------------------------------------------------- text from files


def test_names_from_a_hostile_import_show_as_typed_and_fetch_nothing(doctored: str, watched_page) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    page.goto(f"{doctored}/overview")
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=60_000)
    option = page.get_by_role("option").filter(has_text="天河**MD**").first
    click_until(page, lambda: page.get_by_label("区域").first.click(timeout=20_000), option,  # the district filter
                what="the district list", each_s=10)
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="天河**MD**")
    option.click(timeout=20_000)
    caption.first.wait_for(timeout=60_000)
    assert EVIL_DISTRICT in caption.first.inner_text().replace("\u200b", "")  # the Markdown shows as typed
    main = page.locator('[data-testid="stMain"]')
    assert main.locator('img[src*="evil.example"]').count() == 0
    assert main.locator("strong", has_text="MD").count() == 0
    ticks = page.locator(".ytick text").filter(has_text="<b>B</b>")  # plotly prints the tag, does not apply it
    ticks.first.wait_for(timeout=60_000)

    page.goto(f"{doctored}/building?id=1")
    page.get_by_text("大厦").first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stMain"] a[href*="evil.example"]').count() == 0
    # A table's own toolbar offers no CSV download: it would write imported text (=HYPERLINK(...)) as a live formula
    # and skip the exports' role rules (.streamlit/config.toml, client.disableDataExport)
    page.locator('[data-testid="stDataFrame"]').first.hover()
    toolbar = page.locator('[data-testid="stElementToolbar"]').first
    toolbar.get_by_role("button", name="Search").wait_for(timeout=30_000)
    assert toolbar.get_by_role("button", name="Download as CSV").count() == 0
    assert watched_page.foreign_requests() == []
