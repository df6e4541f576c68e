"""Goal-tracking benchmark: the goal table of a city plan (14 indicators: actual, expected pace, forecast, status)
computed by `data_layer.goals` from the summary tables, next to DuckDB computing the same figures from the raw
monthly table loaded into its native tables. Also: the one-off cost of filling the summaries and the cost of
refreshing them for one imported month.

    python -m bench.goals --sizes S2,S3        (stores are built once under $GOALS_BENCH_DIR, default /tmp/goals)

The DuckDB side is written independently (its own SQL and arithmetic), and its figures are checked against ours.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine

from bench.datasets import END_MONTH, SIZES, build
from data_layer import db, goals, plans, store
from data_layer.periods import add_months
from data_layer.plans_seed import CITY_INDICATORS
from data_layer.summaries import bump_data_version, refresh_all, refresh_building_summaries

BENCH_DIR = Path(os.environ.get("GOALS_BENCH_DIR", "/tmp/goals"))
PLAN = "BENCH-CITY"
AS_OF = END_MONTH  # 2026-10: ten months into the year, so pace and forecast both matter
PACE = "seasonal"


def _seconds(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def interleaved(ours: Callable[[], object], theirs: Callable[[], object], rounds: int = 9) -> tuple[float, float]:
    """Medians of both, run in alternation so that load from other processes on the machine hits both alike."""
    mine, other = [], []
    for _ in range(rounds):
        mine.append(_seconds(ours))
        other.append(_seconds(theirs))
    return statistics.median(mine), statistics.median(other)


def store_for(size: str) -> tuple[str, float | None]:
    """The store of a size with its summaries, built once and reused; returns (url, seconds to fill summaries)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{BENCH_DIR / f'{size.lower()}.db'}"
    engine = db.make_engine(url)
    status = db.store_status(engine)
    fill = None
    if status.code == "needs_upgrade":  # a store from before the summaries: the migration fills them
        started = time.perf_counter()
        store.create_store(engine)
        fill = time.perf_counter() - started
    elif status.code != "ok":
        spec = SIZES[size]
        store.drop_everything(engine)
        build(engine, buildings=spec.buildings, months=spec.months)  # fills every summary; timed again below
        started = time.perf_counter()
        with engine.begin() as conn:
            refresh_building_summaries(conn)
            bump_data_version(conn)
        fill = time.perf_counter() - started
    _ensure_plan(engine)
    return url, fill


def _ensure_plan(engine: Engine) -> None:
    if not plans.list_plans(engine).query("code == @PLAN").empty:
        return
    year = AS_OF.year
    values = {"occupancy_rate": 80, "registration_rate": 86, "building_tax": 5.0e6, "tax_share": 30,
              "buildings_tax_10m": 2_000, "buildings_tax_100m": 60, "new_buildings_tax_100m": 10,
              "featured_buildings": 800, "graded_super_a": 300, "graded_a": 600, "zero_carbon_pilots": 250,
              "energy_star_buildings": 200, "renovated_buildings": 5, "new_enterprises": 50_000}
    plans.create_plan(engine, user="bench", via="cli", plan=plans.PlanInput(PLAN, "基准计划", "Benchmark plan", year, year),
                      targets=[{"indicator_code": c, "year": year, "target_value": values[c]} for c in CITY_INDICATORS])


# ------------------------------------------------------------------------------------------------- DuckDB side


def duckdb_loaded(url: str) -> Any:
    """An in-memory DuckDB with the raw tables copied into native tables (the copy is not timed with the query)."""
    import duckdb
    import pandas as pd
    from sqlalchemy import text

    con = duckdb.connect()
    engine = db.make_engine(url)
    with engine.connect() as conn:
        first = True
        for chunk in pd.read_sql(text("SELECT * FROM building_month"), conn, chunksize=1_000_000):
            chunk["month"] = pd.to_datetime(chunk["month"]).dt.date
            con.execute("CREATE TABLE bm AS SELECT * FROM chunk" if first else "INSERT INTO bm SELECT * FROM chunk")
            first = False
        columns = "id, grade, is_featured, is_zero_carbon_pilot, energy_star, renovated_year"
        buildings = pd.read_sql(text(f"SELECT {columns} FROM building"), conn)  # noqa: F841 - DuckDB reads it by name
        city = pd.read_sql(text("SELECT month, city_tax_10k FROM city_month"), conn)
    city["month"] = pd.to_datetime(city["month"]).dt.date
    con.execute("CREATE TABLE b AS SELECT * FROM buildings")
    con.execute("CREATE TABLE city AS SELECT * FROM city")
    return con


