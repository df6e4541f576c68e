"""Map playback (issue 25): hand-made monthly rows, expected classes worked out by hand below."""

from __future__ import annotations

from datetime import date

import numpy as np

from data_layer import buildings, playback
from data_layer.periods import Period

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
X = playback.NO_DATA


def _store(make) -> None:  # type: ignore[no-untyped-def]
    make.district("D1")
    make.building(1)
    make.building(2)
    make.months([
        # building 1 fills up: 40 % -> 65 % -> 90 % of 1,000 ㎡; tax 10, 20, 30 万元
        {"building_id": 1, "month": JAN, "occupied_area_m2": 400.0, "leasable_area_m2": 1000.0, "tax_10k": 10.0},
        {"building_id": 1, "month": FEB, "occupied_area_m2": 650.0, "leasable_area_m2": 1000.0, "tax_10k": 20.0},
        {"building_id": 1, "month": MAR, "occupied_area_m2": 900.0, "leasable_area_m2": 1000.0, "tax_10k": 30.0},
        # building 2 skips February: 80 % both months; tax 100 then 50
        {"building_id": 2, "month": JAN, "occupied_area_m2": 800.0, "leasable_area_m2": 1000.0, "tax_10k": 100.0},
        {"building_id": 2, "month": MAR, "occupied_area_m2": 800.0, "leasable_area_m2": 1000.0, "tax_10k": 50.0},
    ])


def test_occupancy_takes_the_maps_bands_in_every_month_and_the_district_animates(engine, make) -> None:  # type: ignore[no-untyped-def]
    _store(make)
    monthly = playback.read_monthly(engine, start=JAN, end=MAR)
    steps = playback.steps(playback.metric_values(monthly, metric="occupancy"), metric="occupancy")
    # bands below 50 / 50-70 / 70-85 / 85+: building 1 is 0, 1, 3; building 2 is 2, (no report), 2
    assert steps.classes[:, :2].tolist() == [[0, 2], [1, X], [3, 2]]
    # a drawn building without rows in the range points at the NO_DATA column
    assert steps.columns_for(np.array([2, 7, 1])).tolist() == [1, 2, 0]
    # March's 90 % is the figure the map page shows for the month March
    frame = buildings.period_frame(engine, period=Period("month", 2026, 3))
    assert frame.set_index("id").loc[1, "occupancy_rate"] == 0.9
    # the district: (400 + 800) / 2,000 = 60 % -> 1; February only building 1, 65 % -> 1; (900 + 800) / 2,000 = 85 %
    # -> 3 (lower bounds inclusive)
    districts = playback.district_steps(engine, start=JAN, end=MAR, metric="occupancy")
    assert districts.codes == ("D1",)
    assert districts.classes[:, 0].tolist() == [1, 1, 3]


def test_cumulative_tax_bins_are_fixed_across_the_range(engine, make) -> None:  # type: ignore[no-untyped-def]
    _store(make)
    monthly = playback.read_monthly(engine, start=JAN, end=MAR)
    values = playback.metric_values(monthly, metric="tax", cumulative_tax=True)
    # building 1: 10, 30, 60; building 2: 100, 100 (February adds nothing), 150
    assert np.nan_to_num(values.values, nan=-1).tolist() == [[10, 100], [30, 100], [60, 150]]
    steps = playback.steps(values, metric="tax")
    # quantiles of all six values of the range (10, 30, 60, 100, 100, 150) at 20/40/60/80 %: 30, 60, 100, 100
    assert steps.edges == (30.0, 60.0, 100.0)
    # one bin set for every month: building 1's 30 in February is class 1 although it is February's smallest value
    assert steps.classes[:, :2].tolist() == [[0, 3], [1, 3], [2, 3]]
    # month by month (not cumulative): 10, 100 / 20, - / 30, 50
    monthly_tax = playback.metric_values(monthly, metric="tax").values
    assert np.nan_to_num(monthly_tax, nan=-1).tolist() == [[10, 100], [20, -1], [30, 50]]
    # the district's cumulative tax: 110, 130, 210
    districts = playback.district_steps(engine, start=JAN, end=MAR, metric="tax", cumulative_tax=True)
    assert districts.values[:, 0].tolist() == [110.0, 130.0, 210.0]
