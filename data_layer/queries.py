"""Read queries for the pages. Keyword-only, bound parameters, DataFrames (or plain values) out.

Period figures follow the aggregation rules in `indicators`: stock measures (occupancy, registration, enterprises,
employees) are read in the period's last month and are ratios of sums; flows (tax, new enterprises) are sums over
the period's months; tax thresholds use the calendar year to date through the period's last month, inclusive.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import ColumnElement, Engine, Select, func, select, true
from sqlalchemy.orm import Mapped
from sqlmodel import col

from data_layer import aggregates
from data_layer.models import District, DistrictMonth, StoreMeta
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
        value = conn.execute(select(col(StoreMeta.value)).where(col(StoreMeta.key) == "data_version")).scalar()
    return value or ""


def latest_month(engine: Engine) -> date | None:
    """The last month with any building statistics ("data as of")."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(col(DistrictMonth.month)))).scalar()


def first_month(engine: Engine) -> date | None:
    with engine.connect() as conn:
        return conn.execute(select(func.min(col(DistrictMonth.month)))).scalar()


def districts(engine: Engine) -> pd.DataFrame:
    return _frame(engine, select(col(District.code), col(District.name_zh),
                                 col(District.name_en)).order_by(col(District.code)))


def _scope(column: Mapped[str], district: str | None) -> ColumnElement[bool]:
    return column == district if district else true()


def period_kpis(engine: Engine, *, period: Period, district: str | None = None) -> dict[str, float | None]:
    """Headline figures for one period and scope (the whole city when `district` is None): the district
    indicators of `aggregates`, the city being the sum of its districts."""
    return aggregates.scope_kpis(aggregates.district_indicators(engine, period=period), district=district)


def overview_kpis(engine: Engine, *, period: Period, district: str | None = None,
                  base: Period | None = None) -> pd.DataFrame:
    """The overview's KPI table: value this period, the same period last year (or `base`: the review pack's
    quarter-on-quarter column passes the previous quarter), and the change.

    change is in percentage points for rates (`pp`), relative for flows (`rel`), absolute for counts (`abs`);
    None where there is nothing to compare."""
    now = period_kpis(engine, period=period, district=district)
    before = period_kpis(engine, period=base or period.last_year(), district=district)
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
        select(col(dm.month), func.sum(col(dm.tax_10k)).label("tax_10k"),
               func.sum(col(dm.occupied_area_m2)).label("occupied"),
               func.sum(col(dm.leasable_area_m2)).label("leasable"),
               func.sum(col(dm.enterprises_registered)).label("registered"),
               func.sum(col(dm.enterprises_operating)).label("operating"),
               func.sum(col(dm.new_enterprises)).label("new_enterprises"))
        .where(col(dm.month) >= start, col(dm.month) <= end, _scope(col(dm.district_code), district))
        .group_by(col(dm.month)).order_by(col(dm.month))
    ))
    if frame.empty:
        return pd.DataFrame(columns=["month", "tax_10k", "occupancy_rate", "registration_rate", "new_enterprises"])
    frame["month"] = pd.to_datetime(frame["month"])
    frame["occupancy_rate"] = aggregates.ratio(frame["occupied"], frame["leasable"])
    frame["registration_rate"] = aggregates.ratio(frame["registered"], frame["operating"])
    return frame[["month", "tax_10k", "occupancy_rate", "registration_rate", "new_enterprises"]]


def district_breakdown(engine: Engine, *, period: Period) -> pd.DataFrame:
    """Per district: tax over the period, occupancy and buildings reporting in its last month (aggregates)."""
    frame = aggregates.district_indicators(engine, period=period).rename(columns={"building_tax": "tax_10k"})
    return frame[["code", "name_zh", "name_en", "tax_10k", "occupancy_rate", "buildings_reporting"]]
