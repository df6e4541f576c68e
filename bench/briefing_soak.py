"""Soak benchmark of the wall screen (not a test): a day of rotations back to back and the server's memory.

A day at the default 20 s per panel is 4,320 rotations. Two ways to run them:

    python -m bench.briefing_soak --mode server [--rotations 4320] [--max-minutes 80]
        the real thing: `streamlit run app.py` on a copy of the demo city with one panel a second
        (DASHBOARD_KIOSK_INTERVAL=1, the shortest interval), a headless Chromium showing /briefing, the rotations
        counted in the page; the server process's resident memory (VmRSS) after a warm-up of WARM_UP rotations
        (every panel's data cached) and at the end. 4,320 rotations take 72 minutes.

    python -m bench.briefing_soak --mode apptest [--rotations 4320]
        the page script under Streamlit's AppTest in this process, each run one rotation, truly back to back (about
        0.1 s a rotation): this process's VmRSS, Python's traced memory and the data caches at the same points.

Both build the demo city into $SOAK_DIR (default /tmp/briefing-soak) once. Target: growth under 5 % from the
warm-up to the end. The README's "Briefing screen" section records the measurements.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from pathlib import Path

from data_layer import db, store
from data_layer.demo import build_demo
from data_layer.settings import get_settings

REPO = Path(__file__).resolve().parents[1]
SOAK_DIR = Path(os.environ.get("SOAK_DIR", "/tmp/briefing-soak"))
WARM_UP = 20
CHROMIUM = "/usr/bin/chromium"
COUNT_JS = """() => {
  window.__rotations = 0;
  let last = document.querySelector('.bf-bar')?.dataset.drawn;
  new MutationObserver(() => {
    const now = document.querySelector('.bf-bar')?.dataset.drawn;
    if (now && now !== last) { window.__rotations += 1; last = now; }
  }).observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


def rss_kib(pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def demo_store() -> str:
    """The demo city, built once under SOAK_DIR; each run works on a fresh copy."""
    SOAK_DIR.mkdir(parents=True, exist_ok=True)
    built = SOAK_DIR / "demo.db"
    if not built.exists():
        engine = db.make_engine(f"sqlite:///{built}")
        store.create_store(engine)
        settings = get_settings()
        build_demo(engine, today=settings.today, seed=settings.demo_seed)
        engine.dispose()
    copy = SOAK_DIR / "soak.db"
    shutil.copy(built, copy)
    return f"sqlite:///{copy}"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_server(rotations: int, max_minutes: float) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    url, port = demo_store(), _free_port()
    env = os.environ | {"DATABASE_URL": url, "DASHBOARD_KIOSK_INTERVAL": "1"}
    log = (SOAK_DIR / "streamlit.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true",
                               "--server.fileWatcherType", "none"], cwd=REPO, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox",
                                                                                 "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(f"{base}/briefing")
            page.wait_for_selector(".bf-bar", timeout=60_000)
            page.evaluate(COUNT_JS)
            started, deadline = time.monotonic(), time.monotonic() + max_minutes * 60
            baseline, peak, done = None, 0, 0
            while done < rotations and time.monotonic() < deadline:
                page.wait_for_timeout(1000)
                done = page.evaluate("window.__rotations")
                if done // 250 != (done - 1) // 250:
                    print(f"{done} rotations, RSS {rss_kib(server.pid) / 1024:.1f} MiB", flush=True)
                current = rss_kib(server.pid)
                peak = max(peak, current)
                if baseline is None and done >= WARM_UP:
                    baseline = current
            final = rss_kib(server.pid)
            calm = page.locator(".bf-calm").count()
            browser.close()
        return {"mode": "server", "rotations": done, "minutes": round((time.monotonic() - started) / 60, 1),
                "rss_after_warm_up_mib": round((baseline or 0) / 1024, 1), "rss_end_mib": round(final / 1024, 1),
                "rss_peak_mib": round(peak / 1024, 1),
                "growth": f"{(final - baseline) / baseline:+.2%}" if baseline else "n/a", "calm_panels": calm}
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def run_apptest(rotations: int, max_minutes: float) -> dict[str, object]:
    from streamlit.runtime.caching import cache_data_api
    from streamlit.testing.v1 import AppTest

    os.environ["DATABASE_URL"] = demo_store()
    # a generous timeout: the soak measures memory, and a run starved by other work on the machine is not a leak
    at = AppTest.from_file(str(REPO / "app_pages" / "briefing.py"), default_timeout=900)

    def cached() -> tuple[int, int]:
        stats = [s for group in cache_data_api._data_caches.get_stats().values() for s in group]
        return len(stats), sum(s.byte_length for s in stats)

    tracemalloc.start()
    started = time.monotonic()
    deadline = started + max_minutes * 60
    baseline = traced = caches = None
    done = 0
    for rotation in range(1, rotations + 1):
        if time.monotonic() > deadline:
            break
        at.run()
        done = rotation
        if rotation % 250 == 0:
            print(f"{rotation} rotations, {(time.monotonic() - started) / 60:.1f} min, RSS {rss_kib() / 1024:.1f} MiB",
                  flush=True)
        if at.exception:
            raise RuntimeError(at.exception)
        if rotation == WARM_UP:
            baseline, traced, caches = rss_kib(), tracemalloc.get_traced_memory()[0], cached()
    final, traced_end = rss_kib(), tracemalloc.get_traced_memory()[0]
    assert baseline is not None and traced is not None
    return {"mode": "apptest", "rotations": done, "minutes": round((time.monotonic() - started) / 60, 1),
            "rss_after_warm_up_mib": round(baseline / 1024, 1), "rss_end_mib": round(final / 1024, 1),
            "growth": f"{(final - baseline) / baseline:+.2%}",
            "traced_after_warm_up_mib": round(traced / 2**20, 1), "traced_end_mib": round(traced_end / 2**20, 1),
            "caches_after_warm_up": caches, "caches_end": cached()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("server", "apptest"), default="server")
    parser.add_argument("--rotations", type=int, default=4320)
    parser.add_argument("--max-minutes", type=float, default=80.0)
    args = parser.parse_args()
    result = (run_server(args.rotations, args.max_minutes) if args.mode == "server"
              else run_apptest(args.rotations, args.max_minutes))
    for key, value in result.items():
        print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
