"""Rankings of districts (or of the streets of one district) for an indicator, with the change in rank since last
month, and the drill-down into the buildings that moved a number.

Minimum-size rule: a district or street with fewer than `min_buildings` buildings reporting in the month is listed
but not ranked ("too small"), so a tiny area cannot top a ranking by noise. One with no data in the month is listed
as "no data". On the `yoy` basis an area with data this month is not ranked, and says why, when last year's same
month is zero ("zero_base": a relative change from zero has no value) or has no data ("no_base"). Ties share the
better rank.

Basis: `value` ranks on the indicator's value (year to date through the month for flows; the month's value for
rates and stocks; tax share over the year to date). `yoy` ranks on the change against the same month last year:
percentage points for rates, relative change (%) for everything else, so large and small areas compare fairly.
Lower-is-better indicators rank the smallest value (or the largest fall) first.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, Engine, and_, func, or_, select
from sqlmodel import col

from data_layer.aggregates import Scope, ratio
from data_layer.goal_sources import building_filter, city_tax, monthly_sums, threshold_counts
from data_layer.indicators import BOUNDS, BY_CODE, TAX_10M_BOUND_10K
from data_layer.models import Building, BuildingMonth, BuildingYtd, District, Street, table_of
from data_layer.periods import add_months

RANKABLE = ("occupancy_rate", "registration_rate", "building_tax", "tax_share", "buildings_tax_10m",
            "buildings_tax_100m", "new_buildings_tax_100m", "new_enterprises", "vacant_area")
BASES = ("value", "yoy")
MIN_RANK_BUILDINGS = 10  # default of the minimum-size rule; the page lets the reader change it
COMPARE = ("last_month", "last_year")


def _entities(conn: Connection, level: str, district: str | None) -> pd.DataFrame:
    if level == "district":
        statement = select(col(District.code), col(District.name_zh),
                           col(District.name_en)).order_by(col(District.code))
    else:
        statement = (select(col(Street.code), col(Street.name_zh),
                            col(Street.name_en)).where(col(Street.district_code) == district)
                     .order_by(col(Street.code)))
    return pd.DataFrame(conn.execute(statement).fetchall(), columns=["entity", "name_zh", "name_en"])


def _values_at(monthly: pd.DataFrame, city: dict[date, float], code: str, month: date) -> pd.DataFrame:
    """Per entity: buildings reporting in `month` and the indicator's value there (flows: Jan..month)."""
    now = monthly[monthly["month"] == month].set_index("entity")
    year = monthly[(monthly["month"] >= date(month.year, 1, 1)) & (monthly["month"] <= month)]
    out = pd.DataFrame({"buildings": now["buildings"]})
    if code == "occupancy_rate":
        out["value"] = 100 * ratio(now["occupied"], now["leasable"])
    elif code == "registration_rate":
        out["value"] = 100 * ratio(now["registered"], now["operating"])
    elif code == "vacant_area":
        out["value"] = now["leasable"] - now["occupied"]
    elif code in ("building_tax", "new_enterprises"):
        column = "tax" if code == "building_tax" else "new_enterprises"
        out["value"] = year.groupby("entity")[column].sum().reindex(out.index)
    elif code == "tax_share":
        months = [m for m in year["month"].unique() if m in city]
        part = year[year["month"].isin(months)]
        total = sum(city[m] for m in months)
        out["value"] = (100 * part.groupby("entity")["tax"].sum() / total).reindex(out.index) if total else None
    return out


def _threshold_at(conn: Connection, scope: Scope, level: str, code: str, month: date,
                  present: pd.Index) -> pd.Series:
    counts = threshold_counts(conn, scope=scope, month=month, by=level,
                              conditions={code: (BOUNDS[code], BOUNDS[code] if code.startswith("new_") else None)})
    series = counts.set_index("entity")[code].astype(float).reindex(present).fillna(0.0)
    return series  # entities with data that month but nobody over the bound count 0


def entity_values(conn: Connection, *, level: str, district: str | None, code: str,
                  months: list[date]) -> dict[date, pd.DataFrame]:
    """Value and buildings reporting per entity for each of `months`."""
    scope = Scope("district", district) if level == "street" else Scope()
    start = date(min(months).year, 1, 1)
    monthly = monthly_sums(conn, scope=scope, start=start, end=max(months), by=level)
    city = city_tax(conn, start=start, end=max(months)) if code == "tax_share" else {}
    out = {}
    for month in months:
        frame = _values_at(monthly, city, code, month)
        if code in BOUNDS:
            frame["value"] = _threshold_at(conn, scope, level, code, month, frame.index)
        out[month] = frame
    return out


