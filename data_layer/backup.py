"""Backup and restore of the store, with accounts and the audit trail kept out of editors' reach.

Two scopes:
- **data** (what an editor may download, and what every restore on the page replaces): the domain tables —
  districts, streets, buildings, monthly statistics, plans, observation data, import history, summaries. Never
  `app_user` (password hashes), `kiosk_token` (link hashes), `display_screen` (the named wall screens those links
  show), `login_attempt` (sign-in history) or `audit_log`.
- **full** (the command line only, `backup --full` / `restore --full`, for an operator with the server's
  DATABASE_URL): the whole store, accounts and links included, for disaster recovery.

The audit trail is append-only in both: a restore keeps every row the store already had and appends its own; a full
restore adds the backup's rows that the store does not already hold.

Before anything is touched, a backup is checked against the schema of the revision it claims: every table and
column this program knows for that revision and nothing else, the same NOT NULL, primary-key and unique constraints
(no conflict clauses, views or triggers), `PRAGMA integrity_check` on
SQLite files, the COPY column lists of a pg_dump archive. A forged or partial file is refused with a reason code
(imports.backup.bad.<code>) and the store stays as it was.

SQLite: the online backup API copies a consistent snapshot while the app keeps serving; a data restore attaches a
checked and upgraded copy of the backup and replaces the data tables in one transaction.
PostgreSQL: pg_dump / pg_restore (installed with the server's client tools). A data restore reads the archive's
data as COPY blocks (`pg_restore --data-only --file=`), checks them, and loads them into the data tables in one
transaction (TRUNCATE + COPY); it needs an archive of the store's own schema revision (an older one: restore it
into a scratch store, upgrade, back that up). A full restore is `pg_restore --clean --single-transaction`.
The password travels in the tools' environment, never on their command line, where `ps` shows it to every user.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlmodel import col

from data_layer import audit, migrations, stored, summaries
from data_layer.models import AuditLog, table_of
from data_layer.settings import get_settings

PAGES_PER_STEP = 4096  # copy in steps so other connections get the database between them
# Accounts, display links and their named screens, sign-in history and the audit trail: never in an editor's backup,
# never replaced by a data restore (restoring last month's figures must not wipe the wall screens an admin set up).
# The audit trail is never replaced at all (see _merge_audit).
PROTECTED = ("app_user", "kiosk_token", "display_screen", "login_attempt", "audit_log")
_META = ("alembic_version",)
# Derived rows (data_layer.stored: results computed per data version): in no backup, never restored from one, and
# emptied by every restore, so a doctored backup cannot plant a result the store would read back.
DERIVED = ("stored_result",)
_AUDIT_FIELDS = ("at", "user_name", "action", "via", "table_name", "row_key", "old_value", "new_value")
_COPY = re.compile(r"^COPY public\.(\w+) \(([^)]*)\) FROM stdin;$")
_SETVAL = re.compile(r"^SELECT pg_catalog\.setval\('public\.(\w+)', (\d+), (true|false)\);$")


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; `code` words it (imports.backup.bad.<code>)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    revision: str
    full: bool = False


def restore_upload_limit_mb() -> int:
    """The page takes restores up to the import limit, the server's upload limit (server.maxUploadSize) too;
    a larger store is restored with the command line on the server."""
    return get_settings().import_max_mb


def check_restore_upload(size: int) -> None:
    """Raise BackupError('too_big') for a restore upload over restore_upload_limit_mb()."""
    limit = restore_upload_limit_mb()
    if size > limit * 1024 * 1024:
        raise BackupError("too_big", size=f"{size / 1024 / 1024:,.1f}", limit=limit)


# ---------------------------------------------------------------------------------------------- the schema


Constraints = dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[tuple[str, ...], bool], ...]]]


@cache
def _reference(revision: str) -> tuple[dict[str, tuple[str, ...]], Constraints]:
    """Every table of the store at `revision` with its columns (sorted) and what it enforces, read from a scratch
    SQLite store that the migrations build to exactly that revision: the one definition a backup is checked
    against."""
    from data_layer import db

    if revision not in migrations.known_revisions():
        raise BackupError("newer", revision=revision)
    with tempfile.TemporaryDirectory() as folder:
        engine = db.make_engine(f"sqlite:///{Path(folder) / 'reference.db'}")
        try:
            migrations.upgrade(engine, revision)
            with engine.connect() as conn:
                connection: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
                return _sqlite_schema(connection), _constraints(connection)
        finally:
            engine.dispose()


def expected_schema(revision: str) -> dict[str, tuple[str, ...]]:
    """Every table of the store at `revision` with its columns (sorted)."""
    return _reference(revision)[0]


def _table_names(connection: sqlite3.Connection) -> list[str]:
    # substr, not LIKE 'sqlite_%': in LIKE an underscore is any character, so a table "sqliteXapp" would pass unseen
    return [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) != 'sqlite_'")]


def _quoted(name: object) -> str:
    """A name from the file as an SQL identifier (the file chose it)."""
    return '"' + str(name).replace('"', '""') + '"'


def _sqlite_schema(connection: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
    return {name: tuple(sorted(row[1] for row in connection.execute(f"PRAGMA table_info({_quoted(name)})")))
            for name in _table_names(connection)}


def _constraints(connection: sqlite3.Connection) -> Constraints:
    """What each table enforces beyond its column names: its NOT NULL columns, its primary key, and the columns of
    each unique index (and whether it is partial). A full restore copies the file's own definitions, so a table
    rebuilt with an extra UNIQUE ... ON CONFLICT IGNORE would silently drop rows (the audit trail's) from then on."""
    out: Constraints = {}
    for name in _table_names(connection):
        info = connection.execute(f"PRAGMA table_info({_quoted(name)})").fetchall()  # cid, name, type, notnull, dflt, pk
        not_null = tuple(sorted(str(row[1]) for row in info if row[3]))
        key = tuple(str(row[1]) for row in sorted(info, key=lambda row: row[5]) if row[5])
        unique = sorted((tuple(str(c[2]) for c in connection.execute(f"PRAGMA index_info({_quoted(index[1])})")),
                         bool(index[4]))
                        for index in connection.execute(f"PRAGMA index_list({_quoted(name)})").fetchall() if index[2])
        out[name] = (not_null, key, tuple(unique))
    return out


def data_tables(engine_or_conn: Engine | Connection) -> list[str]:
    """The store's data tables in an order that satisfies their foreign keys (parents first)."""
    from data_layer.models import SQLModel

    present = set(inspect(engine_or_conn).get_table_names())
    return [table.name for table in SQLModel.metadata.sorted_tables
            if table.name in present and table.name not in PROTECTED + _META + DERIVED]


def check_backup(path: Path) -> str:
    """The schema revision of a SQLite backup file after checking it whole; BackupError otherwise."""
    path = Path(path)
    with path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise BackupError("not_sqlite")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            revision = _check_sqlite_file(connection)
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError("not_sqlite") from exc
    return revision


def _check_sqlite_file(connection: sqlite3.Connection) -> str:
    if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        raise BackupError("damaged")
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "alembic_version" not in tables:
        raise BackupError("not_store")
    revisions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    if len(revisions) != 1:
        raise BackupError("not_store")
    revision = str(revisions[0])
    expected = expected_schema(revision)  # BackupError('newer') for a revision this program does not know
    found = _sqlite_schema(connection)
    if found != expected:
        raise BackupError("schema", difference=_difference(expected, found))
    # Views and triggers would run inside the store after a full restore: this program creates none. Nor does it
    # write a conflict clause into a definition (ON CONFLICT IGNORE / REPLACE drop or overwrite rows silently).
    extra = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('view', 'trigger') OR upper(sql) LIKE '%ON CONFLICT%'")]
    if extra:
        raise BackupError("schema", difference=", ".join(sorted(extra))[:200])
    enforced = _constraints(connection)
    changed = [f"~{name}" for name, rules in _reference(revision)[1].items() if enforced.get(name) != rules]
    if changed:
        raise BackupError("schema", difference=", ".join(changed)[:200])
    return revision


def _difference(expected: dict[str, tuple[str, ...]], found: dict[str, tuple[str, ...]]) -> str:
    """A short account of what a backup lacks or adds, for the message."""
    parts = [f"-{name}" for name in sorted(set(expected) - set(found))]
    parts += [f"+{name}" for name in sorted(set(found) - set(expected))]
    for name in sorted(set(expected) & set(found)):
        missing = sorted(set(expected[name]) - set(found[name]))
        added = sorted(set(found[name]) - set(expected[name]))
        parts += [f"-{name}.{column}" for column in missing] + [f"+{name}.{column}" for column in added]
    text = ", ".join(parts)
    return text if len(text) <= 200 else text[:197] + "…"


# ---------------------------------------------------------------------------------------------- backup


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """The URL pg_dump understands (no +driver part, no password) and the environment that carries the password
    (PGPASSWORD, which libpq reads) for the tool's subprocess only."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    # URL.set(password=None) keeps the password (None means "unchanged" there): build the URL without it
    clean = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                       query=url.query).render_as_string(hide_password=False)
    return clean, environment


def backup(engine: Engine, target: Path, *, full: bool = False) -> Path:
    """Write a backup of the store to `target` (a SQLite file, or a pg_dump custom-format archive): the data
    tables only unless `full`. The protected tables keep their definitions (the schema check needs them) but no
    rows, and on SQLite their pages are overwritten and the file vacuumed, so no hash survives in free pages."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "postgresql":
        url, environment = _libpq(engine)
        excluded = [f"--exclude-table-data=public.{name}" for name in (DERIVED if full else PROTECTED + DERIVED)]
        _run(["pg_dump", "--format=custom", "--no-owner", *excluded, f"--file={target}", url], environment)
        return target
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    raw = engine.raw_connection()
    try:
        destination = sqlite3.connect(partial)
        try:
            raw.driver_connection.backup(destination, pages=PAGES_PER_STEP)  # type: ignore[union-attr]
            _strip_protected(destination, () if full else PROTECTED)
        finally:
            destination.close()
    finally:
        raw.close()
    partial.replace(target)
    return target


def _strip_protected(connection: sqlite3.Connection, protected: tuple[str, ...]) -> None:
    """Empty the protected tables (data backups) and the derived ones (every backup) in the copy."""
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    connection.execute("PRAGMA journal_mode = DELETE")  # the copy is a single file, no -wal beside it
    connection.execute("PRAGMA secure_delete = ON")
    with connection:
        for name in protected + DERIVED:
            if name in tables:
                connection.execute(f'DELETE FROM "{name}"')
    connection.execute("VACUUM")


def backup_bytes(engine: Engine, *, full: bool = False) -> bytes:
    """A backup as bytes, for a download button."""
    with tempfile.TemporaryDirectory() as folder:
        path = backup(engine, Path(folder) / "backup.db", full=full)
        return path.read_bytes()


# ---------------------------------------------------------------------------------------------- restore


def restore(engine: Engine, source: Path, *, user: str, via: str = "app", full: bool = False) -> RestoreResult:
    """Restore a checked backup. By default only the data tables are replaced (accounts, kiosk links, sign-in
    history and the audit trail stay as they are); `full` (command line) replaces accounts and links too. Either
    way the audit trail keeps every earlier row and gains one for this restore."""
    source = Path(source)
    postgres = engine.dialect.name == "postgresql"
    with tempfile.TemporaryDirectory() as folder:
        if postgres:
            revision = _restore_postgres(engine, source, Path(folder), full=full, user=user, via=via)
        else:
            copy = Path(folder) / "restore.db"
            shutil.copy(source, copy)  # never read a file the user may still be changing
            revision = check_backup(copy)
            if full:
                _restore_sqlite_full(engine, copy, user=user, via=via)
            else:
                _restore_sqlite_data(engine, copy, user=user, via=via, revision=revision)
    return RestoreResult(tables=len(inspect(engine).get_table_names()), revision=revision, full=full)


def _record_restore(conn: Connection, *, source: str, user: str, via: str, revision: str, full: bool) -> None:
    stored.clear(conn)  # results computed from the data that was replaced (and never a backup's own rows)
    summaries.bump_data_version(conn)
    audit.record(conn, user=user, action="restore_full" if full else "restore", table="store", key=source[:200],
                 via=via, new={"from_revision": revision, "scope": "full" if full else "data"})


def _restore_sqlite_data(engine: Engine, copy: Path, *, user: str, via: str, revision: str) -> None:
    from data_layer import db

    scratch = db.make_engine(f"sqlite:///{copy}")
    try:
        migrations.upgrade(scratch)  # an older backup is brought to the code's schema in the copy, not the store
    finally:
        scratch.dispose()
    columns_of = expected_schema(migrations.head_revision())
    with engine.connect() as conn:
        tables = data_tables(conn)
        conn.exec_driver_sql("ATTACH DATABASE ? AS backup_source", (str(copy),))
        conn.commit()  # ATTACH cannot run inside a transaction; end SQLAlchemy's autobegun one before begin()
        try:
            with conn.begin():
                conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
                for name in reversed(tables):
                    conn.exec_driver_sql(f'DELETE FROM main."{name}"')
                for name in tables:
                    columns = ", ".join(f'"{c}"' for c in columns_of[name])
                    conn.exec_driver_sql(
                        f'INSERT INTO main."{name}" ({columns}) SELECT {columns} FROM backup_source."{name}"')
                _record_restore(conn, source=copy.name, user=user, via=via, revision=revision, full=False)
        finally:
            conn.exec_driver_sql("DETACH DATABASE backup_source")
            conn.commit()


def _restore_sqlite_full(engine: Engine, copy: Path, *, user: str, via: str) -> None:
    kept = _audit_rows(engine)
    origin = sqlite3.connect(copy)
    raw = engine.raw_connection()
    try:
        origin.backup(raw.driver_connection, pages=PAGES_PER_STEP)  # type: ignore[arg-type]
    finally:
        raw.close()
        origin.close()
    engine.dispose()  # pooled connections may hold the old schema cached
    _after_full_restore(engine, kept, source=copy.name, user=user, via=via)


def _after_full_restore(engine: Engine, kept: list[tuple[object, ...]], *, source: str, user: str, via: str) -> None:
    with engine.connect() as conn:
        revision = str(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar())
    migrations.upgrade(engine)  # an older backup is brought to the code's schema
    with engine.begin() as conn:
        _merge_audit(conn, kept)
        _record_restore(conn, source=source, user=user, via=via, revision=revision, full=True)


def _audit_rows(engine: Engine) -> list[tuple[object, ...]]:
    columns = [getattr(AuditLog, name) for name in _AUDIT_FIELDS]
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(*columns).order_by(col(AuditLog.id)))]


