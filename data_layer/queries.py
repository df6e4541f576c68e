"""Read queries for the pages. Keyword-only, bound parameters, DataFrames (or plain values) out.

Period figures follow the aggregation rules in `indicators`: stock measures (occupancy, registration, enterprises,
employees) are read in the period's last month and are ratios of sums; flows (tax, new enterprises) are sums over
the period's months; tax thresholds use the calendar year to date through the period's last month, inclusive.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, Select, and_, func, select, true

from data_layer.goal_sources import Scope, threshold_totals
from data_layer.indicators import TAX_100M_BOUND_10K, TAX_10M_BOUND_10K
from data_layer.models import Building, BuildingYtd, CityMonth, District, DistrictMonth, StoreMeta
from data_layer.periods import Period, add_months

# KPI codes of the overview, with how their change against last year is expressed.
KPI_CHANGE_KIND: dict[str, str] = {
    "buildings_reporting": "abs",
    "super_a": "none",
    "grade_a": "none",
    "occupancy_rate": "pp",
    "registration_rate": "pp",
    "building_tax": "rel",
    "tax_share": "pp",
    "buildings_tax_10m": "abs",
    "buildings_tax_100m": "abs",
    "new_enterprises": "rel",
    "employees": "rel",
}


def _frame(engine: Engine, statement: Select) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(statement)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def data_version(engine: Engine) -> str:
    """Changes on every write; cached page data takes it as a key."""
    with engine.connect() as conn:
        value = conn.execute(select(StoreMeta.value).where(StoreMeta.key == "data_version")).scalar()
    return value or ""


def latest_month(engine: Engine) -> date | None:
    """The last month with any building statistics ("data as of")."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(DistrictMonth.month))).scalar()


def first_month(engine: Engine) -> date | None:
    with engine.connect() as conn:
        return conn.execute(select(func.min(DistrictMonth.month))).scalar()


def districts(engine: Engine) -> pd.DataFrame:
    return _frame(engine, select(District.code, District.name_zh, District.name_en).order_by(District.code))


def _scope(column, district: str | None):  # type: ignore[no-untyped-def]
    return column == district if district else true()


def period_kpis(engine: Engine, *, period: Period, district: str | None = None) -> dict[str, float | None]:
    """Headline figures for one period and scope (the whole city when `district` is None)."""
    dm = DistrictMonth
    with engine.connect() as conn:
        end = conn.execute(
            select(func.sum(dm.buildings_reporting), func.sum(dm.occupied_area_m2), func.sum(dm.leasable_area_m2),
                   func.sum(dm.enterprises_operating), func.sum(dm.enterprises_registered), func.sum(dm.employees))
            .where(dm.month == period.end, _scope(dm.district_code, district))
        ).one()
        flows = conn.execute(
            select(func.sum(dm.tax_10k), func.sum(dm.new_enterprises), func.count(func.distinct(dm.month)))
            .where(dm.month >= period.start, dm.month <= period.end, _scope(dm.district_code, district))
        ).one()
        city_tax = conn.execute(
            select(func.sum(CityMonth.city_tax_10k)).where(CityMonth.month >= period.start, CityMonth.month <= period.end)
        ).scalar()
        grades = dict(conn.execute(
            select(Building.grade, func.count()).where(_scope(Building.district_code, district)).group_by(Building.grade)
        ).all())
        over_10m, over_100m = _threshold_counts(conn, year=period.year, end=period.end, district=district)
    buildings, occupied, leasable, operating, registered, employees = end
    tax, new_enterprises, months_with_data = flows
    has_end = bool(buildings)
    return {
        "buildings_reporting": float(buildings) if has_end else None,
        "super_a": float(grades.get("super_a", 0)),
        "grade_a": float(grades.get("a", 0)),
        "occupancy_rate": occupied / leasable if has_end and leasable else None,
        "registration_rate": registered / operating if has_end and operating else None,
        "building_tax": float(tax) if months_with_data else None,
        "tax_share": tax / city_tax if months_with_data and city_tax else None,
        "buildings_tax_10m": float(over_10m) if has_end else None,
        "buildings_tax_100m": float(over_100m) if has_end else None,
        "new_enterprises": float(new_enterprises) if months_with_data else None,
        "employees": float(employees) if has_end else None,
    }