def duckdb_goal_figures(con: Any, as_of: date) -> dict[str, tuple[float | None, float | None]]:
    """{indicator: (actual, forecast)} for the city, from raw rows, with the same definitions (seasonal pace)."""
    year, m = as_of.year, as_of.month
    jan, ly_jan, ly_dec = date(year, 1, 1), date(year - 1, 1, 1), date(year - 1, 12, 1)
    monthly = con.execute("""
        SELECT month, SUM(occupied_area_m2), SUM(leasable_area_m2), SUM(enterprises_registered),
               SUM(enterprises_operating), SUM(tax_10k), SUM(new_enterprises)
        FROM bm WHERE month BETWEEN ? AND ? GROUP BY month ORDER BY month""", [ly_jan, as_of]).fetchall()
    by_month = {row[0]: row[1:] for row in monthly}
    city = dict(con.execute("SELECT month, city_tax_10k FROM city WHERE month BETWEEN ? AND ?",
                            [ly_jan, as_of]).fetchall())

    def share(values: list[float]) -> float:  # last year's cumulative share through the as-of month
        return sum(values[:m]) / sum(values) if len(values) == 12 and sum(values) > 0 else m / 12

    ly_tax = [by_month[date(year - 1, k, 1)][4] for k in range(1, 13) if date(year - 1, k, 1) in by_month]
    ly_new = [by_month[date(year - 1, k, 1)][5] for k in range(1, 13) if date(year - 1, k, 1) in by_month]
    ly_city = [city[date(year - 1, k, 1)] for k in range(1, 13) if date(year - 1, k, 1) in city]
    s_tax, s_new, s_city = share(ly_tax), share(ly_new), share(ly_city)
    this_year = [by_month[date(year, k, 1)] for k in range(1, m + 1)]
    tax, new = sum(r[4] for r in this_year), sum(r[5] for r in this_year)
    city_ytd = sum(city[date(year, k, 1)] for k in range(1, m + 1))

    def trend(series: list[float]) -> float:
        slope = float(np.polyfit(np.arange(len(series)), np.array(series), 1)[0])
        return series[-1] + slope * (12 - m)

    window = [by_month[add_months(as_of, -k)] for k in range(5, -1, -1)]
    occupancy = [100 * r[0] / r[1] for r in window]
    registration = [100 * r[2] / r[3] for r in window]
    counts = con.execute("""
        WITH ytd AS (SELECT building_id, SUM(tax_10k) AS t FROM bm WHERE month BETWEEN ? AND ? GROUP BY building_id),
             ly AS (SELECT building_id, SUM(tax_10k) AS t FROM bm WHERE month BETWEEN ? AND ? GROUP BY building_id)
        SELECT COUNT(*) FILTER (WHERE ytd.t >= 1000), COUNT(*) FILTER (WHERE ytd.t >= 10000),
               COUNT(*) FILTER (WHERE ytd.t >= 10000 AND COALESCE(ly.t, 0) < 10000),
               COUNT(*) FILTER (WHERE ytd.t >= 1000 * ?), COUNT(*) FILTER (WHERE ytd.t >= 10000 * ?),
               COUNT(*) FILTER (WHERE ytd.t >= 10000 * ? AND COALESCE(ly.t, 0) < 10000)
        FROM ytd LEFT JOIN ly USING (building_id)""", [jan, as_of, ly_jan, ly_dec, s_tax, s_tax, s_tax]).fetchone()
    flags = con.execute("""
        SELECT COUNT(*) FILTER (WHERE is_featured), COUNT(*) FILTER (WHERE grade = 'super_a'),
               COUNT(*) FILTER (WHERE grade = 'a'), COUNT(*) FILTER (WHERE is_zero_carbon_pilot),
               COUNT(*) FILTER (WHERE energy_star > 0), COUNT(*) FILTER (WHERE renovated_year = ?) FROM b""",
                        [year]).fetchone()
    held = dict(zip(("featured_buildings", "graded_super_a", "graded_a", "zero_carbon_pilots", "energy_star_buildings",
                     "renovated_buildings"), (float(v) for v in flags), strict=True))
    return {
        "occupancy_rate": (occupancy[-1], min(100.0, max(0.0, trend(occupancy)))),
        "registration_rate": (registration[-1], min(100.0, max(0.0, trend(registration)))),
        "building_tax": (tax, tax / s_tax),
        "tax_share": (100 * tax / city_ytd, 100 * (tax / s_tax) / (city_ytd / s_city)),
        "buildings_tax_10m": (counts[0], counts[3]),
        "buildings_tax_100m": (counts[1], counts[4]),
        "new_buildings_tax_100m": (counts[2], counts[5]),
        "new_enterprises": (new, new / s_new),
        **{code: (value, value) for code, value in held.items()},
    }


