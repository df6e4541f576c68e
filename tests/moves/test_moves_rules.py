"""Enterprise moves (data_layer/moves.py) on hand-made tenancies: the rule, the flows at every level adding up, the
move-out warning and who sees what. Every expected value is worked out by hand in the comments."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine, insert

from data_layer import credit_code, enterprises, map_payload, moves, workbench
from data_layer.models import Enterprise, Street, Tenancy
from data_layer.moves import MoveScope, derive_moves, flows, in_period
from data_layer.workbench import WarningRules

M = date
FIRST, LAST = M(2026, 1, 1), M(2026, 6, 1)
# building -> (district, street)
PLACES = {1: ("D1", 1), 2: ("D1", 1), 3: ("D1", 2), 4: ("D2", 3)}
# (enterprise, building, from, to): to None = still there
TENANCIES = [
    (1, 1, M(2025, 1, 1), M(2025, 12, 1)), (1, 1, M(2026, 1, 1), None),  # registers here: one stay, no move
    (2, 1, M(2025, 1, 1), M(2026, 2, 1)), (2, 4, M(2026, 3, 1), None),  # B1 → B4 in March (D1 → D2)
    (3, 2, M(2025, 6, 1), M(2026, 3, 1)),                                # leaves B2, nothing after: out in April
    (4, 3, M(2026, 2, 1), None),                                         # no earlier tenancy: in from outside
    (5, 2, M(2024, 1, 1), M(2026, 1, 1)), (5, 3, M(2026, 6, 1), None),  # left Feb, arrived June: 4 months, a move
    (6, 4, M(2024, 1, 1), M(2025, 5, 1)), (6, 1, M(2026, 3, 1), None),  # left 2025-06, back 9 months later: out + in
    (7, 1, M(2025, 1, 1), None), (7, 2, M(2026, 1, 1), None),           # keeps B1, opens B2: a new site
    (8, 4, M(2023, 1, 1), None), (8, 3, M(2024, 1, 1), M(2026, 4, 1)),  # keeps B4, closes B3 in May
]


def _tenancies(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["enterprise_id", "building_id", "from_month", "to_month"]).assign(area_m2=100.0)


def _placed(frame: pd.DataFrame) -> pd.DataFrame:
    for end in ("from", "to"):
        ids = frame[f"{end}_building_id"]
        frame[f"{end}_district"] = [None if pd.isna(b) else PLACES[int(b)][0] for b in ids]
        frame[f"{end}_street"] = pd.array([None if pd.isna(b) else PLACES[int(b)][1] for b in ids], dtype="Int64")
    return frame


@pytest.fixture
def period() -> pd.DataFrame:
    return in_period(_placed(derive_moves(_tenancies(TENANCIES))), first=FIRST, last=LAST)


def _row(frame: pd.DataFrame, enterprise: int, kind: str) -> dict:
    hit = frame[(frame["enterprise_id"] == enterprise) & (frame["kind"] == kind)]
    assert len(hit) == 1, hit
    return hit.iloc[0].to_dict()


def test_a_move_within_the_city_has_both_ends_and_is_counted_once_out_and_once_in(period: pd.DataFrame) -> None:
    move = _row(period, 2, "move")
    assert (move["from_building_id"], move["to_building_id"]) == (1, 4)
    assert move["month"] == move["left_month"] == move["arrived_month"] == M(2026, 3, 1)
    assert len(period[period["enterprise_id"] == 2]) == 1  # not also an "out" of B1 and an "in" to B4
    by_building = flows(period, level="building")
    assert by_building.at[1, "out_city"] == 1 and by_building.at[4, "in_city"] == 1
    # a gap of 4 months (left in February, arrived in June) is within the window; dated by the later end
    late = _row(period, 5, "move")
    assert (late["from_building_id"], late["to_building_id"], late["month"]) == (2, 3, M(2026, 6, 1))
    assert late["left_month"] == M(2026, 2, 1)


def test_a_move_out_of_the_city_and_other_kinds(period: pd.DataFrame) -> None:
    out = _row(period, 3, "out")
    assert out["from_building_id"] == 2 and pd.isna(out["to_building_id"]) and out["month"] == M(2026, 4, 1)
    assert _row(period, 4, "in")["to_building_id"] == 3
    assert _row(period, 7, "new_site")["to_building_id"] == 2  # still in B1 the month before
    assert _row(period, 8, "closed_site")["from_building_id"] == 3  # still in B4 the month after
    assert _row(period, 6, "in")["month"] == M(2026, 3, 1)  # 9 months away is past the window: not a move
    everything = derive_moves(_tenancies(TENANCIES))
    assert _row(everything, 6, "out")["month"] == M(2025, 6, 1)  # ... its departure was an out, outside the period
    assert (everything["enterprise_id"] == 1).sum() == 1  # the registration change is no move: only its arrival


def test_the_window_is_six_months_either_side_inclusive() -> None:
    def kinds(arrive: date) -> set[str]:
        rows = [(1, 1, M(2025, 1, 1), M(2025, 6, 1)), (1, 2, arrive, None)]  # left: 2025-07
        return set(derive_moves(_tenancies(rows))["kind"])

    assert "move" in kinds(M(2026, 1, 1))  # 6 months after leaving
    assert "move" not in kinds(M(2026, 2, 1))  # 7 months
    assert "move" in kinds(M(2025, 1, 1))  # opened B2 6 months before leaving B1 (moved in stages)
    assert "move" not in kinds(M(2024, 12, 1))  # 7 months before: a second site that outlived the first


def test_net_flows_add_up_from_buildings_to_streets_districts_and_the_city(period: pd.DataFrame) -> None:
    b = flows(period, level="building", areas=[1, 2, 3, 4])
    # B1: E6 in from outside, E2 out to B4 → 0; B2: E7 new site, E3 out of the city, E5 out to B3 → −1;
    # B3: E4 in, E5 in from B2, E8 site closed → +1; B4: E2 in from B1 → +1
    assert b["net"].to_dict() == {1: 0, 2: -1, 3: 1, 4: 1}
    assert b.loc[2, ["arrivals", "departures"]].tolist() == [1, 2]
    s = flows(period, level="street")
    # street 1 (B1, B2): arrivals E6, E7; departures E2, E3, E5 (to street 2) → −1 = 0 + (−1)
    assert s.at[1, "net"] == -1 and s.at[1, "arrivals"] == 2 and s.at[1, "departures"] == 3
    assert s.at[2, "net"] == 1 and s.at[3, "net"] == 1
    d = flows(period, level="district")
    # D1 (B1-B3): E5's move B2 → B3 is inside it (within, not a flow); arrivals E6, E7, E4; departures E2, E3, E8
    assert d.loc["D1", ["arrivals", "departures", "within", "net"]].tolist() == [3, 3, 1, 0]
    assert d.at["D2", "net"] == 1
    c = flows(period, level="city").loc["city"]
    # the city: E2 and E5 moved inside it; in E4, E6; new site E7; out E3; site closed E8 → 3 − 2 = +1
    assert c[["in_outside", "new_site", "out_outside", "closed_site", "within", "net"]].tolist() == [2, 1, 1, 1, 2, 1]
    assert b["net"].sum() == s["net"].sum() == d["net"].sum() == c["net"] == 1
    assert moves.touching(period, MoveScope(building_id=4))["enterprise_id"].tolist() == [2]


# ------------------------------------------------------------------------------------------------ in a store


@pytest.fixture
def store(engine: Engine, make) -> Engine:  # type: ignore[no-untyped-def]
    """B1, B2 in D1, B3 in D2; three enterprises leave in October 2026 (their last month September)."""
    make.district("D1", "甲区", "Jia")
    make.district("D2", "乙区", "Yi")
    with engine.begin() as conn:
        conn.execute(insert(Street), [{"id": 1, "code": "S1", "district_code": "D1", "name_zh": "一街",
                                       "name_en": "One"}])
    make.building(1, "D1", street_id=1, leasable_area_m2=1_000.0)  # under the warnings' minimum size: still covered
    make.building(2, "D1", street_id=1)
    make.building(3, "D2")
    taxes = {1: ("大税源甲有限公司", 300.0), 2: ("小税源乙有限公司", 20.0), 3: ("搬家丙有限公司", 800.0)}
    with engine.begin() as conn:
        conn.execute(insert(Enterprise), [
            {"id": i, "credit_code": credit_code.make(f"9144010{i}MA5CKQ7R0"), "name": name, "tax_year": 2025,
             "tax_10k": tax, "is_headquarters": i == 3} for i, (name, tax) in taxes.items()])
        conn.execute(insert(Tenancy), [
            {"enterprise_id": 1, "building_id": 1, "from_month": M(2020, 1, 1), "to_month": M(2026, 9, 1)},  # out
            {"enterprise_id": 2, "building_id": 1, "from_month": M(2020, 1, 1), "to_month": M(2026, 9, 1)},  # small
            {"enterprise_id": 3, "building_id": 2, "from_month": M(2020, 1, 1), "to_month": M(2026, 9, 1)},
            {"enterprise_id": 3, "building_id": 3, "from_month": M(2026, 10, 1), "to_month": None}])  # moved within the city
    return engine


def test_the_move_out_warning_counts_large_taxpayers_leaving_the_city(store: Engine) -> None:
    rules = WarningRules(move_out_tax_10k=100.0)
    alerts = workbench.building_alerts(store, as_of=M(2026, 10, 1), rules=rules)
    hit = alerts[alerts["rule"] == "move_out"]
    # E1 (300 万元) left B1 for outside the city; E2 paid under 100; E3 moved to B3, inside the city
    assert hit[["building_id", "change"]].values.tolist() == [[1, 1]]
    assert workbench.alert_figures(hit.iloc[0], "zh") == "近 3 个月 1 家迁出市外"  # a count: no name, no tax
    # the three months through the as-of month: October is still in December's, no longer in January's
    late = workbench.building_alerts(store, as_of=M(2026, 12, 1), rules=rules)
    later = workbench.building_alerts(store, as_of=M(2027, 1, 1), rules=rules)
    assert (late["rule"] == "move_out").sum() == 1 and (later["rule"] == "move_out").sum() == 0
    assert (workbench.building_alerts(store, as_of=M(2026, 10, 1), rules=WarningRules(move_out_tax_10k=500.0))
            ["rule"] == "move_out").sum() == 0
    # editors see who left; viewers, anonymous sessions and kiosks do not
    assert workbench.move_out_names(store, as_of=M(2026, 10, 1), rules=rules, role="editor") == {1: ["大税源甲有限公司"]}
    for role, kiosk in (("viewer", False), (None, False), ("admin", True)):
        assert workbench.move_out_names(store, as_of=M(2026, 10, 1), rules=rules, role=role, kiosk=kiosk) == {}


def test_the_move_list_shows_tax_only_as_the_role_allows(store: Engine) -> None:
    every = moves.all_moves(store)
    october = in_period(every, first=M(2026, 10, 1), last=M(2026, 10, 1))
    assert sorted(october["kind"]) == ["move", "out", "out"]
    assert october.loc[october["kind"] == "move", "is_headquarters"].tolist() == [True]
    editor = moves.move_list(store, october, role="editor")
    assert editor["name"].tolist() == ["搬家丙有限公司", "大税源甲有限公司", "小税源乙有限公司"]  # by tax
    assert editor.loc[0, ["from_name", "to_name"]].tolist() == ["测试楼2", "测试楼3"]
    viewer = moves.move_list(store, october, role="viewer")
    assert "tax_10k" not in viewer.columns and "tax_band" in viewer.columns
    anonymous = moves.move_list(store, october, role=None)
    assert not {"tax_10k", "tax_band", "tax_year"} & set(anonymous.columns)
    hq = moves.headquarters(store, month=M(2026, 10, 1)).set_index("district_code")["headquarters"].to_dict()
    assert hq == {"D2": 1}  # E3 moved its headquarters from D1 to D2
    assert moves.headquarters(store, month=M(2026, 9, 1))["district_code"].tolist() == ["D1"]


def test_one_buildings_moves_are_the_same_read_alone_or_from_the_whole_register(store: Engine) -> None:
    every = moves.all_moves(store)
    for building_id in (1, 2, 3):
        alone = moves.building_moves(store, building_id=building_id)
        mine = moves.touching(every, MoveScope(building_id=building_id))
        columns = ["enterprise_id", "kind", "from_building_id", "to_building_id", "month"]
        assert alone[columns].astype(str).values.tolist() == mine[columns].astype(str).values.tolist()


def test_headquarters_colour_the_buildings_that_house_one_that_month(store: Engine) -> None:
    # E3 (the only headquarters) is in B2 through September 2026 and in B3 from October
    october = moves.headquarters(store, month=M(2026, 10, 1), by="building")
    assert october.values.tolist() == [[3, 1]]
    assert moves.headquarters(store, month=M(2026, 9, 1), by="building").values.tolist() == [[2, 1]]
    frame = pd.DataFrame({"id": [1, 2, 3]})
    frame["headquarters"] = frame["id"].map(october.set_index("building_id")["headquarters"])
    assert map_payload.colour_codes(frame, "headquarters").tolist() == ["no", "no", "yes"]
    # an open tenancy's end is missing, not the text 'nan' (pandas 3 reads None in a text column as NaN)
    ends = enterprises._read(store, "SELECT to_month FROM tenancy WHERE enterprise_id = 3 ORDER BY from_month", {})
    assert ends["to_month"].tolist()[0] == "2026-09" and ends["to_month"].isna().tolist() == [False, True]