def _threshold_counts(conn, *, year: int, end: date, district: str | None) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Buildings whose calendar-year-to-date tax through `end` reaches 1,000 / 10,000 万元 (inclusive), read from the
    building_ytd summary (summing building_month for the year scans every row of it: 74 ms at 1k buildings)."""
    month = conn.execute(select(func.max(BuildingYtd.month))
                         .where(BuildingYtd.month >= date(year, 1, 1), BuildingYtd.month <= end)).scalar()
    if month is None:
        return 0, 0
    scope = Scope("district", district) if district else Scope()
    counts = threshold_totals(conn, scope=scope, month=date.fromisoformat(str(month)[:10]), by=None,
                              conditions={"over_10m": (TAX_10M_BOUND_10K, None), "over_100m": (TAX_100M_BOUND_10K, None)})
    found = counts.get("all", {})
    return int(found.get("over_10m", 0)), int(found.get("over_100m", 0))


def overview_kpis(engine: Engine, *, period: Period, district: str | None = None) -> pd.DataFrame:
    """The overview's KPI table: value this period, the same period last year, and the change.

    change is in percentage points for rates (`pp`), relative for flows (`rel`), absolute for counts (`abs`);
    None where there is nothing to compare."""
    now = period_kpis(engine, period=period, district=district)
    before = period_kpis(engine, period=period.last_year(), district=district)
    rows = []
    for code, kind in KPI_CHANGE_KIND.items():
        value, previous = now[code], before[code]
        change: float | None = None
        if kind != "none" and value is not None and previous is not None:
            if kind == "rel":
                change = (value - previous) / previous if previous else None
            else:
                change = value - previous
        rows.append({"code": code, "value": value, "previous": previous if kind != "none" else None,
                     "change": change, "change_kind": kind})
    return pd.DataFrame(rows).set_index("code")


def monthly_trend(engine: Engine, *, end: date, months: int = 36, district: str | None = None) -> pd.DataFrame:
    """Month by month for the scope: tax (万元), occupancy and registration rate (fractions), new enterprises."""
    dm = DistrictMonth
    start = add_months(end, -(months - 1))
    frame = _frame(engine, (
        select(dm.month, func.sum(dm.tax_10k).label("tax_10k"),
               func.sum(dm.occupied_area_m2).label("occupied"), func.sum(dm.leasable_area_m2).label("leasable"),
               func.sum(dm.enterprises_registered).label("registered"),
               func.sum(dm.enterprises_operating).label("operating"),
               func.sum(dm.new_enterprises).label("new_enterprises"))
        .where(dm.month >= start, dm.month <= end, _scope(dm.district_code, district))
        .group_by(dm.month).order_by(dm.month)
    ))
    if frame.empty:
        return pd.DataFrame(columns=["month", "tax_10k", "occupancy_rate", "registration_rate", "new_enterprises"])
    frame["month"] = pd.to_datetime(frame["month"])
    frame["occupancy_rate"] = frame["occupied"] / frame["leasable"]
    frame["registration_rate"] = frame["registered"] / frame["operating"]
    return frame[["month", "tax_10k", "occupancy_rate", "registration_rate", "new_enterprises"]]


def district_breakdown(engine: Engine, *, period: Period) -> pd.DataFrame:
    """Per district: tax over the period, occupancy and buildings reporting in its last month."""
    dm = DistrictMonth
    flows = (
        select(dm.district_code, func.sum(dm.tax_10k).label("tax_10k"))
        .where(dm.month >= period.start, dm.month <= period.end)
        .group_by(dm.district_code).subquery()
    )
    frame = _frame(engine, (
        select(District.code, District.name_zh, District.name_en, flows.c.tax_10k,
               dm.occupied_area_m2, dm.leasable_area_m2, dm.buildings_reporting)
        .join(flows, flows.c.district_code == District.code, isouter=True)
        .join(dm, and_(dm.district_code == District.code, dm.month == period.end), isouter=True)
        .order_by(District.code)
    ))
    frame["occupancy_rate"] = frame["occupied_area_m2"] / frame["leasable_area_m2"]
    return frame[["code", "name_zh", "name_en", "tax_10k", "occupancy_rate", "buildings_reporting"]]
