"""Briefing screen and review pack benchmark: each panel's data (cold, then warm) and the quarterly pack
(gathering, PDF, PPTX) on stores of the standard sizes with a city plan and observation feedback.

    python -m bench.briefing --sizes S1,S2       (stores are built once under $BRIEFING_BENCH_DIR, default
                                                  /tmp/briefing-bench)

A panel's cold time is what the screen pays once per data version (the cached wrappers keep it for every later
rotation); the warm time shows what repeating the query would cost without the cache.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.datasets import END_MONTH, SIZES, build
from bench.goals import _ensure_plan
from data_layer import briefing, db, report, store

BENCH_DIR = Path(os.environ.get("BRIEFING_BENCH_DIR", "/tmp/briefing-bench"))
AS_OF = END_MONTH
FEEDBACK_PER_BUILDING = 2


def store_for(size: str) -> str:
    """The store of a size with summaries, a city plan and feedback, built once and reused."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{BENCH_DIR / f'{size.lower()}.db'}"
    engine = db.make_engine(url)
    status = db.store_status(engine)
    if status.code == "needs_upgrade":
        store.create_store(engine)
    elif status.code != "ok":
        spec = SIZES[size]
        store.drop_everything(engine)
        build(engine, buildings=spec.buildings, months=spec.months, feedback=spec.buildings * FEEDBACK_PER_BUILDING)
    _ensure_plan(engine)
    return url


def cold_warm(function: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """(first call, median of the next `repeat`) in seconds."""
    started = time.perf_counter()
    function()
    first = time.perf_counter() - started
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return first, statistics.median(runs)


def run(sizes: list[str]) -> list[dict]:
    rows = []
    quarter = (AS_OF.month - 1) // 3 + 1
    for size in sizes:
        engine = db.make_engine(store_for(size))
        panels = {
            "kpis": lambda: briefing.headline(engine, as_of=AS_OF),
            "targets": lambda: briefing.target_status(engine, as_of=AS_OF),
            "rankings": lambda: briefing.district_ranking(engine, as_of=AS_OF),
            "alerts": lambda: briefing.alerts_panel(engine, as_of=AS_OF, today=AS_OF),
        }
        row: dict[str, object] = {"size": size, "rows": f"{SIZES[size].buildings * SIZES[size].months:,}"}
        for name, function in panels.items():
            first, warm = cold_warm(function)
            row[f"{name}_cold_ms"] = round(first * 1000)
            row[f"{name}_warm_ms"] = round(warm * 1000)
        started = time.perf_counter()
        pack = report.build(engine, year=AS_OF.year, quarter=quarter)
        row["pack_gather_s"] = round(time.perf_counter() - started, 2)
        for fmt in report.FORMATS:
            started = time.perf_counter()
            data = report.render_pack(pack, fmt=fmt)
            row[f"{fmt}_s"] = round(time.perf_counter() - started, 2)
            row[f"{fmt}_kb"] = round(len(data) / 1024)
        rows.append(row)
    return rows


def main() -> None:
    from bench.overview import print_rows

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="S1,S2")
    args = parser.parse_args()
    print_rows("briefing (panel data cold / warm; the quarterly pack)", run(args.sizes.split(",")))


if __name__ == "__main__":
    main()
