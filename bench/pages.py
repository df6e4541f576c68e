"""Every page's server-side run time under AppTest, at S1-S3, on one complete store per size (buildings, months,
city tax, summaries, a city plan, observation feedback and the shipped district boundaries).

    python -m bench.pages --sizes S1,S2,S3 [--pages overview,map]

For each page:
- cold_s: the first run after every cache of the process is cleared, median of five: what the first visitor pays
  after a restart, in another replica, or once an entry has expired; the results stored in the store for the data
  version (data_layer.stored, issue 22) are read back, not computed;
- compute_s: the same with the stored results deleted too, median of five: what computing the page's data costs
  once per data version (after an import the warmer pays it in the background; a view the warmer does not cover,
  its first visitor);
- warm_s: the median of five further runs in new sessions (what every later visitor pays while the data version
  stands: the cached wrappers answer);
- cold_vs_S1: this size's cold run ÷ the same page's cold run at S1 (issue 22: at most 1.5 at S3);
- after_import_s: the first run after an import, simulated the way an import ends (the data version bumped in a
  transaction), once the warmer (ui/warm.py, the thread app.py starts) has warmed the new version;
  after_vs_warm: that ÷ the warm run right after it in the same round (issue 22: at most 1.2; the first visitor
  after an import pays a warm visit); after_computed: how many cached functions that run still computed (0: the
  warmer covered the whole view). The after-import figures are medians over five simulated imports (the machine
  class is noisy; each round's two runs share the moment's load).
Targets (issue "Scale"): every page under 0.5 s at S2 and under 1 s at S3. Stores come from bench.briefing's
builder (reused between runs); this script only adds the boundaries the map pages draw.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.briefing import store_for
from bench.datasets import add_boundaries
from bench.overview import print_rows
from data_layer import db
from ui.warm import PAGES as WARMED_PAGES  # the pages whose default views the warmer fills

REPO = Path(__file__).resolve().parent.parent
COLD_ROUNDS = 5  # cold is the median of five runs, each after every cache is cleared (the machine class is noisy)
# page file, role needed (None: anyone), query parameters
PAGES: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "overview": ("overview.py", None, {}),
    "map": ("map.py", None, {}),
    "building": ("building.py", None, {"id": "1"}),
    "goals": ("goals.py", None, {}),
    "plan_editor": ("plan_editor.py", "editor", {}),
    "observation": ("observation.py", None, {}),
    "briefing": ("briefing.py", None, {}),
    "report": ("report.py", None, {}),
    "data_admin": ("data_admin.py", "editor", {}),
    "admin": ("admin.py", "admin", {}),
}


def full_store(size: str) -> str:
    url = store_for(size)
    engine = db.make_engine(url)
    add_boundaries(engine)
    engine.dispose()
    return url


def _run_once(page: str, role: str | None, params: dict[str, str]) -> float:
    from streamlit.testing.v1 import AppTest

    import ui.auth

    at = AppTest.from_file(str(REPO / "app_pages" / page), default_timeout=600)
    if role:
        at.session_state["auth_user"] = ui.auth.AuthUser("bench", role)
    for key, value in params.items():
        at.query_params[key] = value
    gc.collect()  # the garbage of earlier runs (the warmer's frames) is not this run's cost: every run starts even
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].message}\n" + "\n".join(at.exception[0].stack_trace))
    return seconds


def clear_data_resources() -> None:
    """Data cached as shared resources (keyed by the data version like st.cache_data; not the engines)."""
    from data_layer.cached import map as cached_map
    from data_layer.cached import moves as cached_moves

    cached_map.period_frame.clear()
    cached_map.map_points.clear()
    cached_moves.all_moves.clear()
    cached_moves.move_list.clear()


@contextmanager
def counting_misses() -> Iterator[list[str]]:
    """The cached functions computed (not answered from a cache) inside the block, by name: a first visit after
    an import that the warmer fully covered computes none. Wraps Streamlit's miss handler (bench only)."""
    from streamlit.runtime.caching import cache_utils

    computed: list[str] = []
    real = cache_utils.CachedFunc._handle_cache_miss

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        computed.append(getattr(self._info.func, "__qualname__", "?"))
        return real(self, *args, **kwargs)

    cache_utils.CachedFunc._handle_cache_miss = spy  # type: ignore[method-assign]
    try:
        yield computed
    finally:
        cache_utils.CachedFunc._handle_cache_miss = real  # type: ignore[method-assign]


