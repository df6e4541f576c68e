"""A small city for import tests: the shipped districts and boundaries, three buildings with hand-set values,
one observation point and a few monthly rows (written with plain inserts, not with the importer)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from imports_helpers import TODAY, inside
from sqlalchemy import Engine, insert

from data_layer import db
from data_layer.demo import load_districts
from data_layer.models import Building, BuildingMonth, District, DistrictBoundary, ObservationPoint
from data_layer.summaries import bump_data_version, refresh_all


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_TODAY", TODAY.isoformat())


@pytest.fixture
def city(engine: Engine) -> Engine:
    features = load_districts()
    tianhe, haizhu = inside("440106"), inside("440105")
    with engine.begin() as conn:
        conn.execute(insert(District), [{"code": f["properties"]["code"], "name_zh": f["properties"]["name_zh"],
                                         "name_en": f["properties"]["name_en"], "city": "广州市"} for f in features])
        conn.execute(insert(DistrictBoundary), [{"district_code": f["properties"]["code"], "crs": "GCJ-02",
                                                 "geojson": json.dumps(f["geometry"]), "source": "test"}
                                                for f in features])
        base = {"address": "", "crs": "GCJ-02", "grade": "a", "year_completed": 2012, "is_observation_point": False}
        conn.execute(insert(Building), [
            base | {"id": 1, "code": "B001", "name": "天河一号楼", "district_code": "440106", "lon": tianhe[0],
                    "lat": tianhe[1], "gross_area_m2": 15_000.0, "leasable_area_m2": 10_000.0,
                    "is_observation_point": True},
            base | {"id": 2, "code": "B002", "name": "海珠二号楼", "district_code": "440105", "lon": haizhu[0],
                    "lat": haizhu[1], "gross_area_m2": 8_000.0, "leasable_area_m2": 6_000.0},
            base | {"id": 3, "code": "B003", "name": "天河三号楼", "district_code": "440106", "lon": tianhe[0],
                    "lat": tianhe[1], "gross_area_m2": 5_000.0, "leasable_area_m2": 4_000.0},
        ])
        conn.execute(insert(ObservationPoint), [{"id": 1, "code": "OP1", "building_id": 1,
                                                 "designated_on": date(2024, 1, 1)}])
        conn.execute(insert(BuildingMonth), [
            {"building_id": 1, "month": date(2026, 1, 1), "occupied_area_m2": 8_000.0, "leasable_area_m2": 10_000.0,
             "enterprises_operating": 40, "enterprises_registered": 30, "tax_10k": 100.0, "employees": 900,
             "new_enterprises": 2}])
        refresh_all(conn, [date(2026, 1, 1)])
        bump_data_version(conn)
    return engine


@pytest.fixture
def demo_engine(demo_copy: str) -> Iterator[Engine]:
    """An engine on a writable copy of the session's demo city."""
    engine = db.make_engine(demo_copy)
    yield engine
    engine.dispose()
