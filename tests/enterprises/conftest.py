"""A hand-made register for the enterprise tests: two districts, three buildings, six enterprises, with the
monthly statistics and tenancies of January 2026 set so that every expected value can be worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, insert

from data_layer import credit_code
from data_layer.models import Enterprise, Street, Tenancy
from data_layer.summaries import bump_data_version

JAN = date(2026, 1, 1)
# id -> (name, yearly tax in 万元 or None)
ENTERPRISES = {1: ("甲金融有限公司", 1500.0), 2: ("乙设计有限公司", 50.0), 3: ("丙咨询有限公司", None),
               4: ("丁贸易有限公司", 5.0), 5: ("戊科技有限公司", 200.0), 6: ("己律师事务所", 80.0)}
TAX_VALUES = ("1500", "1,500", "200", "80", "50")


def code(enterprise_id: int) -> str:
    return credit_code.make(f"9144010{enterprise_id}MA5CKQ7R0")


@pytest.fixture
def register(engine: Engine, make) -> Engine:  # type: ignore[no-untyped-def]
    make.district("D1", "甲区", "Jia")
    make.district("D2", "乙区", "Yi")
    with engine.begin() as conn:
        conn.execute(insert(Street), [{"id": 1, "code": "S1", "district_code": "D1", "name_zh": "一街", "name_en": "One"}])
    make.building(1, "D1", street_id=1)
    make.building(2, "D1")
    make.building(3, "D2")
    make.months([
        {"building_id": 1, "month": JAN, "enterprises_operating": 4, "enterprises_registered": 3},
        {"building_id": 2, "month": JAN, "enterprises_operating": 2, "enterprises_registered": 0},
        {"building_id": 3, "month": JAN, "enterprises_operating": 5, "enterprises_registered": 5}])
    tenancy = {"to_month": None, "registered_here": False}
    with engine.begin() as conn:
        conn.execute(insert(Enterprise), [
            {"id": i, "credit_code": code(i), "name": name, "industry": "general", "size_band": "small",
             "is_headquarters": i == 1, "tax_year": None if tax is None else 2025, "tax_10k": tax}
            for i, (name, tax) in ENTERPRISES.items()])
        conn.execute(insert(Tenancy), [tenancy | r for r in (
            {"enterprise_id": 1, "building_id": 1, "from_month": date(2025, 1, 1), "area_m2": 900.0,
             "registered_here": True},
            {"enterprise_id": 2, "building_id": 1, "from_month": date(2025, 6, 1), "area_m2": 200.0},
            {"enterprise_id": 3, "building_id": 1, "from_month": date(2025, 6, 1), "area_m2": 300.0},
            {"enterprise_id": 4, "building_id": 1, "from_month": date(2024, 1, 1), "to_month": date(2025, 12, 1),
             "area_m2": 70.0, "registered_here": True},  # left before January
            {"enterprise_id": 6, "building_id": 1, "from_month": date(2025, 3, 1), "area_m2": 100.0,
             "registered_here": True},
            {"enterprise_id": 5, "building_id": 2, "from_month": JAN, "area_m2": 500.0},
            {"enterprise_id": 6, "building_id": 2, "from_month": date(2025, 9, 1), "area_m2": 50.0},
            {"enterprise_id": 4, "building_id": 3, "from_month": JAN, "area_m2": 70.0, "registered_here": True},
            {"enterprise_id": 2, "building_id": 3, "from_month": date(2026, 2, 1), "area_m2": 10.0},  # not yet
        )])
        bump_data_version(conn)
    return engine