def _merge_audit(conn: Connection, kept: list[tuple[object, ...]]) -> None:
    """Append the rows the store had before a full restore that the restored trail lacks (the trail is append-only:
    a restore may add history, never remove it)."""
    columns = [getattr(AuditLog, name) for name in _AUDIT_FIELDS]
    present = {_audit_key(row) for row in conn.execute(select(*columns))}
    missing = [dict(zip(_AUDIT_FIELDS, row, strict=True)) for row in kept if _audit_key(row) not in present]
    if missing:
        conn.execute(table_of(AuditLog).insert(), missing)


def _audit_key(row: Sequence[Any]) -> tuple[object, ...]:
    values = tuple(row)
    at = values[0]
    stamp = at.replace(tzinfo=None).isoformat() if hasattr(at, "isoformat") else str(at)
    return (stamp, *values[1:])


# ---------------------------------------------------------------------------------------------- PostgreSQL


@dataclass(frozen=True)
class _CopyBlock:
    table: str
    columns: tuple[str, ...]
    start: int  # line index of the first data line
    end: int  # line index of the terminating backslash-dot


def _dump_script(source: Path, folder: Path, environment: dict[str, str] | None) -> Path:
    script = folder / "data.sql"
    _run(["pg_restore", "--data-only", f"--file={script}", str(source)], environment)
    return script


