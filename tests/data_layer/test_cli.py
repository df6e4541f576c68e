"""The command line, run as a user would (a subprocess with DATABASE_URL set)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from data_layer import db, store

pytestmark = pytest.mark.slow  # every test starts `python -m data_layer` in a subprocess (3-95 s each under load)

REPO = Path(__file__).resolve().parents[2]


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = os.environ | {"DATABASE_URL": url, "DASHBOARD_TODAY": "2026-11-23"}
    return subprocess.run([sys.executable, "-m", "data_layer", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def test_init_creates_an_empty_store_with_reference_rows(store_url: str) -> None:
    url = store_url
    result = _cli(url, "init")
    assert result.returncode == 0, result.stderr
    engine = db.make_engine(url)
    assert db.store_status(engine).code == "empty"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM building")).scalar() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM indicator")).scalar() >= 11
        assert conn.execute(text("SELECT COUNT(*) FROM plan WHERE is_template = TRUE")).scalar() == 2


def test_checksum_of_a_missing_store_fails_with_a_message(store_url: str) -> None:
    result = _cli(store_url, "checksum")  # a database without the schema
    assert result.returncode == 2
    assert "missing" in result.stderr


def test_demo_refuses_to_overwrite_data_without_reset_and_if_missing_skips(engine, make) -> None:
    make.district()
    make.building(1)  # a store with real data in it
    url = engine.url.render_as_string(hide_password=False)
    refused = _cli(url, "demo")
    assert refused.returncode == 2 and "--reset" in refused.stderr
    skipped = _cli(url, "demo", "--if-missing")
    assert skipped.returncode == 0 and "skipped" in skipped.stdout
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM building")).scalars().all() == ["测试楼1"]


def test_demo_reset_rebuilds_a_store_with_data_to_the_fresh_builds_checksum(demo_copy: str, demo_url: str) -> None:
    """`demo --reset` over a store with data (a copy of the session's demo city with one figure changed) drops it
    and builds the city again, and `checksum` then prints the checksum of the session's fresh build: a build in
    another process gives the same store, and a reset leaves nothing of the old one. One build here (the session's
    is the other), not two."""
    engine = db.make_engine(demo_copy)
    with engine.begin() as conn:
        conn.execute(text("UPDATE building_month SET tax_10k = tax_10k + 0.01 WHERE building_id = 1"
                          " AND month = '2025-01-01'"))
    changed = store.checksum(engine)
    engine.dispose()
    fresh = db.make_engine(demo_url)
    expected = store.checksum(fresh)
    fresh.dispose()
    assert changed != expected
    built = _cli(demo_copy, "demo", "--reset")
    assert built.returncode == 0, built.stderr
    assert "buildings 1,500" in built.stdout
    printed = _cli(demo_copy, "checksum").stdout.strip()
    assert len(printed) == 64
    assert printed == expected
