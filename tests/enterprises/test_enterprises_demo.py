"""The demo city's enterprise register agrees with its buildings' monthly enterprise counts."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text

from data_layer import credit_code, db


def test_active_tenancies_equal_the_monthly_enterprise_counts_in_every_building_and_month(demo_url: str) -> None:
    engine = db.make_engine(demo_url)
    with engine.connect() as conn:
        counted = pd.read_sql(text(
            "SELECT m.building_id, m.month, m.enterprises_operating, m.enterprises_registered,"
            " COUNT(t.id) AS tenancies, COALESCE(SUM(CASE WHEN t.registered_here THEN 1 ELSE 0 END), 0) AS registered"
            " FROM building_month m LEFT JOIN tenancy t ON t.building_id = m.building_id"
            " AND t.from_month <= m.month AND (t.to_month IS NULL OR t.to_month >= m.month)"
            " GROUP BY m.building_id, m.month, m.enterprises_operating, m.enterprises_registered"), conn)
        tenancies = conn.execute(text("SELECT COUNT(*) FROM tenancy")).scalar()
    engine.dispose()
    assert len(counted) > 90_000 and tenancies > 50_000
    off = counted[(counted["tenancies"] != counted["enterprises_operating"])
                  | (counted["registered"] != counted["enterprises_registered"])]
    assert off.empty, off.head()


def test_every_demo_enterprise_has_a_valid_unique_credit_code_and_no_overlapping_tenancy(demo_url: str) -> None:
    engine = db.make_engine(demo_url)
    with engine.connect() as conn:
        codes = [row[0] for row in conn.execute(text("SELECT credit_code FROM enterprise"))]
        overlaps = conn.execute(text(
            "SELECT COUNT(*) FROM tenancy a JOIN tenancy b ON a.enterprise_id = b.enterprise_id AND a.id < b.id"
            " AND a.from_month <= COALESCE(b.to_month, '9999-12-01')"
            " AND b.from_month <= COALESCE(a.to_month, '9999-12-01')")).scalar()
    engine.dispose()
    assert len(codes) == len(set(codes)) and all(credit_code.problem(c) is None for c in codes)
    assert overlaps == 0
