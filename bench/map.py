"""Map page benchmark: server-side run time under AppTest and the size of the map data, at 1k / 10k / 50k buildings;
optionally the time from navigation to a drawn map canvas in headless Chromium.

    python -m bench.map --sizes S1,S2,S3 [--browser S2]
    python -m bench.map --sizes S1,S2,S3 --playback      # the playback page's steps against a full map rerun

Stores are the complete ones of bench.pages (S1 = 1k × 36 months, S2 = 10k × 60, S3 = 50k × 120), built once.

Figures:
- cold_s: first AppTest run of app_pages/map.py in a fresh process state (caches empty: SQL, pandas, JSON built);
- warm_s: median of further full runs (what a rerun costs once the period is cached: a click, a widget change);
- filter_s: median run after choosing one district (a new filter combination over the cached period frame);
- map_mb: bytes of the deck JSON the page sends (tooltip fields included); gzip_mb: the same deflated, for
  deployments that enable websocket compression; table_mb: bytes of the table under the map (Arrow; one page of
  rows since issue 22, every filtered building before);
- canvas_*_s (--browser): seconds from navigation to the map on screen with its buildings (the animation frame
  after deck.gl's first draw has been rendered; a screenshot confirms the building colours): first visit (cold
  server caches), later visits (warm), and the same page filtered to one small district as a same-moment baseline;
  element_warm_s / draw_warm_s: when the map element appeared and when deck.gl issued its first draw.
  Headless Chromium draws WebGL in software here, and the 2 cores are shared: read them against the baseline.
"""

from __future__ import annotations

import argparse
import gzip
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

from bench.datasets import SIZES, Size

REPO = Path(__file__).resolve().parent.parent
MAP_SIZES = SIZES
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]


def ensure_store(size: Size) -> str:
    """The complete benchmark store of `size` (bench.pages builds it once: boundaries, summaries, feedback)."""
    from bench.pages import full_store

    return full_store(size.name)


def _apptest_figures(url: str, runs: int = 5) -> dict[str, float]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["DATABASE_URL"] = url
    st.cache_data.clear()
    st.cache_resource.clear()
    page = str(REPO / "app_pages" / "map.py")
    at = AppTest.from_file(page, default_timeout=600)
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    warm = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)
    spec = at.get("deck_gl_json_chart")[0].proto.json.encode()
    table = at.dataframe[0].proto.arrow_data.data  # the Arrow bytes of the table under the map
    filtered = []
    for district in ("440106", "440105", "440104"):
        at.multiselect(key="map_districts").set_value([district])
        started = time.perf_counter()
        at.run()
        filtered.append(time.perf_counter() - started)
    return {"cold_s": cold, "warm_s": statistics.median(warm), "filter_s": statistics.median(filtered),
            "map_mb": len(spec) / 1e6, "gzip_mb": len(gzip.compress(spec)) / 1e6, "table_mb": len(table) / 1e6}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _canvas_has_buildings(page) -> bool:  # type: ignore[no-untyped-def]
    """True once the deck canvas shows building colours (grade B blue or unrated grey-blue dots)."""
    import io

    from PIL import Image
    from playwright.sync_api import Error as PlaywrightError

    canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    if canvas.count() == 0:
        return False
    try:
        shot = canvas.screenshot(timeout=10_000)
    except PlaywrightError:  # the element is being replaced by a rerun: look again
        return False
    pixels = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB"), dtype=int)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return int(((b > 150) & (r < 90) & (g > 90) & (g < 150)).sum()) >= 50


# Injected before the page's own scripts: the time (ms from navigation start) the map element appears, of the
# first instanced WebGL draw (deck.gl draws every layer of its first frame in one pass, buildings included) and of
# the animation frames after it. The second frame after the draw runs only once the drawn frame is done (software
# WebGL keeps the compositor busy until then), so it is when the map is on screen; a screenshot then confirms the
# building colours. Polling screenshots instead adds their own latency (up to a second here) and slows the draw.
TIMING_SCRIPT = """
(() => {
  const T = window.__mapTiming = {frames: []};
  for (const C of [window.WebGL2RenderingContext, window.WebGLRenderingContext]) {
    for (const fn of ['drawArraysInstanced', 'drawElementsInstanced']) {
      const original = C && C.prototype[fn];
      if (!original) continue;
      C.prototype[fn] = function (...args) {
        if (T.draw === undefined) {
          T.draw = performance.now();
          const next = () => { T.frames.push(performance.now()); if (T.frames.length < 2) requestAnimationFrame(next); };
          requestAnimationFrame(next);
        }
        return original.apply(this, args);
      };
    }
  }
  new MutationObserver((_, observer) => {
    if (document.querySelector('[data-testid="stDeckGlJsonChart"]')) { T.element = performance.now(); observer.disconnect(); }
  }).observe(document, {subtree: true, childList: true});
})();
"""


