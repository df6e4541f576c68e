"""Tenancies: which enterprise (by credit code) is in which building (by code or name) from which month to which
(blank: still there), the area it uses and whether it is registered at this address. (enterprise, building, from
month) is the key: re-sending a row with its move-out month filled in updates it.

Refused, by row and column: an invalid or unknown credit code, an unknown building, a move-out before the
move-in, a tenancy that overlaps another of the same enterprise in the same building (in the file or stored), and
an enterprise registered at two buildings in the same month (an enterprise has one registered address)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from data_layer.imports.base import Change, Rows, diff, fetch_in, sync_sequences
from data_layer.imports.kinds.common import (
    duplicates,
    fill_ids,
    required_columns,
    resolve_buildings,
    undo_batch_table,
    write_batch,
)
from data_layer.imports.kinds.enterprises import credit_codes
from data_layer.imports.problems import Bilingual, Findings

if TYPE_CHECKING:  # the pipeline imports the kinds: only the type checker reads this import
    from data_layer.imports.pipeline import Context

TABLE = "tenancy"
KEY = ("enterprise_id", "building_id", "from_month")
COMPARE = ("to_month", "area_m2", "registered_here")
OPEN_END = "9999-12-01"  # a tenancy with no move-out month runs on


def check(conn: Connection, rows: Rows, ctx: Context) -> list[Change]:
    findings: Findings = ctx.findings
    frame = rows.frame
    n = len(frame)
    usable = required_columns(rows, findings, ("credit_code", "from_month", "registered_here"),
                              one_of=[("building_code", "building_name")])
    if usable is None:
        return []
    codes, valid = credit_codes(rows, findings)
    usable &= valid
    enterprises = fetch_in(conn, "SELECT id, credit_code FROM enterprise WHERE credit_code IN :codes", "codes",
                           codes[valid].unique().tolist())
    known = set(enterprises["credit_code"]) | set(ctx.pending.get("enterprises", set()))
    unknown = valid & ~codes.isin(known).to_numpy()
    rows.report(findings, unknown, "credit_code", "unknown_enterprise", params=[{"value": v} for v in codes[unknown]])
    usable &= ~unknown
    refs = resolve_buildings(conn, rows, findings, ctx.pending.get("buildings"))
    usable &= refs.ok
    start = frame["from_month"].astype(object)
    end = frame["to_month"].astype(object) if rows.has("to_month") else pd.Series([None] * n, dtype=object)
    backwards = end.notna().to_numpy() & start.notna().to_numpy() & \
        (end.fillna("").to_numpy(dtype=object) < start.fillna("").to_numpy(dtype=object))
    rows.report(findings, backwards, "to_month", "tenancy_backwards",
                params=[{"start": str(s)[:7], "end": str(e)[:7]} for s, e in zip(start[backwards], end[backwards],
                                                                                   strict=True)])
    usable &= ~backwards
    at = "building_code" if rows.has("building_code") else "building_name"
    repeats = duplicates(rows, findings, pd.DataFrame({"code": codes, "building": refs.codes, "from": start}), at,
                         usable=usable)
    usable &= ~repeats
    registered = frame["registered_here"].astype(object).fillna(False).astype(bool)
    incoming = pd.DataFrame({"credit_code": codes, "building_code": refs.codes, "from_month": start,
                             "to_month": end, "registered_here": registered,
                             "area_m2": frame["area_m2"].astype("float64") if rows.has("area_m2") else np.nan})
    if usable.any():
        _overlaps(conn, rows, findings, incoming, usable)
    if not findings.ok:
        return []
    ids = dict(zip(enterprises["credit_code"], enterprises["id"], strict=True))
    incoming.insert(0, "enterprise_id", incoming["credit_code"].map(ids).astype("Float64").astype("Int64"))
    incoming.insert(1, "building_id", refs.ids.astype("Int64"))
    existing = fetch_in(conn, "SELECT enterprise_id, building_id, from_month, to_month, area_m2, registered_here,"
                              " batch_id FROM tenancy WHERE enterprise_id IN :ids", "ids",
                        [int(i) for i in incoming["enterprise_id"].dropna().unique()],
                        dates=("from_month", "to_month"), bools=("registered_here",))
    if not existing.empty:
        existing["enterprise_id"] = existing["enterprise_id"].astype("Int64")
        existing["building_id"] = existing["building_id"].astype("Int64")
    return [diff(TABLE, incoming, existing, KEY, COMPARE, carry=("batch_id",), show=("credit_code", "building_code"))]


def _overlaps(conn: Connection, rows: Rows, findings: Findings, incoming: pd.DataFrame, usable: np.ndarray) -> None:
    """Tenancies of one enterprise in one building must not overlap, and an enterprise is registered at one
    building at a time: checked over the file's rows together with the stored ones they do not replace."""
    mine = incoming[usable].assign(position=np.flatnonzero(usable))
    stored = fetch_in(conn, "SELECT e.credit_code, b.code AS building_code, t.from_month, t.to_month,"
                            " t.registered_here FROM tenancy t JOIN enterprise e ON e.id = t.enterprise_id"
                            " JOIN building b ON b.id = t.building_id WHERE e.credit_code IN :codes", "codes",
                      mine["credit_code"].unique().tolist(), dates=("from_month", "to_month"),
                      bools=("registered_here",))
    if not stored.empty:  # a stored row with the same key is replaced by the file's, not overlapped by it
        replaced = stored.merge(mine[["credit_code", "building_code", "from_month"]], how="left", indicator=True)
        stored = stored[(replaced["_merge"] == "left_only").to_numpy()].assign(position=-1)
    both = pd.concat([mine[["credit_code", "building_code", "from_month", "to_month", "registered_here", "position"]],
                      stored], ignore_index=True)
    both["end"] = both["to_month"].fillna(OPEN_END)
    both["position"] = both["position"].astype(int)
    rows_number = rows.frame["_row"].to_numpy()
    overlap = _clashes(both, ["credit_code", "building_code"], rows_number)
    registered = both[both["registered_here"].astype(bool)]
    twice = _clashes(registered, ["credit_code"], rows_number, other_building=True)
    for code, found in (("tenancy_overlap", overlap), ("registered_twice", twice)):
        mask = np.zeros(len(rows.frame), dtype=bool)
        params: dict[int, dict[str, object]] = {}
        for position, other in found:
            if not mask[position]:
                mask[position] = True
                params[position] = other
        at = "from_month" if code == "tenancy_overlap" else "registered_here"
        rows.report(findings, mask, at, code, params=[params[int(p)] for p in np.flatnonzero(mask)])


