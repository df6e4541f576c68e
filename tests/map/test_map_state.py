"""The map view <-> URL parameters (pure functions)."""

from __future__ import annotations

from datetime import date

import pytest

from data_layer.buildings import BuildingFilter
from data_layer.periods import Period, offered_numbers, offered_years
from ui.map_state import MapView, parse_params, to_params

FIRST, LAST = date(2021, 1, 1), date(2026, 10, 1)
DISTRICTS = {"440106", "440105", "440104"}
STREETS = {1, 2, 3}


def _parse(params: dict[str, str]) -> MapView:
    return parse_params(params, districts=DISTRICTS, streets=STREETS, first_month=FIRST, last_month=LAST)


def test_a_view_survives_the_round_trip_through_the_url() -> None:
    view = MapView(
        filters=BuildingFilter(districts=("440106", "440105"), streets=(2,), grades=("super_a",), statuses=("in_use",),
                               industries=("finance", "legal"), flags=("featured", "zero_carbon"), occupancy=(40, 85),
                               tax_bands=("100m_plus",), name="珠江"),
        period=Period("quarter", 2026, 2), colour="tax_band", mode="columns", height="area",
        choropleth="occupancy_rate", compare=("440104", "440106"), table_sort="occupancy_rate", table_page=3)
    params = to_params(view, last_month=LAST)
    assert params["district"] == "440106,440105" and params["period"] == "quarter-2026-2"
    assert params["tsort"] == "occupancy_rate" and params["tpage"] == "3"  # occupancy low to high, page 3
    assert params["occ"] == "40-85" and params["q"] == "珠江"
    assert _parse(params) == view


def test_defaults_leave_the_url_empty_and_empty_params_give_defaults() -> None:
    view = _parse({})
    assert view.period == Period("ytd", 2026, 10) and view.filters == BuildingFilter()
    assert (view.colour, view.mode, view.height, view.choropleth) == ("grade", "points", "tax", "")
    assert to_params(view, last_month=LAST) == {}


def test_unknown_codes_and_bad_values_are_dropped_not_fatal() -> None:
    view = _parse({"district": "440106,999999", "grade": "super_a,platinum", "street": "2,77,x", "occ": "abc",
                   "period": "quarter-2026-4", "colour": "rainbow", "mode": "3d", "choro": "nonsense", "lang": "en",
                   "tsort": "-password", "tpage": "0"})
    assert view.filters.districts == ("440106",) and view.filters.grades == ("super_a",)
    assert view.filters.streets == (2,) and view.filters.occupancy == (0, 100)
    assert view.period == Period("ytd", 2026, 10)  # Q4 2026 ends after the data does
    assert (view.colour, view.mode, view.choropleth) == ("grade", "points", "")
    assert (view.table_sort, view.table_page) == ("-tax_period", 1)  # the table's default: tax, high to low


@pytest.mark.parametrize("period", ["ytd-99999-1", "ytd-0-1", "month-2026-13", "quarter-2026-0", "ytd-2026"])
def test_an_impossible_period_in_a_link_gives_the_default_not_an_error(period: str) -> None:
    assert _parse({"period": period}).period == Period("ytd", 2026, 10)


def test_street_ids_must_be_plain_ascii_digits() -> None:
    assert _parse({"street": "2,²,99999999999999999999"}).filters.streets == (2,)


def test_reversed_occupancy_bounds_are_put_in_order() -> None:
    assert _parse({"occ": "90-30"}).filters.occupancy == (30, 90)


def test_period_choices_stop_at_the_last_month_with_data() -> None:
    assert offered_numbers("month", 2026, LAST) == list(range(1, 11))
    assert offered_numbers("quarter", 2026, LAST) == [1, 2, 3]
    assert offered_numbers("quarter", 2025, LAST) == [1, 2, 3, 4]
    assert offered_years("year", FIRST, LAST)[0] == 2025  # 2026 is not complete
    assert offered_years("ytd", FIRST, LAST) == [2026, 2025, 2024, 2023, 2022, 2021]