def after_import(url: str, names: list[str], rounds: int = 5) -> dict[str, tuple[float, float, int]]:
    """Each page's first run after a simulated import, once the warmer has warmed the new version: (the median
    over `rounds` imports of its seconds, the median of the warm run that follows it in the same round, the most
    cached functions it computed in any round). The two runs of a round are a pair: the machine's load of that
    moment falls on both."""
    from data_layer.summaries import bump_data_version
    from ui import warm

    st_cache_clear()
    engine = db.make_engine(url)
    warmer = warm.Warmer(url, interval=0.5)
    thread = threading.Thread(target=warmer.run, daemon=True)
    thread.start()
    seconds: dict[str, list[float]] = {name: [] for name in names}
    warm_after: dict[str, list[float]] = {name: [] for name in names}
    computed: dict[str, int] = dict.fromkeys(names, 0)
    try:
        for _ in range(rounds):
            with engine.begin() as conn:  # how every import, undo, restore and plan edit ends
                version = bump_data_version(conn)
            if not warmer.wait_for(version, timeout=1800):
                raise RuntimeError("the warmer did not warm the new data version within 30 minutes")
            for name in names:
                with counting_misses() as misses:
                    seconds[name].append(_run_once(*PAGES[name]))
                computed[name] = max(computed[name], len(misses))
                warm_after[name].append(_run_once(*PAGES[name]))
        return {name: (statistics.median(seconds[name]), statistics.median(warm_after[name]), computed[name])
                for name in names}
    finally:
        warmer.stop.set()
        thread.join(timeout=60)
        engine.dispose()


def st_cache_clear() -> None:
    import streamlit as st

    st.cache_data.clear()
    clear_data_resources()


def clear_stored(url: str) -> None:
    """Delete the results stored for the data version (what an import leaves: none for the new version)."""
    from data_layer import stored

    engine = db.make_engine(url)
    with engine.begin() as conn:
        stored.clear(conn)
    engine.dispose()


def page_times(url: str, names: list[str]) -> dict[str, tuple[float, float, float]]:
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")  # a failing page names its error here, not "redacted"
    os.environ["DATABASE_URL"] = url
    for page, role, params in PAGES.values():  # import every page's modules once: cold means cold caches
        _run_once(page, role, params)
    figures = {}
    for name in names:
        page, role, params = PAGES[name]
        computes, colds = [], []
        for _ in range(COLD_ROUNDS):
            st_cache_clear()
            clear_stored(url)
            computes.append(_run_once(page, role, params))
        for _ in range(COLD_ROUNDS):  # the stored results of the last computing run are there
            st_cache_clear()
            colds.append(_run_once(page, role, params))
        cold = statistics.median(colds)
        warm = statistics.median(_run_once(page, role, params) for _ in range(COLD_ROUNDS))
        figures[name] = (cold, warm, statistics.median(computes))
    return figures


def run(sizes: list[str], names: list[str] | None = None) -> list[dict]:
    names = names or list(PAGES)
    rows = []
    first_cold: dict[str, float] = {}
    for size in sizes:
        url = full_store(size)
        times = page_times(url, names)
        warmed = after_import(url, [n for n in names if n in WARMED_PAGES])
        for name, (cold, warm, compute) in times.items():
            first_cold.setdefault(name, cold)
            row: dict[str, object] = {"size": size, "page": name, "cold_s": round(cold, 3), "warm_s": round(warm, 3),
                                      "cold_vs_S1": round(cold / first_cold[name], 2) if sizes[0] == "S1" else ""}
            after, paired, misses = warmed.get(name, (None, None, None))
            row |= {"after_import_s": "" if after is None else round(after, 3),
                    "after_vs_warm": "" if after is None or paired is None else round(after / paired, 2),
                    "after_computed": "" if misses is None else misses, "compute_s": round(compute, 3)}
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="S1,S2,S3")
    parser.add_argument("--pages", default=",".join(PAGES))
    args = parser.parse_args()
    print_rows("pages", run(args.sizes.split(","), args.pages.split(",")))


if __name__ == "__main__":
    main()
