"""The pieces every kind of import shares: the typed rows of a file (with where each came from), what one import
changes in one table (new, updated with the values they replace, unchanged), and raw-driver reads and writes.

Writes go through the driver's executemany (see ../shared/PERF_NOTES.md: ~5x Core, ~50x the ORM). Dates travel as
ISO text, which both SQLite and PostgreSQL store as dates; flags as Python bools."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, bindparam, text

from data_layer.imports.fields import Kind
from data_layer.imports.problems import MAX_LISTED, Findings, Location

CHUNK = 50_000
ROWS_PER_INSERT = 100
MAX_PARAMETERS = 3_000  # well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters
_FLOAT_TOLERANCE = 1e-9


@dataclass
class Rows:
    """The typed rows of one kind read from a file (all its sheets of that kind, one after the other).

    `frame` holds one column per field found (values already parsed), `_sheet` and `_row` (the row number a
    spreadsheet shows). `where[(sheet, field)]` gives the header as written and its column letter."""

    kind: Kind
    frame: pd.DataFrame
    present: set[str]
    where: dict[tuple[str, str], tuple[str, str]]
    units: dict[tuple[str, str], str] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.present

    def bad(self, name: str) -> np.ndarray:
        """Rows whose cell in `name` could not be read (already reported)."""
        column = f"_bad_{name}"
        if column not in self.frame.columns:
            return np.zeros(len(self.frame), dtype=bool)
        return self.frame[column].fillna(False).to_numpy(dtype=bool)

    def missing(self, name: str) -> np.ndarray:
        """Rows with no value in `name` that were not already reported as unreadable."""
        if name not in self.frame.columns:
            return np.ones(len(self.frame), dtype=bool)
        return self.frame[name].isna().to_numpy() & ~self.bad(name)

    def require(self, findings: Findings, name: str, mask: np.ndarray | None = None) -> np.ndarray:
        """Report a blank cell in `name` on each row (of `mask`); returns the rows that lack a usable value."""
        lacking = self.missing(name)
        if mask is not None:
            lacking &= mask
        if self.has(name):
            self.report(findings, lacking, name, "missing_value")
        return lacking | self.bad(name) if name in self.frame.columns else np.ones(len(self.frame), dtype=bool)

    def locate(self, position: int, name: str) -> Location:
        sheet = str(self.frame["_sheet"].iat[position])
        header, letter = self.where.get((sheet, name), (self.kind.by_name[name].zh if name in self.kind.by_name
                                                        else name, ""))
        return {"sheet": sheet, "row": int(self.frame["_row"].iat[position]), "column": header, "letter": letter}

    def report(self, findings: Findings, mask: np.ndarray | pd.Series, name: str, code: str,
               params: Iterable[Mapping[str, object]] | None = None, **fixed: object) -> int:
        """Add one problem per row in `mask` at column `name` (capped); returns how many rows were flagged."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        room = max(0, MAX_LISTED - len(findings.problems))
        extra = list(params) if params is not None else None
        for i, position in enumerate(positions[:room]):
            values: dict[str, Any] = dict(fixed)  # message parameters: whatever str.format shows
            if extra is not None:
                values.update(extra[i])
            findings.error(code, **self.locate(int(position), name), **values)
        findings.unlisted += max(0, len(positions) - room)
        return len(positions)

    def missing_column(self, findings: Findings, name: str) -> None:
        spec = self.kind.by_name[name]
        sheets = sorted(set(self.frame["_sheet"])) or [""]
        for sheet in sheets:
            findings.error("missing_column", sheet=sheet, column=spec.header_zh, wanted=spec.header_zh)


@dataclass
class Change:
    """What one import does to one table. `updated` holds the key and the new values of the columns compared,
    `old` the stored values they replace (same rows, same order), `changed` which columns differ per row."""

    table: str
    key: tuple[str, ...]
    new: pd.DataFrame
    updated: pd.DataFrame
    old: pd.DataFrame
    unchanged: int = 0
    changed: list[list[str]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "updated": len(self.updated), "unchanged": self.unchanged}


def empty_change(table: str, key: Sequence[str]) -> Change:
    return Change(table, tuple(key), pd.DataFrame(), pd.DataFrame(), pd.DataFrame())


