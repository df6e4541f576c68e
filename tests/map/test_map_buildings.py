"""Building filters and period figures. Expected values come from pandas on the raw demo tables (the `raw`
fixture) or from hand-made rows, never from the code under test."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from data_layer import buildings, db
from data_layer.buildings import BuildingFilter
from data_layer.export import to_csv_bytes, to_xlsx_bytes
from data_layer.periods import Period

YTD = Period("ytd", 2026, 10)


@pytest.fixture(scope="module")
def frame(demo_url: str) -> pd.DataFrame:
    return buildings.period_frame(db.make_engine(demo_url), period=YTD)


def _expected_figures(raw, period: Period) -> pd.DataFrame:
    """Per building, straight from building_month: occupancy in the last month, tax over the period and YTD."""
    m = raw.month
    end = m[m["month"] == pd.Timestamp(period.end)].set_index("building_id")
    ytd = m[(m["month"] >= pd.Timestamp(period.year, 1, 1)) & (m["month"] <= pd.Timestamp(period.end))]
    in_period = ytd[ytd["month"] >= pd.Timestamp(period.start)]
    out = raw.building.set_index("id")[["district_code", "grade", "status", "industry", "street_id", "name"]].copy()
    out["occupancy"] = end["occupied_area_m2"] / end["leasable_area_m2"]
    out["tax_period"] = in_period.groupby("building_id")["tax_10k"].sum()
    out["tax_ytd"] = ytd.groupby("building_id")["tax_10k"].sum()
    return out


def _ids(found: pd.DataFrame) -> set[int]:
    return set(found["id"].astype(int))


def test_period_figures_match_the_raw_months(frame, raw, demo_url: str) -> None:
    for period in (YTD, Period("quarter", 2026, 2)):
        got = frame if period == YTD else buildings.period_frame(db.make_engine(demo_url), period=period)
        expected = _expected_figures(raw, period)
        got = got.set_index("id")
        assert len(got) == len(expected) == 1500
        pd.testing.assert_series_equal(got["occupancy_rate"], expected["occupancy"], check_names=False,
                                       check_index_type=False)
        pd.testing.assert_series_equal(got["tax_period"], expected["tax_period"], check_names=False,
                                       check_index_type=False)
        pd.testing.assert_series_equal(got["tax_ytd"], expected["tax_ytd"], check_names=False,
                                       check_index_type=False)


@pytest.mark.parametrize(("filters", "rule"), [
    (BuildingFilter(districts=("440106",)), lambda e: e["district_code"] == "440106"),
    (BuildingFilter(districts=("440106", "440105"), grades=("super_a", "a")),
     lambda e: e["district_code"].isin(["440106", "440105"]) & e["grade"].isin(["super_a", "a"])),
    (BuildingFilter(statuses=("renovating", "under_construction")),
     lambda e: e["status"].isin(["renovating", "under_construction"])),
    (BuildingFilter(industries=("finance",)), lambda e: e["industry"] == "finance"),
    (BuildingFilter(occupancy=(40, 60)), lambda e: (e["occupancy"] * 100 >= 40) & (e["occupancy"] * 100 <= 60)),
    (BuildingFilter(tax_bands=("10m_to_100m", "100m_plus")), lambda e: e["tax_ytd"] >= 1000),
    (BuildingFilter(tax_bands=("100m_plus",), districts=("440106",)),
     lambda e: (e["tax_ytd"] >= 10_000) & (e["district_code"] == "440106")),
    (BuildingFilter(tax_bands=("no_data",)), lambda e: e["tax_ytd"].isna()),
    (BuildingFilter(streets=(1, 2)), lambda e: e["street_id"].isin([1, 2])),
    (BuildingFilter(name="珠江"), lambda e: e["name"].str.contains("珠江")),
], ids=["district", "two-districts-top-grades", "status", "industry", "occupancy-40-60", "over-10m",
        "tianhe-100m", "no-tax-data", "streets", "name"])
def test_filter_counts_equal_pandas_on_the_raw_tables(frame, raw, filters, rule) -> None:
    expected = _expected_figures(raw, YTD)
    wanted = set(expected.index[rule(expected).fillna(False).to_numpy(dtype=bool)])
    assert wanted, "the case should select something"
    assert _ids(buildings.filter_frame(frame, filters=filters)) == wanted


def test_flags_must_all_hold(frame, raw) -> None:
    b = raw.building
    wanted = set(b.loc[(b["is_zero_carbon_pilot"] == 1) & (b["energy_star"] > 0), "id"])
    got = buildings.filter_frame(frame, filters=BuildingFilter(flags=("zero_carbon", "energy_star")))
    assert _ids(got) == wanted
    points = buildings.filter_frame(frame, filters=BuildingFilter(flags=("observation_point",)))
    assert _ids(points) == set(raw.point["building_id"]) and len(points) == 50


def test_over_10m_count_is_the_overviews(frame, demo_url: str) -> None:
    from data_layer import queries

    kpis = queries.period_kpis(db.make_engine(demo_url), period=YTD)
    summary = buildings.summarise(frame)
    assert summary["buildings_tax_10m"] == kpis["buildings_tax_10m"]
    assert summary["buildings_tax_100m"] == kpis["buildings_tax_100m"]
    assert summary["occupancy_rate"] == pytest.approx(kpis["occupancy_rate"])
    assert summary["tax_period"] == pytest.approx(kpis["building_tax"])


def test_tax_bands_are_inclusive_on_year_to_date_tax(engine, make) -> None:
    make.district()
    for building_id in range(1, 6):
        make.building(building_id)
    make.months([
        {"building_id": 1, "month": date(2025, 1, 1), "tax_10k": 400.0},  # 400 + 600 = exactly 1,000 by March
        {"building_id": 1, "month": date(2025, 3, 1), "tax_10k": 600.0},
        {"building_id": 2, "month": date(2025, 3, 1), "tax_10k": 999.99},
        {"building_id": 3, "month": date(2025, 2, 1), "tax_10k": 10_000.0},
        {"building_id": 4, "month": date(2024, 12, 1), "tax_10k": 50_000.0},  # last year: not this year's tax
        {"building_id": 4, "month": date(2025, 3, 1), "tax_10k": 99.0},
    ])  # building 5 has no rows
    got = buildings.period_frame(engine, period=Period("month", 2025, 3)).set_index("id")
    assert got["tax_band"].astype(str).to_dict() == {
        1: "10m_to_100m", 2: "1m_to_10m", 3: "100m_plus", 4: "under_1m", 5: "no_data"}
    assert got.loc[1, "tax_period"] == 600.0 and got.loc[1, "tax_ytd"] == 1000.0  # March alone vs Jan-Mar


def test_occupancy_is_read_in_the_periods_last_month_and_summed_by_area(engine, make) -> None:
    make.district()
    make.building(1)
    make.building(2)
    make.months([
        {"building_id": 1, "month": date(2025, 2, 1), "occupied_area_m2": 100, "leasable_area_m2": 1_000},
        {"building_id": 1, "month": date(2025, 3, 1), "occupied_area_m2": 900, "leasable_area_m2": 1_000},
        {"building_id": 2, "month": date(2025, 3, 1), "occupied_area_m2": 4_500, "leasable_area_m2": 9_000},
    ])
    got = buildings.period_frame(engine, period=Period("quarter", 2025, 1)).set_index("id")
    assert got.loc[1, "occupancy_rate"] == pytest.approx(0.9)
    assert got.loc[1, "occupancy_band"] == "85_plus" and got.loc[2, "occupancy_band"] == "50_to_70"
    # 5,400 / 10,000, not the mean of 90 % and 50 %
    assert buildings.summarise(got.reset_index())["occupancy_rate"] == pytest.approx(0.54)


def test_narrowed_occupancy_range_leaves_out_buildings_without_data(engine, make) -> None:
    make.district()
    make.building(1)
    make.building(2)
    make.months([{"building_id": 1, "month": date(2025, 3, 1), "occupied_area_m2": 500, "leasable_area_m2": 1_000}])
    got = buildings.period_frame(engine, period=Period("month", 2025, 3))
    assert _ids(buildings.filter_frame(got, filters=BuildingFilter())) == {1, 2}
    assert _ids(buildings.filter_frame(got, filters=BuildingFilter(occupancy=(50, 50)))) == {1}  # inclusive
    assert _ids(buildings.filter_frame(got, filters=BuildingFilter(occupancy=(0, 40)))) == set()


def test_exported_table_round_trips_with_chinese_intact(frame) -> None:
    chosen = buildings.filter_frame(frame, filters=BuildingFilter(districts=("440106",), grades=("super_a",)))
    table = buildings.table_frame(chosen, lang="zh")
    back = pd.read_csv(io.BytesIO(to_csv_bytes(table)), encoding="utf-8-sig")
    assert back.columns.tolist()[:5] == ["楼宇编号", "楼宇名称", "区", "街道", "等级"]
    assert back["楼宇名称"].tolist() == chosen["name"].tolist()
    assert set(back["区"]) == {"天河区"} and set(back["等级"]) == {"超甲级"}
    assert back["期内税收（万元）"].sum() == pytest.approx(chosen["tax_period"].round(2).sum())
    xlsx = pd.read_excel(io.BytesIO(to_xlsx_bytes(table)))
    assert xlsx["楼宇名称"].tolist() == chosen["name"].tolist()


def test_table_flags_and_english_headers(frame) -> None:
    chosen = buildings.filter_frame(frame, filters=BuildingFilter(flags=("zero_carbon", "energy_star")))
    table = buildings.table_frame(chosen, lang="en")
    assert "Name" in table.columns and "Tax in period (10k yuan)" in table.columns
    assert all("Zero-carbon smart pilot, Energy-saving star" in f for f in table["Flags"])


def test_search_finds_names_and_treats_wildcards_literally(engine, make) -> None:
    make.district()
    make.building(1, name="天河100%大厦")
    make.building(2, name="天河1000大厦")
    make.building(3, name="Pearl_Tower", grade="super_a")
    make.building(4, name="PearlXTower")
    assert buildings.search_buildings(engine, text="100%")["id"].tolist() == [1]
    assert buildings.search_buildings(engine, text="pearl_")["id"].tolist() == [3]  # case-insensitive, literal _
    assert buildings.search_buildings(engine, text="  ").empty


def test_observation_scores_match_raw_feedback(demo_url: str, raw) -> None:
    building_id = int(raw.point["building_id"].iloc[0])
    point_id = int(raw.point["id"].iloc[0])
    got = buildings.observation_scores(db.make_engine(demo_url), building_id=building_id, period=YTD).set_index(
        "dimension")
    fb = raw.feedback[(raw.feedback["point_id"] == point_id) & raw.feedback["score"].notna()]
    in_period = fb[(fb["submitted_on"] >= "2026-01-01") & (fb["submitted_on"] < "2026-11-01")]
    assert got["all_avg"].to_dict() == pytest.approx(fb.groupby("dimension")["score"].mean().to_dict())
    assert got["period_responses"].to_dict() == in_period.groupby("dimension")["score"].count().reindex(
        got.index, fill_value=0).to_dict()
    assert buildings.observation_scores(db.make_engine(demo_url), building_id=int(
        raw.building.loc[raw.building["is_observation_point"] == 0, "id"].iloc[0]), period=YTD).empty


def test_sentiment_colour_is_each_points_perception_index_over_the_period(demo_url: str, raw) -> None:
    got = buildings.sentiment_index(db.make_engine(demo_url), period=YTD, min_responses=5).set_index("building_id")
    assert len(got) == len(raw.point) == 50
    fb = raw.feedback[(raw.feedback["submitted_on"] >= "2026-01-01") & (raw.feedback["submitted_on"] < "2026-11-01")]
    label = fb["corrected_label"].fillna(fb["sentiment_label"])
    for point in raw.point.head(5).itertuples():
        rows, labels = fb[fb["point_id"] == point.id], label[fb["point_id"] == point.id].dropna()
        survey = (rows["score"].mean() - 1) / 4 * 100  # 1-5 → 0-100
        text = (1 + (labels == "positive").mean() - (labels == "negative").mean()) / 2 * 100
        assert got.loc[point.building_id, "responses"] == len(rows)
        assert got.loc[point.building_id, "sentiment_index"] == pytest.approx(0.6 * survey + 0.4 * text)
    too_few = buildings.sentiment_index(db.make_engine(demo_url), period=YTD, min_responses=10**6)
    assert too_few["sentiment_index"].isna().all() and len(too_few) == 50


def test_history_and_detail_of_one_building(demo_url: str, raw) -> None:
    engine = db.make_engine(demo_url)
    history = buildings.building_history(engine, building_id=1, end=date(2026, 10, 1), months=12)
    rows = raw.month[(raw.month["building_id"] == 1) & (raw.month["month"] >= "2025-11-01")]
    assert len(history) == len(rows) == 12
    assert history["tax_10k"].sum() == pytest.approx(rows["tax_10k"].sum())
    detail = buildings.building_detail(engine, building_id=1, period=YTD)
    assert detail is not None and detail["name"] == raw.building.set_index("id").loc[1, "name"]
    assert buildings.building_detail(engine, building_id=999_999, period=YTD) is None


def test_period_tax_comes_from_year_to_date_differences(engine, make) -> None:
    make.district()
    for building_id in (1, 2, 3):
        make.building(building_id)
    make.months([{"building_id": 1, "month": date(2025, m, 1), "tax_10k": 10.0 * m} for m in range(1, 7)]
                + [{"building_id": 2, "month": date(2025, m, 1), "tax_10k": 7.0} for m in (5, 6)]  # starts in May
                + [{"building_id": 3, "month": date(2025, m, 1), "tax_10k": 5.0} for m in (1, 2)])  # stops in Feb
    got = buildings.period_frame(engine, period=Period("quarter", 2025, 2)).set_index("id")
    assert got.loc[1, "tax_period"] == 40 + 50 + 60 and got.loc[1, "tax_ytd"] == 210
    assert got.loc[2, "tax_period"] == 14 and got.loc[2, "tax_ytd"] == 14  # no year-to-date before April
    assert got.loc[3, "tax_period"] == 0 and got.loc[3, "tax_ytd"] == 10  # reported this year, not in the quarter
    assert pd.isna(got.loc[3, "occupancy_rate"])  # nothing reported in June
    january = buildings.period_frame(engine, period=Period("month", 2025, 1)).set_index("id")
    assert january.loc[1, "tax_period"] == 10 and pd.isna(january.loc[2, "tax_period"])  # B2 not yet reporting


def test_table_sorts_numbers_numerically_blanks_last_and_ties_by_code() -> None:
    rows = pd.DataFrame({
        "id": [1, 2, 3, 4, 5, 6],
        "code": ["B06", "B05", "B04", "B03", "B02", "B01"],
        "tax_period": [9.5, None, 100.0, 9.5, 20.0, None],  # as text "100" < "20" < "9.5"; numbers: 9.5 < 20 < 100
        "district_zh": ["天河区", "", "越秀区", "天河区", None, "海珠区"],
        "grade": ["b", "super_a", "unrated", "a", "b", "a"],
    })

    def codes(by: str, descending: bool) -> list[str]:
        return list(buildings.sort_buildings(rows, by=by, descending=descending, lang="zh")["code"])

    # high to low, the two 9.5s in code order (B03 before B06), the two blanks last in code order (B01, B05)
    assert codes("tax_period", True) == ["B04", "B02", "B03", "B06", "B01", "B05"]
    assert codes("tax_period", False) == ["B03", "B06", "B02", "B04", "B01", "B05"]  # blanks last here too
    assert codes("grade", False) == ["B05", "B01", "B03", "B02", "B06", "B04"]  # 超甲级, 甲级 ×2, 乙级 ×2, unrated
    assert codes("district", False)[-2:] == ["B02", "B05"]  # no district ("" or none) last, by code
    # page 2 of 2 rows per page, high to low: the 3rd and 4th buildings, with their ids for a picked row
    full = rows.assign(**{c: 0 for c in _TABLE_INPUTS}, status="in_use", industry="finance", tax_band="no_data")
    table, ids = buildings.table_page(full, by="tax_period", descending=True, page=2, lang="zh", per_page=2)
    assert ids == [4, 1] and list(table["楼宇编号"]) == ["B03", "B06"]
    last = buildings.table_page(full, by="tax_period", descending=True, page=9, lang="zh", per_page=4)
    assert last[1] == [6, 2]  # past the end: the last page
    assert buildings.page_count(0) == 1 and buildings.page_count(101, per_page=50) == 3


# the other columns table_frame reads (their values do not matter to the order)
_TABLE_INPUTS = ("name", "district_en", "street_zh", "street_en", "gross_area_m2",
                 "occupancy_rate", "vacant_m2", "vacant_change_3m", "tax_ytd", "tax_per_m2",
                 "tax_per_employee", "enterprises_operating", "address", *buildings.FLAG_COLUMNS.values())
