"""Overview benchmark: store build throughput, key query times, the overview page's server time (AppTest),
and DuckDB computing the same key figures from the raw monthly table loaded into its native tables.

    python -m bench.overview --sizes S1,S2
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench.datasets import END_MONTH, SIZES, build
from data_layer import db, queries
from data_layer.periods import Period

BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/dashboard-bench"))
REPO = Path(__file__).resolve().parent.parent


def store_for(size: str) -> tuple[str, float | None]:
    """The benchmark store of a size, built once and reused; returns (url, rows/s of the build or None)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{BENCH_DIR / f'{size.lower()}.db'}"
    engine = db.make_engine(url)
    if db.store_status(engine).code == "ok":
        return url, None
    spec = SIZES[size]
    from data_layer import store

    store.drop_everything(engine)
    result = build(engine, buildings=spec.buildings, months=spec.months)
    return url, result["building_month"] / result["seconds"]


def timed(function: Callable[[], object], repeat: int = 3) -> float:
    """Median seconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def page_seconds(url: str, page: str, repeat: int = 3) -> float:
    """Median server-side run time of a page under AppTest (fresh caches each time: the cold path)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["DATABASE_URL"] = url
    times = []
    for _ in range(repeat):
        st.cache_data.clear()
        at = AppTest.from_file(str(REPO / "app_pages" / page), default_timeout=300)
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
        if at.exception:
            raise RuntimeError(f"{page} raised: {at.exception[0].message}")
    return statistics.median(times)


def duckdb_reference(url: str, period: Period) -> float:
    """DuckDB on native tables: the overview's key figures (stock at period end, flows, thresholds) from raw rows."""
    import duckdb
    import pandas as pd
    from sqlalchemy import text

    engine = db.make_engine(url)
    with engine.connect() as conn:
        months = pd.read_sql(text("SELECT * FROM building_month"), conn)
        buildings = pd.read_sql(text("SELECT id, district_code, grade FROM building"), conn)  # noqa: F841 - DuckDB reads it by name
    months["month"] = pd.to_datetime(months["month"])
    con = duckdb.connect()
    con.execute("CREATE TABLE building_month AS SELECT * FROM months")
    con.execute("CREATE TABLE building AS SELECT * FROM buildings")
    start, end, jan = period.start.isoformat(), period.end.isoformat(), date(period.year, 1, 1).isoformat()

    def figures() -> None:
        con.execute("""
            SELECT SUM(occupied_area_m2) / SUM(leasable_area_m2), SUM(enterprises_registered) / SUM(enterprises_operating)
            FROM building_month WHERE month = ?""", [end]).fetchall()
        con.execute("SELECT SUM(tax_10k), SUM(new_enterprises) FROM building_month WHERE month BETWEEN ? AND ?",
                    [start, end]).fetchall()
        con.execute("""
            SELECT COUNT(*) FILTER (WHERE t >= 1000), COUNT(*) FILTER (WHERE t >= 10000) FROM (
              SELECT building_id, SUM(tax_10k) AS t FROM building_month WHERE month BETWEEN ? AND ?
              GROUP BY building_id)""", [jan, end]).fetchall()
        con.execute("""
            SELECT b.district_code, SUM(m.tax_10k) FROM building_month m JOIN building b ON b.id = m.building_id
            WHERE m.month BETWEEN ? AND ? GROUP BY b.district_code""", [start, end]).fetchall()

    return timed(figures)


def run(sizes: list[str]) -> list[dict]:
    rows = []
    for size in sizes:
        url, throughput = store_for(size)
        engine = db.make_engine(url)
        last = queries.latest_month(engine) or END_MONTH
        period = Period("ytd", last.year, last.month)
        ours = timed(lambda: (queries.overview_kpis(engine, period=period),
                              queries.district_breakdown(engine, period=period)))
        reference = duckdb_reference(url, period)
        rows.append({
            "size": size,
            "build_rows_per_s": round(throughput) if throughput else "reused",
            "kpis_s": round(timed(lambda: queries.overview_kpis(engine, period=period)), 4),
            "trend_s": round(timed(lambda: queries.monthly_trend(engine, end=last)), 4),
            "districts_s": round(timed(lambda: queries.district_breakdown(engine, period=period)), 4),
            "overview_page_s": round(page_seconds(url, "overview.py"), 3),
            "duckdb_same_figures_s": round(reference, 4),
            "ours_over_duckdb": round(ours / reference, 2),
        })
    return rows


def print_rows(title: str, rows: list[dict]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print(f"\n## {title}")
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="S1,S2,S3")
    args = parser.parse_args()
    print_rows("overview", run(args.sizes.split(",")))


if __name__ == "__main__":
    main()