def _copy_blocks(lines: list[str]) -> Iterator[_CopyBlock]:
    index = 0
    while index < len(lines):
        match = _COPY.match(lines[index])
        if match is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end] != "\\.":
            end += 1
        if end == len(lines):
            raise BackupError("not_store")  # a COPY block that never ends: a cut or forged archive
        columns = tuple(c.strip().strip('"') for c in match.group(2).split(","))
        yield _CopyBlock(match.group(1), columns, index + 1, end)
        index = end + 1


def _check_dump(lines: list[str], *, full: bool) -> tuple[str, list[_CopyBlock]]:
    """The revision an archive's data claims and its COPY blocks, checked against that revision's schema. A data
    backup has no blocks for the protected tables (pg_dump --exclude-table-data) and a data restore never reads
    them; a full restore needs them all (it replaces the accounts)."""
    blocks = list(_copy_blocks(lines))
    versions = [b for b in blocks if b.table == "alembic_version"]
    if len(versions) != 1 or versions[0].end - versions[0].start != 1:
        raise BackupError("not_store")
    revision = lines[versions[0].start].split("\t")[0].strip()
    expected = expected_schema(revision)  # 'newer' for an unknown revision
    found = {b.table: tuple(sorted(b.columns)) for b in blocks}
    # derived tables are left out of every dump, protected ones out of data dumps (pg_dump --exclude-table-data
    # writes no COPY block for them)
    may_lack = DERIVED if full else DERIVED + PROTECTED
    expected = {name: columns for name, columns in expected.items() if name not in may_lack or name in found}
    if found != expected or len(found) != len(blocks):
        raise BackupError("schema", difference=_difference(expected, found))
    return revision, blocks


