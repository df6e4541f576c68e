"""The figures goal tracking reads, from the summary tables (district_month, street_month, building_ytd,
designation_count) and the small city_month and demand tables: never a scan of building_month.

Statements are built once per shape (lru_cache) with bound parameters, so a goal table spends its time in the
database rather than in building SQL (about 3 ms saved per statement).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import pandas as pd
from sqlalchemy import (
    BindParameter,
    Connection,
    FromClause,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
)
from sqlmodel import col

from data_layer.aggregates import Scope
from data_layer.indicators import DESIGNATIONS
from data_layer.models import (
    Building,
    BuildingYtd,
    CityMonth,
    Demand,
    DesignationCount,
    DistrictMonth,
    Street,
    StreetMonth,
    table_of,
)
from data_layer.periods import add_months

SUMS = {"buildings": "buildings_reporting", "occupied": "occupied_area_m2", "leasable": "leasable_area_m2",
         "operating": "enterprises_operating", "registered": "enterprises_registered", "tax": "tax_10k",
         "new_enterprises": "new_enterprises"}



_CODE: BindParameter[str] = bindparam("scope_code")


def _street_id(code: object = _CODE) -> ScalarSelect:
    return select(col(Street.id)).where(col(Street.code) == code).scalar_subquery()


def building_filter(scope: Scope) -> list:
    """WHERE clauses on `building` for the scope."""
    if scope.kind == "district":
        return [col(Building.district_code) == scope.code]
    if scope.kind == "street":
        return [col(Building.street_id) == _street_id(scope.code or "")]
    return []


def _building_filter_param(kind: str) -> list:
    """`building_filter` with the scope's code as the bound parameter scope_code."""
    if kind == "district":
        return [col(Building.district_code) == _CODE]
    if kind == "street":
        return [col(Building.street_id) == _street_id()]
    return []


@lru_cache(maxsize=32)
def _monthly_statement(kind: str, by: str | None) -> Select:
    use_street = kind == "street" or by == "street"
    table: type[StreetMonth] | type[DistrictMonth] = StreetMonth if use_street else DistrictMonth
    month = col(table.month)
    entity = {"district": col(table.district_code), "street": col(Street.code)}.get(by or "")
    statement = select(entity if entity is not None else literal("all"), month,
                       *[func.sum(getattr(table, column)) for column in SUMS.values()])
    if use_street:
        statement = statement.join(Street, col(Street.id) == col(StreetMonth.street_id))
    where = [month >= bindparam("start"), month <= bindparam("end")]
    if kind == "district":
        where.append(col(table.district_code) == _CODE)
    elif kind == "street":
        where.append(col(Street.code) == _CODE)
    return statement.where(*where).group_by(*([entity] if entity is not None else []), month)


def monthly_rows(conn: Connection, *, scope: Scope, start: date, end: date,
                 by: str | None = None) -> list[tuple]:
    """Sums per month from the summary tables for the scope, as (entity, month, *sums in `SUMS` order) tuples;
    entity is the district or street code when `by` says so, else "all". Plain tuples: this is a hot path."""
    rows = conn.execute(_monthly_statement(scope.kind, by), {"start": start, "end": end, "scope_code": scope.code})
    return [tuple(row) for row in rows]


def monthly_sums(conn: Connection, *, scope: Scope, start: date, end: date, by: str | None = None) -> pd.DataFrame:
    """`monthly_rows` as a frame: entity, month (date) and the sums named in `SUMS`."""
    return pd.DataFrame(monthly_rows(conn, scope=scope, start=start, end=end, by=by),
                        columns=["entity", "month", *SUMS])


_CITY_TAX = select(col(CityMonth.month), col(CityMonth.city_tax_10k)).where(col(CityMonth.month) >= bindparam("start"),
                                                                   col(CityMonth.month) <= bindparam("end"))
_LAST_MONTH = select(func.max(col(DistrictMonth.month)))
_LAST_MONTH_IN = select(func.max(col(DistrictMonth.month))).where(col(DistrictMonth.month) >= bindparam("start"),
                                                             col(DistrictMonth.month) <= bindparam("end"))


def city_tax(conn: Connection, *, start: date, end: date) -> dict[date, float]:
    return {month: float(value) for month, value in conn.execute(_CITY_TAX, {"start": start, "end": end})}


def last_data_month(conn: Connection) -> date | None:
    return conn.execute(_LAST_MONTH).scalar()


def year_last_month(conn: Connection, year: int) -> date | None:
    """The last month of `year` with any statistics (December for a complete year)."""
    return conn.execute(_LAST_MONTH_IN, {"start": date(year, 1, 1), "end": date(year, 12, 1)}).scalar()


def threshold_counts(conn: Connection, *, scope: Scope, month: date,
                     conditions: dict[str, tuple[float, float | None]], by: str | None = None) -> pd.DataFrame:
    """Buildings whose calendar-year-to-date tax at `month` reaches each condition's bound (inclusive).
    conditions: name -> (bound, last_year_bound); with a last-year bound the building must also have stayed under
    it in the whole of last year (a "new" one). One row per entity ("all" when not grouped), one column each."""
    counts = threshold_totals(conn, scope=scope, month=month, conditions=conditions, by=by)
    rows = [{"entity": e} | {name: c.get(name, 0.0) for name in conditions} for e, c in counts.items()]
    return pd.DataFrame(rows, columns=["entity", *conditions])