# ---------------------------------------------------------------- comparing with the store


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality that treats None/NaN as equal and floats within a relative 1e-9."""
    a_missing = a.isna().to_numpy()
    b_missing = b.isna().to_numpy()
    both = a_missing & b_missing
    if pd.api.types.is_numeric_dtype(a.dtype) and pd.api.types.is_numeric_dtype(b.dtype) \
            and not pd.api.types.is_bool_dtype(a.dtype):
        x = a.to_numpy(dtype="float64", na_value=np.nan)
        y = b.to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            close = np.isclose(x, y, rtol=_FLOAT_TOLERANCE, atol=_FLOAT_TOLERANCE)
        return both | (close & ~a_missing & ~b_missing)
    equal = (a.astype(object).to_numpy() == b.astype(object).to_numpy())
    return both | (equal & ~a_missing & ~b_missing)


def diff(table: str, incoming: pd.DataFrame, existing: pd.DataFrame, key: Sequence[str],
         compare: Sequence[str], carry: Sequence[str] = (), show: Sequence[str] = ()) -> Change:
    """Split `incoming` (key + compare columns, plus any others kept for inserting) into new, updated, unchanged
    against `existing` (key + compare columns as stored). `carry`: stored columns kept in `old` (e.g. batch_id)
    without being compared; `show`: incoming columns kept in `updated` for the preview (e.g. a building code)."""
    key = list(key)
    compare = [c for c in compare if c in incoming.columns and c not in key]
    carry = [c for c in carry if c in existing.columns and c not in compare]
    if existing.empty:
        return Change(table, tuple(key), incoming.reset_index(drop=True), pd.DataFrame(), pd.DataFrame())
    right = existing[key + compare + carry].rename(columns={c: f"{c}__old" for c in compare + carry})
    merged = incoming.reset_index(drop=True).drop(columns=[c for c in carry if c in incoming.columns]).merge(
        right, on=key, how="left", indicator=True)
    found = (merged["_merge"] == "both").to_numpy()
    new = incoming.reset_index(drop=True)[~found].reset_index(drop=True)
    matched = merged[found].reset_index(drop=True)
    if matched.empty:
        return Change(table, tuple(key), new, pd.DataFrame(), pd.DataFrame())
    same = np.ones((len(matched), len(compare)), dtype=bool)
    for index, column in enumerate(compare):
        same[:, index] = _same(matched[column], matched[f"{column}__old"])
    differs = ~same.all(axis=1)
    shown = [c for c in show if c in matched.columns and c not in key + compare]
    updated = matched.loc[differs, key + shown + compare].reset_index(drop=True)
    old = matched.loc[differs, key + [f"{c}__old" for c in compare + carry]].reset_index(drop=True)
    old.columns = key + compare + carry
    changed = [[compare[i] for i in np.flatnonzero(~row)] for row in same[differs]]
    return Change(table, tuple(key), new, updated, old, int((~differs).sum()), changed)


# ---------------------------------------------------------------- raw reads and writes


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _py(value: object) -> object:
    """A driver-ready value: numpy scalars to Python, NaN/NaT to None, dates to ISO text."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and value != value:
            return None
    if value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


_PLAIN = {str, int, bool, type(None)}


def _column_values(series: pd.Series) -> list[object]:
    """One column as driver-ready Python values (fast paths for floats, nullable ints and plain objects)."""
    if pd.api.types.is_float_dtype(series.dtype):
        floats = series.to_numpy(dtype="float64")
        missing = np.isnan(floats)
        if not missing.any():
            return floats.tolist()  # Python floats straight from the array
        array = floats.astype(object)
        array[missing] = None
        return array.tolist()
    if pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        missing = series.isna().to_numpy()
        array = series.to_numpy(dtype=object, na_value=None)
        values = array.tolist()
        if missing.any():
            for i in np.flatnonzero(missing):
                values[i] = None
        return [v.item() if isinstance(v, np.generic) else v for v in values] if array.size and \
            isinstance(values[0], np.generic) else values
    values = series.tolist()
    if {type(v) for v in values} <= _PLAIN:
        return values
    return [_py(v) for v in values]


def _tuples(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple]:
    arrays = [_column_values(frame[column]) for column in columns]
    return list(zip(*arrays, strict=True)) if arrays else []


