"""Buildings with their figures for a period, the filters of the map page, and one building's profile.

Period figures follow the rules of `queries` and `indicators`: occupancy is the building's occupied ÷ leasable area
in the period's last month; tax over the period is the sum of its months (万元); the tax band is decided by the
calendar-year-to-date tax through the period's last month with inclusive lower bounds, so "10m_to_100m" plus
"100m_plus" are exactly the buildings the overview counts as over 1,000 万元.

The map loads one frame per period (`period_frame`, cached by the caller) and filters it in pandas
(`filter_frame`): a filter change then costs milliseconds instead of a new aggregation over building_month.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Float, Select, Subquery, and_, case, cast, func, or_, select
from sqlmodel import col

from data_layer import workbench
from data_layer.aggregates import ratio
from data_layer.i18n import localized, translate
from data_layer.indicators import TAX_10M_BOUND_10K, TAX_100M_BOUND_10K
from data_layer.models import GRADES, Building, BuildingMonth, BuildingYtd, District, Feedback, ObservationPoint, Street
from data_layer.periods import Period, add_months

# Flags a building can carry: filter code -> column.
FLAG_COLUMNS: dict[str, str] = {
    "zero_carbon": "is_zero_carbon_pilot",
    "energy_star": "energy_star",
    "featured": "is_featured",
    "hq_cluster": "is_hq_cluster",
    "observation_point": "is_observation_point",
}
FLAGS = tuple(FLAG_COLUMNS)

# Tax bands on calendar-year-to-date tax in 万元, lower bound inclusive (100 万元 = 1M yuan).
TAX_BANDS = ("under_1m", "1m_to_10m", "10m_to_100m", "100m_plus", "no_data")
_TAX_BAND_BOUNDS = (100.0, TAX_10M_BOUND_10K, TAX_100M_BOUND_10K)
# Occupancy bands (fractions, lower bound inclusive) of occupied ÷ leasable in the period's last month.
OCCUPANCY_BANDS = ("below_50", "50_to_70", "70_to_85", "85_plus", "no_data")
OCCUPANCY_BAND_BOUNDS = (0.50, 0.70, 0.85)
# Output bands: annualised tax per ㎡ of leasable area (元 a year, data_layer.workbench.output), lower bound inclusive.
OUTPUT_BANDS = ("1000_plus", "500_to_1000", "200_to_500", "under_200", "no_data")


@dataclass(frozen=True)
class BuildingFilter:
    """What the map page filters by. Empty tuples mean "any"; flags must all hold; the occupancy range is in whole
    percent and inclusive, and a narrowed range leaves out buildings with no statistics in the period's last month."""

    districts: tuple[str, ...] = ()
    streets: tuple[int, ...] = ()
    grades: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    occupancy: tuple[int, int] = (0, 100)
    tax_bands: tuple[str, ...] = ()
    name: str = ""
    output_bands: tuple[str, ...] = ()  # OUTPUT_BANDS codes


# --- the period frame --------------------------------------------------------------------------------------------

def _attributes(end: Subquery) -> list:
    """Every building column a period frame carries, plus the figures read in the period's last month (`end`)."""
    return [col(Building.id), col(Building.code), col(Building.name), col(Building.address),
            col(Building.district_code),
            col(District.name_zh).label("district_zh"), col(District.name_en).label("district_en"),
            col(Building.street_id),
            col(Street.name_zh).label("street_zh"), col(Street.name_en).label("street_en"), col(Building.lon),
            col(Building.lat),
            col(Building.crs), col(Building.grade), col(Building.status), col(Building.industry),
            col(Building.operator_type),
            col(Building.gross_area_m2), col(Building.leasable_area_m2), col(Building.year_completed),
            col(Building.is_zero_carbon_pilot), col(Building.energy_star), col(Building.is_featured),
            col(Building.is_hq_cluster),
            col(Building.is_observation_point),
            end.c.occupied_area_m2.label("occupied_end"), end.c.leasable_area_m2.label("leasable_end"),
            end.c.enterprises_operating, end.c.enterprises_registered, end.c.employees]


