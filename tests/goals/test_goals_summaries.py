"""The summary tables goal tracking reads (building_ytd, street_month) against the raw monthly table, their
incremental refresh, the 0004 migration that fills them in older stores, and the `goals` command."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from data_layer import db, migrations, store
from data_layer.summaries import refresh_all
from tests.goals.conftest import GoalFactory, months_of

REPO = Path(__file__).resolve().parents[2]


def _read(engine, sql: str) -> pd.DataFrame:
    """A query's rows, months as ISO text on both backends (SQLite returns text, PostgreSQL dates)."""
    with engine.connect() as conn:
        frame = pd.read_sql(text(sql), conn)
    if "month" in frame:
        frame["month"] = frame["month"].astype(str)
    return frame


def test_building_ytd_equals_the_cumulative_sum_of_the_raw_table(demo_url: str) -> None:
    engine = db.make_engine(demo_url)
    raw = _read(engine, "SELECT building_id, month, tax_10k FROM building_month ORDER BY building_id, month")
    raw["year"] = raw["month"].str[:4]
    raw["expected"] = raw.groupby(["building_id", "year"])["tax_10k"].cumsum()
    summary = _read(engine, "SELECT building_id, month, ytd_tax_10k FROM building_ytd")
    merged = raw.merge(summary, on=["building_id", "month"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()  # the demo has no gaps: one row per reported month
    assert (merged["expected"] - merged["ytd_tax_10k"]).abs().max() < 1e-6


def test_street_month_equals_the_raw_aggregation(demo_url: str) -> None:
    engine = db.make_engine(demo_url)
    raw = _read(engine, "SELECT b.street_id, m.month, m.occupied_area_m2, m.tax_10k FROM building_month m"
                        " JOIN building b ON b.id = m.building_id WHERE b.street_id IS NOT NULL")
    expected = raw.groupby(["street_id", "month"]).agg(n=("tax_10k", "size"), occupied=("occupied_area_m2", "sum"),
                                                       tax=("tax_10k", "sum")).reset_index()
    summary = _read(engine, "SELECT street_id, month, buildings_reporting, occupied_area_m2, tax_10k FROM street_month")
    merged = expected.merge(summary, on=["street_id", "month"])
    assert len(merged) == len(expected) == len(summary)
    assert (merged["n"] == merged["buildings_reporting"]).all()
    assert (merged["tax"] - merged["tax_10k"]).abs().max() < 1e-6


def test_incremental_refresh_equals_a_full_rebuild(gf: GoalFactory, engine) -> None:
    gf.district("D1")
    gf.street(1, "D1")
    gf.building(1, "D1", street_id=1)
    gf.building(2, "D1")
    gf.months(1, {m: {"tax_10k": 10.0 * m.month} for m in months_of(2024) + months_of(2025, 1, 4)})
    gf.months(2, {m: {"tax_10k": 5.0} for m in months_of(2025, 2, 3)})  # starts in February, skips April
    gf.set_tax(1, date(2024, 11, 1), 999.0)  # a correction in last year
    gf.set_tax(2, date(2025, 2, 1), 1.0)  # and one in this year
    incremental = _read(engine, "SELECT * FROM building_ytd ORDER BY building_id, month")
    streets = _read(engine, "SELECT * FROM street_month ORDER BY street_id, month")
    with engine.begin() as conn:
        refresh_all(conn)
    assert incremental.equals(_read(engine, "SELECT * FROM building_ytd ORDER BY building_id, month"))
    assert streets.equals(_read(engine, "SELECT * FROM street_month ORDER BY street_id, month"))
    b2 = incremental[incremental["building_id"] == 2].set_index("month")["ytd_tax_10k"]
    assert b2.to_dict() == {"2025-02-01": 1.0, "2025-03-01": 6.0, "2025-04-01": 6.0}  # carried into April


def test_upgrade_to_0004_fills_the_new_summaries_from_existing_rows(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrations.upgrade(engine, "0003")  # a store as the previous release left it
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO district (code, name_zh, name_en, city) VALUES ('D1', '甲区', 'Jia', '测试市')"))
        conn.execute(text("INSERT INTO street (id, code, district_code, name_zh, name_en)"
                          " VALUES (1, 'D1-1', 'D1', '街道', 'Street')"))
        conn.execute(text(
            "INSERT INTO building (id, code, name, address, district_code, street_id, lon, lat, crs, grade,"
            " gross_area_m2, leasable_area_m2, year_completed, status, operator_type, industry,"
            " is_zero_carbon_pilot, energy_star, is_featured, is_hq_cluster, is_observation_point)"
            " VALUES (1, 'B1', '楼', '', 'D1', 1, 113.3, 23.1, 'GCJ-02', 'b', 1000, 800, 2010, 'in_use',"
            " 'private', 'general', 0, 0, 0, 0, 0)"))
        for month, tax in (("2025-01-01", 600.0), ("2025-02-01", 500.0)):
            conn.execute(text(
                "INSERT INTO building_month (building_id, month, occupied_area_m2, leasable_area_m2,"
                " enterprises_operating, enterprises_registered, tax_10k, employees, new_enterprises)"
                " VALUES (1, :m, 400, 800, 4, 3, :t, 20, 1)"), {"m": month, "t": tax})
        conn.execute(text("DELETE FROM indicator WHERE code = 'overdue_demands'"))  # as if it did not exist yet
    store.create_store(engine)
    assert db.store_status(engine).revision == migrations.head_revision()
    ytd = _read(engine, "SELECT month, ytd_tax_10k FROM building_ytd ORDER BY month")
    assert ytd.values.tolist() == [["2025-01-01", 600.0], ["2025-02-01", 1100.0]]
    assert _read(engine, "SELECT tax_10k FROM street_month ORDER BY month")["tax_10k"].tolist() == [600.0, 500.0]
    assert _read(engine, "SELECT COUNT(*) AS n FROM indicator WHERE code = 'overdue_demands'")["n"][0] == 1
    migrations.downgrade(engine, "0003")
    migrations.upgrade(engine)


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = os.environ | {"DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "data_layer", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def test_goals_command_prints_the_table_as_csv(demo_url: str) -> None:
    result = _cli(demo_url, "goals", "--plan", "GZ-2025-2027", "--year", "2026", "--as-of", "2026-09")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    engine = db.make_engine(demo_url)
    planned = _read(engine, "SELECT DISTINCT t.indicator_code FROM plan_target t JOIN plan p ON p.id = t.plan_id"
                            " WHERE p.code = 'GZ-2025-2027'")["indicator_code"]
    assert {r["indicator"] for r in rows} == set(planned)
    assert {"indicator", "target", "actual", "progress", "expected_pace", "forecast", "status"} <= set(rows[0])
    assert all(r["status"] in {"on_track", "at_risk", "off_track"} for r in rows)
    tax = next(r for r in rows if r["indicator"] == "building_tax")
    raw = _read(engine, "SELECT SUM(tax_10k) AS t FROM building_month"
                        " WHERE month BETWEEN '2026-01-01' AND '2026-09-01'")
    assert float(tax["actual"]) == pytest.approx(raw["t"][0], abs=0.01)
    assert float(tax["expected_pace"]) == pytest.approx(float(tax["target"]) * 9 / 12, abs=0.01)


def test_goals_command_for_a_district_and_with_bad_arguments(demo_url: str, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from data_layer.__main__ import main  # in-process: the subprocess path is covered above

    monkeypatch.setenv("DATABASE_URL", demo_url)
    assert main(["goals", "--plan", "GZ-440106-2025-2027", "--year", "2026", "--format", "table", "--lang", "en"]) == 0
    table = capsys.readouterr().out
    assert "district:440106" in table and "Building tax revenue" in table
    assert main(["goals", "--plan", "NOPE", "--year", "2026"]) == 2
    assert "No plan NOPE" in capsys.readouterr().err
    assert main(["goals", "--plan", "GZ-2025-2027", "--year", "2026", "--as-of", "2025-03"]) == 2
    assert "not in 2026" in capsys.readouterr().err


def test_goals_command_for_a_december_not_yet_reported_is_not_final(demo_url: str, monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from data_layer.__main__ import main

    monkeypatch.setenv("DATABASE_URL", demo_url)
    assert main(["goals", "--plan", "GZ-2025-2027", "--year", "2026", "--as-of", "2026-12"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert not {r["status"] for r in rows} & {"achieved", "missed"}  # the demo's data stop in October 2026
    tax = next(r for r in rows if r["indicator"] == "building_tax")
    raw = _read(db.make_engine(demo_url), "SELECT SUM(tax_10k) AS t FROM building_month"
                                          " WHERE month >= '2026-01-01'")["t"][0]
    assert float(tax["actual"]) == pytest.approx(raw, abs=0.01)  # January-October
    assert float(tax["forecast"]) == pytest.approx(raw * 12 / 10, rel=1e-6)  # linear: ÷ 10/12, not the actual