def _score(code: str, now: pd.Series, before: pd.Series | None) -> pd.Series:
    if before is None:
        return now
    if BY_CODE[code].is_rate:
        return now - before
    return 100 * (now - before) / before.where(before != 0)


def _rank(frame: pd.DataFrame, ascending: bool, min_buildings: int) -> pd.Series:
    eligible = frame["score"].notna() & (frame["buildings"].fillna(0) >= min_buildings)
    ranks = frame.loc[eligible, "score"].rank(method="min", ascending=ascending)
    return ranks.reindex(frame.index)


def ranking(engine: Engine, *, code: str, as_of: date, level: str = "district", district: str | None = None,
            basis: str = "value", min_buildings: int = MIN_RANK_BUILDINGS) -> pd.DataFrame:
    """Every district (level="district") or every street of `district` (level="street"), ranked for `code` at
    `as_of`, with last month's rank and the change (positive = moved up).
    state: ranked | too_small | zero_base | no_base | no_data (module docstring)."""
    if code not in RANKABLE:
        raise ValueError(f"{code!r} cannot be ranked (no monthly values per area)")
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}")
    as_of = as_of.replace(day=1)
    previous = add_months(as_of, -1)
    months = [as_of, previous] + ([add_months(as_of, -12), add_months(previous, -12)] if basis == "yoy" else [])
    with engine.connect() as conn:
        entities = _entities(conn, level, district).set_index("entity")
        values = entity_values(conn, level=level, district=district, code=code, months=months)
    ascending = BY_CODE[code].direction == "lower"
    result = entities.copy()
    base_value: pd.Series | None = None  # last year's value behind this month's yoy score
    for label, month, base in (("", as_of, add_months(as_of, -12)), ("previous_", previous, add_months(previous, -12))):
        now = values[month].reindex(result.index)
        before = values[base].reindex(result.index)["value"] if basis == "yoy" else None
        frame = pd.DataFrame({"buildings": now["buildings"], "value": now["value"],
                              "score": _score(code, now["value"], before)})
        frame["rank"] = _rank(frame, ascending, min_buildings)
        for column in ("buildings", "value", "score", "rank"):
            result[label + column] = frame[column]
        if not label:
            base_value = before
    result["rank_change"] = result["previous_rank"] - result["rank"]
    result["state"] = _states(result, base_value)
    result = result.reset_index()
    order = result["state"].map({"ranked": 0, "too_small": 1, "zero_base": 2, "no_base": 2, "no_data": 3})
    result = result.assign(_o=order).sort_values(["_o", "rank", "entity"]).drop(columns="_o").reset_index(drop=True)
    return result[["entity", "name_zh", "name_en", "buildings", "value", "score", "rank", "previous_rank",
                   "rank_change", "state"]]


def _states(result: pd.DataFrame, base: pd.Series | None) -> pd.Series:
    """Why each area is or is not ranked. Without a score, an area that has a value this month is "no data" only
    when it truly has none: on the yoy basis its base month may be zero or missing instead."""
    state = pd.Series("ranked", index=result.index, dtype=object)
    state[result["rank"].isna() & result["score"].notna()] = "too_small"
    unscored = result["score"].isna()
    state[unscored] = "no_data"
    if base is not None:
        has_now = result["value"].notna()
        state[unscored & has_now & base.isna()] = "no_base"
        state[unscored & has_now & (base == 0)] = "zero_base"
    return state


def _before(as_of: date, compare: str) -> date | None:
    if compare == "last_year":
        return add_months(as_of, -12)
    previous = add_months(as_of, -1)
    return previous if previous.year == as_of.year else None  # in January the calendar year starts afresh