def dump_revision(source: Path, environment: dict[str, str] | None = None) -> str:
    """The schema revision a pg_dump archive holds, read from its data without restoring it; BackupError when the
    archive is no dump of a store ('not_store') or comes from a newer program ('newer')."""
    with tempfile.TemporaryDirectory() as folder:
        lines = _dump_script(source, Path(folder), environment).read_text(encoding="utf-8").splitlines()
    versions = [b for b in _copy_blocks(lines) if b.table == "alembic_version"]
    if len(versions) != 1 or versions[0].end - versions[0].start != 1:
        raise BackupError("not_store")
    revision = lines[versions[0].start].split("\t")[0].strip()
    if revision not in migrations.known_revisions():
        raise BackupError("newer", revision=revision)
    return revision


def _restore_postgres(engine: Engine, source: Path, folder: Path, *, full: bool, user: str, via: str) -> str:
    url, environment = _libpq(engine)
    lines = _dump_script(source, folder, environment).read_text(encoding="utf-8").splitlines()
    revision, blocks = _check_dump(lines, full=full)  # nothing in the store is touched before this passes
    if full:
        kept = _audit_rows(engine)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={url}",
              str(source)], environment)
        engine.dispose()
        _after_full_restore(engine, kept, source=source.name, user=user, via=via)
        return revision
    if revision != migrations.head_revision():
        raise BackupError("old_dump", revision=revision, head=migrations.head_revision())
    _load_postgres_data(engine, lines, blocks, user=user, via=via, source=source.name, revision=revision)
    return revision


