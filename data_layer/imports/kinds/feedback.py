"""Observation feedback (feedback): one response at an observation point. The sentiment of each new comment is
scored once, offline, by `data_layer.sentiment.score_many` when that module is present; otherwise the sentiment
columns stay empty and a note says so. A comment with no dimension (a blank cell, or no such column) gets the
one `data_layer.sentiment.assign_dimension` reads from its text, and a note says how many; a row with neither a
dimension nor a text, or whose text names no dimension, is refused at its dimension cell.

A response has no id of its own: (point, date, dimension, channel, text) is its key, so importing the same file
twice changes nothing, and a changed score on the same response is an update."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from data_layer.imports.base import Change, Rows, diff, fetch, fetch_in, insert_rows, update_rows
from data_layer.imports.kinds.common import duplicates, replaced_payload, resolve_buildings, undo_batch_table
from data_layer.imports.problems import Findings, row_ranges

if TYPE_CHECKING:  # the pipeline imports the kinds: only the type checker reads this import
    from data_layer.imports.pipeline import Context

TABLE = "feedback"
KEY = ("point_id", "submitted_on", "dimension", "channel", "text")
SENTIMENT = ("sentiment_label", "sentiment_score", "sentiment_confidence", "sentiment_evidence", "sentiment_model")


def has_text(rows: Rows) -> np.ndarray:
    """Rows with a comment that is not blank."""
    if not rows.has("text"):
        return np.zeros(len(rows.frame), dtype=bool)
    values = rows.frame["text"]
    return (values.notna() & (values.astype(object).fillna("").astype(str).str.strip() != "")).to_numpy()


def assign_dimensions(rows: Rows, findings: Findings) -> None:
    """Fill a blank dimension from the comment's text (rows whose cell could not be read keep their error), and
    note how many rows were filled so the user can check them."""
    frame = rows.frame
    if "dimension" not in frame.columns:
        frame["dimension"] = pd.Series([None] * len(frame), dtype=object)
    wanted = rows.missing("dimension") & has_text(rows)
    if not wanted.any():
        return
    try:
        from data_layer.sentiment import assign_dimensions  # optional like the scorer: rows stay blank without it
    except ImportError:
        return
    texts = frame.loc[wanted, "text"].astype(str)
    # a comment that names no dimension goes to "other" rather than refusing the whole file (the note lists it)
    distinct = list(dict.fromkeys(texts))
    unique = {text: code or "other" for text, code in zip(distinct, assign_dimensions(distinct), strict=True)}
    codes = texts.map(unique)
    frame.loc[wanted, "dimension"] = codes.to_numpy()
    done = np.zeros(len(frame), dtype=bool)
    done[np.flatnonzero(wanted)] = codes.notna().to_numpy()
    if done.any():
        findings.note("dimension_assigned", count=int(done.sum()),
                      rows=row_ranges(frame.loc[done, "_row"].astype(int).tolist()))


def require_dimension(rows: Rows, findings: Findings) -> np.ndarray:
    """Report each row still without a dimension at its dimension cell: blank with no text, or with a text that
    names none. Returns the rows that lack a usable dimension."""
    lacking = rows.missing("dimension")
    text = has_text(rows)
    rows.report(findings, lacking & ~text, "dimension", "missing_value")
    rows.report(findings, lacking & text, "dimension", "dimension_unassigned")
    return lacking | rows.bad("dimension")


def enrich(rows: Rows, findings: Findings) -> None:
    """Assign missing dimensions and score the sentiment of every comment in the file (before any store access,
    so the write lock is short)."""
    assign_dimensions(rows, findings)
    frame = rows.frame
    for column in SENTIMENT:
        frame[column] = None
    if not rows.has("text"):
        return
    texts = frame["text"].dropna().astype(str)
    texts = texts[texts.str.strip() != ""]
    if texts.empty:
        return
    try:
        from data_layer import sentiment  # the scorer is optional: imports work without it
        unique = list(dict.fromkeys(texts.tolist()))
        scored = dict(zip(unique, sentiment.score_many(unique), strict=True))
    except ImportError:
        findings.note("sentiment_unavailable")
        return
    except Exception as exc:
        findings.note("sentiment_failed", detail=f"{type(exc).__name__}")
        return
    for column, attribute in zip(SENTIMENT, ("label", "score", "confidence", "evidence", "model"), strict=True):
        values = texts.map(lambda t, a=attribute: getattr(scored[t], a, None))
        if attribute == "evidence":
            values = values.map(lambda v: None if v is None else str(v)[:200])
        frame.loc[texts.index, column] = values.to_numpy()


def store_points(conn: Connection, pending: pd.DataFrame | None = None) -> pd.DataFrame:
    """Observation points (id, code, building_code), with those the same file creates (id NaN)."""
    points = fetch(conn, "SELECT p.id, p.code, b.code AS building_code FROM observation_point p"
                         " JOIN building b ON b.id = p.building_id")
    if pending is not None and not pending.empty:
        extra = pending[~pending["code"].isin(points["code"])].assign(id=np.nan)[["id", "code", "building_code"]]
        points = pd.concat([points, extra], ignore_index=True)
    return points


def resolve_points(conn: Connection, rows: Rows, findings: Findings, ctx: Context, *,
                   required: bool) -> tuple[pd.Series, np.ndarray]:
    """Each row's observation point code: from its 观测点编号, else the point of its building. Returns the codes
    and which rows have one."""
    points = store_points(conn, ctx.pending.get("points"))
    frame = rows.frame
    n = len(frame)
    codes = pd.Series([None] * n, dtype=object)
    given = np.zeros(n, dtype=bool)
    if rows.has("point_code"):
        values = frame["point_code"].astype(object)
        given = values.notna().to_numpy()
        known = values.isin(points["code"]).to_numpy()
        rows.report(findings, given & ~known, "point_code", "unknown_point",
                    params=[{"value": str(v)} for v in values[given & ~known]])
        codes = values.where(known, None)
    by_building = ~given & ~(rows.bad("point_code") if rows.has("point_code") else np.zeros(n, dtype=bool))
    building_column = next((c for c in ("building_code", "building_name") if rows.has(c)), None)
    if building_column and by_building.any():
        refs = resolve_buildings(conn, rows, findings, ctx.pending.get("buildings"), required=False)
        of_building = refs.codes.map(points.drop_duplicates("building_code").set_index("building_code")["code"])
        lacking = by_building & refs.codes.notna().to_numpy() & of_building.isna().to_numpy()
        if required:
            rows.report(findings, lacking, building_column, "not_observation_point",
                        params=[{"value": str(v)} for v in frame[building_column][lacking]])
        codes = codes.where(~by_building, of_building)
        nothing = by_building & frame[building_column].isna().to_numpy() & ~rows.bad(building_column)
    else:
        nothing = by_building
    if required:
        rows.report(findings, nothing, building_column or "point_code", "missing_value")
    return codes, codes.notna().to_numpy()


def point_ids(conn: Connection, codes: pd.Series) -> pd.Series:
    """Ids of points by code (NA for points not written yet)."""
    points = store_points(conn).set_index("code")["id"]
    return codes.map(points).astype("Int64") if not points.empty else pd.Series(pd.NA, index=codes.index,
                                                                                 dtype="Int64")


def future_dates(rows: Rows, findings: Findings, name: str, today: date) -> None:
    values = rows.frame[name]
    limit = (today + timedelta(days=1)).isoformat()
    future = values.notna().to_numpy() & (values.astype(object).fillna("") >= limit).to_numpy()
    rows.report(findings, future, name, "future_date", params=[{"value": str(v)} for v in values[future]])


def check(conn: Connection, rows: Rows, ctx: Context) -> list[Change]:
    findings: Findings = ctx.findings
    frame = rows.frame
    if not rows.has("submitted_on"):
        rows.missing_column(findings, "submitted_on")
    if not rows.has("dimension") and not rows.has("text"):  # without a text there is nothing to assign from
        rows.missing_column(findings, "dimension")
    if not findings.ok:
        return []
    if "dimension" not in frame.columns:  # enrich fills it; a caller that skipped enrich gets every row refused
        frame["dimension"] = pd.Series([None] * len(frame), dtype=object)
    usable = ~rows.require(findings, "submitted_on") & ~require_dimension(rows, findings)
    codes, found = resolve_points(conn, rows, findings, ctx, required=True)
    usable &= found
    points = store_points(conn, ctx.pending.get("points"))
    ctx.touched_buildings["feedback"] = codes.map(points.drop_duplicates("code").set_index("code")["building_code"])
    future_dates(rows, findings, "submitted_on", ctx.today)
    n = len(frame)
    incoming = pd.DataFrame({
        "point_id": point_ids(conn, codes), "point_code": codes.to_numpy(),
        "submitted_on": frame["submitted_on"].astype(object), "dimension": frame["dimension"].astype(object),
        "channel": (frame["channel"].fillna("survey") if rows.has("channel")
                    else pd.Series(["survey"] * n)).astype(object),
        "text": (frame["text"].fillna("") if rows.has("text") else pd.Series([""] * n)).astype(object),
        "score": frame["score"].astype("float64").round().astype("Int64") if rows.has("score")
        else pd.array([pd.NA] * n, dtype="Int64"),
    })
    for column in SENTIMENT:
        incoming[column] = frame[column].to_numpy() if column in frame.columns else None
    at = next(n for n in ("point_code", "building_code", "building_name") if rows.has(n))
    duplicates(rows, findings, incoming[["point_code", "submitted_on", "dimension", "channel", "text"]], at,
               usable=usable)
    if not findings.ok:
        return []
    known_points = [int(i) for i in incoming["point_id"].dropna().unique()]
    existing = fetch_in(conn, "SELECT point_id, submitted_on, dimension, channel, text, score, batch_id FROM feedback"
                              " WHERE point_id IN :ids", "ids", known_points, dates=("submitted_on",))
    if not existing.empty:
        existing = existing.drop_duplicates(list(KEY))
        existing["point_id"] = existing["point_id"].astype("Int64")
        existing["score"] = existing["score"].astype("Int64")
    return [diff(TABLE, incoming, existing, KEY, ("score",), carry=("batch_id",), show=("point_code",))]


def resolve_new_points(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    """Points created by the same file get their ids only once written."""
    if frame.empty or not frame["point_id"].isna().any():
        return frame
    return frame.assign(point_id=frame["point_id"].fillna(point_ids(conn, frame["point_code"])))


def write(conn: Connection, changes: list[Change], ctx: Context, batch_id: int) -> dict:
    change = changes[0]
    new = resolve_new_points(conn, change.new).assign(batch_id=batch_id)
    insert_rows(conn, TABLE, new, [*KEY, "score", *SENTIMENT, "batch_id"])
    update_rows(conn, TABLE, change.updated.assign(batch_id=batch_id), KEY, ["score", "batch_id"])
    payload = replaced_payload(change, ["score", "batch_id"])
    return {"created": {TABLE: change.counts}, "replaced": {TABLE: payload} if payload else {}}


def undo(conn: Connection, created: dict, replaced: dict, batch_id: int) -> set[str]:
    undo_batch_table(conn, TABLE, batch_id, created.get(TABLE, {}), replaced.get(TABLE))
    return set()