def _clashes(frame: pd.DataFrame, group: list[str], row_numbers: np.ndarray,
             other_building: bool = False) -> list[tuple[int, dict[str, object]]]:
    """(file position, what it clashes with) for each row whose period starts before an earlier one of the same
    group ends. Rows are walked in start order keeping the latest-ending one seen, so an overlap with any earlier
    tenancy is found, not only with the one just before."""
    out: list[tuple[int, dict[str, object]]] = []
    ordered = frame.sort_values([*group, "from_month", "end"], kind="mergesort")
    previous_key = None
    best: tuple[str, int, str, str, str] | None = None  # end, position, from, building, to
    for values in ordered[[*group, "from_month", "end", "position", "building_code", "to_month"]].itertuples(
            index=False, name=None):
        key = values[:len(group)]
        start, end, position, building, to = values[len(group):]
        if key != previous_key:
            previous_key, best = key, None
        if best is not None and start <= best[0] and (not other_building or building != best[3]):
            if position >= 0 or best[1] >= 0:
                here, there = (position, best) if position >= 0 else (best[1], (end, position, start, building, to))
                where = Bilingual(f"，第{int(row_numbers[there[1]])}行", f", row {int(row_numbers[there[1]])}") \
                    if there[1] >= 0 else Bilingual("，已入库", ", stored")
                out.append((int(here), {"other_row": where, "building": str(there[3]), "start": str(there[2])[:7],
                                        "end": str(there[4])[:7] if isinstance(there[4], str) else "…"}))
        if best is None or end > best[0]:
            best = (end, position, start, building, to)
    return out


def _resolve_new(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    """Enterprises and buildings created by the same file get their ids only once written."""
    frame = fill_ids(conn, frame, id_column="enterprise_id", code_column="credit_code", table="enterprise",
                     code="credit_code")
    return fill_ids(conn, frame, id_column="building_id", code_column="building_code", table="building")


def write(conn: Connection, changes: list[Change], ctx: Context, batch_id: int) -> dict:
    change = changes[0]
    sync_sequences(conn, ("tenancy",))  # the demo build writes explicit ids
    return write_batch(conn, TABLE, change, batch_id, key=KEY, columns=COMPARE, new=_resolve_new(conn, change.new))


def undo(conn: Connection, created: dict, replaced: dict, batch_id: int) -> set[str]:
    undo_batch_table(conn, TABLE, batch_id, created.get(TABLE, {}), replaced.get(TABLE))
    return set()


