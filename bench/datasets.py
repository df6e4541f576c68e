"""Synthetic stores at benchmark sizes, built fast (vectorised numpy, raw driver executemany).

S1 = 1k buildings × 36 months, S2 = 10k × 60, S3 = 50k × 120 (see ../shared/PERF_NOTES.md). Buildings sit inside
the shipped Guangzhou district polygons; statistics have the same shape as the demo city's, without its care.

    python -m bench.datasets --size S2 --url sqlite:////tmp/bench/s2.db
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import Engine

from data_layer import db, store
from data_layer.demo import CENTRES, load_districts
from data_layer.periods import add_months
from data_layer.summaries import bump_data_version, refresh_all


@dataclass(frozen=True)
class Size:
    name: str
    buildings: int
    months: int


SIZES = {s.name: s for s in (Size("S1", 1_000, 36), Size("S2", 10_000, 60), Size("S3", 50_000, 120))}
END_MONTH = date(2026, 10, 1)
GRADES = np.array(["super_a", "a", "b", "unrated"])
INDUSTRIES = np.array(["finance", "legal", "accounting", "ip", "tech_rd", "design", "digital", "trade", "general"])
DIMENSIONS = np.array(["gov_service", "enterprise_service", "operations", "talent", "transport", "daily_life"])


def _insert(conn, table: str, columns: tuple[str, ...], rows: list[tuple], chunk: int = 50_000) -> None:  # type: ignore[no-untyped-def]
    """Raw driver executemany in chunks: ~5× faster than Core insert, ~50× faster than the ORM."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    for start in range(0, len(rows), chunk):
        conn.exec_driver_sql(sql, rows[start:start + chunk])


def _points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n points around the demo's business centres, each kept inside its district polygon."""
    polygons = {f["properties"]["code"]: shape(f["geometry"]) for f in load_districts()}
    weights = np.array([c.buildings for c in CENTRES], dtype=float)
    which = rng.choice(len(CENTRES), size=n, p=weights / weights.sum())
    lon, lat = np.empty(n), np.empty(n)
    district = np.empty(n, dtype=object)
    spread = 1.0 + np.log10(max(n, 1_000) / 1_000)  # larger stocks spread further out
    for index, centre in enumerate(CENTRES):
        todo = np.flatnonzero(which == index)
        polygon = polygons[centre.district]
        while todo.size:
            x = centre.lon + rng.normal(0, centre.sigma * spread, todo.size)
            y = centre.lat + rng.normal(0, centre.sigma * spread * 0.8, todo.size)
            inside = shapely.contains_xy(polygon, x, y)
            lon[todo[inside]], lat[todo[inside]] = x[inside], y[inside]
            district[todo[inside]] = centre.district
            todo = todo[~inside]
    return lon.round(6), lat.round(6), district


