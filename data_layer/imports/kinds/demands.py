"""Enterprise demands (demand): logged, answered and closed. Districts re-send their lists as demands progress,
so (building, date opened, category, text) is the key and status, due date and closing date are what an update
changes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from data_layer import fmt
from data_layer.imports.base import Change, Rows, diff, fetch, fetch_in
from data_layer.imports.kinds.common import (
    duplicates,
    fill_ids,
    required_columns,
    resolve_buildings,
    undo_batch_table,
    write_batch,
)
from data_layer.imports.kinds.feedback import future_dates, point_ids, resolve_points, store_points
from data_layer.imports.problems import Findings

if TYPE_CHECKING:  # the pipeline imports the kinds: only the type checker reads this import
    from data_layer.imports.pipeline import Context

TABLE = "demand"
KEY = ("building_id", "opened_on", "category", "text")
COMPARE = ("status", "due_on", "closed_on", "point_id")
DUE_DAYS = 30  # default time limit when the file gives none (the bureau's usual 30 days)


def check(conn: Connection, rows: Rows, ctx: Context) -> list[Change]:
    findings: Findings = ctx.findings
    frame = rows.frame
    n = len(frame)
    usable = required_columns(rows, findings, ("category", "opened_on"))
    if usable is None:
        return []
    has_building = rows.has("building_code") or rows.has("building_name")
    point_codes, _found = resolve_points(conn, rows, findings, ctx, required=False) if rows.has("point_code") else \
        (pd.Series([None] * n, dtype=object), np.zeros(n, dtype=bool))
    points = store_points(conn, ctx.pending.get("points"))
    building_of_point = point_codes.map(points.drop_duplicates("code").set_index("code")["building_code"])
    if has_building:
        refs = resolve_buildings(conn, rows, findings, ctx.pending.get("buildings"),
                                 required=not rows.has("point_code"))
        building_codes = refs.codes.where(refs.codes.notna(), building_of_point)
    else:
        building_codes = building_of_point
    ctx.touched_buildings["demands"] = building_codes
    lacking = building_codes.isna().to_numpy() & usable
    if rows.has("point_code") and not has_building:
        rows.report(findings, lacking & frame["point_code"].isna().to_numpy(), "point_code", "missing_value")
    usable &= ~lacking
    if not rows.has("point_code"):
        point_codes = building_codes.map(points.drop_duplicates("building_code").set_index("building_code")["code"])
    status = frame["status"].fillna("open") if rows.has("status") else pd.Series(["open"] * n, dtype=object)
    opened = frame["opened_on"]
    due = frame["due_on"] if rows.has("due_on") else pd.Series([None] * n, dtype=object)
    due = due.where(due.notna(), opened.map(lambda v: None if fmt.missing(v) else
                                            (date.fromisoformat(v) + timedelta(days=DUE_DAYS)).isoformat()))
    closed = frame["closed_on"] if rows.has("closed_on") else pd.Series([None] * n, dtype=object)
    _dates(rows, findings, status, opened, due, closed, ctx.today)
    incoming = pd.DataFrame({
        "building_code": building_codes.to_numpy(), "point_code": point_codes.to_numpy(),
        "opened_on": opened.astype(object), "category": frame["category"].astype(object),
        "text": (frame["text"].fillna("") if rows.has("text") else pd.Series([""] * n)).astype(object),
        "status": status.astype(object), "due_on": due.astype(object), "closed_on": closed.astype(object)})
    at = "building_code" if rows.has("building_code") else ("building_name" if rows.has("building_name")
                                                           else "point_code")
    duplicates(rows, findings, incoming[["building_code", "opened_on", "category", "text"]], at, usable=usable)
    if not findings.ok:
        return []
    ids = fetch(conn, "SELECT id, code FROM building").set_index("code")["id"]
    incoming.insert(0, "building_id", incoming["building_code"].map(ids).astype("Int64"))
    incoming["point_id"] = point_ids(conn, incoming["point_code"])
    existing = fetch_in(conn, "SELECT building_id, opened_on, category, text, status, due_on, closed_on, point_id,"
                              " batch_id FROM demand WHERE building_id IN :ids", "ids",
                        [int(i) for i in incoming["building_id"].dropna().unique()],
                        dates=("opened_on", "due_on", "closed_on"))
    if not existing.empty:
        existing = existing.drop_duplicates(list(KEY))
        existing["building_id"] = existing["building_id"].astype("Int64")
        existing["point_id"] = existing["point_id"].astype("Int64")
    return [diff(TABLE, incoming, existing, KEY, COMPARE, carry=("batch_id",),
                 show=("building_code", "point_code"))]


def _dates(rows: Rows, findings: Findings, status: pd.Series, opened: pd.Series, due: pd.Series,
           closed: pd.Series, today: date) -> None:
    future_dates(rows, findings, "opened_on", today)
    if rows.has("closed_on"):
        future_dates(rows, findings, "closed_on", today)
    is_closed = (status == "closed").to_numpy()
    has_closed = closed.notna().to_numpy()
    at_status = "status" if rows.has("status") else "closed_on"
    unreadable = rows.bad("closed_on")  # already reported as a bad date
    rows.report(findings, is_closed & ~has_closed & ~unreadable,
                "closed_on" if rows.has("closed_on") else at_status, "closed_without_date")
    if rows.has("closed_on"):
        rows.report(findings, has_closed & ~is_closed & status.notna().to_numpy(), at_status, "closed_date_but_open")
        with np.errstate(invalid="ignore"):
            before = has_closed & opened.notna().to_numpy() & (closed.astype(object).fillna("") <
                                                               opened.astype(object).fillna("")).to_numpy()
        rows.report(findings, before, "closed_on", "closed_before_opened")
    if rows.has("due_on"):
        early = due.notna().to_numpy() & opened.notna().to_numpy() & \
            (due.astype(object).fillna("") < opened.astype(object).fillna("")).to_numpy()
        rows.report(findings, early, "due_on", "due_before_opened")


def _resolve_new(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    out = fill_ids(conn, frame.copy(), id_column="building_id", code_column="building_code", table="building")
    out["point_id"] = out["point_id"].fillna(point_ids(conn, out["point_code"]))
    return out


def write(conn: Connection, changes: list[Change], ctx: Context, batch_id: int) -> dict:
    change = changes[0]
    return write_batch(conn, TABLE, change, batch_id, key=KEY, columns=COMPARE, new=_resolve_new(conn, change.new))


def undo(conn: Connection, created: dict, replaced: dict, batch_id: int) -> set[str]:
    undo_batch_table(conn, TABLE, batch_id, created.get(TABLE, {}), replaced.get(TABLE))
    return set()