def threshold_totals(conn: Connection, *, scope: Scope, month: date, conditions: dict[str, tuple[float, float | None]],
                    by: str | None) -> dict[str, dict[str, float]]:
    """{entity: {condition: count}}. Plain counts and "new" counts go in separate passes, so only the few rows
    over a "new" bound pay for the last-year lookup."""
    counts: dict[str, dict[str, float]] = {}
    plain = {name: spec for name, spec in conditions.items() if spec[1] is None}
    new = {name: spec for name, spec in conditions.items() if spec[1] is not None}
    for part in (plain, new):
        if part:
            for entity, *values in _threshold_query(conn, scope=scope, month=month, conditions=part, by=by):
                counts.setdefault(entity, {}).update(zip(part, (float(v) for v in values), strict=True))
    return counts


@lru_cache(maxsize=64)
def _threshold_statement(kind: str, by: str | None, count: int, new: bool) -> Select:
    """COUNT ... FILTER for `count` bounds (bound_i, and last_i when `new`) over the index range month = m,
    ytd ≥ lowest."""
    current = table_of(BuildingYtd).alias("y")
    previous = table_of(BuildingYtd).alias("ly")
    source: FromClause = current
    if new:
        source = source.join(previous, and_(previous.c.month == bindparam("last_year_end"),
                                            previous.c.building_id == current.c.building_id), isouter=True)
    columns = []
    for i in range(count):
        over = current.c.ytd_tax_10k >= bindparam(f"bound_{i}")
        if new:
            over = and_(over, or_(previous.c.ytd_tax_10k.is_(None), previous.c.ytd_tax_10k < bindparam(f"last_{i}")))
        columns.append(func.count().filter(over))
    where = [current.c.month == bindparam("month"), current.c.ytd_tax_10k >= bindparam("lowest")]
    entity = {"district": col(Building.district_code), "street": col(Street.code)}.get(by or "")
    if entity is not None:  # grouped: the building row gives the district or street
        source = source.join(Building, col(Building.id) == current.c.building_id)
        if by == "street":
            source = source.join(Street, col(Street.id) == col(Building.street_id))
        where += _building_filter_param(kind)
    elif kind != "city":  # one scope: a set of building ids, cheaper than a join per row
        where.append(current.c.building_id.in_(select(col(Building.id)).where(*_building_filter_param(kind))))
    statement = select(entity if entity is not None else literal("all"), *columns).select_from(source).where(*where)
    return statement.group_by(entity) if entity is not None else statement


def _threshold_query(conn: Connection, *, scope: Scope, month: date, conditions: dict[str, tuple[float, float | None]],
                     by: str | None) -> list[tuple]:
    """(entity, *counts) rows for conditions that are all plain or all "new"."""
    specs = list(conditions.values())
    new = specs[0][1] is not None
    params: dict[str, object] = {"month": month, "lowest": min(b for b, _ in specs), "scope_code": scope.code}
    for i, (bound, last_year_bound) in enumerate(specs):
        params[f"bound_{i}"] = bound
        if new:
            params[f"last_{i}"] = last_year_bound
    if new:
        params["last_year_end"] = year_last_month(conn, month.year - 1) or date(1900, 1, 1)
    return [tuple(row) for row in conn.execute(_threshold_statement(scope.kind, by, len(specs), new), params)]


@lru_cache(maxsize=8)
def _designation_statement(kind: str) -> Select:
    dc = DesignationCount
    where = [or_(col(dc.year) == 0, and_(col(dc.designation) == "renovated_buildings",
                                         col(dc.year) == bindparam("year")))]
    if kind == "district":
        where.append(col(dc.district_code) == _CODE)
    elif kind == "street":
        where.append(col(dc.street_id) == _street_id())
    return select(col(dc.designation), func.sum(col(dc.buildings))).where(*where).group_by(col(dc.designation))


def designation_counts(conn: Connection, *, scope: Scope, year: int) -> dict[str, float]:
    """Current designations (grades, flags) and renovations finished in `year`, in the scope (from the summary)."""
    rows = conn.execute(_designation_statement(scope.kind), {"year": year, "scope_code": scope.code})
    counts = {code: 0.0 for code in (*DESIGNATIONS, "renovated_buildings")}
    return counts | {code: float(value or 0) for code, value in rows}


def overdue_demands(conn: Connection, *, scope: Scope, months: list[date]) -> dict[date, float] | None:
    """Demands past their due date and not closed at the end of each month; None when the store has none."""
    if conn.execute(select(func.count()).select_from(Demand)).scalar() == 0:
        return None
    first_end, last_end = add_months(min(months), 1), add_months(max(months), 1)
    rows = pd.DataFrame(conn.execute(
        select(col(Demand.opened_on), col(Demand.due_on), col(Demand.closed_on))
        .join(Building, col(Building.id) == col(Demand.building_id))
        .where(col(Demand.opened_on) < last_end, col(Demand.due_on) < last_end,
               or_(col(Demand.closed_on).is_(None), col(Demand.closed_on) >= first_end), *building_filter(scope))
    ).fetchall(), columns=["opened_on", "due_on", "closed_on"])
    counts = {}
    for month in months:
        end = add_months(month, 1)
        open_at_end = rows["closed_on"].isna() | (rows["closed_on"].map(lambda d, e=end: d is not None and d >= e))
        counts[month] = float(((rows["opened_on"] < end) & (rows["due_on"] < end) & open_at_end).sum())
    return counts
