"""Drivers of change on a hand-built city: three districts whose mix changes, a building entering and one leaving,
a rate (occupancy) and a flow (tax). Every expected contribution is worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from data_layer import drivers
from data_layer.aggregates import Scope
from tests.goals.conftest import GoalFactory

SEP_24, SEP_25 = date(2024, 9, 1), date(2025, 9, 1)


@pytest.fixture
def city(gf: GoalFactory) -> GoalFactory:
    """               before (2024-09)          now (2025-09)
    building   dist street  occupied leasable tax  occupied leasable tax
    B1         D1   1       500      1,000    100  600      1,000    150
    B2         D1   2       800      1,000    200  800      1,000    180
    B3         D2   -       300      1,000     50  600      1,500     90
    B6         D3   -       200      1,000     30  100      1,000     30
    B4 leaves  D3   -       400      1,000     70  -
    B5 enters  D3   -       -                      900      2,000     60
    """
    for code in ("D1", "D2", "D3"):
        gf.district(code)
    gf.street(1, "D1")
    gf.street(2, "D1")
    gf.building(1, "D1", 1)
    gf.building(2, "D1", 2)
    gf.building(3, "D2")
    gf.building(4, "D3")
    gf.building(5, "D3")
    gf.building(6, "D3")

    def row(occupied: float, leasable: float, tax: float) -> dict[str, float]:
        return {"occupied_area_m2": occupied, "leasable_area_m2": leasable, "tax_10k": tax}

    gf.months(1, {SEP_24: row(500, 1000, 100), SEP_25: row(600, 1000, 150)})
    gf.months(2, {SEP_24: row(800, 1000, 200), SEP_25: row(800, 1000, 180)})
    gf.months(3, {SEP_24: row(300, 1000, 50), SEP_25: row(600, 1500, 90)})
    gf.months(6, {SEP_24: row(200, 1000, 30), SEP_25: row(100, 1000, 30)})
    gf.months(4, {SEP_24: row(400, 1000, 70)})
    gf.months(5, {SEP_25: row(900, 2000, 60)})
    return gf


def _bars(result: drivers.Drivers, node: str = "") -> dict[str, float]:
    frame = result.bars(node, scope=Scope())
    return dict(zip(frame["key"], frame["contribution"], strict=True))


def test_rate_contributions_add_up_exactly_to_the_change(city, engine) -> None:
    result = drivers.drivers(engine, indicator="occupancy_rate", scope=Scope(), as_of=SEP_25, basis="yoy")
    # before: O_0 = 500+800+300+200+400 = 2,200, L_0 = 5,000, r_0 = 0.44
    # now:    O_t = 600+800+600+100+900 = 3,000, L_t = 6,500, r_t = 6/13; change = (3,000 − 0.44 × 6,500)/6,500
    #         = 140/6,500
    assert result.value_before == pytest.approx(0.44, abs=1e-15)
    assert result.value_now == pytest.approx(3000 / 6500, abs=1e-15)
    # unit i: (O_i,t − O_i,0)/L_t − r_0 (L_i,t − L_i,0)/L_t, in 1/6,500:
    # B1 100 − 0 = 100; B2 0; B3 300 − 0.44×500 = 80; B6 −100; B4 (leaving) −400 + 0.44×1,000 = 40;
    # B5 (entering) 900 − 0.44×2,000 = 20.  Districts (buildings in both windows): D1 100, D2 80, D3 −100.
    expected = {"district:D1": 100, "district:D2": 80, "district:D3": -100, "entering": 20, "leaving": 40}
    bars = _bars(result)
    assert set(bars) == set(expected)  # no "other" bar
    for key, numerator in expected.items():
        assert bars[key] == pytest.approx(numerator / 6500, abs=1e-15), key
    # 100 + 80 − 100 + 20 + 40 = 140: the bars add up to r_t − r_0 with no residual
    assert sum(bars.values()) == pytest.approx(result.change, abs=1e-15)
    assert float(Fraction(140, 6500)) == pytest.approx(result.change, abs=1e-15)
    # a naive "each district's own rate change" would say D2 +10 pp (0.3 → 0.4) and D3 −10 pp: not additive


def test_rate_bars_drill_to_streets_and_buildings(city, engine) -> None:
    result = drivers.drivers(engine, indicator="occupancy_rate", scope=Scope(), as_of=SEP_25, basis="yoy")
    # D1's 100/6,500 is street 1's B1 (100) and street 2's B2 (0)
    streets = _bars(result, "district:D1")
    assert streets == pytest.approx({"street:1": 100 / 6500, "street:2": 0.0}, abs=1e-15)
    buildings = result.bars("street:1")
    assert buildings[["key", "kind", "building_id"]].values.tolist() == [["building:1", "building", 1]]
    # entering and leaving open their buildings: B5 20/6,500, B4 40/6,500
    assert _bars(result, "entering") == pytest.approx({"building:5": 20 / 6500}, abs=1e-15)
    assert _bars(result, "leaving") == pytest.approx({"building:4": 40 / 6500}, abs=1e-15)
    # D2 and D3 have buildings without a street: one "no street" bar each, then the buildings
    assert _bars(result, "district:D3") == pytest.approx({"nostreet:D3": -100 / 6500}, abs=1e-15)
    assert _bars(result, "nostreet:D3") == pytest.approx({"building:6": -100 / 6500}, abs=1e-15)


def test_flow_contributions_are_each_units_own_change(city, engine) -> None:
    result = drivers.drivers(engine, indicator="building_tax", scope=Scope(), as_of=SEP_25, basis="yoy")
    # before 100+200+50+30+70 = 450; now 150+180+90+30+60 = 510; change +60
    assert (result.value_before, result.value_now, result.change) == (450.0, 510.0, 60.0)
    # D1: +50 − 20 = 30; D2: +40; D3 (B6 only): 0; entering B5 +60; leaving B4 −70. 30 + 40 + 0 + 60 − 70 = 60
    assert _bars(result) == {"district:D1": 30.0, "district:D2": 40.0, "district:D3": 0.0, "entering": 60.0,
                             "leaving": -70.0}
    assert _bars(result, "district:D1") == {"street:1": 50.0, "street:2": -20.0}


def test_a_district_scope_splits_by_its_streets(city, engine) -> None:
    result = drivers.drivers(engine, indicator="building_tax", scope=Scope("district", "D1"), as_of=SEP_25)
    # D1 alone: before 300, now 330; street 1 +50, street 2 −20
    assert result.change == 30.0
    bars = result.bars(scope=Scope("district", "D1"))
    assert dict(zip(bars["key"], bars["contribution"], strict=True)) == {"street:1": 50.0, "street:2": -20.0}


def test_quarter_on_quarter_compares_the_same_months_of_the_previous_quarter() -> None:
    # a running Q3 read through August: July-August against April-May (qoq) or July-August 2024 (yoy)
    now, before = drivers.windows(date(2025, 8, 1), "qoq")
    assert (now.start, now.end, before.start, before.end) == (date(2025, 7, 1), date(2025, 8, 1), date(2025, 4, 1),
                                                              date(2025, 5, 1))
    _, last_year = drivers.windows(date(2025, 8, 1), "yoy")
    assert (last_year.start, last_year.end) == (date(2024, 7, 1), date(2024, 8, 1))
