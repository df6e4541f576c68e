"""The enterprise register's pages at scale: the building profile (its enterprises and moves), the registration-gap
page (a district's list and the whole city's) and the moves page (the city, a district; 12 months), server time under AppTest, with 200,000 enterprises and 300,000
tenancies against the same pages with 2,000 enterprises and 3,000 tenancies, on the same buildings.

    python -m bench.enterprises [--large 200000 --small 2000]

The buildings are bench.datasets' S1 (1,000 buildings × 36 months, boundaries added); each enterprise has one
tenancy and every second one an earlier, ended one elsewhere (1.5 tenancies per enterprise), 85 % registered at
their address; the earlier one ends the month before the later starts, so each is a move within the city. Stores live in BENCH_ENTERPRISES_DIR (default /tmp/dashboard-bench-enterprises), apart from the
other benchmarks' stores, and are reused between runs. Pages run as an editor (tax sorting, the most work).
cold = the first run after every cache is cleared, warm = a new session on warm caches; each the median of three.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from pathlib import Path

import numpy as np
import streamlit as st
from sqlalchemy import text

from bench.datasets import END_MONTH, SIZES, add_boundaries, build
from bench.overview import print_rows
from bench.pages import _run_once, clear_data_resources
from data_layer import credit_code, db, moves, store
from data_layer.periods import add_months
from data_layer.summaries import bump_data_version

BENCH_DIR = Path(os.environ.get("BENCH_ENTERPRISES_DIR", "/tmp/dashboard-bench-enterprises"))
INDUSTRIES = ("finance", "legal", "accounting", "ip", "tech_rd", "design", "digital", "trade", "hq", "general")
SIZE_BANDS = ("large", "medium", "small", "micro")


def base_store() -> Path:
    """S1's buildings and statistics with the district boundaries, built once."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / "base_s1.db"
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    if db.store_status(engine).code != "ok":
        store.drop_everything(engine)
        spec = SIZES["S1"]
        build(engine, buildings=spec.buildings, months=spec.months)
        add_boundaries(engine)
    engine.dispose()
    return path


