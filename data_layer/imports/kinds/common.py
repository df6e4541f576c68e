"""Helpers the kinds share: finding the building a row means, duplicate keys within a file, and the undo of
tables whose rows carry the batch that last wrote them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from data_layer.imports.base import Change, Rows, fetch, fetch_in, insert_rows, update_rows
from data_layer.imports.problems import Findings


class UndoConflict(Exception):
    """An undo that would damage later data; `code` and `params` word it for the user."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# ---------------------------------------------------------------- buildings a row refers to


def store_buildings(conn: Connection) -> pd.DataFrame:
    return fetch(conn, "SELECT id, code, name, district_code, leasable_area_m2, former_names FROM building")


@dataclass
class BuildingRefs:
    """For each row: the building's id (NaN when it is created by the same file), code and district."""

    ids: pd.Series
    codes: pd.Series
    districts: pd.Series
    leasable: pd.Series
    ok: np.ndarray


def resolve_buildings(conn: Connection, rows: Rows, findings: Findings, pending: pd.DataFrame | None,
                      *, required: bool = True) -> BuildingRefs:
    """Match rows to buildings by code (or by name when the file has no code column); unknown ones reported."""
    known = store_buildings(conn)
    if pending is not None and not pending.empty:
        extra = pending[~pending["code"].isin(known["code"])].assign(id=np.nan, former_names="")
        known = pd.concat([known, extra[known.columns]], ignore_index=True)
    frame = rows.frame
    n = len(frame)
    by = "building_code" if rows.has("building_code") else ("building_name" if rows.has("building_name") else None)
    if by is None:
        nothing = pd.Series([None] * n, dtype=object)
        return BuildingRefs(pd.Series(np.nan, index=range(n)), nothing, nothing, pd.Series(np.nan, index=range(n)),
                            np.zeros(n, dtype=bool) if required else np.ones(n, dtype=bool))
    if by == "building_name":
        return _resolve_by_name(conn, rows, findings, known, required)
    values = frame[by].astype(object)
    column = "code" if by == "building_code" else "name"
    table = known.drop_duplicates(subset=[column], keep=False)
    ambiguous = set(known.loc[known.duplicated(subset=[column], keep=False), column])
    # One lookup per distinct value, then spread back over the rows (a monthly file repeats each building).
    position = pd.Series(np.arange(len(table)), index=table[column].to_numpy())
    codes_f, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    found_at = position.reindex(uniques).to_numpy(dtype="float64")
    at = np.append(found_at, np.nan)[codes_f]
    hit = ~np.isnan(at)
    take = np.where(hit, at, 0).astype(int)

    def pick(name: str, dtype: str | type = object) -> pd.Series:
        source = table[name].to_numpy(dtype=object)
        out = np.full(len(values), None, dtype=object)
        if len(source):
            out[hit] = source[take[hit]]
        return pd.Series(out, dtype=object).astype(dtype) if dtype is not object else pd.Series(out, dtype=object)

    ids = pick("id", "float64")
    codes = pick("code")
    districts = pick("district_code")
    leasable = pick("leasable_area_m2", "float64")
    present = values.notna().to_numpy()
    found = codes.notna().to_numpy()
    blank = ~present & ~rows.bad(by)
    if required:
        rows.report(findings, blank, by, "missing_value")
    is_ambiguous = values.isin(ambiguous).to_numpy() & present
    rows.report(findings, is_ambiguous, by, "ambiguous_building",
                params=[{"value": str(v)} for v in values[is_ambiguous]])
    unknown = present & ~found & ~is_ambiguous
    rows.report(findings, unknown, by, "unknown_building", params=[{"value": str(v)} for v in values[unknown]])
    ok = found if required else (found | ~present)
    return BuildingRefs(ids, codes, districts, leasable, ok)