def insert_rows(conn: Connection, table: str, frame: pd.DataFrame, columns: Sequence[str]) -> int:
    """INSERT every row of `frame` (only `columns`, in that order) with the driver's executemany, up to
    ROWS_PER_INSERT rows to a statement: a 1M-row monthly file goes in 0.7 s sooner on SQLite than one row
    at a time (bench/imports.py), the statement being run 100 times less often."""
    if frame.empty:
        return 0
    mark = _mark(conn)
    one = f"({', '.join([mark] * len(columns))})"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    rows = _tuples(frame, columns)
    per = max(1, min(ROWS_PER_INSERT, MAX_PARAMETERS // len(columns)))
    whole = len(rows) // per * per
    if whole and per > 1:
        many = head + ", ".join([one] * per)
        step = CHUNK // per * per  # statements never straddle two calls
        for start in range(0, whole, step):
            stop = min(start + step, whole)
            conn.exec_driver_sql(many, [tuple(itertools.chain.from_iterable(rows[i:i + per]))
                                        for i in range(start, stop, per)])
    else:
        whole = 0
    for start in range(whole, len(rows), CHUNK):
        conn.exec_driver_sql(head + one, rows[start:start + CHUNK])
    return len(rows)


def update_rows(conn: Connection, table: str, frame: pd.DataFrame, key: Sequence[str],
                columns: Sequence[str]) -> int:
    """UPDATE table SET columns WHERE key, one statement executed for every row of `frame`."""
    if frame.empty or not columns:
        return 0
    mark = _mark(conn)
    sets = ", ".join(f"{c} = {mark}" for c in columns)
    where = " AND ".join(f"{k} = {mark}" for k in key)
    rows = _tuples(frame, [*columns, *key])
    sql = f"UPDATE {table} SET {sets} WHERE {where}"
    for start in range(0, len(rows), CHUNK):
        conn.exec_driver_sql(sql, rows[start:start + CHUNK])
    return len(rows)


def delete_rows(conn: Connection, table: str, frame: pd.DataFrame, key: Sequence[str]) -> int:
    if frame.empty:
        return 0
    mark = _mark(conn)
    where = " AND ".join(f"{k} = {mark}" for k in key)
    rows = _tuples(frame, key)
    conn.exec_driver_sql(f"DELETE FROM {table} WHERE {where}", rows)
    return len(rows)


def fetch(conn: Connection, sql: str, params: dict[str, object] | None = None, *,
          expanding: Sequence[str] = (), dates: Sequence[str] = (), bools: Sequence[str] = ()) -> pd.DataFrame:
    """Rows of a read as a frame; date columns as ISO text and flags as bools, the same on both databases."""
    statement = text(sql)
    if expanding:
        statement = statement.bindparams(*[bindparam(name, expanding=True) for name in expanding])
    result = conn.execute(statement, params or {})
    keys = list(result.keys())
    rows = result.fetchall()
    # Column-wise construction: building a frame from Row objects costs ~20x more at a million rows.
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(keys)
    frame = pd.DataFrame({k: pd.Series(list(v), dtype=object) if len(v) else pd.Series([], dtype=object)
                          for k, v in zip(keys, columns, strict=True)})
    for key, values in zip(keys, columns, strict=True):
        sample = next((v for v in values if v is not None), None)
        if isinstance(sample, int | float) and not isinstance(sample, bool):
            frame[key] = pd.to_numeric(frame[key], errors="coerce")  # a database column has one type
    for column in dates:
        if column in frame.columns and len(frame):
            frame[column] = _iso_dates(frame[column])
    for column in bools:
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v: None if v is None else bool(v))
    return frame


def _iso_dates(values: pd.Series) -> pd.Series:
    """Dates as ISO text: SQLite already returns text, PostgreSQL returns date objects (few distinct ones)."""
    unique = {v: (None if v is None else v.isoformat() if isinstance(v, date) else str(v)[:10])
              for v in pd.unique(values)}
    return values.map(unique).astype(object)


def chunked(values: Sequence[object], size: int = 900) -> Iterable[list[object]]:
    """Slices small enough for an IN (...) list on any database."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def fetch_in(conn: Connection, sql: str, name: str, values: Sequence[object], **kwargs: object) -> pd.DataFrame:
    """`fetch` for `... WHERE x IN :name` over many values, in slices."""
    frames = [fetch(conn, sql, {name: part}, expanding=(name,), **kwargs)  # type: ignore[arg-type]
              for part in chunked(values)]
    frames = [f for f in frames if not f.empty]
    if not frames:  # no values (or no match): the columns without rows; `x IN (NULL)` is never true
        return fetch(conn, sql.replace(f"IN :{name}", "IN (NULL)"), {}, **kwargs)  # type: ignore[arg-type]
    return pd.concat(frames, ignore_index=True)


SERIAL_TABLES = ("import_batch", "building", "observation_point", "feedback", "demand", "plan", "plan_target",
                 "audit_log")


def sync_sequences(conn: Connection, tables: Sequence[str] = SERIAL_TABLES) -> None:
    """PostgreSQL only: move each table's id sequence past its largest id. Rows written with explicit ids (the
    demo build, a restore) leave a sequence behind, and the next generated id would collide."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                          f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))
