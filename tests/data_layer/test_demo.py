"""The demo city: realistic shape, real geometry, the brief's reference figures, and reproducibility."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Point, shape
from sqlalchemy import text

from data_layer import db, store
from data_layer.demo import build_demo
from tests.conftest import DEMO_SEED, DEMO_TODAY

BOUNDARIES = Path(__file__).resolve().parents[2] / "assets" / "geo" / "guangzhou_districts.geojson"


@pytest.fixture(scope="module")
def demo(demo_url: str):
    engine = db.make_engine(demo_url)
    yield engine
    engine.dispose()


def _scalar(engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_eleven_districts_with_buildings_inside_their_polygons(demo) -> None:
    polygons = {f["properties"]["code"]: shape(f["geometry"])
                for f in json.loads(BOUNDARIES.read_text(encoding="utf-8"))["features"]}
    assert len(polygons) == 11
    with demo.connect() as conn:
        buildings = pd.read_sql(text("SELECT district_code, lon, lat FROM building"), conn)
    assert 1400 <= len(buildings) <= 1600
    assert set(buildings["district_code"]) == set(polygons)
    outside = [r for r in buildings.itertuples() if not polygons[r.district_code].contains(Point(r.lon, r.lat))]
    assert outside == []


def test_grades_and_flags_match_the_guangzhou_reply(demo) -> None:
    assert _scalar(demo, "SELECT COUNT(*) FROM building WHERE grade = 'super_a'") == 31
    assert _scalar(demo, "SELECT COUNT(*) FROM building WHERE grade = 'a'") == 66
    assert 50 <= _scalar(demo, "SELECT COUNT(*) FROM building WHERE is_zero_carbon_pilot = TRUE") <= 55
    assert _scalar(demo, "SELECT COUNT(*) FROM building WHERE energy_star > 0") == 23
    assert _scalar(demo, "SELECT COUNT(*) FROM building WHERE status = 'under_construction'") > 0
    assert _scalar(demo, "SELECT COUNT(*) FROM building WHERE status = 'renovating'") > 0


def test_monthly_statistics_run_from_2021_to_the_last_full_month(demo) -> None:
    assert str(_scalar(demo, "SELECT MIN(month) FROM building_month")) == "2021-01-01"
    assert str(_scalar(demo, "SELECT MAX(month) FROM building_month")) == "2026-10-01"  # today is 2026-11-23
    assert _scalar(demo, "SELECT COUNT(*) FROM city_month") == 70
    # occupied never exceeds leasable
    assert _scalar(demo, "SELECT COUNT(*) FROM building_month WHERE occupied_area_m2 > leasable_area_m2") == 0


def test_tax_peaks_in_the_months_after_quarter_ends(demo) -> None:
    with demo.connect() as conn:
        monthly = pd.read_sql(text("SELECT month, SUM(tax_10k) AS tax FROM building_month GROUP BY month"), conn)
    monthly["m"] = pd.to_datetime(monthly["month"]).dt.month
    by_month = monthly.groupby("m")["tax"].mean()
    assert by_month[[1, 4, 7, 10]].mean() > 1.2 * by_month[[2, 3, 6, 8, 9, 11, 12]].mean()


def test_summary_table_equals_the_raw_aggregation(demo) -> None:
    with demo.connect() as conn:
        raw = pd.read_sql(text(
            "SELECT b.district_code, m.month, m.tax_10k, m.occupied_area_m2 FROM building_month m"
            " JOIN building b ON b.id = m.building_id"), conn)
        summary = pd.read_sql(text("SELECT district_code, month, tax_10k, occupied_area_m2 FROM district_month"), conn)
    expected = raw.groupby(["district_code", "month"])[["tax_10k", "occupied_area_m2"]].sum().reset_index()
    merged = expected.merge(summary, on=["district_code", "month"], suffixes=("_raw", "_summary"))
    assert len(merged) == len(expected) == len(summary)
    assert (merged["tax_10k_raw"] - merged["tax_10k_summary"]).abs().max() < 1e-6


def test_plans_cover_this_year_and_reference_templates_hold_the_brief_targets(demo) -> None:
    with demo.connect() as conn:
        plans = pd.read_sql(text("SELECT code, scope_type, start_year, end_year, is_template FROM plan"), conn)
        jiaxing = pd.read_sql(text(
            "SELECT t.year, t.target_value FROM plan_target t JOIN plan p ON p.id = t.plan_id"
            " WHERE p.code = 'JX-2015-2017' AND t.indicator_code = 'occupancy_rate' ORDER BY t.year"), conn)
        suzhou_new = _scalar(demo, "SELECT t.target_value FROM plan_target t JOIN plan p ON p.id = t.plan_id"
                                   " WHERE p.code = 'SZ-2023' AND t.indicator_code = 'new_buildings_tax_100m'")
    city = plans[(plans["scope_type"] == "city") & ~plans["is_template"].astype(bool)]
    assert list(city[["start_year", "end_year"]].itertuples(index=False, name=None)) == [(2025, 2027)]
    assert (plans["scope_type"] == "district").sum() == 11
    plans["is_template"] = plans["is_template"].astype(bool)
    assert jiaxing["target_value"].tolist() == [65.0, 75.0, 85.0]
    assert suzhou_new == 18.0


def test_observation_points_feedback_and_demands(demo) -> None:
    assert 40 <= _scalar(demo, "SELECT COUNT(*) FROM observation_point") <= 60
    texts = _scalar(demo, "SELECT COUNT(DISTINCT text) FROM feedback WHERE text <> ''")
    assert texts >= 2000
    assert _scalar(demo, "SELECT COUNT(*) FROM feedback WHERE score < 1 OR score > 5") == 0
    assert _scalar(demo, "SELECT COUNT(*) FROM demand WHERE status = 'closed'") > 0
    assert _scalar(demo, "SELECT COUNT(*) FROM demand WHERE status <> 'closed'") > 0
    assert _scalar(demo, "SELECT COUNT(*) FROM demand WHERE closed_on < opened_on") == 0


def test_two_fresh_builds_have_the_same_checksum(demo, store_url: str) -> None:
    engine = db.make_engine(store_url)
    store.create_store(engine)
    build_demo(engine, today=DEMO_TODAY, seed=DEMO_SEED)
    reference = store.checksum(demo)  # the session's build is read-only: one checksum of it serves both asserts
    assert store.checksum(engine) == reference
    # and the checksum does notice a change
    with engine.begin() as conn:
        conn.execute(text("UPDATE building_month SET tax_10k = tax_10k + 0.01 WHERE building_id = 1 AND month = '2025-01-01'"))
    assert store.checksum(engine) != reference
    engine.dispose()  # on PostgreSQL the fixture then drops the database without waiting on this pool


@pytest.mark.slow  # builds the demo city
def test_another_date_moves_the_data_window(store_url: str) -> None:
    engine = db.make_engine(store_url)
    store.create_store(engine)
    build_demo(engine, today=date(2025, 3, 5), seed=DEMO_SEED)
    assert str(_scalar(engine, "SELECT MAX(month) FROM building_month")) == "2025-02-01"
    assert _scalar(engine, "SELECT start_year FROM plan WHERE code LIKE 'GZ-2024-%' AND scope_type = 'city'") == 2024