def _resolve_by_name(conn: Connection, rows: Rows, findings: Findings, known: pd.DataFrame,
                     required: bool) -> BuildingRefs:
    """Rows naming their building by name (or a former name), with its district when the file has that column. A
    name that two buildings share (in two districts, given without the district; or twice in one district) is
    refused naming both. One lookup per distinct (name, district): a monthly file repeats each building."""
    from data_layer.imports.identity import name_key, split_former
    from data_layer.imports.kinds.buildings import district_lookup
    from data_layer.imports.values import norm

    frame = rows.frame
    n = len(frame)
    index: dict[str, list[int]] = {}
    for position, (name, formers) in enumerate(zip(known["name"], known["former_names"].fillna(""), strict=True)):
        for word in (name, *split_former(formers)):
            hits = index.setdefault(name_key(word), [])
            if position not in hits:
                hits.append(position)
    values = frame["building_name"].astype(object)
    districts = pd.Series([None] * n, dtype=object)
    if rows.has("district"):
        lookup = district_lookup(conn)
        districts = frame["district"].map(lambda v: None if v is None else lookup.get(norm(v)))
        unknown = frame["district"].notna().to_numpy() & districts.isna().to_numpy()
        rows.report(findings, unknown, "district", "unknown_district",
                    params=[{"value": str(v)} for v in frame["district"][unknown]])
    names: dict[str, str] = dict(conn.execute(text("SELECT code, name_zh FROM district")).all())
    pair = values.fillna("\x00").astype(str) + "\x01" + districts.fillna("").astype(str)
    codes_f, uniques = pd.factorize(pair.to_numpy(dtype=object))
    found = np.full(len(uniques), -1, dtype="int64")
    clash: dict[int, str] = {}
    for u, text_pair in enumerate(uniques):
        name, _, district = str(text_pair).partition("\x01")
        if name == "\x00":
            continue
        candidates = index.get(name_key(name), [])
        if district:
            candidates = [c for c in candidates if known["district_code"].iat[c] == district]
        if len(candidates) == 1:
            found[u] = candidates[0]
        elif len(candidates) > 1:
            clash[u] = "、".join(f"{known['code'].iat[c]}（{names.get(known['district_code'].iat[c], '')}）"
                                for c in candidates)
    at = found[codes_f]
    hit = at >= 0
    take = np.where(hit, at, 0)

    def pick(column: str, dtype: str | type = object) -> pd.Series:
        out = np.full(n, None, dtype=object)
        if len(known):
            out[hit] = known[column].to_numpy(dtype=object)[take[hit]]
        return pd.Series(out, dtype=object).astype(dtype) if dtype is not object else pd.Series(out, dtype=object)

    present = values.notna().to_numpy()
    is_ambiguous = np.array([int(c) in clash for c in codes_f], dtype=bool) & present
    if required:
        rows.report(findings, ~present & ~rows.bad("building_name"), "building_name", "missing_value")
    rows.report(findings, is_ambiguous, "building_name", "ambiguous_name",
                params=[{"value": str(values.iat[i]), "codes": clash[int(codes_f[i])]}
                        for i in np.flatnonzero(is_ambiguous)])
    unknown = present & ~hit & ~is_ambiguous
    rows.report(findings, unknown, "building_name", "unknown_building",
                params=[{"value": str(v)} for v in values[unknown]])
    ok = hit if required else (hit | ~present)
    return BuildingRefs(pick("id", "float64"), pick("code"), pick("district_code"),
                        pick("leasable_area_m2", "float64"), ok)


def duplicates(rows: Rows, findings: Findings, keys: pd.DataFrame, at: str,
               usable: np.ndarray | None = None) -> np.ndarray:
    """Report every repeat of a key (the columns of `keys`, one row per file row) within the file, at column
    `at`, naming the row it repeats; returns the repeats."""
    keys = keys.reset_index(drop=True)
    mask = np.ones(len(keys), dtype=bool) if usable is None else usable.copy()
    mask &= keys.notna().all(axis=1).to_numpy()
    sub = keys[mask]
    repeated = sub.duplicated(keep="first").to_numpy()
    out = np.zeros(len(keys), dtype=bool)
    if not repeated.any():
        return out
    row_numbers = rows.frame["_row"].reset_index(drop=True)[sub.index]
    firsts = row_numbers.groupby([sub[k] for k in sub.columns], sort=False).transform("first")
    out[sub.index[repeated]] = True
    rows.report(findings, out, at, "duplicate_row", params=[{"first": int(r)} for r in firsts[repeated].tolist()])
    return out


# ---------------------------------------------------------------- undo information


