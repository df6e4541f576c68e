"""The planner's workbench on hand-made rows: each early-warning rule, the threshold pipeline (seasonal against
linear), vacant area and output per ㎡. Every expected value is worked out by hand in a comment."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from data_layer import workbench
from data_layer.periods import month_range
from data_layer.workbench import WarningRules

AS_OF = date(2026, 10, 1)
RULES = WarningRules(occupancy_drop_pp=10.0, tax_drop_share=0.30, silent_months=2, min_area_m2=5_000.0)


def _year(building_id: int, year: int, taxes: list[float], **extra: object) -> list[dict]:
    """Monthly rows from January of `year`, one per tax value."""
    return [{"building_id": building_id, "month": date(year, k + 1, 1), "tax_10k": tax, **extra}
            for k, tax in enumerate(taxes)]


def _alerts(engine, **kwargs) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return workbench.building_alerts(engine, as_of=AS_OF, rules=RULES, **kwargs)


def _fired(alerts: pd.DataFrame) -> set[tuple[int, str]]:
    return set(zip(alerts["building_id"].astype(int), alerts["rule"], strict=True))


def test_occupancy_falls_over_three_months_and_a_year(engine, make) -> None:  # type: ignore[no-untyped-def]
    make.district()
    make.building(1)  # 8,000 ㎡ leasable on the roster: large enough
    make.building(2, leasable_area_m2=2_000.0)  # the same fall in a 2,000 ㎡ building: below the minimum size
    make.building(3)  # 9.9 points down: under the threshold
    rows = []
    for building_id, area, (year_ago, three_ago, now) in ((1, 8_000.0, (7_600, 7_200, 6_400)),
                                                         (2, 2_000.0, (1_900, 1_800, 1_000)),
                                                         (3, 8_000.0, (7_200, 7_200, 6_408))):
        for month, occupied in ((date(2025, 10, 1), year_ago), (date(2026, 7, 1), three_ago), (AS_OF, now)):
            rows.append({"building_id": building_id, "month": month, "occupied_area_m2": float(occupied),
                         "leasable_area_m2": area})
    make.months(rows)
    alerts = _alerts(make.engine)
    # building 1: 95 % a year ago (7,600 / 8,000), 90 % in July, 80 % now: −10.0 over 3 months, −15.0 on the year
    # building 3: 90 % → 80.1 % (6,408 / 8,000): −9.9 points, not a warning
    assert _fired(alerts) == {(1, "occupancy_drop_3m"), (1, "occupancy_drop_yoy")}
    three = alerts[alerts["rule"] == "occupancy_drop_3m"].iloc[0]
    assert (three["before"], three["after"], round(three["change"], 6)) == (0.90, 0.80, -0.10)
    yoy = alerts[alerts["rule"] == "occupancy_drop_yoy"].iloc[0]
    assert (yoy["before"], round(yoy["change"], 6), yoy["unit"]) == (0.95, -0.15, "pp")
    # a lower minimum size lets the small building in (90 % → 50 %: −40 points)
    small = workbench.building_alerts(make.engine, as_of=AS_OF, rules=WarningRules(min_area_m2=1_000.0))
    assert (2, "occupancy_drop_3m") in _fired(small)


def test_a_building_that_stops_reporting(engine, make) -> None:  # type: ignore[no-untyped-def]
    make.district()
    for building_id in (1, 2, 3):
        make.building(building_id)
    rows = [{"building_id": 1, "month": m} for m in month_range(date(2026, 1, 1), AS_OF)]  # reports every month
    rows += [{"building_id": 2, "month": m} for m in month_range(date(2026, 1, 1), date(2026, 8, 1))]  # last: Aug
    rows += [{"building_id": 3, "month": m} for m in month_range(date(2026, 1, 1), date(2026, 9, 1))]  # last: Sep
    make.months(rows)
    alerts = _alerts(make.engine)
    # September and October missing for building 2: two months silent; building 3 misses October only
    assert _fired(alerts) == {(2, "stopped_reporting")}
    row = alerts.iloc[0]
    assert (row["before"], row["after"], row["change"], row["unit"]) == ("2026-08", "2026-10", 2, "months")


def test_tax_down_on_the_year_and_a_building_that_falls_under_the_line(engine, make) -> None:  # type: ignore[no-untyped-def]
    make.district()
    make.building(5)
    make.building(6)
    make.months(_year(5, 2025, [100.0] * 12) + _year(5, 2026, [60.0] * 10)
                + _year(6, 2025, [100.0] * 12) + _year(6, 2026, [75.0] * 10))
    alerts = _alerts(make.engine)
    # building 5: Jan-Oct 1,000 last year, 600 this year: −40 % (≥ 30 %); last year 1,200 ≥ 1,000 万元, and its
    # own seasonal share through October was 1,000 / 1,200, so it forecasts 600 ÷ (10/12) = 720 < 1,000: under.
    # building 6: 750 against 1,000 (−25 %), forecast 750 ÷ (10/12) = 900 < 1,000: under the line only.
    assert _fired(alerts) == {(5, "tax_drop_yoy"), (5, "below_10m"), (6, "below_10m")}
    drop = alerts[alerts["rule"] == "tax_drop_yoy"].iloc[0]
    assert (drop["before"], drop["after"], round(drop["change"], 6), drop["unit"]) == (1_000.0, 600.0, -0.4, "rel")
    below = alerts[alerts["rule"] == "below_10m"].set_index("building_id")
    assert below.loc[5, "before"] == 1_200.0 and below.loc[5, "after"] == pytest.approx(720.0)
    assert below.loc[6, "after"] == pytest.approx(900.0)
    assert list(below.index) == [5, 6]  # the one furthest under the line first (−280 before −100)


def test_the_pipeline_uses_last_years_season(engine, make) -> None:  # type: ignore[no-untyped-def]
    make.district()
    make.building(10)  # pays most of its tax in November and December
    make.building(11)  # paid everything by October last year
    make.building(14)  # new this year: its district's season
    make.months(_year(10, 2025, [50.0] * 10 + [250.0, 250.0]) + _year(10, 2026, [60.0] * 10)
                + _year(11, 2025, [100.0] * 10 + [0.0, 0.0]) + _year(11, 2026, [90.0] * 10)
                + _year(14, 2026, [55.0] * 10))
    found = workbench.pipeline(make.engine, as_of=AS_OF).set_index("building_id")
    # building 10: last year Jan-Oct 500 of 1,000 (share 0.5); 600 so far → 600 ÷ 0.5 = 1,200 ≥ 1,000: a
    #   candidate needing (1,000 − 600) ÷ 2 = 200 万元 a month (linear would say 600 × 12/10 = 720: not)
    # building 11: share 1,000 / 1,000 = 1; 900 → 900 < 1,000 (linear would say 1,080: a false candidate)
    # building 14: no last year; the district's last year is building 10 + 11: Jan-Oct 1,500 of 2,000 = 0.75;
    #   550 ÷ 0.75 = 733.3: not a candidate (linear: 660)
    assert list(found.index) == [10]
    row = found.loc[10]
    assert (row["bound"], row["ytd"], row["forecast"], row["basis"], row["share"], row["need_per_month"]) == (
        "10m", 600.0, 1_200.0, "own", 0.5, 200.0)
    forecasts = workbench.forecasts(make.engine, as_of=AS_OF).set_index("building_id")
    assert forecasts.loc[11, "linear"] == pytest.approx(1_080.0) and forecasts.loc[11, "forecast"] == 900.0
    assert forecasts.loc[14, "basis"] == "district" and forecasts.loc[14, "forecast"] == pytest.approx(733.333, 1e-4)
    # December: the year is complete, nothing is "about to" cross
    assert workbench.pipeline(make.engine, as_of=date(2026, 12, 1)).empty


def test_a_district_season_makes_a_new_building_a_candidate(engine, make) -> None:  # type: ignore[no-untyped-def]
    make.district()
    make.building(10)
    make.building(14)
    make.months(_year(10, 2025, [50.0] * 10 + [250.0, 250.0]) + _year(10, 2026, [60.0] * 10)
                + _year(14, 2026, [55.0] * 10))
    found = workbench.pipeline(make.engine, as_of=AS_OF).set_index("building_id")
    # the district's last year is building 10's alone (share 0.5): building 14 forecasts 550 ÷ 0.5 = 1,100, and
    # needs (1,000 − 550) ÷ 2 = 225 a month; linear would say 660
    assert found.loc[14, "basis"] == "district" and found.loc[14, "forecast"] == 1_100.0
    assert found.loc[14, "need_per_month"] == 225.0
    assert list(found.index) == [10, 14]  # 200 a month needed before 225



def test_vacant_area_and_its_three_month_trend(engine, make) -> None:  # type: ignore[no-untyped-def]
    from data_layer import buildings
    from data_layer.periods import Period

    make.district()
    make.building(1)
    make.building(2)
    make.months([{"building_id": 1, "month": date(2026, 7, 1), "occupied_area_m2": 6_000.0, "leasable_area_m2": 8_000.0},
                 {"building_id": 1, "month": AS_OF, "occupied_area_m2": 5_200.0, "leasable_area_m2": 8_000.0},
                 {"building_id": 2, "month": AS_OF, "occupied_area_m2": 9_000.0, "leasable_area_m2": 10_000.0}])
    frame = buildings.period_frame(engine, period=Period("ytd", 2026, 10)).set_index("id")
    # building 1: 8,000 − 5,200 = 2,800 ㎡ vacant now, 8,000 − 6,000 = 2,000 in July: +800 over 3 months
    assert frame.loc[1, "vacant_m2"] == 2_800.0 and frame.loc[1, "vacant_change_3m"] == 800.0
    # building 2: 1,000 ㎡ vacant; no July report, so no trend
    assert frame.loc[2, "vacant_m2"] == 1_000.0 and pd.isna(frame.loc[2, "vacant_change_3m"])
    # the district: 2,800 + 1,000 = 3,800 ㎡ (Σ leasable − Σ occupied)
    from data_layer import aggregates

    district = aggregates.district_indicators(engine, period=Period("ytd", 2026, 10)).set_index("code")
    assert district.loc["D1", "vacant_area"] == 3_800.0


def test_output_per_m2_annualises_a_part_year(engine, make) -> None:  # type: ignore[no-untyped-def]
    from data_layer import aggregates, buildings
    from data_layer.periods import Period

    make.district()
    make.building(1, grade="a")
    make.building(2, grade="a")
    make.building(3, grade="b")
    rows = [{"building_id": 1, "month": m, "tax_10k": 30.0, "leasable_area_m2": 8_000.0, "employees": 90}
            for m in month_range(date(2026, 7, 1), AS_OF)]  # reports from July only: 4 months
    rows += [{"building_id": 2, "month": m, "tax_10k": 50.0, "leasable_area_m2": 12_000.0, "employees": 100}
             for m in month_range(date(2026, 1, 1), AS_OF)]  # the whole ten months
    rows += [{"building_id": 3, "month": m, "tax_10k": 10.0, "leasable_area_m2": 4_000.0, "employees": 20}
             for m in month_range(date(2026, 1, 1), AS_OF)]
    make.months(rows)
    period = Period("ytd", 2026, 10)
    frame = buildings.period_frame(engine, period=period).set_index("id")
    # building 1: 4 × 30 = 120 万元 in 4 months → 120 × 12 / 4 = 360 万元 a year; ÷ 8,000 ㎡ = 450 元/㎡;
    #   ÷ 90 people = 4.0 万元 each (a part year: annualised by its own months, not by the period's ten)
    assert frame.loc[1, "tax_annual"] == 360.0
    assert frame.loc[1, "tax_per_m2"] == 450.0 and frame.loc[1, "tax_per_employee"] == 4.0
    # building 2: 500 万元 in 10 months → 600 a year; ÷ 12,000 ㎡ = 500 元/㎡; ÷ 100 = 6.0 万元
    assert frame.loc[2, "tax_per_m2"] == 500.0 and frame.loc[2, "tax_per_employee"] == 6.0
    # building 3: 100 → 120 a year ÷ 4,000 ㎡ = 300 元/㎡
    assert frame.loc[3, "tax_per_m2"] == 300.0
    # the map's output filter: 200-500 元/㎡ holds buildings 1 (450) and 3 (300); 500 and over building 2 (500, inclusive)
    from data_layer.buildings import BuildingFilter

    flat = frame.reset_index()
    assert set(buildings.filter_frame(flat, filters=BuildingFilter(output_bands=("200_to_500",)))["id"]) == {1, 3}
    assert set(buildings.filter_frame(flat, filters=BuildingFilter(output_bands=("500_to_1000",)))["id"]) == {2}
    ranks = workbench.output_ranks(frame.reset_index()).set_index(frame.index)
    # in the district: 500 (2) > 450 (1) > 300 (3); among 甲级: 2 then 1; 乙级: 3 alone
    assert list(ranks.loc[[1, 2, 3], "rank_district"]) == [2, 1, 3] and set(ranks["of_district"]) == {3}
    assert list(ranks.loc[[1, 2, 3], "rank_grade"]) == [2, 1, 1] and list(ranks.loc[[1, 2, 3], "of_grade"]) == [2, 2, 1]
    # the district: (120 + 500 + 100) × 12 / 10 = 864 万元 a year ÷ (8,000 + 12,000 + 4,000) ㎡ = 360 元/㎡;
    #   ÷ 210 people = 4.114 万元
    district = aggregates.district_indicators(engine, period=period).set_index("code")
    assert district.loc["D1", "tax_per_m2"] == pytest.approx(360.0)
    assert district.loc["D1", "tax_per_employee"] == pytest.approx(864 / 210)
