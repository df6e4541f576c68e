"""Schema versioning: an older store upgrades in place without losing rows; unusable stores are named."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from data_layer import db, migrations, store


def test_upgrade_from_first_revision_keeps_rows_and_fills_the_summary(store_url: str) -> None:
    engine = db.make_engine(store_url)
    migrations.upgrade(engine, "0001")  # the store as the first release left it
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO district (code, name_zh, name_en, city) VALUES ('D1', '甲区', 'Jia', '测试市')"))
        for building_id in (1, 2):
            conn.execute(text(
                "INSERT INTO building (id, code, name, address, district_code, lon, lat, crs, grade, gross_area_m2,"
                " leasable_area_m2, year_completed, status, operator_type, industry, is_zero_carbon_pilot,"
                " energy_star, is_featured, is_hq_cluster, is_observation_point)"
                " VALUES (:id, :code, '楼', '', 'D1', 113.3, 23.1, 'GCJ-02', 'b', 1000, 800, 2010, 'in_use',"
                " 'private', 'general', FALSE, 0, FALSE, FALSE, FALSE)"), {"id": building_id, "code": f"B{building_id}"})
            conn.execute(text(
                "INSERT INTO building_month (building_id, month, occupied_area_m2, leasable_area_m2,"
                " enterprises_operating, enterprises_registered, tax_10k, employees, new_enterprises)"
                " VALUES (:id, '2025-01-01', :occ, 800, 4, 3, :tax, 20, 1)"),
                {"id": building_id, "occ": 400 * building_id, "tax": 12.5 * building_id})
    assert db.store_status(engine).code == "needs_upgrade"

    store.create_store(engine)

    assert db.store_status(engine).code == "ok"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM building")).scalar() == 2
        assert conn.execute(text("SELECT COUNT(*) FROM building_month")).scalar() == 2
        summary = conn.execute(text(
            "SELECT buildings_reporting, occupied_area_m2, tax_10k FROM district_month WHERE district_code = 'D1'"
        )).one()
    assert (summary[0], float(summary[1]), float(summary[2])) == (2, 1200.0, 37.5)  # 400 + 800 m², 12.5 + 25 万元


def test_store_from_a_newer_program_is_reported_not_opened(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    status = db.store_status(engine)
    assert status.code == "newer" and status.revision == "9999_future"
    assert not status.usable


@pytest.mark.sqlite_only
def test_a_file_that_is_not_a_database_is_reported_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not a database file at all" * 100)
    status = db.store_status(db.make_engine(f"sqlite:///{path}"))
    assert status.code == "unreadable"
    assert "not a database" in status.detail


@pytest.mark.sqlite_only
def test_checking_a_missing_store_does_not_create_it(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    assert db.store_status(db.make_engine(f"sqlite:///{path}")).code == "missing"
    assert not path.exists()


def test_downgrade_and_upgrade_round_trip(engine) -> None:
    migrations.downgrade(engine, "0001")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
    migrations.upgrade(engine)
    assert db.store_status(engine).revision == migrations.head_revision()