def _load_postgres_data(engine: Engine, lines: list[str], blocks: list[_CopyBlock], *, user: str, via: str,
                        source: str, revision: str) -> None:
    """TRUNCATE the data tables and COPY the archive's rows into them, in one transaction."""
    with engine.begin() as conn:
        tables = data_tables(conn)
        conn.exec_driver_sql("TRUNCATE " + ", ".join(f'public."{name}"' for name in tables))
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        order = {name: position for position, name in enumerate(tables)}
        for block in sorted((b for b in blocks if b.table in order), key=lambda b: order[b.table]):
            columns = ", ".join(f'"{c}"' for c in block.columns)
            with cursor.copy(f'COPY public."{block.table}" ({columns}) FROM STDIN') as copy:
                for line in lines[block.start:block.end]:
                    copy.write(line + "\n")
        for line in lines:
            match = _SETVAL.match(line)
            if match and match.group(1).removesuffix("_id_seq") in order:
                conn.exec_driver_sql(line)
        _record_restore(conn, source=source, user=user, via=via, revision=revision, full=False)


def _run(command: list[str], environment: dict[str, str] | None = None) -> str:
    """Run a PostgreSQL tool; its standard output, or BackupError. `environment` carries PGPASSWORD."""
    if shutil.which(command[0]) is None:
        raise BackupError("no_tool", tool=command[0])
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600, env=environment, check=False)
    if result.returncode != 0:
        raise BackupError("tool_failed", tool=command[0], detail=result.stderr.strip()[:300])
    return result.stdout
