"""Reporting completeness: for the latest month and its quarter, which districts, streets and buildings have sent
their monthly statistics. A building is expected when it is in use (buildings under construction or being
renovated send nothing) or has reported in the quarter anyway; it has reported a month when the store holds its building_month row for that month, and
the quarter when it has reported every month of the quarter up to that month."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, func, or_, select
from sqlmodel import col

from data_layer.aggregates import Scope
from data_layer.models import Building, BuildingMonth, District, Street
from data_layer.periods import month_range

LEVELS = ("district", "street", "building")


def buildings(engine: Engine, *, month: date, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per expected building: building_id, code, name, district_code, district_zh/en, street_id,
    street_zh/en, month_reported (bool), quarter_months (months of the quarter through `month`),
    quarter_reported (how many of them it reported), quarter_complete (bool)."""
    quarter_start = date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)
    months = month_range(quarter_start, month)
    statement = (select(col(Building.id), col(Building.code), col(Building.name), col(Building.district_code),
                        col(District.name_zh),
                        col(District.name_en), col(Building.street_id), col(Street.name_zh), col(Street.name_en))
                 .join(District, col(District.code) == col(Building.district_code))
                 .outerjoin(Street, col(Street.id) == col(Building.street_id))
                 # a building that reports is expected whatever its status says (a renovated floor may report)
                 .where(or_(col(Building.status) == "in_use", col(Building.id).in_(
                     select(col(BuildingMonth.building_id)).where(col(BuildingMonth.month) >= quarter_start,
                                                             col(BuildingMonth.month) <= month)))))
    if scope.kind == "district":
        statement = statement.where(col(Building.district_code) == scope.code)
    elif scope.kind == "street":
        statement = statement.where(col(Street.code) == scope.code)
    counts = (select(col(BuildingMonth.building_id), func.count().label("n"),
                     func.max(col(BuildingMonth.month)).label("last"))
              .where(col(BuildingMonth.month) >= quarter_start, col(BuildingMonth.month) <= month)
              .group_by(col(BuildingMonth.building_id)))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement.order_by(col(Building.district_code), col(Building.code))).all(),
                             columns=["building_id", "code", "name", "district_code", "district_zh", "district_en",
                                      "street_id", "street_zh", "street_en"])
        reported = pd.DataFrame(conn.execute(counts).all(), columns=["building_id", "quarter_reported", "last"])
        in_month = set(conn.execute(select(col(BuildingMonth.building_id))
                                    .where(col(BuildingMonth.month) == month)).scalars())
    frame = frame.merge(reported[["building_id", "quarter_reported"]], on="building_id", how="left")
    frame["quarter_reported"] = frame["quarter_reported"].fillna(0).astype(int)
    frame["quarter_months"] = len(months)
    frame["month_reported"] = frame["building_id"].isin(in_month)
    frame["quarter_complete"] = frame["quarter_reported"] >= len(months)
    return frame


def summary(frame: pd.DataFrame, *, level: str, lang: str = "zh") -> pd.DataFrame:
    """Counts per district or street: name, expected, reported this month, missing this month, complete for the
    quarter, missing part of the quarter; areas with something missing first."""
    if level == "district":
        keys, name = ["district_code"], f"district_{lang}"
    else:
        keys, name = ["district_code", "street_id"], f"street_{lang}"
    data = frame.assign(street_id=frame["street_id"].fillna(0))
    grouped = data.groupby(keys, sort=True).agg(
        name=(name, "first"), expected=("building_id", "size"), month_reported=("month_reported", "sum"),
        quarter_complete=("quarter_complete", "sum")).reset_index()
    grouped["month_missing"] = grouped["expected"] - grouped["month_reported"]
    grouped["quarter_missing"] = grouped["expected"] - grouped["quarter_complete"]
    grouped["name"] = grouped["name"].fillna("—")
    columns = [*keys, "name", "expected", "month_reported", "month_missing", "quarter_complete", "quarter_missing"]
    return grouped.sort_values(["month_missing", "quarter_missing"], ascending=False, kind="stable")[columns] \
        .reset_index(drop=True)


def totals(frame: pd.DataFrame) -> dict[str, int]:
    """expected, month_reported, quarter_complete, and how many districts / streets have every building in."""
    return {"expected": len(frame), "month_reported": int(frame["month_reported"].sum()),
            "quarter_complete": int(frame["quarter_complete"].sum()),
            "districts": int(frame["district_code"].nunique()),
            "districts_complete": int(frame.groupby("district_code")["month_reported"].all().sum()) if len(frame) else 0}