def build(engine: Engine, *, buildings: int, months: int, feedback: int = 0, seed: int = 7,
          end: date = END_MONTH) -> dict[str, float]:
    """Fill an empty store. Returns row counts and seconds spent."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    store.create_store(engine)
    month_list = [add_months(end, -i) for i in range(months - 1, -1, -1)]
    lon, lat, district = _points(rng, buildings)
    grade = GRADES[rng.choice(4, size=buildings, p=[0.02, 0.05, 0.4, 0.53])]
    gross = np.select([grade == "super_a", grade == "a", grade == "b"],
                      [rng.uniform(1e5, 2.6e5, buildings), rng.uniform(5e4, 1.3e5, buildings),
                       rng.uniform(1.5e4, 6e4, buildings)], rng.uniform(3e3, 3e4, buildings)).round(-1)
    leasable = (gross * rng.uniform(0.62, 0.78, buildings)).round(-1)
    industry = INDUSTRIES[rng.integers(0, len(INDUSTRIES), buildings)]
    featured = rng.random(buildings) < 0.08
    observation = rng.random(buildings) < min(0.05, 50 / buildings)
    with engine.begin() as conn:
        _insert(conn, "district", ("code", "name_zh", "name_en", "city"),
                [(f["properties"]["code"], f["properties"]["name_zh"], f["properties"]["name_en"], "广州市")
                 for f in load_districts()])
        _insert(conn, "building", (
            "id", "code", "name", "address", "district_code", "lon", "lat", "crs", "grade", "gross_area_m2",
            "leasable_area_m2", "year_completed", "status", "operator_type", "industry", "is_zero_carbon_pilot",
            "energy_star", "is_featured", "is_hq_cluster", "is_observation_point"), [
            (i + 1, f"BN{i + 1:06d}", f"基准楼宇{i + 1:06d}", "", district[i], float(lon[i]), float(lat[i]), "GCJ-02",
             str(grade[i]), float(gross[i]), float(leasable[i]), 2000 + i % 20, "in_use", "private", str(industry[i]),
             bool(i % 40 == 0), int(i % 60 == 0), bool(featured[i]), False, bool(observation[i]))
            for i in range(buildings)])
        level = np.clip(rng.normal(0.78, 0.12, buildings), 0.2, 0.98)
        intensity = np.select([grade == "super_a", grade == "a", grade == "b"], [0.25, 0.12, 0.05], 0.03)
        intensity = intensity * rng.lognormal(0, 0.45, buildings)
        season = np.array([1.30, 0.80, 0.90, 1.25, 1.20, 0.85, 1.20, 0.85, 0.85, 1.20, 0.80, 0.80]) / 1.0
        ids = np.arange(1, buildings + 1)
        for m_index, month in enumerate(month_list):  # one month at a time keeps memory flat at S3
            occ = np.clip(level + rng.normal(0, 0.02, buildings) + 0.0005 * m_index, 0.02, 0.995)
            occupied = (occ * leasable).round(-1)
            operating = np.maximum(1, (occupied / 500).round()).astype(int)
            registered = np.minimum(operating, (operating * rng.uniform(0.7, 0.98, buildings)).round()).astype(int)
            tax = (occupied * intensity / 12 * season[month.month - 1] * rng.lognormal(0, 0.12, buildings)).round(2)
            new = rng.poisson(np.maximum(0.1, operating * 0.012))
            rows = list(zip(ids.tolist(), [month] * buildings, occupied.tolist(), leasable.tolist(),
                            operating.tolist(), registered.tolist(), tax.tolist(), (occupied / 12).astype(int).tolist(),
                            new.tolist(), strict=True))
            _insert(conn, "building_month", (
                "building_id", "month", "occupied_area_m2", "leasable_area_m2", "enterprises_operating",
                "enterprises_registered", "tax_10k", "employees", "new_enterprises"), rows)
        city = [(m, 1.0e6 * (1 + 0.003 * i)) for i, m in enumerate(month_list)]
        _insert(conn, "city_month", ("month", "city_tax_10k"), city)
        point_buildings = ids[observation]
        _insert(conn, "observation_point", ("id", "code", "building_id", "designated_on"),
                [(i + 1, f"OP{i + 1:05d}", int(b), month_list[0]) for i, b in enumerate(point_buildings)])
        if feedback and len(point_buildings):
            start = month_list[0]
            span = (end - start).days + 28
            points = rng.integers(1, len(point_buildings) + 1, feedback)
            days = rng.integers(0, span, feedback)
            dims = DIMENSIONS[rng.integers(0, len(DIMENSIONS), feedback)]
            scores = rng.integers(1, 6, feedback)
            _insert(conn, "feedback", ("point_id", "submitted_on", "dimension", "channel", "score", "text"), [
                (int(points[i]), start + timedelta(days=int(days[i])), str(dims[i]), "survey", int(scores[i]),
                 "物业服务挺好的" if scores[i] >= 4 else ("停车太难了" if scores[i] <= 2 else "希望多办活动"))
                for i in range(feedback)])
        refresh_all(conn)  # every summary, as an import would leave them
        bump_data_version(conn)
    return {"buildings": buildings, "building_month": buildings * months, "feedback": feedback,
            "seconds": time.perf_counter() - started, "built_at": datetime.now(UTC).timestamp()}


def add_boundaries(engine: Engine) -> None:
    """The shipped district polygons, for the benchmark pages that draw maps (once per store)."""
    import json

    from sqlalchemy import insert, text

    from data_layer.models import DistrictBoundary

    with engine.begin() as conn:
        if not conn.execute(text("SELECT COUNT(*) FROM district_boundary")).scalar():
            conn.execute(insert(DistrictBoundary), [
                {"district_code": f["properties"]["code"], "crs": "GCJ-02", "source": "bench",
                 "geojson": json.dumps(f["geometry"], separators=(",", ":"))} for f in load_districts()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--feedback", type=int, default=0)
    args = parser.parse_args()
    size = SIZES[args.size]
    engine = db.make_engine(args.url)
    store.drop_everything(engine)
    result = build(engine, buildings=size.buildings, months=size.months, feedback=args.feedback)
    rows = result["building_month"]
    print(f"{size.name}: {size.buildings:,} buildings × {size.months} months = {rows:,} rows "
          f"in {result['seconds']:.1f} s ({rows / result['seconds']:,.0f} rows/s)")


if __name__ == "__main__":
    main()
