"""The map through time (issue 25): every building's and district's monthly value over a range of months, and the
colour class of each value on bins fixed across the whole range, so a colour means the same in every month.

What a month's value is comes from the rules the map already applies to a one-month period:
- occupancy: occupied ÷ leasable in that month (`aggregates.ratio`, NaN when the building did not report or has
  no leasable area), coloured by the map's occupancy bands (`buildings.occupancy_band`: below 50 %, 50-70 %,
  70-85 %, 85 % and over): for the last month of a range it is the figure the map page shows for that month;
- tax: the month's tax (万元), or with `cumulative` the running sum from the range's first month (a building that
  has not reported yet has no value; a month it skipped adds nothing);
- vacancy: leasable − occupied in that month (`workbench.vacancy`, ㎡).
Districts read the district_month summary by the same rules (`aggregates.district_indicators` for a month).

Tax and vacancy have no fixed bands: their bins are quantiles of every value of the range (all months at once,
computed once per range, rounded to two significant figures for a readable legend), so a month late in a
cumulative range reads darker than an early one, as it should.

The page sends the browser, per month, one byte per building: the class index (`NO_DATA` when missing); the
buildings' positions travel once per range and filter (`ui.playback_view`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select
from sqlmodel import col

from data_layer import workbench
from data_layer.aggregates import ratio
from data_layer.buildings import OCCUPANCY_BAND_BOUNDS as OCCUPANCY_BOUNDS  # the map's bands: one home
from data_layer.buildings import OCCUPANCY_BANDS
from data_layer.models import BuildingMonth, DistrictMonth
from data_layer.periods import month_range

METRICS = ("occupancy", "tax", "vacancy")
CLASSES = 5
NO_DATA = 255  # the class byte of a missing value


@dataclass(frozen=True)
class RangeValues:
    """One metric over a range: `values[m, b]` is building `ids[b]`'s value in `months[m]` (NaN: none)."""

    months: tuple[date, ...]
    ids: np.ndarray
    values: np.ndarray

    def month_index(self, month: date) -> int:
        return self.months.index(month)


@dataclass(frozen=True)
class Monthly:
    """The range's raw monthly figures per building, read once per range: what every metric is derived from."""

    months: tuple[date, ...]
    ids: np.ndarray  # building ids, ascending
    occupied: np.ndarray  # (months, buildings), NaN where no report
    leasable: np.ndarray
    tax: np.ndarray


def read_monthly(engine: Engine, *, start: date, end: date) -> Monthly:
    """Every building_month row of the range as three month × building matrices (float32: 50,000 buildings × 120
    months is 24 MB each). Buildings without any row in the range are not columns.

    One query per month on the month index, rows taken as plain tuples straight into numpy: no month column to
    parse and no DataFrame: for 12 months at 50,000 buildings the work after SQLite hands over the rows fell from
    1.7 to 0.75 s (SQLite's own 1.3-1.6 s remains)."""
    bm = BuildingMonth
    months = tuple(month_range(start, end))
    statement = select(col(bm.building_id), col(bm.occupied_area_m2), col(bm.leasable_area_m2), col(bm.tax_10k))
    read: list[np.ndarray] = []
    with engine.connect() as conn:
        for month in months:
            rows = conn.execute(statement.where(col(bm.month) == month)).cursor.fetchall()
            read.append(np.array(rows, dtype=np.float64).reshape(-1, 4))
    found = [block[:, 0] for block in read if len(block)]
    ids = np.unique(np.concatenate(found)).astype(np.int64) if found else np.zeros(0, dtype=np.int64)
    shape = (len(months), len(ids))
    occupied, leasable, tax = (np.full(shape, np.nan, dtype=np.float32) for _ in range(3))
    for row, block in enumerate(read):
        column = np.searchsorted(ids, block[:, 0].astype(np.int64))
        occupied[row, column], leasable[row, column], tax[row, column] = block[:, 1], block[:, 2], block[:, 3]
    return Monthly(months, ids, occupied, leasable, tax)


def _vacant(occupied: pd.Series, leasable: pd.Series) -> pd.Series:
    """Vacant ㎡ in a month by the workbench's one rule (`workbench.vacancy`: blank where nothing is leasable), for
    buildings and districts alike."""
    frame = pd.DataFrame({"leasable_end": leasable.to_numpy(), "occupied_end": occupied.to_numpy(),
                          "leasable_3m": np.nan, "occupied_3m": np.nan}, index=occupied.index)
    return workbench.vacancy(frame)["vacant_m2"]