def _period_statement(period: Period, building_ids: Sequence[int]) -> Select:
    """The given buildings with their attributes and the period's figures summed from building_month (one
    building's profile: an index range per building, so no summary is needed)."""
    bm = BuildingMonth
    in_period = col(bm.month) >= period.start
    figures = (
        select(col(bm.building_id),
               func.sum(col(bm.tax_10k)).label("tax_ytd"),
               func.sum(case((in_period, col(bm.tax_10k)))).label("tax_period"),
               func.sum(case((in_period, col(bm.new_enterprises)))).label("new_enterprises"))
        .where(col(bm.month) >= date(period.year, 1, 1), col(bm.month) <= period.end,
               col(bm.building_id).in_(list(building_ids)))
        .group_by(col(bm.building_id))
    ).subquery()
    end = select(bm).where(col(bm.month) == period.end).subquery()
    return (
        select(*_attributes(end), figures.c.tax_period, figures.c.tax_ytd, figures.c.new_enterprises)
        .join(District, col(District.code) == col(Building.district_code))
        .join(Street, col(Street.id) == col(Building.street_id), isouter=True)
        .join(end, end.c.building_id == col(Building.id), isouter=True)
        .join(figures, figures.c.building_id == col(Building.id), isouter=True)
        .where(col(Building.id).in_(list(building_ids)))
        .order_by(col(Building.id))
    )


def _ytd_month(conn: Connection, through: date) -> date | None:
    """The year's last month with year-to-date rows at or before `through` (building_ytd has a row for every month
    of the year that has data, so this is `through` itself unless that month has no data at all)."""
    found = conn.execute(select(func.max(col(BuildingYtd.month)))
                         .where(col(BuildingYtd.month) >= date(through.year, 1, 1),
                                col(BuildingYtd.month) <= through)).scalar()
    return None if found is None else date.fromisoformat(str(found)[:10])


def _frame(engine: Engine, statement: Select) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(statement)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def occupancy_band(rate: pd.Series) -> pd.Series:
    codes = np.select([rate.isna(), rate < OCCUPANCY_BAND_BOUNDS[0], rate < OCCUPANCY_BAND_BOUNDS[1],
                       rate < OCCUPANCY_BAND_BOUNDS[2]], ["no_data", "below_50", "50_to_70", "70_to_85"], "85_plus")
    return pd.Series(codes, index=rate.index, dtype="object")


def tax_band(ytd: pd.Series) -> pd.Series:
    low, mid, high = _TAX_BAND_BOUNDS
    codes = np.select([ytd.isna(), ytd < low, ytd < mid, ytd < high],
                      ["no_data", "under_1m", "1m_to_10m", "10m_to_100m"], "100m_plus")
    return pd.Series(codes, index=ytd.index, dtype="object")


