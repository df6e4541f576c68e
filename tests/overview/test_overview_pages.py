"""The overview page under AppTest, on the demo city and on stores that cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_layer import db, store

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "app_pages" / "overview.py")


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _count(url: str, sql: str) -> int:
    with db.make_engine(url).connect() as conn:
        return int(conn.execute(text(sql)).scalar())


def test_overview_shows_ten_kpis_matching_the_store(demo_env: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    metrics = _metrics(at)
    assert len(metrics) == 10
    reporting = _count(demo_env, "SELECT COUNT(DISTINCT building_id) FROM building_month WHERE month = '2026-10-01'")
    assert metrics["在统楼宇"] == f"{reporting:,}"
    assert metrics["超甲级楼宇"] == "31"
    # Year-to-date tax in 亿元 computed straight from the raw table
    ytd = _count(demo_env, "SELECT CAST(SUM(tax_10k) AS INTEGER) FROM building_month WHERE month >= '2026-01-01'")
    assert metrics["楼宇税收"].endswith("亿元")
    assert float(metrics["楼宇税收"].split()[0].replace(",", "")) == pytest.approx(ytd / 10_000, abs=0.01)
    assert len(at.get("plotly_chart")) == 2


def test_choosing_a_district_changes_the_numbers(demo_env: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.selectbox(key="district").set_value("440106").run()
    assert not at.exception
    tianhe = _count(demo_env, "SELECT COUNT(*) FROM building_month m JOIN building b ON b.id = m.building_id"
                              " WHERE m.month = '2026-10-01' AND b.district_code = '440106'")
    assert _metrics(at)["在统楼宇"] == f"{tianhe:,}"
    assert "天河区" in at.caption[0].value


def test_a_quarter_reads_its_last_month(demo_env: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.selectbox(key="ov_kind").set_value("quarter").run()
    at.selectbox(key="ov_number").set_value(2).run()
    with db.make_engine(demo_env).connect() as conn:
        rate = conn.execute(text("SELECT SUM(occupied_area_m2) / SUM(leasable_area_m2) FROM building_month"
                                 " WHERE month = '2026-06-01'")).scalar()
    assert _metrics(at)["入驻率（面积加权）"] == f"{rate * 100:.1f}%"


def test_english_is_a_switch_in_the_url(demo_env: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert at.title[0].value == "Building economy overview"
    assert "Occupancy (area-weighted)" in _metrics(at)


@pytest.mark.sqlite_only
def test_missing_store_explains_how_to_create_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert "python -m data_layer demo" in at.error[0].value
    assert not (tmp_path / "absent.db").exists()


@pytest.mark.sqlite_only
def test_unreadable_store_gives_a_message_not_a_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"garbage" * 500)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{broken}")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert "无法打开数据库" in at.error[0].value


def test_newer_schema_gives_a_message(monkeypatch: pytest.MonkeyPatch, store_url: str) -> None:
    url = store_url
    engine = db.make_engine(url)
    store.create_store(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert "9999_future" in at.error[0].value


def test_empty_store_says_how_to_load_data(monkeypatch: pytest.MonkeyPatch, engine) -> None:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    # the first-day guide instead of empty charts: nothing loaded, so the first step is the boundaries
    assert at.info[0].value.startswith("下一步：导入区界")
    assert at.table[0].value.iloc[:, 0].tolist() == ["—"] * 6
    assert len(at.metric) == 0


def test_app_shell_runs_the_overview(demo_env: str) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert len(at.metric) == 10