def _same(ours: float | None, theirs: float | None) -> bool:
    if ours is None or theirs is None or (isinstance(ours, float) and math.isnan(ours)):
        return ours is None and theirs is None
    return math.isclose(float(ours), float(theirs), rel_tol=1e-6, abs_tol=1e-6)


# -------------------------------------------------------------------------------------------------- the runs


def one_month_refresh(url: str) -> float:
    """Seconds to refresh every summary for one month (what an import of the latest month adds), rolled back."""
    engine = db.make_engine(url)
    with engine.connect() as conn:
        transaction = conn.begin()
        started = time.perf_counter()
        refresh_all(conn, [AS_OF])
        seconds = time.perf_counter() - started
        transaction.rollback()
    return seconds


def run(sizes: list[str]) -> list[dict]:
    rows = []
    for size in sizes:
        url, fill = store_for(size)
        engine = db.make_engine(url)
        first = _seconds(lambda: goals.goal_table(engine, plan_code=PLAN, as_of=AS_OF, pace=PACE))
        table = goals.goal_table(engine, plan_code=PLAN, as_of=AS_OF, pace=PACE)
        started = time.perf_counter()
        con = duckdb_loaded(url)
        load = time.perf_counter() - started
        figures = duckdb_goal_figures(con, AS_OF)  # also warms DuckDB up
        ours, theirs = interleaved(lambda: goals.goal_table(engine, plan_code=PLAN, as_of=AS_OF, pace=PACE),
                                   lambda: duckdb_goal_figures(con, AS_OF))
        mismatched = [r.indicator for r in table.itertuples()
                      if not (_same(r.actual, figures[r.indicator][0]) and _same(r.forecast, figures[r.indicator][1]))]
        spec = SIZES[size]
        rows.append({
            "size": size, "buildings": f"{spec.buildings:,}", "months": spec.months,
            "rows": f"{spec.buildings * spec.months:,}", "indicators": len(table),
            "ours_first_ms": round(first * 1000, 1), "ours_ms": round(ours * 1000, 1),
            "duckdb_ms": round(theirs * 1000, 1), "duckdb_over_ours": round(theirs / ours, 1),
            "same_figures": "yes" if not mismatched else "NO: " + ",".join(mismatched),
            "duckdb_load_s": round(load, 1), "refresh_one_month_s": round(one_month_refresh(url), 2),
            "summaries_fill_s": round(fill, 1) if fill is not None else "(built before)",
        })
        con.close()
    return rows


def main() -> None:
    from bench.overview import print_rows

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="S2,S3")
    args = parser.parse_args()
    print_rows("goals (city plan goal table; ratio > 1 means ours is faster)", run(args.sizes.split(",")))


if __name__ == "__main__":
    main()
