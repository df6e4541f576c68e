"""The 盘活一批 list: its URL state (pure) and its order, on the demo city against pandas on the raw tables."""

from __future__ import annotations

from datetime import date

import pandas as pd

from data_layer import buildings, db, workbench
from data_layer.buildings import BuildingFilter
from data_layer.periods import Period
from ui.workbench_state import ReviveView, parse_params, to_params

FIRST, LAST = date(2024, 1, 1), date(2026, 10, 1)


def test_the_url_keeps_the_filters_and_drops_what_it_does_not_know() -> None:
    view = parse_params({"district": "440106,999", "grade": "a,super", "street": "3,x", "below": "60",
                         "status": "in_use", "industry": "finance"}, districts={"440106"}, streets={3},
                        first_month=FIRST, last_month=LAST)
    assert view.filters == BuildingFilter(districts=("440106",), streets=(3,), grades=("a",), statuses=("in_use",),
                                          industries=("finance",))
    assert view.below == 60 and view.period == Period("ytd", 2026, 10)
    assert to_params(view, last_month=LAST) == {"district": "440106", "street": "3", "grade": "a",
                                                "status": "in_use", "industry": "finance"}
    odd = parse_params({"below": "²", "period": "ytd-2030-1"}, districts=set(), streets=set(), first_month=FIRST,
                       last_month=LAST)
    assert odd.below == 60 and odd.period == Period("ytd", 2026, 10)
    assert to_params(ReviveView(BuildingFilter(), 45, Period("quarter", 2026, 3)), last_month=LAST) == {
        "below": "45", "period": "quarter-2026-3"}


def test_the_list_is_the_buildings_under_the_line_largest_vacancy_first(demo_url: str) -> None:
    engine = db.make_engine(demo_url)
    period = Period("ytd", 2026, 10)
    frame = buildings.filter_frame(buildings.period_frame(engine, period=period),
                                   filters=BuildingFilter(districts=("440106",), grades=("a",)))
    found = workbench.revive_list(frame, below_pct=60)
    with engine.connect() as conn:
        raw = pd.read_sql("SELECT b.id, m.occupied_area_m2 AS occ, m.leasable_area_m2 AS lea FROM building b "
                          "JOIN building_month m ON m.building_id = b.id AND m.month = '2026-10-01' "
                          "WHERE b.district_code = '440106' AND b.grade = 'a'", conn)
    raw = raw[raw["occ"] / raw["lea"] < 0.60].assign(vacant=lambda f: f["lea"] - f["occ"])
    expected = raw.sort_values(["vacant", "id"], ascending=[False, True])
    assert len(found) > 0
    assert list(found["id"]) == list(expected["id"])
    assert list(found["vacant_m2"]) == list(expected["vacant"])
    table = workbench.revive_table(found, lang="zh")
    assert list(table["grade"].unique()) == ["甲级"] and list(table["district"].unique()) == ["天河区"]


def test_the_maps_output_filter_is_in_its_url() -> None:
    from ui.map_state import MapView
    from ui.map_state import parse_params as map_params
    from ui.map_state import to_params as map_to_params

    view = map_params({"out": "500_to_1000,zzz", "grade": "a"}, districts=set(), streets=set(), first_month=FIRST,
                      last_month=LAST)
    assert view.filters.output_bands == ("500_to_1000",) and view.filters.grades == ("a",)
    assert map_to_params(MapView(filters=view.filters, period=view.period), last_month=LAST) == {
        "grade": "a", "out": "500_to_1000"}
