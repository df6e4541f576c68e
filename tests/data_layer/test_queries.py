"""Overview queries on hand-made rows; every expected value is worked out by hand in the test."""

from __future__ import annotations

from datetime import date

import pytest

from data_layer import queries
from data_layer.periods import Period


def test_occupancy_is_area_weighted_not_a_mean_of_rates(engine, make) -> None:
    make.district()
    make.building(1)
    make.building(2)
    # Building 1: 900 of 1,000 m² (90 %); building 2: 4,500 of 9,000 m² (50 %).
    # Mean of the rates would be 70 %; the area-weighted rate is 5,400 / 10,000 = 54 %.
    make.months([
        {"building_id": 1, "month": date(2025, 3, 1), "occupied_area_m2": 900, "leasable_area_m2": 1_000},
        {"building_id": 2, "month": date(2025, 3, 1), "occupied_area_m2": 4_500, "leasable_area_m2": 9_000},
    ])
    kpis = queries.period_kpis(engine, period=Period("month", 2025, 3))
    assert kpis["occupancy_rate"] == pytest.approx(0.54)


def test_registration_rate_is_a_ratio_of_sums(engine, make) -> None:
    make.district()
    make.building(1)
    make.building(2)
    make.months([
        {"building_id": 1, "month": date(2025, 3, 1), "enterprises_operating": 10, "enterprises_registered": 10},
        {"building_id": 2, "month": date(2025, 3, 1), "enterprises_operating": 90, "enterprises_registered": 45},
    ])
    # (10 + 45) / (10 + 90) = 0.55, where the mean of rates would be 0.75.
    assert queries.period_kpis(engine, period=Period("month", 2025, 3))["registration_rate"] == pytest.approx(0.55)


def test_quarter_tax_is_the_sum_of_its_months_and_stock_is_read_at_its_end(engine, make) -> None:
    make.district()
    make.building(1)
    make.months([
        {"building_id": 1, "month": date(2025, m, 1), "tax_10k": tax, "occupied_area_m2": occ, "leasable_area_m2": 1000}
        for m, tax, occ in ((1, 100.0, 500), (2, 50.5, 600), (3, 200.0, 800), (4, 999.0, 100))
    ])
    kpis = queries.period_kpis(engine, period=Period("quarter", 2025, 1))
    assert kpis["building_tax"] == pytest.approx(350.5)
    assert kpis["occupancy_rate"] == pytest.approx(0.8)  # March, the quarter's last month


def test_tax_thresholds_use_calendar_year_to_date_and_are_inclusive(engine, make) -> None:
    make.district()
    for building_id in (1, 2, 3, 4):
        make.building(building_id)
    make.months([
        # exactly 1,000 万元 by March: counts (inclusive bound)
        {"building_id": 1, "month": date(2025, 1, 1), "tax_10k": 400.0},
        {"building_id": 1, "month": date(2025, 3, 1), "tax_10k": 600.0},
        # 999.99 万元: does not count
        {"building_id": 2, "month": date(2025, 2, 1), "tax_10k": 999.99},
        # 900 last December + 500 this January: over 1,000 in a trailing window, not in the calendar year
        {"building_id": 3, "month": date(2024, 12, 1), "tax_10k": 900.0},
        {"building_id": 3, "month": date(2025, 1, 1), "tax_10k": 500.0},
        # 10,000 万元 exactly: a 亿元楼宇 and also over 1,000
        {"building_id": 4, "month": date(2025, 3, 1), "tax_10k": 10_000.0},
    ])
    kpis = queries.period_kpis(engine, period=Period("ytd", 2025, 3))
    assert kpis["buildings_tax_10m"] == 2
    assert kpis["buildings_tax_100m"] == 1
    # April's tax is outside a year to date that ends in March
    make.months([{"building_id": 2, "month": date(2025, 4, 1), "tax_10k": 1.0}])
    assert queries.period_kpis(engine, period=Period("ytd", 2025, 3))["buildings_tax_10m"] == 2
    assert queries.period_kpis(engine, period=Period("ytd", 2025, 4))["buildings_tax_10m"] == 3


def test_change_is_against_the_same_period_last_year(engine, make) -> None:
    make.district()
    make.building(1)
    make.months([
        {"building_id": 1, "month": date(2024, 3, 1), "tax_10k": 200.0, "occupied_area_m2": 600, "leasable_area_m2": 1000},
        {"building_id": 1, "month": date(2025, 3, 1), "tax_10k": 250.0, "occupied_area_m2": 750, "leasable_area_m2": 1000},
    ])
    frame = queries.overview_kpis(engine, period=Period("month", 2025, 3))
    assert frame.loc["building_tax", "previous"] == pytest.approx(200.0)
    assert frame.loc["building_tax", "change"] == pytest.approx(0.25)  # (250 - 200) / 200
    assert frame.loc["occupancy_rate", "change"] == pytest.approx(0.15)  # 75 % - 60 % = 15 points
    assert frame.loc["occupancy_rate", "change_kind"] == "pp"


def test_tax_share_divides_building_tax_by_city_tax(engine, make) -> None:
    make.district()
    make.building(1)
    make.months([{"building_id": 1, "month": date(2025, m, 1), "tax_10k": 100.0} for m in (1, 2)])
    make.city(date(2025, 1, 1), 300.0)
    make.city(date(2025, 2, 1), 500.0)
    # (100 + 100) / (300 + 500) = 0.25
    assert queries.period_kpis(engine, period=Period("ytd", 2025, 2))["tax_share"] == pytest.approx(0.25)


def test_district_scope_only_counts_its_buildings(engine, make) -> None:
    make.district("D1")
    make.district("D2", "乙区", "Yi")
    make.building(1, district="D1")
    make.building(2, district="D2", grade="super_a")
    make.months([
        {"building_id": 1, "month": date(2025, 1, 1), "tax_10k": 10.0},
        {"building_id": 2, "month": date(2025, 1, 1), "tax_10k": 32.0},
    ])
    d2 = queries.period_kpis(engine, period=Period("month", 2025, 1), district="D2")
    assert d2["building_tax"] == pytest.approx(32.0)
    assert d2["super_a"] == 1
    assert queries.period_kpis(engine, period=Period("month", 2025, 1))["building_tax"] == pytest.approx(42.0)


def test_a_period_without_data_gives_no_values_rather_than_zero(engine, make) -> None:
    make.district()
    make.building(1)
    make.months([{"building_id": 1, "month": date(2025, 1, 1), "tax_10k": 10.0}])
    frame = queries.overview_kpis(engine, period=Period("month", 2025, 1))
    assert frame.loc["building_tax", "previous"] is None or frame.loc["building_tax", "previous"] != frame.loc["building_tax", "previous"]
    kpis = queries.period_kpis(engine, period=Period("month", 2030, 1))
    assert kpis["building_tax"] is None and kpis["occupancy_rate"] is None


def test_period_bounds() -> None:
    assert Period("quarter", 2025, 2).months == [date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)]
    assert Period("ytd", 2025, 3).start == date(2025, 1, 1)
    assert Period("year", 2024).end == date(2024, 12, 1)
    assert Period("month", 2025, 1).last_year() == Period("month", 2024, 1)
    with pytest.raises(ValueError):
        Period("quarter", 2025, 5)
