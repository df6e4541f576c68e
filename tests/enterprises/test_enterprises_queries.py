"""Who is in a building, the registration gap and the register-based rate, on the hand-made register
(conftest.py): expected values worked out by hand from its rows. Tax follows the viewer's role."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import Engine

from data_layer import enterprises
from data_layer.enterprises import GapScope
from data_layer.imports.table_export import export_bytes
from tests.enterprises.conftest import JAN


def test_tax_bands_have_inclusive_lower_bounds() -> None:
    values = pd.Series([None, 0.0, 9.99, 10.0, 99.9, 100.0, 999.0, 1000.0, 25_000.0])
    assert enterprises.tax_band(values).tolist() == ["unknown", "lt_10", "lt_10", "10_100", "10_100", "100_1000",
                                                     "100_1000", "ge_1000", "ge_1000"]


def test_a_buildings_enterprises_largest_taxpayers_first_for_editors(register: Engine) -> None:
    # active in January in building 1: E1 (1,500), E2 (50), E3 (none), E6 (80); E4 left in December
    frame = enterprises.building_enterprises(register, building_id=1, month=JAN, role="editor")
    assert frame["name"].tolist() == ["甲金融有限公司", "己律师事务所", "乙设计有限公司", "丙咨询有限公司"]
    assert frame["tax_10k"].tolist()[:3] == [1500.0, 80.0, 50.0] and pd.isna(frame["tax_10k"].iloc[3])
    assert frame["is_headquarters"].tolist() == [True, False, False, False]
    assert frame["registered_here"].tolist() == [True, True, False, False]


@pytest.mark.parametrize(("role", "kiosk", "order", "columns"), [
    # bands: E5 100-1,000; E6 and E2 10-100; E3 unknown. Editors break the tie by tax (80 before 50) ...
    ("editor", False, [5, 6, 2, 3], {"tax_band", "tax_10k", "tax_year"}),
    ("admin", False, [5, 6, 2, 3], {"tax_band", "tax_10k", "tax_year"}),
    # ... viewers by area (E2 200 m² before E6 50 m²), and without tax access the order is by area alone
    ("viewer", False, [5, 2, 6, 3], {"tax_band"}),
    (None, False, [5, 3, 2, 6], set()),
    ("editor", True, [5, 3, 2, 6], set()),  # a kiosk link never carries tax, whoever made it
])
def test_the_registration_gap_of_a_district_ranked_as_the_role_may_see(register: Engine, role: str | None,
                                                                       kiosk: bool, order: list[int],
                                                                       columns: set[str]) -> None:
    frame = enterprises.registration_gap(register, month=JAN, scope=GapScope(district="D1"), role=role, kiosk=kiosk)
    assert frame["enterprise_id"].tolist() == order
    assert frame["rank"].tolist() == [1, 2, 3, 4]
    assert {"tax_band", "tax_10k", "tax_year"} & set(frame.columns) == columns
    assert frame.set_index("enterprise_id").loc[6, "building_id"] == 2  # E6 is registered in building 1, not 2


def test_the_gap_per_street_and_building_and_the_rates_beside_the_official_one(register: Engine) -> None:
    by_building = enterprises.gap_summary(register, month=JAN, scope=GapScope(district="D1"), by="building")
    assert by_building[["code", "enterprises", "area_m2"]].values.tolist() == [[1, 2, 500.0], [2, 2, 550.0]]
    by_district = enterprises.gap_summary(register, month=JAN, scope=GapScope(), by="district")
    assert by_district[["code", "enterprises"]].values.tolist() == [["D1", 4]]
    rates = enterprises.register_rates(register, month=JAN, scope=GapScope(district="D1"))
    # official: (3 + 0) / (4 + 2) = 50 %; register: E1, E6 registered of E1, E2, E3, E6, E5, E6 = 2 / 6
    assert rates["official_rate"] == pytest.approx(0.5) and rates["buildings_reporting"] == 2
    assert (rates["register_registered"], rates["register_operating"]) == (2, 6)
    assert rates["register_rate"] == pytest.approx(1 / 3) and rates["buildings_in_register"] == 2
    street = enterprises.register_rates(register, month=JAN, scope=GapScope(street_id=1))
    assert (street["official_registered"], street["official_operating"]) == (3, 4)


@pytest.mark.parametrize(("role", "has_value", "has_band"), [("editor", True, True), ("viewer", False, True),
                                                              (None, False, False)])
def test_the_enterprise_table_export_carries_tax_only_as_the_role_may_see(register: Engine, role: str | None,
                                                                          has_value: bool, has_band: bool) -> None:
    frame = pd.read_csv(io.BytesIO(export_bytes(register, "enterprise", "csv", role=role)), encoding="utf-8-sig")
    assert len(frame) == 6
    assert ("tax_10k" in frame.columns) == has_value and ("tax_year" in frame.columns) == has_value
    assert ("tax_band" in frame.columns) == has_band
    if not has_value:
        assert not any(str(v) in frame.to_csv() for v in ("1500", "200.0", "80.0"))
    unsaid = pd.read_csv(io.BytesIO(export_bytes(register, "enterprise", "csv")), encoding="utf-8-sig")
    assert not {"tax_10k", "tax_band", "tax_year"} & set(unsaid.columns)  # a caller that forgets the role
    kiosk = pd.read_csv(io.BytesIO(export_bytes(register, "enterprise", "csv", role="admin", kiosk=True)),
                        encoding="utf-8-sig")
    assert not {"tax_10k", "tax_band", "tax_year"} & set(kiosk.columns)