def _serve(script: str, url: str) -> tuple[subprocess.Popen, str]:
    """`streamlit run script` on a free port against the store at `url`; (process, base address) once healthy."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"], cwd=REPO,
        env=os.environ | {"DATABASE_URL": url},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                break
        except OSError:
            time.sleep(0.3)
    return server, base


def _visit(browser, address: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """One visit in a fresh browser context: seconds to the map element, deck.gl's first draw and the drawn frame."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    context.add_init_script(TIMING_SCRIPT)
    page = context.new_page()
    page.goto(address)
    page.wait_for_function("window.__mapTiming.frames.length >= 2", timeout=120_000)
    started = time.monotonic()
    while not _canvas_has_buildings(page):  # the frame timed is the one with the buildings
        if time.monotonic() - started > 30:
            raise RuntimeError("the map drew, but no buildings showed within 30 s")
        time.sleep(0.1)
    timing = page.evaluate("window.__mapTiming")
    context.close()
    return {"frame": timing["frames"][1] / 1000, "draw": timing["draw"] / 1000, "element": timing["element"] / 1000}


def browser_time_to_canvas(url: str, repeats: int = 3) -> dict[str, float]:
    """Seconds from navigation to the map on screen with its buildings drawn: the first visit (server caches cold),
    the median of later visits in fresh browser contexts, and two baselines on the same machine at the same moment,
    visited in turn with the map page: the same page filtered to one small district (a few hundred buildings: the
    difference is what the number of buildings costs), and the bare page of bench/bare_map.py, which draws the same
    building points with st.pydeck_chart and nothing else (the difference is what the map page's other elements and
    layers cost; bare_ratio = map ÷ bare, the target is 1.3). For the warm visits, also when the map element appeared
    and when deck.gl issued its first draw (the rest, to the frame, is software WebGL)."""
    from playwright.sync_api import sync_playwright

    app, base = _serve("app.py", url)
    bare, bare_base = _serve("bench/bare_map.py", url)
    try:
        times: dict[str, list[dict[str, float]]] = {"all": [], "small": [], "bare": []}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            times["all"].append(_visit(browser, f"{base}/map"))  # the cold visit, then the bare page's cold one
            _visit(browser, bare_base)
            for _ in range(repeats):
                for which, address in (("all", f"{base}/map"), ("bare", bare_base),
                                       ("small", f"{base}/map?district=440117")):
                    times[which].append(_visit(browser, address))
            browser.close()
    finally:
        for server in (app, bare):
            server.terminate()
            server.wait(timeout=20)
    warm = times["all"][1:]
    canvas_warm = statistics.median(t["frame"] for t in warm)
    canvas_bare = statistics.median(t["frame"] for t in times["bare"])
    return {"canvas_cold_s": times["all"][0]["frame"], "canvas_warm_s": canvas_warm,
            "canvas_small_s": statistics.median(t["frame"] for t in times["small"]),
            "canvas_bare_s": canvas_bare, "bare_ratio": canvas_warm / canvas_bare,
            "element_warm_s": statistics.median(t["element"] for t in warm),
            "draw_warm_s": statistics.median(t["draw"] for t in warm),
            "element_bare_s": statistics.median(t["element"] for t in times["bare"]),
            "draw_bare_s": statistics.median(t["draw"] for t in times["bare"])}


