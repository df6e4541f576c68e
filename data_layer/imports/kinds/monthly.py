"""Monthly statistics per building (building_month): the kind a million-row file is made of, so every step
is a column operation."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from data_layer.imports.base import Change, Rows, diff, fetch_in
from data_layer.imports.kinds.common import (
    duplicates,
    fill_ids,
    months_of,
    resolve_buildings,
    undo_batch_table,
    write_batch,
)
from data_layer.imports.problems import Findings

if TYPE_CHECKING:  # the pipeline imports the kinds: only the type checker reads this import
    from data_layer.imports.pipeline import Context

TABLE = "building_month"
KEY = ("building_id", "month")
MEASURES = ("occupied_area_m2", "leasable_area_m2", "enterprises_operating", "enterprises_registered", "tax_10k",
            "employees", "new_enterprises")
COUNTS = ("enterprises_operating", "enterprises_registered", "employees", "new_enterprises")
OPTIONAL_ZERO = ("employees", "new_enterprises")  # columns a district sheet may leave out: stored as 0


def check(conn: Connection, rows: Rows, ctx: Context) -> list[Change]:
    findings: Findings = ctx.findings
    frame = rows.frame
    n = len(frame)
    for name in ("month", "enterprises_operating", "enterprises_registered", "tax_10k"):
        if not rows.has(name):
            rows.missing_column(findings, name)
    if not rows.has("occupied_area_m2") and not rows.has("occupancy_rate"):
        rows.missing_column(findings, "occupied_area_m2")
    if not findings.ok and not rows.has("month"):
        return []
    refs = resolve_buildings(conn, rows, findings, ctx.pending.get("buildings"))
    ctx.touched["monthly"] = refs.districts
    usable = refs.ok.copy()
    for name in ("month", "enterprises_operating", "enterprises_registered", "tax_10k"):
        if rows.has(name):
            usable &= ~rows.require(findings, name)
    month = frame["month"] if rows.has("month") else pd.Series([None] * n, dtype=object)
    _future_months(rows, findings, month, ctx.today)

    leasable = _leasable(rows, findings, refs.leasable)
    occupied = _occupied(rows, findings, leasable)
    usable &= ~np.isnan(occupied) & ~np.isnan(leasable)
    at = "building_code" if rows.has("building_code") else "building_name"
    duplicates(rows, findings, pd.DataFrame({"building": refs.codes, "month": month}), at, usable=refs.ok)
    if not findings.ok:
        return []

    incoming = pd.DataFrame({
        "building_id": refs.ids.astype("Int64"), "building_code": refs.codes, "month": month.astype(object),
        "occupied_area_m2": occupied, "leasable_area_m2": leasable,
    })
    for name in COUNTS:
        if rows.has(name):
            incoming[name] = frame[name].astype("float64").round().astype("Int64")
        else:
            incoming[name] = pd.array([0] * n, dtype="Int64")
    incoming["tax_10k"] = frame["tax_10k"].astype("float64")
    for name in OPTIONAL_ZERO:
        if not rows.has(name):
            findings.note("column_zero", field=rows.kind.by_name[name].zh)
        elif rows.missing(name).any():
            incoming[name] = incoming[name].fillna(0)
            findings.note("blank_zero", field=rows.kind.by_name[name].zh, count=int(rows.missing(name).sum()))
    months = sorted(set(incoming["month"].dropna()))
    known_ids = [int(i) for i in incoming["building_id"].dropna().unique()]
    existing = fetch_in(conn, "SELECT building_id, month, occupied_area_m2, leasable_area_m2, enterprises_operating,"
                              " enterprises_registered, tax_10k, employees, new_enterprises, batch_id"
                              " FROM building_month WHERE month IN :months", "months", months, dates=("month",))
    if not existing.empty:
        existing = existing[existing["building_id"].isin(known_ids)]
        existing["building_id"] = existing["building_id"].astype("Int64")
    return [diff(TABLE, incoming, existing, KEY, MEASURES, carry=("batch_id",), show=("building_code",))]


def _future_months(rows: Rows, findings: Findings, month: pd.Series, today: date) -> None:
    current = today.replace(day=1).isoformat()  # statistics for a month arrive after it ends
    future = month.notna().to_numpy() & (month.astype(object).fillna("") >= current).to_numpy()
    rows.report(findings, future, "month", "future_month",
                params=[{"value": str(v)[:7]} for v in month[future]])


def _leasable(rows: Rows, findings: Findings, from_building: pd.Series) -> np.ndarray:
    """Leasable area from the file, or the building's own figure when the file has no such column."""
    if rows.has("leasable_area_m2"):
        values = rows.frame["leasable_area_m2"].astype("float64").to_numpy().copy()
        blank = rows.missing("leasable_area_m2")
        if blank.any():
            values[blank] = from_building.to_numpy()[blank]
            findings.note("leasable_from_building", count=int(blank.sum()))
        return values
    findings.note("leasable_from_building", count=len(rows.frame))
    return from_building.to_numpy(dtype="float64").copy()


