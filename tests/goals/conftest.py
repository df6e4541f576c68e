"""Fixtures for goal tracking: a factory of hand-made rows whose summaries are refreshed the way imports must
(`summaries.refresh_all`), and a writable copy of the demo city for page tests that save."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, insert, text

from data_layer import plans
from data_layer.models import Building, BuildingMonth, CityMonth, Demand, District, Street
from data_layer.summaries import bump_data_version, refresh_all


class GoalFactory:
    """Districts, streets, buildings and monthly rows with explicit values, so tests can work results out by hand."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def district(self, code: str, name_zh: str | None = None) -> str:
        with self.engine.begin() as conn:
            conn.execute(insert(District), [{"code": code, "name_zh": name_zh or f"{code}区", "name_en": code,
                                             "city": "测试市"}])
        return code

    def street(self, street_id: int, district: str) -> str:
        code = f"{district}-S{street_id}"
        with self.engine.begin() as conn:
            conn.execute(insert(Street), [{"id": street_id, "code": code, "district_code": district,
                                           "name_zh": f"街道{street_id}", "name_en": f"Street {street_id}"}])
        return code

    def building(self, building_id: int, district: str, street_id: int | None = None, **extra: object) -> int:
        row = {"id": building_id, "code": f"B{building_id}", "name": f"测试楼{building_id}", "district_code": district,
               "street_id": street_id, "lon": 113.3, "lat": 23.1, "grade": "b", "gross_area_m2": 2_000.0,
               "leasable_area_m2": 1_000.0, "year_completed": 2010} | extra
        with self.engine.begin() as conn:
            conn.execute(insert(Building), [row])
        return building_id

    def months(self, building_id: int, values: dict[date, dict[str, float]]) -> None:
        """Monthly rows for one building: {month: {column: value}}; unspecified measures are harmless."""
        defaults = {"occupied_area_m2": 500.0, "leasable_area_m2": 1_000.0, "enterprises_operating": 10,
                    "enterprises_registered": 8, "tax_10k": 0.0, "employees": 0, "new_enterprises": 0}
        rows = [defaults | {"building_id": building_id, "month": month} | v for month, v in values.items()]
        with self.engine.begin() as conn:
            conn.execute(insert(BuildingMonth), rows)
            refresh_all(conn, list(values))
            bump_data_version(conn)

    def set_tax(self, building_id: int, month: date, tax: float) -> None:
        """A correction, written like an import would: the row, then the summaries for that month."""
        with self.engine.begin() as conn:
            conn.execute(text("UPDATE building_month SET tax_10k = :t WHERE building_id = :b AND month = :m"),
                         {"t": tax, "b": building_id, "m": month})
            refresh_all(conn, [month])
            bump_data_version(conn)

    def city(self, values: dict[date, float]) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(CityMonth), [{"month": m, "city_tax_10k": v} for m, v in values.items()])

    def demand(self, building_id: int, opened: date, due: date, closed: date | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(Demand), [{"building_id": building_id, "category": "policy", "text": "",
                                           "status": "closed" if closed else "open", "opened_on": opened,
                                           "due_on": due, "closed_on": closed}])

    def plan(self, code: str, targets: dict[str, tuple[float, str] | float], *, year: int = 2025,
             scope_type: str = "city", scope_code: str | None = None) -> str:
        rows = []
        for indicator, spec in targets.items():
            value, comparator = spec if isinstance(spec, tuple) else (spec, None)
            rows.append({"indicator_code": indicator, "year": year, "target_value": value, "comparator": comparator})
        plans.create_plan(self.engine, user="tester", via="cli", targets=rows,
                          plan=plans.PlanInput(code, f"计划{code}", f"Plan {code}", year, year, scope_type, scope_code))
        return code


@pytest.fixture
def gf(engine: Engine) -> GoalFactory:
    return GoalFactory(engine)


def months_of(year: int, first: int = 1, last: int = 12) -> list[date]:
    return [date(year, m, 1) for m in range(first, last + 1)]