def playback_figures(url: str, months: int = 12) -> dict[str, float]:
    """Map playback (issue 25) over the page's default range (the last `months` months), against a full map rerun:
    - range_s: first play of a range (read its months, fixed bins, class bytes; cached afterwards);
    - step_s: median server time of one step under AppTest (the whole playback page, the browser holding the
      positions: what each step of play costs); map_warm_s: the map page's warm rerun, the same way;
    - step_kb: what a step sends the component (its JSON args + the month's class bytes); first_kb: the first
      render (positions, names, outlines included); map_kb: the deck JSON a map rerun sends."""
    import json

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from data_layer import db, playback, queries
    from ui import playback_view

    os.environ["DATABASE_URL"] = url
    st.cache_data.clear()
    st.cache_resource.clear()
    engine = db.make_engine(url)
    last = queries.latest_month(engine)
    start = playback_view.default_view(queries.first_month(engine), last).start
    started = time.perf_counter()
    playback.steps(playback.metric_values(playback.read_monthly(engine, start=start, end=last), metric="occupancy"),
                   metric="occupancy")
    range_s = time.perf_counter() - started

    def sent(args: dict) -> int:
        return sum(len(v) for v in args.values() if isinstance(v, bytes)) + len(json.dumps(
            {k: v for k, v in args.items() if not isinstance(v, bytes)}, ensure_ascii=False).encode())

    captured: list[dict] = []
    original = playback_view.render
    playback_view.render = lambda args: captured.append(args)  # type: ignore[assignment, misc]
    try:
        at = AppTest.from_file(str(REPO / "app_pages" / "map_time.py"), default_timeout=600)
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].message)
        first = captured[-1]
        times = []
        for month in first["months"][1:]:
            at.session_state["map_playback"] = {"have": first["pkey"], "month": month}
            started = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - started)
        if "pos" in captured[-1] or captured[-1]["months"][captured[-1]["index"]] != first["months"][-1]:
            raise RuntimeError("a step re-sent the positions or missed its month")
        step_bytes = statistics.median(sent(a) for a in captured[1:])
    finally:
        playback_view.render = original  # type: ignore[method-assign]
    figures = _apptest_figures(url, runs=3)
    return {"range_s": range_s, "step_s": statistics.median(times), "map_warm_s": figures["warm_s"],
            "step_kb": step_bytes / 1e3, "first_kb": sent(first) / 1e3, "map_kb": figures["map_mb"] * 1e3}


def run(sizes: list[str], browser: list[str] | None = None, repeats: int = 3) -> list[dict]:
    import data_layer.cached.map  # noqa: F401 - import the page's modules first, so "cold" means cold caches,
    import ui.building_profile  # noqa: F401 - not a cold Python
    rows = []
    for name in sizes:
        size = MAP_SIZES[name]
        url = ensure_store(size)
        row: dict = {"size": name, "buildings": size.buildings, "months": size.months} | _apptest_figures(url)
        if browser and name in browser:
            row |= browser_time_to_canvas(url, repeats=repeats)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="S1,S2,S3")
    parser.add_argument("--browser", default="", help="sizes to time in headless Chromium, e.g. S2")
    parser.add_argument("--repeats", type=int, default=3, help="warm visits of each page in the browser")
    parser.add_argument("--playback", action="store_true", help="the playback page's steps (issue 25) instead")
    args = parser.parse_args()
    if args.playback:
        import data_layer.cached.map  # noqa: F401 - as in run(): cold caches, not a cold Python
        columns = ["size", "buildings", "range_s", "step_s", "map_warm_s", "step_kb", "first_kb", "map_kb"]
        print(" | ".join(f"{c:>10}" for c in columns))
        for name in args.sizes.split(","):
            size = MAP_SIZES[name]
            row = {"size": name, "buildings": size.buildings} | playback_figures(ensure_store(size))
            print(" | ".join(f"{row[c]:>10.3f}" if isinstance(row[c], float) else f"{row[c]:>10}" for c in columns),
                  flush=True)
        return
    rows = run(args.sizes.split(","), [s for s in args.browser.split(",") if s], repeats=args.repeats)
    columns = ["size", "buildings", "months", "cold_s", "warm_s", "filter_s", "map_mb", "gzip_mb", "table_mb",
               "canvas_cold_s", "canvas_warm_s", "canvas_small_s", "canvas_bare_s", "bare_ratio", "element_warm_s",
               "draw_warm_s", "element_bare_s", "draw_bare_s"]
    print(" | ".join(f"{c:>13}" for c in columns))
    for row in rows:
        print(" | ".join(f"{row[c]:>13.3f}" if isinstance(row.get(c), float) else f"{row.get(c, ''):>13}"
                         for c in columns))
    for row in rows:
        if "bare_ratio" in row:
            print(f"first frame at {row['size']}: map page {row['canvas_warm_s']:.2f} s, bare page "
                  f"{row['canvas_bare_s']:.2f} s, ratio {row['bare_ratio']:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
