"""The registration-gap page's URL state: what a link asks for, with anything unknown falling back to 'all'."""

from __future__ import annotations

from datetime import date

from data_layer.enterprises import GapScope
from ui.enterprise_view import GapView, gap_params, parse_gap_params

MONTHS = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
STREETS = {1: "D1", 2: "D1", 3: "D2"}
BUILDINGS = {10: ("D1", 1), 11: ("D1", None), 12: ("D2", 3)}


def _parse(**params: str) -> GapView:
    return parse_gap_params(params, districts={"D1", "D2"}, streets=STREETS, buildings=BUILDINGS, months=MONTHS)


def test_a_link_opens_its_district_street_building_and_month() -> None:
    assert _parse(district="D1", street="1", building="10", month="2026-09") == GapView(
        GapScope("D1", 1, 10), date(2026, 9, 1))
    assert _parse() == GapView(GapScope(), date(2026, 10, 1))  # the city at the latest month


def test_a_street_or_building_alone_brings_its_district_and_contradictions_fall_back() -> None:
    assert _parse(street="3").scope == GapScope("D2", 3, None)
    assert _parse(building="11").scope == GapScope("D1", None, 11)
    assert _parse(district="D2", street="1").scope == GapScope("D2", None, None)  # street 1 is in D1
    assert _parse(district="D1", street="2", building="10").scope == GapScope("D1", 2, None)  # 10 is on street 1
    assert _parse(district="D9", building="x", month="2031-01") == GapView(GapScope(), date(2026, 10, 1))


def test_the_url_leaves_defaults_out_and_round_trips() -> None:
    view = GapView(GapScope("D1", 1, 10), date(2026, 9, 1))
    params = gap_params(view, latest=date(2026, 10, 1))
    assert params == {"district": "D1", "street": "1", "building": "10", "month": "2026-09"}
    assert _parse(**params) == view
    assert gap_params(GapView(GapScope(), date(2026, 10, 1)), latest=date(2026, 10, 1)) == {}