def register_store(enterprises: int, seed: int = 23) -> str:
    """A copy of the base store with `enterprises` enterprises and 1.5 tenancies each."""
    path = BENCH_DIR / f"register_{enterprises}.db"
    url = f"sqlite:///{path}"
    if path.exists():
        engine = db.make_engine(url)
        try:
            with engine.connect() as conn:
                if conn.execute(text("SELECT COUNT(*) FROM enterprise")).scalar() == enterprises:
                    return url
        except Exception:
            pass
        finally:
            engine.dispose()
    shutil.copy(base_store(), path)
    engine = db.make_engine(url)
    rng = np.random.default_rng(seed)
    with engine.connect() as conn:
        building_ids = np.array([r[0] for r in conn.execute(text("SELECT id FROM building ORDER BY id"))])
        districts: dict[int, str] = {int(i): str(d) for i, d in conn.execute(
            text("SELECT id, district_code FROM building"))}
    months = [add_months(END_MONTH, -i) for i in range(36)][::-1]
    ids = np.arange(1, enterprises + 1)
    tax = np.round(rng.lognormal(3.0, 1.6, enterprises), 2)
    home = rng.choice(building_ids, enterprises)
    ent_rows = [(int(i), credit_code.make("91" + districts[int(b)][:6].ljust(6, "0") + "MA" + _base31(int(i), 7)),
                 f"基准企业{int(i):06d}有限公司", INDUSTRIES[int(i) % len(INDUSTRIES)], SIZE_BANDS[int(i) % 4],
                 bool(i % 40 == 0), 2025, float(t)) for i, b, t in zip(ids, home, tax, strict=True)]
    start = rng.integers(12, len(months), enterprises)
    tenancies: list[tuple[int, int, str, str | None, float, bool]] = [
        (int(i), int(b), months[int(s)].isoformat(), None, float(rng.integers(50, 3000)), bool(r))
        for i, b, s, r in zip(ids, home, start, rng.random(enterprises) < 0.85, strict=True)]
    earlier = ids[ids % 2 == 0]  # every second enterprise was somewhere else before
    where = rng.choice(building_ids, len(earlier))
    for i, b in zip(earlier, where, strict=True):
        until = int(start[i - 1]) - 1
        tenancies.append((int(i), int(b), months[max(0, until - 11)].isoformat(), months[until].isoformat(),
                          200.0, False))
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO enterprise (id, credit_code, name, industry, size_band, is_headquarters,"
                             " tax_year, tax_10k) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ent_rows)
        conn.exec_driver_sql("INSERT INTO tenancy (enterprise_id, building_id, from_month, to_month, area_m2,"
                             " registered_here) VALUES (?, ?, ?, ?, ?, ?)", tenancies)
        bump_data_version(conn)
    engine.dispose()
    return url


def _base31(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, rest = divmod(number, 31)
        out.append(credit_code.ALPHABET[rest])
    return "".join(reversed(out))


def page_times(url: str) -> dict[str, tuple[float, float]]:
    """(cold, warm) seconds of each measured page on the store at `url`."""
    os.environ["DATABASE_URL"] = url
    engine = db.make_engine(url)
    with engine.connect() as conn:
        building, district = conn.execute(text(
            "SELECT t.building_id, b.district_code FROM tenancy t JOIN building b ON b.id = t.building_id"
            " GROUP BY t.building_id, b.district_code ORDER BY COUNT(*) DESC, t.building_id LIMIT 1")).one()
    engine.dispose()
    pages = {"profile": ("building.py", {"id": str(building)}),
             "gap_district": ("registration.py", {"district": str(district)}),
             "gap_city": ("registration.py", {}),
             # the moves view (issue 24): cold derives every move of the register once per data version
             "moves_city": ("moves.py", {}),
             "moves_district": ("moves.py", {"district": str(district)})}
    for page, params in pages.values():  # import every module once: cold means cold caches only
        _run_once(page, "editor", params)
    out = {}
    for name, (page, params) in pages.items():
        colds, warms = [], []
        for _ in range(3):  # medians of three: one run is at the mercy of whatever else the cores are doing
            st.cache_data.clear()
            clear_data_resources()
            colds.append(_run_once(page, "editor", params))
            warms.append(statistics.median(_run_once(page, "editor", params) for _ in range(3)))
        out[name] = (statistics.median(colds), statistics.median(warms))
    return out


def run(sizes: list[str] | None = None, *, small: int = 2_000, large: int = 200_000) -> list[dict]:
    """Rows of the table; `sizes` (python -m bench's S1-S3) does not apply: the register has its own two sizes."""
    figures = {n: page_times(register_store(n)) for n in (small, large)}
    rows = []
    for name in figures[small]:
        (cold_s, warm_s), (cold_l, warm_l) = figures[small][name], figures[large][name]
        rows.append({"page": name, f"cold_{small}": round(cold_s, 3), f"cold_{large}": round(cold_l, 3),
                     "cold_ratio": round(cold_l / cold_s, 2), f"warm_{small}": round(warm_s, 3),
                     f"warm_{large}": round(warm_l, 3), "warm_ratio": round(warm_l / warm_s, 2)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--large", type=int, default=200_000)
    args = parser.parse_args()
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")
    print_rows("enterprise register pages (tenancies = 1.5 × enterprises)", run(small=args.small, large=args.large))
    derive = {}
    for n in (args.small, args.large):  # the moves rule itself, outside Streamlit
        engine = db.make_engine(register_store(n))
        started = time.perf_counter()
        found = len(moves.all_moves(engine))
        derive[n] = (time.perf_counter() - started, found)
        engine.dispose()
    print("moves derived (data_layer.moves.all_moves): " + ", ".join(
        f"{n:,} enterprises: {found:,} moves in {seconds:.2f} s" for n, (seconds, found) in derive.items()))


if __name__ == "__main__":
    main()