def _occupied(rows: Rows, findings: Findings, leasable: np.ndarray) -> np.ndarray:
    """Occupied area from the file, or occupancy rate × leasable; checks occupied ≤ leasable and rate agreement."""
    frame = rows.frame
    rate = frame["occupancy_rate"].astype("float64").to_numpy() if rows.has("occupancy_rate") else None
    if rows.has("occupied_area_m2"):
        occupied = frame["occupied_area_m2"].astype("float64").to_numpy().copy()
        blank = rows.missing("occupied_area_m2")
        if rate is not None:
            fill = blank & ~np.isnan(rate)
            occupied[fill] = np.round(rate[fill] * leasable[fill], 2)
            blank &= ~fill
        rows.report(findings, blank, "occupied_area_m2", "missing_value")
    elif rate is not None:
        occupied = np.round(rate * leasable, 2)
        rows.report(findings, rows.missing("occupancy_rate"), "occupancy_rate", "missing_value")
    else:
        return np.full(len(frame), np.nan)
    with np.errstate(invalid="ignore"):
        over = occupied > leasable * (1 + 1e-9) + 1e-6
    at = "occupied_area_m2" if rows.has("occupied_area_m2") else "occupancy_rate"
    rows.report(findings, over, at, "occupied_over_leasable",
                params=[{"occupied": f"{o:,.2f}", "leasable": f"{v:,.2f}"}
                        for o, v in zip(occupied[over], leasable[over], strict=True)])
    if rate is not None and rows.has("occupied_area_m2"):
        with np.errstate(invalid="ignore", divide="ignore"):
            implied = occupied / leasable
            mismatch = ~np.isnan(rate) & (leasable > 0) & (np.abs(implied - rate) > 0.005) & ~over
        rows.report(findings, mismatch, "occupancy_rate", "rate_mismatch",
                    params=[{"rate": f"{r * 100:.1f}%", "implied": f"{i * 100:.1f}%"}
                            for r, i in zip(rate[mismatch], implied[mismatch], strict=True)])
    return occupied


def _resolve_new_ids(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    """Buildings created by the same file get their ids only once written."""
    return fill_ids(conn, frame, id_column="building_id", code_column="building_code", table="building")


def write(conn: Connection, changes: list[Change], ctx: Context, batch_id: int) -> dict:
    change = changes[0]
    ctx.months |= months_of(change.new) | months_of(change.updated)
    return write_batch(conn, TABLE, change, batch_id, key=KEY, columns=MEASURES,
                       new=_resolve_new_ids(conn, change.new))


def undo(conn: Connection, created: dict, replaced: dict, batch_id: int) -> set[str]:
    """Undo this batch's monthly rows; returns the months whose summaries need refreshing."""
    counts = created.get(TABLE, {})
    payload = replaced.get(TABLE)
    months = set()
    if payload:
        month_index = payload["columns"].index("month")
        months = {row[month_index] for row in payload["rows"]}
    from sqlalchemy import text

    months |= {str(m)[:10] for (m,) in conn.execute(text(
        "SELECT DISTINCT month FROM building_month WHERE batch_id = :b"), {"b": batch_id})}
    undo_batch_table(conn, TABLE, batch_id, counts, payload)
    return months