def cumulative(values: np.ndarray) -> np.ndarray:
    """Running sums down the months: NaN until a building's first value, then missing months add nothing."""
    started = np.maximum.accumulate(~np.isnan(values), axis=0)
    return np.where(started, np.nancumsum(values, axis=0), np.nan).astype(values.dtype)


def metric_values(monthly: Monthly, *, metric: str, cumulative_tax: bool = False) -> RangeValues:
    """The chosen metric per building and month (module docstring for the rules)."""
    if metric == "occupancy":
        rate = ratio(pd.Series(monthly.occupied.ravel()), pd.Series(monthly.leasable.ravel()))
        values = rate.to_numpy(dtype=np.float64).reshape(monthly.occupied.shape)
    elif metric == "vacancy":
        values = _vacant(pd.Series(monthly.occupied.ravel()), pd.Series(monthly.leasable.ravel())).to_numpy(
            dtype=np.float64).reshape(monthly.occupied.shape)
    elif metric == "tax":
        values = cumulative(monthly.tax) if cumulative_tax else monthly.tax
    else:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")
    return RangeValues(monthly.months, monthly.ids, np.asarray(values, dtype=np.float32))


def _two_figures(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, 1 - int(math.floor(math.log10(abs(value)))))


def range_edges(values: np.ndarray, *, metric: str, classes: int = CLASSES) -> tuple[float, ...]:
    """The inner class bounds (lower bound inclusive) for a whole range: the map's occupancy bands for occupancy;
    otherwise quantiles of every value in the range at once, at two significant figures, duplicates dropped."""
    if metric == "occupancy":
        return tuple(OCCUPANCY_BOUNDS)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return ()
    cuts = np.quantile(finite.astype(np.float64), np.linspace(0, 1, classes + 1)[1:-1])
    return tuple(sorted({_two_figures(float(c)) for c in cuts}))


