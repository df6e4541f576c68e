"""The one importer: read a file, check it against the store, show what would change, then write it in one
all-or-nothing transaction (import_batch row, rows, summaries, data version, audit row) or write nothing.

Checking runs twice for a commit: once for the preview on a read connection, and again inside the write
transaction, because another import may have landed in between; the write holds the store's write lock
(SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory lock), so concurrent imports apply one after the other and the
end state equals the serial one. A busy store is retried and never surfaces as "database is locked"."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, insert, text, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import col

from data_layer import audit, fmt, summaries
from data_layer.db import inserted_id
from data_layer.imports import kinds
from data_layer.imports.base import Change, Rows, sync_sequences
from data_layer.imports.fields import CRS_NAMES, KINDS, TABULAR, Kind, resolve_kind
from data_layer.imports.problems import Bilingual, Findings
from data_layer.imports.reader import Header, RawSheet, find_header, read_sheets, sniff_format, unzipped_size
from data_layer.imports.typed_rows import typed_rows
from data_layer.imports.values import norm
from data_layer.models import ImportBatch
from data_layer.settings import get_settings

T = TypeVar("T")
LOG = logging.getLogger(__name__)
ATTEMPTS = 8
SQLITE_CACHE_KIB = 262_144  # 256 MiB of page cache while an import writes (SQLite's default is 2 MiB)
CITY_WIDE = "*city*"  # what city tax, a city plan or the city's boundaries touch, for the scope check
LOCK_KEY = 7_220_417  # PostgreSQL advisory lock shared by every writer of imports and undo
INSTRUCTION_WORDS = ("填写说明", "instructions")
UPLOAD_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".geojson", ".json")
# An XLSX is a zip: a small upload can unpack to gigabytes in openpyxl (a zip bomb). Its members may hold at
# most this many times the upload limit uncompressed; sheet XML of real bureau files unpacks to ~5-10x.
UNZIPPED_FACTOR = 10


class StoreBusy(RuntimeError):
    """The store stayed locked by other writers through every retry."""


@dataclass(frozen=True)
class Options:
    """Choices made on the page or the command line, and who imports. `crs`: the coordinate system the file's
    coordinates are in when the file does not say (GCJ-02, WGS-84 or BD-09)."""

    crs: str | None = None
    today: date | None = None
    # The importing editor's districts (data_layer.users.UserRecord.scope); None: every district. A file that
    # touches another district, or city-wide data, is refused naming the rows.
    districts: frozenset[str] | None = None


@dataclass
class Context:
    """State shared by the kinds of one import while they are checked and written."""

    findings: Findings
    options: Options
    today: date
    months: set[str] = field(default_factory=set)  # months whose summaries must be refreshed
    buildings_changed: bool = False  # summaries that follow the building table (designations) need refreshing
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase, for the benchmark
    # What earlier kinds of the same file will create: frames of new buildings and points, the set of new credit codes
    pending: dict[str, Any] = field(default_factory=dict)
    # Per kind, one value per file row: the district code the row touches (CITY_WIDE for city-wide data), or the
    # code of the building it touches; read by the editor-scope check.
    touched: dict[str, pd.Series] = field(default_factory=dict)
    touched_buildings: dict[str, pd.Series] = field(default_factory=dict)


@dataclass
class Parsed:
    """A file read into typed rows per kind (no store involved)."""

    kind: str
    file_name: str
    file_hash: str
    findings: Findings
    rows: dict[str, Rows] = field(default_factory=dict)  # kind code -> its typed rows


@dataclass
class Outcome:
    """What an import did or would do. `committed` with `batch_id` when written; otherwise nothing was."""

    kind: str
    file_name: str
    file_hash: str
    findings: Findings
    changes: dict[str, Change] = field(default_factory=dict)
    batch_id: int | None = None
    committed: bool = False
    timings: dict[str, float] = field(default_factory=dict)  # seconds: check, rows, summaries, commit

    @property
    def ok(self) -> bool:
        return self.findings.ok

    @property
    def nothing_to_do(self) -> bool:
        """The file matches the store: no new and no updated rows."""
        totals = self.totals()
        return totals["new"] == 0 and totals["updated"] == 0

    def totals(self) -> dict[str, int]:
        out = {"new": 0, "updated": 0, "unchanged": 0}
        for change in self.changes.values():
            for name, value in change.counts.items():
                out[name] += value
        return out


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_crs_option(crs: str | None) -> tuple[str, dict[str, Any]] | None:
    """Why the CRS chosen for a file is refused (the command line takes free text), or None; checked before the
    file is read so that a dry run cannot pass where the commit would fail."""
    if crs is None or CRS_NAMES.lookup.get(norm(crs)) is not None:
        return None
    return "unknown_crs_option", {"value": str(crs)[:60]}


def check_unzipped(data: bytes, *, max_mb: int | None = None) -> tuple[str, dict[str, Any]] | None:
    """Why an XLSX is refused for what it unpacks to (members over UNZIPPED_FACTOR x the upload limit), or None."""
    limit = (max_mb if max_mb is not None else get_settings().import_max_mb) * UNZIPPED_FACTOR
    size = unzipped_size(data)
    if size is not None and size > limit * 1024 * 1024:
        return "unzipped_too_big", {"size": f"{size / 1024 / 1024:,.0f}", "limit": limit, "factor": UNZIPPED_FACTOR}
    return None


def check_upload(file_name: str, size: int, *, max_mb: int | None = None) -> tuple[str, dict[str, object]] | None:
    """Why an upload is refused before it is read (size, type), as (problem code, parameters), or None."""
    limit = max_mb if max_mb is not None else get_settings().import_max_mb
    if size > limit * 1024 * 1024:
        return "too_big", {"size": f"{size / 1024 / 1024:.1f}", "limit": limit}
    if not file_name.lower().endswith(UPLOAD_SUFFIXES):
        return "wrong_type", {"allowed": ", ".join(UPLOAD_SUFFIXES)}
    return None


# ---------------------------------------------------------------- reading


def parse(kind: str, file_name: str, data: bytes, options: Options | None = None) -> Parsed:
    """Read and type a file for `kind` (a kind code, an alias, or 'workbook'); never raises for bad input."""
    options = options or Options()
    findings = Findings(file=file_name)
    code = resolve_kind(kind)
    parsed = Parsed(kind=code or kind, file_name=file_name, file_hash=file_hash(data), findings=findings)
    if code is None:
        findings.error("unknown_kind", kind=kind)
        return parsed
    refused = check_crs_option(options.crs)
    if refused is not None:
        findings.error(refused[0], **refused[1])
        return parsed
    try:
        if code == "boundaries":
            from data_layer.imports.kinds import boundaries

            outlines = boundaries.parse(file_name, data, options, findings)
            if outlines is not None:  # None: the file was unreadable, and findings say why
                parsed.rows["boundaries"] = outlines
            return parsed
        if sniff_format(file_name, data) == "json":
            if code == "streets":  # streets with their outlines
                from data_layer.imports.kinds import streets

                street_rows = streets.parse_geojson(file_name, data, options, findings)
                if street_rows is not None:
                    parsed.rows["streets"] = street_rows
                return parsed
            findings.error("wrong_type", allowed=".csv, .xlsx")
            return parsed
        too_big = check_unzipped(data) if sniff_format(file_name, data) == "xlsx" else None
        if too_big is not None:
            findings.error(too_big[0], **too_big[1])
            return parsed
        sheets = read_sheets(file_name, data, findings)
        if not findings.ok:
            return parsed
        _assign_sheets(code, sheets, parsed)
        for kind_code, rows in parsed.rows.items():
            enrich = getattr(kinds.module(kind_code), "enrich", None)
            if enrich is not None and isinstance(rows, Rows):
                enrich(rows, findings)
    except Exception as exc:
        findings.error("unreadable", detail=f"{type(exc).__name__}: {str(exc)[:160]}")
        parsed.rows.clear()
    return parsed


def _assign_sheets(code: str, sheets: list[RawSheet], parsed: Parsed) -> None:
    findings = parsed.findings
    wanted = list(TABULAR) if code == "workbook" else [code]
    per_kind: dict[str, list[Rows]] = {}
    for sheet in sheets:
        if any(word in sheet.name.lower() for word in INSTRUCTION_WORDS):
            continue  # the templates' column notes
        choice = _best_kind(sheet, wanted)
        if choice is None:
            other = _best_kind(sheet, list(TABULAR)) if code != "workbook" else None
            if other is not None:
                findings.error("wrong_kind", sheet=sheet.name, kind=Bilingual(other[0].zh, other[0].en))
            elif any(any(v not in (None, "") for v in row) for row in sheet.head):
                findings.note("sheet_skipped", sheet=sheet.name)
            continue
        kind, header = choice
        if code != "workbook":
            better = _best_kind(sheet, list(TABULAR))
            if better is not None and better[0].code != code and \
                    len(better[1].columns) > len(header.columns):
                findings.error("wrong_kind", sheet=sheet.name,
                               kind=Bilingual(better[0].zh, better[0].en))
                continue
        rows = typed_rows(sheet, header, kind, findings)
        if rows is not None:
            per_kind.setdefault(kind.code, []).append(rows)
    if not per_kind:
        if findings.ok:
            _no_header(findings, KINDS[code] if code != "workbook" else None)
        return
    for kind_code, parts in per_kind.items():
        parsed.rows[kind_code] = _concat(parts)


def _best_kind(sheet: RawSheet, wanted: list[str]) -> tuple[Kind, Header] | None:
    best: tuple[Kind, Header] | None = None
    best_key = (0, 0)
    for code in wanted:
        kind = KINDS[code]
        header = find_header(sheet.head, kind)
        if header is None:
            continue
        hinted = int(any(w in sheet.name.lower() for w in kind.sheet_words))
        key = (len(header.columns) + hinted, hinted)
        if key > best_key:
            best, best_key = (kind, header), key
    return best


def _no_header(findings: Findings, kind: Kind | None) -> None:
    if kind is None:
        findings.error("no_header_any")
        return
    wanted = "、".join(kind.by_name[group[0]].zh for group in kind.identity)
    wanted_en = ", ".join(kind.by_name[group[0]].en for group in kind.identity)
    findings.error("no_header", wanted=Bilingual(wanted, wanted_en))


def _concat(parts: list[Rows]) -> Rows:
    if len(parts) == 1:
        return parts[0]
    frame = pd.concat([p.frame for p in parts], ignore_index=True)
    present = set().union(*(p.present for p in parts))
    where: dict = {}
    units: dict = {}
    for p in parts:
        where.update(p.where)
        units.update(p.units)
    return Rows(kind=parts[0].kind, frame=frame, present=present, where=where, units=units)


# ---------------------------------------------------------------- checking and writing


def _order(parsed: Parsed) -> list[str]:
    order = [*TABULAR, "boundaries"]
    return [k for k in order if k in parsed.rows]


def _check(conn: Connection, parsed: Parsed, ctx: Context) -> dict[str, list[Change]]:
    out: dict[str, list[Change]] = {}
    try:
        for kind_code in _order(parsed):
            out[kind_code] = kinds.module(kind_code).check(conn, parsed.rows[kind_code], ctx)
        _within_scope(conn, parsed, ctx)
        if not ctx.findings.ok:
            return {}
    except DBAPIError:
        raise  # a busy store is retried by write_transaction; other database errors are not the file's fault
    except Exception as exc:
        LOG.exception("import check failed for %s", parsed.file_name)
        ctx.findings.error("internal", detail=f"{type(exc).__name__}: {str(exc)[:160]}")
        return {}
    return out


def _within_scope(conn: Connection, parsed: Parsed, ctx: Context) -> None:
    """Refuse, naming the rows, what an editor limited to some districts may not change: rows of another
    district, or city-wide rows (city tax, city plans, boundaries of districts outside the scope)."""
    scope = ctx.options.districts
    if scope is None:
        return
    names: dict[str, str] = dict(conn.execute(text("SELECT code, name_zh FROM district")).all())
    if ctx.touched_buildings:
        from data_layer.imports.kinds.common import store_buildings

        known = store_buildings(conn)
        pending = ctx.pending.get("buildings")
        of = dict(zip(known["code"], known["district_code"], strict=True))
        if isinstance(pending, pd.DataFrame) and not pending.empty:
            of.update(zip(pending["code"], pending["district_code"], strict=True))
        for kind_code, codes in ctx.touched_buildings.items():
            ctx.touched.setdefault(kind_code, codes.map(lambda c: of.get(c) if c is not None else None))
    allowed = "、".join(names.get(c, c) for c in sorted(scope))
    for kind_code, districts in ctx.touched.items():
        rows = parsed.rows.get(kind_code)
        if not isinstance(rows, Rows):
            continue
        values = districts.to_numpy(dtype=object)
        outside = np.array([not fmt.missing(v) and v not in scope
                            for v in values], dtype=bool)
        at = next((n for n in ("district", "scope", "building_code", "building_name", "point_code", "code", "name",
                               "month", "plan_code") if rows.has(n)), None)
        if at is None:
            continue
        city = Bilingual("全市", "the whole city")
        rows.report(ctx.findings, outside, at, "outside_scope",
                    params=[{"district": city if v == CITY_WIDE else names.get(v, v), "allowed": allowed}
                            for v in values[outside]])


def _flatten(changes: dict[str, list[Change]]) -> dict[str, Change]:
    return {change.table: change for group in changes.values() for change in group}


def _context(parsed: Parsed, options: Options) -> Context:
    return Context(findings=parsed.findings, options=options, today=options.today or get_settings().today)


def prepare(engine: Engine, *, kind: str, file_name: str, data: bytes, options: Options | None = None,
            parsed: Parsed | None = None) -> Outcome:
    """A dry run: every check, and the new / updated / unchanged rows, without writing anything."""
    options = options or Options()
    parsed = parsed or parse(kind, file_name, data, options)
    outcome = Outcome(parsed.kind, file_name, parsed.file_hash, parsed.findings)
    if not parsed.rows:
        return outcome
    ctx = _context(parsed, options)
    with engine.connect() as conn:
        outcome.changes = _flatten(_check(conn, parsed, ctx))
    return outcome


def run_import(engine: Engine, *, kind: str, file_name: str, data: bytes, user: str, via: str = "app",
               options: Options | None = None, dry_run: bool = False, parsed: Parsed | None = None) -> Outcome:
    """Check and, when nothing is wrong and this is not a dry run, write the file in one transaction."""
    options = options or Options()
    parsed = parsed or parse(kind, file_name, data, options)
    if dry_run or not parsed.rows or not parsed.findings.ok:
        return prepare(engine, kind=kind, file_name=file_name, data=data, options=options, parsed=parsed)

    def work(conn: Connection) -> Outcome:
        findings = Findings(file=parsed.findings.file, notes=list(parsed.findings.notes))
        attempt = Parsed(parsed.kind, parsed.file_name, parsed.file_hash, findings, parsed.rows)
        ctx = _context(attempt, options)
        started = time.perf_counter()
        changes = _check(conn, attempt, ctx)
        outcome = Outcome(parsed.kind, file_name, parsed.file_hash, findings, _flatten(changes), timings=ctx.timings)
        ctx.timings["check"] = time.perf_counter() - started
        if not findings.ok or outcome.nothing_to_do:
            return outcome  # rejected, or the store already holds exactly this: write nothing
        outcome.batch_id = _write(conn, attempt, ctx, changes, user=user, via=via)
        outcome.committed = True
        ctx.timings["commit_started"] = time.perf_counter()
        return outcome

    try:
        outcome = write_transaction(engine, work, commit_if=lambda o: o.committed)
        if "commit_started" in outcome.timings:
            outcome.timings["commit"] = time.perf_counter() - outcome.timings.pop("commit_started")
        return outcome
    except StoreBusy:
        raise
    except (DBAPIError, ValueError, TypeError) as exc:  # the write failed: it was rolled back, say so
        LOG.exception("import write failed for %s", file_name)
        findings = Findings(file=file_name, notes=list(parsed.findings.notes))
        findings.error("write_failed", detail=f"{type(exc).__name__}: {str(getattr(exc, 'orig', exc))[:160]}")
        return Outcome(parsed.kind, file_name, parsed.file_hash, findings)


def _write(conn: Connection, parsed: Parsed, ctx: Context, changes: dict[str, list[Change]], *, user: str,
           via: str) -> int:
    sync_sequences(conn)
    flat = _flatten(changes)
    totals = {"new": 0, "updated": 0, "unchanged": 0}
    for change in flat.values():
        for name, value in change.counts.items():
            totals[name] += value
    result = conn.execute(insert(ImportBatch).values(
        kind=parsed.kind, file_name=parsed.file_name[:255], file_hash=parsed.file_hash, user_name=user[:80],
        created_at=datetime.now(UTC), rows_new=totals["new"], rows_updated=totals["updated"],
        rows_unchanged=totals["unchanged"]))
    batch_id = inserted_id(result)
    created: dict[str, object] = {}
    replaced: dict[str, object] = {}
    started = time.perf_counter()
    for kind_code, group in changes.items():
        info = kinds.module(kind_code).write(conn, group, ctx, batch_id)
        created.update(info.get("created", {}))
        replaced.update(info.get("replaced", {}))
    ctx.timings["rows"] = time.perf_counter() - started
    started = time.perf_counter()
    refresh_summaries(conn, ctx.months, buildings_changed=ctx.buildings_changed)
    ctx.timings["summaries"] = time.perf_counter() - started
    summaries.bump_data_version(conn)
    main_table = KINDS[parsed.kind].tables[0] if parsed.kind in KINDS else "import_batch"
    audit.record(conn, user=user, action="import", table=main_table,
                 key=f"import_batch:{batch_id}", via=via,
                 old={"replaced": replaced} if replaced else None,
                 new={"batch_id": batch_id, "kind": parsed.kind, "file": parsed.file_name,
                      "hash": parsed.file_hash, "counts": {t: c.counts for t, c in flat.items()},
                      "created": created, "months": sorted(ctx.months)})
    return batch_id


def refresh_summaries(conn: Connection, months: set[str] | list[str], *, buildings_changed: bool = False) -> None:
    """Bring the summary tables up to date for `months` (ISO first days), in the caller's transaction.
    Uses `summaries.refresh_all`: with the months touched, or with no months after a change to buildings only
    (its contract); a building that moved district or street adds all its months."""
    month_dates = sorted(date.fromisoformat(str(m)[:10]) for m in months)
    if month_dates or buildings_changed:
        # designation counts follow the building table: a file of monthly rows only leaves them as they are
        summaries.refresh_all(conn, month_dates, buildings_changed=buildings_changed)


# ---------------------------------------------------------------- the write lock


def _busy(exc: BaseException) -> bool:
    message = str(getattr(exc, "orig", exc)).lower()
    return any(word in message for word in ("database is locked", "database is busy", "deadlock detected",
                                            "could not serialize", "lock timeout"))


def write_transaction(engine: Engine, work: Callable[[Connection], T], *,
                      commit_if: Callable[[T], bool] = lambda _r: True) -> T:
    """Run `work` holding the store's write lock; commit when `commit_if(result)`, else roll back. Retries while
    the store is busy; raises StoreBusy after ATTEMPTS tries (the page words it as 'try again')."""
    delay = 0.2
    for attempt in range(ATTEMPTS):
        try:
            with engine.connect() as conn:
                if engine.dialect.name == "sqlite":
                    # A bigger page cache for this connection keeps index inserts of a large file in memory.
                    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
                    conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock now, not at the first write
                else:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
                try:
                    result = work(conn)
                except BaseException:
                    conn.rollback()
                    raise
                if commit_if(result):
                    conn.commit()
                else:
                    conn.rollback()
                return result
        except (OperationalError, DBAPIError) as exc:
            if not _busy(exc):
                raise
            if attempt == ATTEMPTS - 1:
                raise StoreBusy(str(exc)) from exc
            time.sleep(delay)
            delay = min(delay * 2, 3.0)
    raise StoreBusy("unreachable")


def mark_undone(conn: Connection, batch_id: int) -> None:
    conn.execute(update(ImportBatch).where(col(ImportBatch.id) == batch_id).values(undone_at=datetime.now(UTC)))