def threshold_movers(engine: Engine, *, scope: Scope, as_of: date, bound: float = TAX_10M_BOUND_10K,
                     compare: str = "last_month") -> pd.DataFrame:
    """Buildings that entered or left the list of buildings whose calendar-year-to-date tax reaches `bound`,
    between the comparison month (last month, or the same month last year) and `as_of`."""
    as_of = as_of.replace(day=1)
    before = _before(as_of, compare)
    months = [as_of] + ([before] if before else [])
    y = BuildingYtd
    with engine.connect() as conn:
        over = select(col(y.building_id)).where(col(y.month).in_(months), col(y.ytd_tax_10k) >= bound)
        rows = conn.execute(
            select(col(Building.code), col(Building.name), col(Building.district_code), col(y.month),
                   col(y.ytd_tax_10k))
            .join(Building, col(Building.id) == col(y.building_id))
            .where(col(y.month).in_(months), col(y.building_id).in_(over), *building_filter(scope))
        ).fetchall()
    frame = pd.DataFrame(rows, columns=["code", "name", "district_code", "month", "ytd"])
    columns = ["movement", "code", "name", "district_code", "ytd_before", "ytd_now"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    wide = frame.pivot_table(index=["code", "name", "district_code"], columns="month", values="ytd", aggfunc="sum")
    wide = wide.reindex(columns=[as_of, before] if before else [as_of])
    wide.columns = ["ytd_now", "ytd_before"] if before else ["ytd_now"]
    if not before:
        wide["ytd_before"] = float("nan")
    wide = wide.reset_index()
    now_over = wide["ytd_now"].fillna(-1) >= bound
    before_over = wide["ytd_before"].fillna(-1) >= bound
    wide["movement"] = None
    wide.loc[now_over & ~before_over, "movement"] = "entered"
    wide.loc[~now_over & before_over, "movement"] = "left"
    moved = wide[wide["movement"].notna()].copy()
    moved["_sort"] = moved["ytd_now"].fillna(moved["ytd_before"])
    moved = moved.sort_values(["movement", "_sort"], ascending=[True, False])
    return moved[columns].reset_index(drop=True)


def occupancy_movers(engine: Engine, *, scope: Scope, as_of: date, compare: str = "last_month",
                     limit: int = 15) -> pd.DataFrame:
    """The buildings whose occupied area changed most between the comparison month and `as_of` (these move the
    area-weighted rate); a building that started or stopped reporting is marked so (state new / gone)."""
    as_of = as_of.replace(day=1)
    before = add_months(as_of, -12) if compare == "last_year" else add_months(as_of, -1)
    now, then = table_of(BuildingMonth).alias("now"), table_of(BuildingMonth).alias("then")
    delta = func.coalesce(now.c.occupied_area_m2, 0.0) - func.coalesce(then.c.occupied_area_m2, 0.0)
    # ranked and cut in SQL: pulling both months of every building into pandas took 0.95 s at 50,000 buildings
    statement = (
        select(col(Building.code), col(Building.name), col(Building.district_code), then.c.occupied_area_m2,
               then.c.leasable_area_m2,
               now.c.occupied_area_m2, now.c.leasable_area_m2, delta)
        .select_from(Building)
        .join(now, and_(now.c.building_id == col(Building.id), now.c.month == as_of), isouter=True)
        .join(then, and_(then.c.building_id == col(Building.id), then.c.month == before), isouter=True)
        .where(or_(now.c.building_id.is_not(None), then.c.building_id.is_not(None)), *building_filter(scope))
        .order_by(func.abs(delta).desc(), col(Building.code))
        .limit(limit)
    )
    with engine.connect() as conn:
        rows = conn.execute(statement).fetchall()
    wide = pd.DataFrame(rows, columns=["code", "name", "district_code", "occupied_before", "leasable_before",
                                       "occupied_now", "leasable_now", "delta_m2"])
    columns = ["code", "name", "district_code", "state", "rate_before", "rate_now", "occupied_before",
               "occupied_now", "delta_m2"]
    if wide.empty:
        return pd.DataFrame(columns=columns)
    for column in ("occupied_before", "leasable_before", "occupied_now", "leasable_now", "delta_m2"):
        wide[column] = pd.to_numeric(wide[column], errors="coerce").astype("float64")
    wide["state"] = "both"
    wide.loc[wide["occupied_before"].isna(), "state"] = "new"
    wide.loc[wide["occupied_now"].isna(), "state"] = "gone"
    wide["rate_now"] = 100 * ratio(wide["occupied_now"], wide["leasable_now"])
    wide["rate_before"] = 100 * ratio(wide["occupied_before"], wide["leasable_before"])
    return wide[columns]