def class_index(values: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    """Each value's class (0 = below the first bound, len(edges) = at or above the last) as bytes, NO_DATA for a
    missing value. Works on one month or on the whole matrix."""
    out = np.searchsorted(np.asarray(edges, dtype=np.float64), values.astype(np.float64), side="right")
    return np.where(np.isfinite(values), out, NO_DATA).astype(np.uint8)


def class_count(metric: str, edges: tuple[float, ...]) -> int:
    """How many classes `edges` make (the occupancy bands: four, `no_data` is NO_DATA)."""
    return len(OCCUPANCY_BANDS) - 1 if metric == "occupancy" else len(edges) + 1


def district_values(engine: Engine, *, start: date, end: date, metric: str,
                    cumulative_tax: bool = False) -> pd.DataFrame:
    """Each district's value per month over the range, from district_month: a frame indexed by month (the range's
    months in order) with one column per district code (NaN: the district did not report that month)."""
    dm = DistrictMonth
    with engine.connect() as conn:
        rows = conn.execute(select(col(dm.district_code), col(dm.month), col(dm.buildings_reporting),
                                   col(dm.occupied_area_m2), col(dm.leasable_area_m2), col(dm.tax_10k))
                            .where(col(dm.month) >= start, col(dm.month) <= end)).all()
    frame = pd.DataFrame(rows, columns=["code", "month", "reporting", "occupied", "leasable", "tax"])
    frame["month"] = pd.to_datetime(frame["month"].astype(str).str[:10]).dt.date
    reporting = pd.to_numeric(frame["reporting"]).fillna(0) > 0
    occupied, leasable = pd.to_numeric(frame["occupied"]), pd.to_numeric(frame["leasable"])
    if metric == "occupancy":
        frame["value"] = ratio(occupied, leasable).where(reporting)
    elif metric == "vacancy":
        frame["value"] = _vacant(occupied, leasable).where(reporting)
    else:
        frame["value"] = pd.to_numeric(frame["tax"])
    wide = frame.pivot_table(index="month", columns="code", values="value", aggfunc="first", dropna=False)
    wide = wide.reindex(month_range(start, end)).astype(float)
    if metric == "tax" and cumulative_tax:
        wide = pd.DataFrame(cumulative(wide.to_numpy()), index=wide.index, columns=wide.columns)
    wide.columns = [str(c) for c in wide.columns]
    return wide


TALLEST = 250  # the height byte of a range's largest value (0 = none or missing)


@dataclass(frozen=True)
class Steps:
    """A range's class bytes, ready to send month by month: `classes[m]` has one byte per building of `ids` plus a
    last NO_DATA byte (where a drawn building without rows in the range points); `heights[m]` likewise, 0-TALLEST
    scaled to the range's largest value, for 3D columns."""

    months: tuple[date, ...]
    ids: np.ndarray
    edges: tuple[float, ...]
    classes: np.ndarray
    heights: np.ndarray

    def columns_for(self, building_ids: np.ndarray) -> np.ndarray:
        """For buildings in drawing order, the column of each in `classes` (the NO_DATA column when absent)."""
        at = np.searchsorted(self.ids, building_ids)
        at = np.minimum(at, max(len(self.ids) - 1, 0))
        found = (self.ids[at] == building_ids) if len(self.ids) else np.zeros(len(building_ids), dtype=bool)
        return np.where(found, at, len(self.ids)).astype(np.int64)


def steps(values: RangeValues, *, metric: str) -> Steps:
    """Bins fixed across the range (`range_edges`), then every month's classes and heights at once."""
    edges = range_edges(values.values, metric=metric)
    months = len(values.months)
    classes = np.full((months, len(values.ids) + 1), NO_DATA, dtype=np.uint8)
    classes[:, :-1] = class_index(values.values, edges)
    top = float(np.nanmax(values.values)) if np.isfinite(values.values).any() else 0.0
    heights = np.zeros_like(classes)
    if top > 0:
        scaled = np.nan_to_num(values.values.astype(np.float64) / top * TALLEST, nan=0.0)
        heights[:, :-1] = np.clip(np.round(scaled), 0, TALLEST).astype(np.uint8)
    return Steps(values.months, values.ids, edges, classes, heights)


@dataclass(frozen=True)
class DistrictSteps:
    """The districts' values and classes per month of a range (bins fixed across it, as for the buildings)."""

    months: tuple[date, ...]
    codes: tuple[str, ...]
    edges: tuple[float, ...]
    values: np.ndarray  # (months, districts)
    classes: np.ndarray


def district_steps(engine: Engine, *, start: date, end: date, metric: str,
                   cumulative_tax: bool = False) -> DistrictSteps:
    wide = district_values(engine, start=start, end=end, metric=metric, cumulative_tax=cumulative_tax)
    values = wide.to_numpy(dtype=np.float64)
    edges = range_edges(values, metric=metric)
    return DistrictSteps(tuple(wide.index), tuple(wide.columns), edges, values, class_index(values, edges))


POSITION_SCALE = 100_000  # as on the map (data_layer.map_payload): whole 1e-5 degrees (about 1 m) from an origin


@dataclass(frozen=True)
class Positions:
    """The drawn buildings (those with coordinates), sent once per range and filter: little-endian int32 pairs
    (east, north) in 1e-5 degrees from `origin`, with the names for the tooltip and the codes tests look up."""

    ids: np.ndarray
    pos: bytes
    origin: tuple[float, float]
    names: tuple[str, ...]
    codes: tuple[str, ...]
    lon: tuple[float, float]  # the extent, for the first view
    lat: tuple[float, float]


def positions(frame: pd.DataFrame) -> Positions:
    """From a period frame (already converted to the drawing CRS and filtered): the placed buildings by id."""
    placed = frame[frame["lon"].notna() & frame["lat"].notna()].sort_values("id")
    if placed.empty:
        return Positions(np.zeros(0, dtype=np.int64), b"", (0.0, 0.0), (), (), (0.0, 0.0), (0.0, 0.0))
    lon, lat = placed["lon"].to_numpy(dtype=float), placed["lat"].to_numpy(dtype=float)
    origin = (math.floor(lon.min() * 100) / 100, math.floor(lat.min() * 100) / 100)
    pairs = np.empty(2 * len(placed), dtype="<i4")
    pairs[0::2] = np.round((lon - origin[0]) * POSITION_SCALE)
    pairs[1::2] = np.round((lat - origin[1]) * POSITION_SCALE)
    return Positions(placed["id"].to_numpy(dtype=np.int64), pairs.tobytes(), origin,
                     tuple(placed["name"].astype(str)), tuple(placed["code"].astype(str)),
                     (float(lon.min()), float(lon.max())), (float(lat.min()), float(lat.max())))
