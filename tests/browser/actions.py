"""What a person does in the browser, written once for every browser test: wait until the app has finished its
run, click until the click took, download a file.

On a loaded 2-core machine a click that lands while Streamlit is still running the page (or replacing the element
under the pointer) can be dropped. So the tests never sleep for a fixed time: they wait for the app to say it is
idle (the `data-test-script-state` Streamlit sets on its root) and, where a click can be swallowed, they click
again until what the click should show has appeared."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

IDLE = ("() => { const app = document.querySelector('[data-testid=stApp]');"
        " return !!app && app.dataset.testConnectionState === 'CONNECTED'"
        " && app.dataset.testScriptState === 'notRunning'; }")


def idle(page: Page, timeout_ms: int = 90_000) -> None:
    """Wait until the app is connected and no script run is in progress."""
    page.wait_for_function(IDLE, timeout=timeout_ms)


# Counts every change of the app's run state from now on (a click's rerun flips it to "running" and back).
WATCH_RUNS = ("() => { const app = document.querySelector('[data-testid=stApp]'); window.__stRuns = 0;"
              " if (window.__stObserver) window.__stObserver.disconnect();"
              " window.__stObserver = new MutationObserver(records => { window.__stRuns += records.length; });"
              " window.__stObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']}); }")


def rerun_after(page: Page, click: Callable[[], None], timeout_ms: int = 90_000) -> None:
    """Click a widget whose new value only the server acts on (a format, a section) and wait until the rerun it
    starts has run: the widget shows the new value at once, so waiting for the widget proves nothing, and a
    download clicked before that rerun still carries the old choice."""
    idle(page)
    page.evaluate(WATCH_RUNS)
    click()
    try:  # a rerun shorter than one of the browser's renders may flip the state and back unseen: then it is done
        page.wait_for_function("() => window.__stRuns > 0", timeout=min(timeout_ms, 15_000))
    except PlaywrightTimeout:
        pass
    idle(page)


def until(condition: Callable[[], bool], timeout_s: float = 60, what: str = "") -> bool:
    """Poll `condition` until it holds or `timeout_s` passes; returns whether it held."""
    deadline = time.monotonic() + timeout_s
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def click_until(page: Page, click: Callable[[], None], shown: Locator | Callable[[], bool], *, what: str,
                tries: int = 4, each_s: float = 30) -> None:
    """Click, then wait for what the click should show; click again (after the app is idle) when it did not
    come: a click during a rerun is lost, a second one is not a second action (the tests use it only for
    navigation, tabs, bars and toggles whose repeat is harmless or checked first)."""
    def done() -> bool:
        if isinstance(shown, Locator):
            return shown.count() > 0 and shown.first.is_visible()
        return shown()

    for attempt in range(tries):
        if attempt:
            print(f"click_until: try {attempt + 1} for {what} at {page.url}")  # shown with a failure's output
        idle(page)
        if done():
            return
        try:
            click()
        except PlaywrightTimeout:  # the element was being replaced: try again once the run is over
            continue
        if until(done, each_s):
            return
    raise AssertionError(f"after {tries} clicks, still not shown: {what}")


def open_from_sidebar(page: Page, link: str, heading: str) -> None:
    """Open a page by its sidebar link and wait for its heading."""
    sidebar_link = page.locator("[data-testid=stSidebar]").get_by_role("link", name=link)
    click_until(page, lambda: sidebar_link.click(timeout=20_000), page.get_by_role("heading", name=heading),
                what=f"the page {heading} from the sidebar link {link}")


def download(page: Page, button: str) -> bytes:
    """Click a download button and return the file; once more when a rerun replaced the button under the click."""
    for attempt in range(3):
        idle(page)
        try:
            with page.expect_download(timeout=45_000) as info:
                page.get_by_role("button", name=button, exact=True).click(timeout=30_000)
            return Path(info.value.path()).read_bytes()
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