def replaced_payload(change: Change, columns: Sequence[str]) -> dict[str, object]:
    """The stored values an update replaced, JSON-ready, for undo."""
    if change.old.empty:
        return {}
    cols = [*change.key, *[c for c in columns if c in change.old.columns and c not in change.key]]
    frame = change.old[cols].astype(object).where(change.old[cols].notna(), None)
    rows = [[_plain(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return {"key": list(change.key), "columns": cols, "rows": rows}


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    return value


def undo_batch_table(conn: Connection, table: str, batch_id: int, counts: dict[str, int],
                     replaced: dict[str, Any] | None) -> None:
    """Undo one table whose rows carry batch_id: every row this batch wrote must still carry it (otherwise a
    later import changed them: refuse), then put back the replaced values and delete the rows it created."""
    expected = int(counts.get("new", 0)) + int(counts.get("updated", 0))
    current = conn.execute(text(f"SELECT COUNT(*) FROM {table} WHERE batch_id = :b"), {"b": batch_id}).scalar() or 0
    if current != expected:
        raise UndoConflict("overwritten", table=table, changed=expected - int(current))
    if replaced:
        columns = [c for c in replaced["columns"] if c not in replaced["key"]]
        frame = pd.DataFrame(replaced["rows"], columns=replaced["columns"])
        update_rows(conn, table, frame, replaced["key"], columns)
    conn.execute(text(f"DELETE FROM {table} WHERE batch_id = :b"), {"b": batch_id})


def months_of(frame: pd.DataFrame, column: str = "month") -> set[str]:
    if frame.empty or column not in frame.columns:
        return set()
    return {str(m)[:10] for m in frame[column].dropna().unique()}


def with_stored(incoming: pd.DataFrame, existing: pd.DataFrame, is_new: np.ndarray, *, key: str) -> pd.DataFrame:
    """Blank cells on rows that update a stored record (matched on `key`) take the stored value: in an import file
    a blank means "no change", never "erase"."""
    merged = incoming.copy()
    if existing.empty:
        return merged
    stored = existing.set_index(key)
    for column in merged.columns:
        if column == key or column not in stored.columns:
            continue
        fill = merged[column].isna().to_numpy() & ~is_new
        if fill.any():
            merged[column] = merged[column].astype(object)
            merged.loc[fill, column] = merged.loc[fill, key].map(stored[column]).to_numpy()
    return merged


def with_defaults(new: pd.DataFrame, defaults: dict[str, object], *, optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """New records with every column a blank cell left empty set to its default, and the `optional` columns
    present (empty) even when the file did not have them."""
    if new.empty:
        return new
    out = new.copy()
    for column, default in defaults.items():
        if column not in out.columns:
            out[column] = default
        else:
            out[column] = out[column].astype(object).where(out[column].notna(), default)
    for column in optional:
        if column not in out.columns:
            out[column] = None
    return out


# ---------------------------------------------------------------- the steps every kind's check and write share


def required_columns(rows: Rows, findings: Findings, names: Sequence[str],
                     one_of: Sequence[Sequence[str]] = ()) -> np.ndarray | None:
    """The first step of a check: every column in `names` must be in the file (each one missing is reported), and
    at least one of each group in `one_of` (the group's first is named); then every row must fill `names`. Returns
    the rows usable so far (False where a required cell is empty, reported by `rows.require`), or None when a
    column is missing or the file already failed: the check stops there."""
    for name in names:
        if not rows.has(name):
            rows.missing_column(findings, name)
    for group in one_of:
        if not any(rows.has(name) for name in group):
            rows.missing_column(findings, group[0])
    if not findings.ok:
        return None
    usable = np.ones(len(rows.frame), dtype=bool)
    for name in names:
        usable &= ~rows.require(findings, name)
    return usable


def fill_ids(conn: Connection, frame: pd.DataFrame, *, id_column: str, code_column: str, table: str,
             code: str = "code") -> pd.DataFrame:
    """Rows that refer to something the same file creates (a building, an enterprise) get its id only once it is
    written: fill `id_column` where it is empty from `table`'s rows whose `code` is the row's `code_column`."""
    if frame.empty or not frame[id_column].isna().any():
        return frame
    codes = frame.loc[frame[id_column].isna(), code_column].dropna().unique().tolist()
    ids = fetch_in(conn, f"SELECT id, {code} FROM {table} WHERE {code} IN :codes", "codes", codes)
    mapping = dict(zip(ids[code], ids["id"], strict=True))
    frame = frame.copy()
    missing = frame[id_column].isna()
    frame.loc[missing, id_column] = frame.loc[missing, code_column].map(mapping).astype("Int64")
    return frame


def write_batch(conn: Connection, table: str, change: Change, batch_id: int, *, key: Sequence[str],
                columns: Sequence[str], new: pd.DataFrame | None = None,
                update_columns: Sequence[str] | None = None) -> dict:
    """The write of a kind whose rows carry the batch that last wrote them: insert the change's new rows (`new`:
    them with ids resolved, where the kind needs it), update the changed ones (`update_columns`: the columns the
    file gave, default `columns`), both stamped with the batch; returns what the batch record keeps for undo (the
    counts created, the replaced rows' old values)."""
    insert_rows(conn, table, (change.new if new is None else new).assign(batch_id=batch_id),
                [*key, *columns, "batch_id"])
    update_rows(conn, table, change.updated.assign(batch_id=batch_id), key,
                [*(columns if update_columns is None else update_columns), "batch_id"])
    payload = replaced_payload(change, [*columns, "batch_id"])
    return {"created": {table: change.counts}, "replaced": {table: payload} if payload else {}}
