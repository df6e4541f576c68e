"""Import throughput: a monthly-statistics CSV (Chinese headers, GBK or UTF-8) into a SQLite store that holds the
buildings, through the same code path as the page and the command line (decode, header search, typed parsing,
validation, comparison with the store, raw executemany, district summary refresh, audit row, one transaction).

    .venv/bin/python -m bench.imports --sizes 100k,1M

Target (issue 7): at least 100k rows/s for the 1M-row file into SQLite, validation and summary refresh included.
Then (issue 15) the pathological uploads of bench/pathological.py, each to be refused in under 2 s and 300 MB,
printed next to the normal import (--no-pathological leaves them out).
"""

from __future__ import annotations

import argparse
import io
import shutil
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import text

from bench.datasets import END_MONTH, build
from data_layer import db
from data_layer.imports import parse, run_import
from data_layer.periods import add_months


@dataclass(frozen=True)
class ImportSize:
    name: str
    buildings: int
    months: int


EARLY_MONTH = date(2012, 1, 1)  # before the file's months, so every imported row is new
SIZES = {s.name: s for s in (ImportSize("100k", 1_000, 100), ImportSize("1M", 10_000, 100))}
HEADER = ["楼宇编号", "统计月份", "已入驻面积（㎡）", "可租面积（㎡）", "在楼经营企业数", "注册在楼企业数", "全口径税收（万元）",
          "从业人员", "新入驻企业数"]


def monthly_csv(codes: list[str], months: int, *, end: date = END_MONTH, seed: int = 11,
                encoding: str = "utf-8") -> bytes:
    """A bureau-style monthly file: a title row, Chinese headers, months written 2024年3月, one row per building
    and month."""
    rng = np.random.default_rng(seed)
    month_list = [add_months(end, -i) for i in range(months - 1, -1, -1)]
    n = len(codes)
    leasable = rng.uniform(5_000, 80_000, n).round(-1)
    frames = []
    for month in month_list:
        occupied = (leasable * rng.uniform(0.4, 0.98, n)).round(-1)
        operating = np.maximum(1, (occupied / 500).round()).astype(int)
        frames.append(pd.DataFrame({
            HEADER[0]: codes, HEADER[1]: f"{month.year}年{month.month}月", HEADER[2]: occupied, HEADER[3]: leasable,
            HEADER[4]: operating, HEADER[5]: (operating * 0.85).round().astype(int),
            HEADER[6]: (occupied * 0.004 * rng.lognormal(0, 0.2, n)).round(2), HEADER[7]: (occupied / 12).astype(int),
            HEADER[8]: rng.poisson(1.0, n)}))
    frame = pd.concat(frames, ignore_index=True)
    buffer = io.StringIO()
    buffer.write("全市楼宇经济月度统计表\n")
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode(encoding)


def _store(work: Path, size: ImportSize) -> tuple[str, list[str]]:
    """A store with the buildings and one early month of statistics (built once per size, copied for each run)."""
    template = work / f"base-{size.name}.db"
    if not template.exists():
        partial = work / f"building-{size.name}.db"
        partial.unlink(missing_ok=True)
        engine = db.make_engine(f"sqlite:///{partial}")
        build(engine, buildings=size.buildings, months=1, end=EARLY_MONTH)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        partial.rename(template)
    target = work / f"run-{size.name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, target)
    engine = db.make_engine(f"sqlite:///{target}")
    with engine.connect() as conn:
        codes = [row[0] for row in conn.execute(text("SELECT code FROM building ORDER BY id"))]
    engine.dispose()
    return f"sqlite:///{target}", codes


def run(sizes: list[str], work: Path = Path("/tmp/bench/imports")) -> list[dict]:
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for name in sizes:
        size = SIZES[name]
        url, codes = _store(work, size)
        data = monthly_csv(codes, size.months, encoding="gbk")
        rows = size.buildings * size.months
        engine = db.make_engine(url)
        started = time.perf_counter()
        parsed = parse("monthly", "monthly.csv", data)
        parse_s = time.perf_counter() - started
        outcome = run_import(engine, kind="monthly", file_name="monthly.csv", data=data, user="bench", parsed=parsed)
        total_s = time.perf_counter() - started
        assert outcome.committed, [p.line("en") for p in outcome.findings.problems[:5]]
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT COUNT(*) FROM building_month")).scalar()
            summary = conn.execute(text("SELECT SUM(buildings_reporting) FROM district_month")).scalar()
        assert stored == rows + size.buildings and summary == stored
        again = time.perf_counter()
        unchanged = run_import(engine, kind="monthly", file_name="monthly.csv", data=data, user="bench")
        again_s = time.perf_counter() - again
        assert unchanged.totals()["unchanged"] == rows and not unchanged.committed
        engine.dispose()
        phases = outcome.timings
        results.append({"size": name, "rows": rows, "file_mb": len(data) / 1e6, "parse_s": parse_s,
                        "check_s": phases.get("check", 0.0), "write_s": phases.get("rows", 0.0),
                        "summaries_s": phases.get("summaries", 0.0), "commit_s": phases.get("commit", 0.0),
                        "import_s": total_s, "rows_per_s": rows / total_s,
                        "without_summaries_rows_per_s": rows / (total_s - phases.get("summaries", 0.0)),
                        "reimport_s": again_s, "reimport_rows_per_s": rows / again_s})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100k,1M", help=f"comma-separated, from {', '.join(SIZES)}")
    parser.add_argument("--no-pathological", action="store_true", help="leave out the pathological files")
    args = parser.parse_args()
    results = run([s.strip() for s in args.sizes.split(",") if s.strip()])
    print(f"{'size':>5} {'rows':>10} {'file MB':>8} {'parse s':>8} {'check s':>8} {'write s':>8} {'summ. s':>8} "
          f"{'commit s':>9} {'total s':>8} {'rows/s':>9} {'w/o summ.':>10} {'re-import s':>12} {'rows/s':>9}")
    for r in results:
        print(f"{r['size']:>5} {r['rows']:>10,} {r['file_mb']:>8.1f} {r['parse_s']:>8.2f} {r['check_s']:>8.2f} "
              f"{r['write_s']:>8.2f} {r['summaries_s']:>8.2f} {r['commit_s']:>9.2f} {r['import_s']:>8.2f} "
              f"{r['rows_per_s']:>9,.0f} {r['without_summaries_rows_per_s']:>10,.0f} {r['reimport_s']:>12.2f} "
              f"{r['reimport_rows_per_s']:>9,.0f}")
    print("total s = parse (decode, header search, typed values) + check (validation, comparison with the store) +"
          " write (executemany) + summaries (summaries.refresh_all) + commit, GBK CSV, one transaction;"
          " w/o summ. = the same without the summary refresh; re-import = the same file again (every row compared"
          " and found unchanged, nothing written)")
    if not args.no_pathological:
        from bench import pathological

        print()
        pathological.report(pathological.run())


if __name__ == "__main__":
    main()
