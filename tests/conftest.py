"""Shared fixtures: temporary stores, a demo city built once per session, cache hygiene."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine, insert

from data_layer import db, store
from data_layer.demo import build_demo
from data_layer.models import Building, BuildingMonth, CityMonth, District
from data_layer.summaries import bump_data_version, refresh_district_month

DEMO_TODAY = date(2026, 11, 23)
DEMO_SEED = 20260101


@pytest.fixture(autouse=True)
def _clear_streamlit_caches() -> Iterator[None]:
    """Streamlit caches are process-global: clear them so one test's store never leaks into another."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """An empty store at the current schema in a temporary SQLite file."""
    eng = db.make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store.create_store(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo city at a fixed date, built once for the whole session (read-only for tests)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    eng = db.make_engine(url)
    store.create_store(eng)
    build_demo(eng, today=DEMO_TODAY, seed=DEMO_SEED)
    eng.dispose()
    return url


class Factory:
    """Hand-made rows for query tests; ids are explicit so expected values can be worked out by hand."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def district(self, code: str = "D1", name_zh: str = "甲区", name_en: str = "Jia") -> str:
        with self.engine.begin() as conn:
            conn.execute(insert(District), [{"code": code, "name_zh": name_zh, "name_en": name_en, "city": "测试市"}])
        return code

    def building(self, building_id: int, district: str = "D1", grade: str = "b", **extra: object) -> int:
        row = {"id": building_id, "code": f"B{building_id}", "name": f"测试楼{building_id}", "district_code": district,
               "lon": 113.3, "lat": 23.1, "grade": grade, "gross_area_m2": 10_000.0, "leasable_area_m2": 8_000.0,
               "year_completed": 2010} | extra
        with self.engine.begin() as conn:
            conn.execute(insert(Building), [row])
        return building_id

    def months(self, rows: list[dict]) -> None:
        """Monthly rows; unspecified measures default to harmless values. Refreshes the summary like an import."""
        defaults = {"occupied_area_m2": 0.0, "leasable_area_m2": 1.0, "enterprises_operating": 1,
                    "enterprises_registered": 1, "tax_10k": 0.0, "employees": 0, "new_enterprises": 0}
        with self.engine.begin() as conn:
            conn.execute(insert(BuildingMonth), [defaults | r for r in rows])
            refresh_district_month(conn, [r["month"] for r in rows])
            bump_data_version(conn)

    def city(self, month: date, tax_10k: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(CityMonth), [{"month": month, "city_tax_10k": tax_10k}])


@pytest.fixture
def make(engine: Engine) -> Factory:
    return Factory(engine)