def output_band(value: pd.Series) -> pd.Series:
    codes = np.select([value.isna(), value >= 1_000, value >= 500, value >= 200],
                      ["no_data", "1000_plus", "500_to_1000", "200_to_500"], "under_200")
    return pd.Series(codes, index=value.index, dtype="object")


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Types, derived rates and bands; codes become categoricals (smaller to cache, faster to filter)."""
    for column in ("occupied_end", "leasable_end", "tax_period", "tax_ytd", "lon", "lat", "gross_area_m2",
                   "leasable_area_m2", "enterprises_operating", "enterprises_registered", "employees",
                   "new_enterprises"):
        if column in frame:  # new_enterprises: one building's profile only
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column in ("is_zero_carbon_pilot", "is_featured", "is_hq_cluster", "is_observation_point"):
        frame[column] = frame[column].astype(bool)
    frame["energy_star"] = frame["energy_star"].fillna(0).astype(int)
    frame["street_id"] = frame["street_id"].astype("Int64")
    reporting = frame["leasable_end"] > 0
    frame["occupancy_rate"] = ratio(frame["occupied_end"], frame["leasable_end"]).where(reporting)
    frame["registration_rate"] = ratio(frame["enterprises_registered"], frame["enterprises_operating"])
    frame["occupancy_band"] = occupancy_band(frame["occupancy_rate"])
    if "leasable_3m" in frame:  # the period frame (the map, the workbench); one building's detail reads less
        for column in ("occupied_3m", "leasable_3m", "months_reported"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        frame = workbench.output(workbench.vacancy(frame).assign(tax_reported=frame["tax_period"]))
        frame["output_band"] = output_band(frame["tax_per_m2"]).astype("category")
    frame["tax_band"] = tax_band(frame["tax_ytd"])
    for column in ("district_code", "grade", "status", "industry", "crs", "occupancy_band", "tax_band"):
        frame[column] = frame[column].astype("category")
    # Building order is the table's default order and the map's draw order: the same on every backend
    # (PostgreSQL returns a join's rows in no fixed order).
    if not frame["id"].is_monotonic_increasing:
        frame = frame.sort_values("id", kind="stable")
    return frame.reset_index(drop=True)


_BUILDING_COLUMNS = (col(Building.id), col(Building.code), col(Building.name), col(Building.address),
                     col(Building.district_code),
                     col(Building.street_id), col(Building.lon), col(Building.lat), col(Building.crs),
                     col(Building.grade), col(Building.status),
                     col(Building.industry), col(Building.operator_type), col(Building.gross_area_m2),
                     col(Building.leasable_area_m2),
                     col(Building.year_completed), col(Building.is_zero_carbon_pilot), col(Building.energy_star),
                     col(Building.is_featured), col(Building.is_hq_cluster), col(Building.is_observation_point))
_PERIOD_FRAME_COLUMNS = [
    "id", "code", "name", "address", "district_code", "district_zh", "district_en", "street_id", "street_zh",
    "street_en", "lon", "lat", "crs", "grade", "status", "industry", "operator_type", "gross_area_m2",
    "leasable_area_m2", "year_completed", "is_zero_carbon_pilot", "energy_star", "is_featured", "is_hq_cluster",
    "is_observation_point", "occupied_end", "leasable_end", "enterprises_operating", "enterprises_registered",
    "employees", "tax_ytd", "tax_period", "occupied_3m", "leasable_3m", "months_reported"]
_END_COLUMNS = {"occupied_area_m2": "occupied_end", "leasable_area_m2": "leasable_end",
                "enterprises_operating": "enterprises_operating",
                "enterprises_registered": "enterprises_registered", "employees": "employees"}


def period_frame(engine: Engine, *, period: Period) -> pd.DataFrame:
    """One row per building: attributes, district and street names, and the period's figures.

    occupied_end / leasable_end / occupancy_rate / enterprises / employees are read in the period's last month
    (NaN when the building did not report then); tax_period is the sum over the period's months; tax_ytd sums the
    calendar year through the period's last month and decides the tax band (both NaN for a building with no
    report this year; a building that reported earlier in the year but not in the period has tax_period 0).
    New enterprises over the period are in `building_detail` only (the map does not show them).

    The tax comes from building_ytd: year to date at the period's end, and over the period as that minus year to
    date at the month before it starts (summing building_month instead scans every row of the year: 1.4 s at
    50,000 buildings in October). Each table is read by a query of its own and the parts are lined up by building
    id here: one five-way join took 0.36 s at 50,000 buildings on SQLite, the separate reads 0.2 s."""
    bm = BuildingMonth
    with engine.connect() as conn, _many_new_objects():
        ytd_end = _ytd_month(conn, period.end)
        ytd_before = _ytd_month(conn, add_months(period.start, -1)) if period.start.month > 1 else None
        frame = _records(conn, select(*_BUILDING_COLUMNS).order_by(col(Building.id)))
        end = _records(conn, select(col(bm.building_id), *(getattr(bm, c) for c in _END_COLUMNS))
                       .where(col(bm.month) == period.end))
        # the workbench's figures: vacant area three months before the end, months reported in the period
        before = _records(conn, select(col(bm.building_id), col(bm.occupied_area_m2), col(bm.leasable_area_m2))
                          .where(col(bm.month) == add_months(period.end, -3)))
        # the tax and the months reported over the period: year to date at its end less year to date before it
        ytd = {month: _records(conn, select(col(BuildingYtd.building_id), col(BuildingYtd.ytd_tax_10k),
                                            col(BuildingYtd.months_reported))
                                .where(col(BuildingYtd.month) == month)) for month in (ytd_end, ytd_before) if month}
        districts = _records(conn, select(col(District.code), col(District.name_zh), col(District.name_en)))
        streets = _records(conn, select(col(Street.id), col(Street.name_zh), col(Street.name_en)))
    ids = frame["id"].to_numpy()
    for lang in ("zh", "en"):
        frame[f"district_{lang}"] = frame["district_code"].map(
            dict(zip(districts["code"], districts[f"name_{lang}"], strict=True)))
        street = frame["street_id"].map(dict(zip(streets["id"], streets[f"name_{lang}"], strict=True)))
        frame[f"street_{lang}"] = street.astype("object").where(street.notna(), None)  # None, as SQL gives
    end = end.set_index("building_id").reindex(ids)
    for column, name in _END_COLUMNS.items():
        frame[name] = end[column].to_numpy()

    before = before.set_index("building_id").reindex(ids)
    frame["occupied_3m"] = before["occupied_area_m2"].to_numpy()
    frame["leasable_3m"] = before["leasable_area_m2"].to_numpy()

    def ytd_at(month: date | None, column: str = "ytd_tax_10k") -> np.ndarray:
        if month is None:
            return np.full(len(ids), np.nan)
        return ytd[month].set_index("building_id")[column].reindex(ids).to_numpy(dtype=float)

    # months with a report inside the period; NaN (not 0) for a building that reported none there
    months = ytd_at(ytd_end, "months_reported") - (np.nan_to_num(ytd_at(ytd_before, "months_reported"))
                                                   if ytd_before else 0.0)
    frame["months_reported"] = np.where(months > 0, months, np.nan)
    frame["tax_ytd"] = ytd_at(ytd_end)
    # a building that first reported inside the period has no row before it: all its tax is the period's
    frame["tax_period"] = frame["tax_ytd"] - (np.nan_to_num(ytd_at(ytd_before)) if ytd_before else 0.0)
    return _finish(frame[_PERIOD_FRAME_COLUMNS])


@contextmanager
def _many_new_objects() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a large result becomes a frame: 50,000 rows are over a
    million new objects, all alive, which the collector would otherwise scan again and again (0.03-0.05 s of a
    0.45 s read at 50,000 buildings). Process-wide, so a concurrent pause elsewhere just ends a little early."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _records(conn: Connection, statement: Select) -> pd.DataFrame:
    """The rows as plain DBAPI tuples: SQLAlchemy's Row objects double the cost of 50,000 rows (no column here
    needs its type processing: numbers, text and 0/1 flags, typed in _finish)."""
    result = conn.execute(statement)
    return pd.DataFrame.from_records(result.cursor.fetchall(), columns=list(result.keys()))


def filter_frame(frame: pd.DataFrame, *, filters: BuildingFilter) -> pd.DataFrame:
    """The rows of a `period_frame` that pass every filter (pure pandas)."""
    keep = np.ones(len(frame), dtype=bool)
    for column, wanted in (("district_code", filters.districts), ("grade", filters.grades),
                           ("status", filters.statuses), ("industry", filters.industries),
                           ("tax_band", filters.tax_bands), ("output_band", filters.output_bands)):
        if wanted:
            keep &= frame[column].isin(wanted).to_numpy()
    if filters.streets:
        keep &= frame["street_id"].isin(filters.streets).fillna(False).to_numpy(dtype=bool)
    for flag in filters.flags:
        keep &= (frame[FLAG_COLUMNS[flag]] > 0).to_numpy() if flag == "energy_star" else frame[
            FLAG_COLUMNS[flag]].to_numpy(dtype=bool)
    low, high = filters.occupancy
    if (low, high) != (0, 100):
        rate = frame["occupancy_rate"] * 100
        keep &= (rate >= low - 1e-9).to_numpy() & (rate <= high + 1e-9).to_numpy()  # NaN fails both
    if filters.name.strip():
        needle = filters.name.strip().casefold()
        keep &= (frame["name"].str.casefold().str.contains(needle, regex=False)
                 | frame["code"].str.casefold().str.contains(needle, regex=False)).to_numpy()
    return frame[keep]


def find_buildings(engine: Engine, *, period: Period, filters: BuildingFilter) -> pd.DataFrame:
    """The buildings passing `filters`, with their period figures (period_frame + filter_frame)."""
    return filter_frame(period_frame(engine, period=period), filters=filters)


def summarise(frame: pd.DataFrame) -> dict[str, float | None]:
    """Figures of a set of buildings, aggregated by the usual rules (occupancy is Σ occupied ÷ Σ leasable)."""
    leasable = float(frame["leasable_end"].sum())
    return {
        "buildings": float(len(frame)),
        "reporting": float((frame["leasable_end"] > 0).sum()),
        "occupancy_rate": ratio(float(frame["occupied_end"].sum()), leasable),
        "tax_period": float(frame["tax_period"].sum()) if frame["tax_period"].notna().any() else None,
        "buildings_tax_10m": float((frame["tax_ytd"] >= TAX_10M_BOUND_10K).sum()),
        "buildings_tax_100m": float((frame["tax_ytd"] >= TAX_100M_BOUND_10K).sum()),
    }


# --- the table and its download ------------------------------------------------------------------------------------

TABLE_COLUMNS = ("code", "name", "district", "street", "grade", "status", "industry", "gross_area_m2",
                 "occupancy_rate", "vacant_m2", "vacant_change_3m", "tax_period", "tax_ytd", "tax_band",
                 "tax_per_m2", "tax_per_employee", "enterprises_operating", "flags", "address")


def table_frame(frame: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """The filtered buildings as a table for people: translated codes and headers, occupancy in percent,
    tax in 万元. The same frame is shown under the map and downloaded (CSV with BOM, XLSX).
    The columns of a few repeated labels are categoricals: one translation per label rather than per row, and
    they reach the browser dictionary-encoded (half the bytes at 10k rows)."""
    def label(prefix: str, series: pd.Series) -> pd.Series:  # codes -> translated labels, "" for none
        codes = series.astype("category")
        labels = codes.cat.rename_categories([translate(f"{prefix}.{code}", lang) for code in codes.cat.categories])
        return repeated(labels)

    def repeated(values: pd.Series) -> pd.Series:
        values = values.astype("category")
        if values.isna().any():
            values = values.cat.add_categories([""]) if "" not in values.cat.categories else values
            values = values.fillna("")
        return values

    # flags: a bit per flag, then one label per combination that occurs
    bits = np.zeros(len(frame), dtype=np.int64)
    for bit, (flag, column) in enumerate(FLAG_COLUMNS.items()):
        has = frame[column].to_numpy() > 0 if flag == "energy_star" else frame[column].to_numpy(dtype=bool)
        bits |= has.astype(np.int64) << bit
    names = [translate(f"map.flag.{flag}", lang) for flag in FLAG_COLUMNS]
    sep = translate("map.list_sep", lang)
    combos = np.unique(bits)
    flags = pd.Series(pd.Categorical.from_codes(
        np.searchsorted(combos, bits),
        [sep.join(name for bit, name in enumerate(names) if combo >> bit & 1) for combo in combos]),
        index=frame.index)
    out = pd.DataFrame({
        "code": frame["code"], "name": frame["name"],
        "district": repeated(frame[localized("district", lang)]),
        "street": repeated(frame[localized("street", lang)]),
        "grade": label("map.grade", frame["grade"]), "status": label("map.status", frame["status"]),
        "industry": label("map.industry", frame["industry"]), "gross_area_m2": frame["gross_area_m2"].round(0),
        "occupancy_rate": (frame["occupancy_rate"] * 100).round(1), "vacant_m2": frame["vacant_m2"].round(0),
        "vacant_change_3m": frame["vacant_change_3m"].round(0), "tax_period": frame["tax_period"].round(2),
        "tax_ytd": frame["tax_ytd"].round(2), "tax_band": label("map.tax_band", frame["tax_band"]),
        "tax_per_m2": frame["tax_per_m2"].round(0), "tax_per_employee": frame["tax_per_employee"].round(2),
        "enterprises_operating": frame["enterprises_operating"], "flags": flags, "address": frame["address"],
    })
    out.columns = [translate(f"map.col.{c}", lang) for c in TABLE_COLUMNS]
    return out.reset_index(drop=True)


TABLE_SORTS = ("tax_period", "tax_ytd", "occupancy_rate", "vacant_m2", "vacant_change_3m", "gross_area_m2",
               "tax_per_m2", "tax_per_employee", "enterprises_operating", "grade", "district", "street", "name", "code")
TABLE_PAGE_ROWS = 50  # rows the map's table sends per page (all 50,000 of a province were ~5 MB on every rerun)


def sort_buildings(frame: pd.DataFrame, *, by: str, descending: bool, lang: str) -> pd.DataFrame:
    """`frame` (period_frame rows) in the order of the table column `by`: numbers numerically, grades from 超甲级
    down, text by its characters; blanks (no report, no street) last in either direction; ties by building code, so
    that a page holds the same buildings on every run and every database."""
    column = {"district": localized("district", lang), "street": localized("street", lang)}.get(by, by)
    if by not in TABLE_SORTS:
        raise ValueError(f"unknown sort column {by!r}")
    values = frame[column]
    if by == "grade":
        values = values.map({g: i for i, g in enumerate(GRADES)}).astype("float64")
    elif by in ("district", "street", "name", "code"):
        values = values.astype("object").where(values.notna() & (values.astype("string") != ""), None)
    else:
        values = pd.to_numeric(values, errors="coerce")
    keys = pd.DataFrame({"value": values.to_numpy(), "code": frame["code"].astype("string").to_numpy()})
    order = keys.sort_values(["value", "code"], ascending=[not descending, True], na_position="last",
                             kind="stable").index.to_numpy()
    return frame.iloc[order]


def page_count(rows: int, *, per_page: int = TABLE_PAGE_ROWS) -> int:
    """Pages of `per_page` rows needed for `rows` rows (1 for none: an empty table is still page 1 of 1)."""
    return max(1, -(-rows // per_page))


def table_page(frame: pd.DataFrame, *, by: str, descending: bool, page: int, lang: str,
               per_page: int = TABLE_PAGE_ROWS) -> tuple[pd.DataFrame, list[int]]:
    """Page `page` (1-based, clamped to the pages there are) of the sorted buildings as the table for people, and
    the building ids of its rows in order (a picked row's index maps to a building through them)."""
    page = min(max(page, 1), page_count(len(frame), per_page=per_page))
    rows = sort_buildings(frame, by=by, descending=descending, lang=lang).iloc[(page - 1) * per_page:page * per_page]
    return table_frame(rows, lang=lang), [int(i) for i in rows["id"]]


# --- reference lists ------------------------------------------------------------------------------------------------

def streets(engine: Engine) -> pd.DataFrame:
    """Streets (街道) with their district, for the street filter."""
    return _frame(engine, select(col(Street.id), col(Street.code), col(Street.district_code), col(Street.name_zh),
                                 col(Street.name_en))
                  .order_by(col(Street.district_code), col(Street.id)))


def search_buildings(engine: Engine, *, text: str, limit: int = 20) -> pd.DataFrame:
    """Buildings whose name or code contains `text` (case-insensitive), best-known first (higher grade)."""
    needle = text.strip()
    columns = ["id", "code", "name", "district_zh", "district_en", "grade"]
    if not needle:
        return pd.DataFrame(columns=columns)
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    grade_rank = case({"super_a": 0, "a": 1, "b": 2}, value=col(Building.grade), else_=3)
    return _frame(engine, (
        select(col(Building.id), col(Building.code), col(Building.name), col(District.name_zh).label("district_zh"),
               col(District.name_en).label("district_en"), col(Building.grade))
        .join(District, col(District.code) == col(Building.district_code))
        .where(or_(col(Building.name).ilike(pattern, escape="\\"), col(Building.code).ilike(pattern, escape="\\")))
        .order_by(grade_rank, col(Building.name)).limit(limit)
    ))


# --- one building ----------------------------------------------------------------------------------------------------

def building_detail(engine: Engine, *, building_id: int, period: Period) -> dict[str, object] | None:
    """One building's attributes and period figures (the same columns as a period_frame row), or None."""
    frame = _frame(engine, _period_statement(period, building_ids=[building_id]))
    if frame.empty:
        return None
    return _finish(frame).iloc[0].to_dict()


def building_history(engine: Engine, *, building_id: int, end: date, months: int = 36) -> pd.DataFrame:
    """The building's monthly statistics for the `months` months through `end`: occupancy (fraction), tax (万元),
    enterprises operating and registered, employees, new enterprises."""
    bm = BuildingMonth
    frame = _frame(engine, (
        select(col(bm.month), col(bm.occupied_area_m2), col(bm.leasable_area_m2), col(bm.tax_10k),
               col(bm.enterprises_operating), col(bm.enterprises_registered), col(bm.employees),
               col(bm.new_enterprises))
        .where(col(bm.building_id) == building_id, col(bm.month) >= add_months(end, -(months - 1)),
               col(bm.month) <= end)
        .order_by(col(bm.month))
    ))
    frame["month"] = pd.to_datetime(frame["month"])
    frame["occupancy_rate"] = ratio(frame["occupied_area_m2"], frame["leasable_area_m2"])
    return frame


def observation_scores(engine: Engine, *, building_id: int, period: Period) -> pd.DataFrame:
    """The survey scores (feedback.score, 1-5) at the building's observation point: per dimension, the average
    and the number of scored responses in the period and over the whole record. Empty when it is not a point."""
    fb, op = Feedback, ObservationPoint
    submitted, dimension, raw_score = col(fb.submitted_on), col(fb.dimension), col(fb.score)
    in_period = and_(submitted >= period.start, submitted < add_months(period.end, 1))
    score = cast(raw_score, Float)  # PostgreSQL averages integers as NUMERIC (Decimal in Python)
    return _frame(engine, (
        select(dimension,
               func.avg(case((in_period, score))).label("period_avg"),
               func.count(case((in_period, raw_score))).label("period_responses"),
               func.avg(score).label("all_avg"), func.count(raw_score).label("all_responses"))
        .join(op, col(op.id) == col(fb.point_id))
        .where(col(op.building_id) == building_id, raw_score.is_not(None))
        .group_by(dimension).order_by(dimension)
    ))


def observation_point(engine: Engine, *, building_id: int) -> dict[str, object] | None:
    with engine.connect() as conn:
        row = conn.execute(select(col(ObservationPoint.code), col(ObservationPoint.designated_on))
                           .where(col(ObservationPoint.building_id) == building_id)).first()
    return {"code": row.code, "designated_on": row.designated_on} if row else None


def has_observation_points(engine: Engine) -> bool:
    """Whether any building is an observation point (the map offers sentiment colouring only then)."""
    with engine.connect() as conn:
        return conn.execute(select(col(ObservationPoint.id)).limit(1)).first() is not None


def sentiment_index(engine: Engine, *, period: Period, min_responses: int) -> pd.DataFrame:
    """The perception index (0-100, `data_layer.observation`'s formula) of each observation-point building over
    the period's months: columns building_id, sentiment_index, responses. A point with fewer than `min_responses`
    responses in the period keeps its row with no index (the map shows it as "no data")."""
    from data_layer import observation  # local: the map's other figures do not need the feedback tables

    stats = observation.monthly_stats(engine)
    points = observation.points(engine)[["point_id", "building_id"]]
    if not stats.empty:
        months = pd.to_datetime(stats["month"])
        stats = stats[(months >= pd.Timestamp(period.start)) & (months <= pd.Timestamp(period.end))]
    index = observation.perception_index(stats, ["point_id"], min_responses=min_responses)
    frame = points.merge(index[["point_id", "responses", "index"]], on="point_id", how="left")
    return pd.DataFrame({"building_id": frame["building_id"].astype("int64"),
                         "sentiment_index": pd.to_numeric(frame["index"], errors="coerce").astype("float64"),
                         "responses": frame["responses"].fillna(0).astype("int64")})
