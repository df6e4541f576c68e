"""Backup and restore of the whole store.

SQLite: the online backup API copies a consistent snapshot page by page while the app keeps serving (readers and
writers wait only for the short steps); restore copies a checked backup file back the same way, then bumps the
data version (caches refresh) and records an audit row.

PostgreSQL: use the server's own tools, which this module calls when they are installed:

    pg_dump --format=custom --no-owner --file=dashboard.dump "postgresql://user:pass@host:5432/dashboard"
    pg_restore --clean --if-exists --no-owner --single-transaction --dbname="postgresql://user:pass@host:5432/dashboard" dashboard.dump

(`python -m data_layer backup FILE` / `restore FILE` do exactly this for a postgresql+psycopg:// DATABASE_URL.)
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

from data_layer import audit, migrations, summaries

PAGES_PER_STEP = 4096  # copy in steps so other connections get the database between them


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


def _libpq_url(engine: Engine) -> str:
    """The URL pg_dump understands (no +driver part)."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def backup(engine: Engine, target: Path) -> Path:
    """Write a full backup of the store to `target` (a SQLite file, or a pg_dump custom-format archive)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url(engine)])
        return target
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    raw = engine.raw_connection()
    try:
        destination = sqlite3.connect(partial)
        try:
            raw.driver_connection.backup(destination, pages=PAGES_PER_STEP)  # type: ignore[union-attr]
        finally:
            destination.close()
    finally:
        raw.close()
    partial.replace(target)
    return target


def backup_bytes(engine: Engine) -> bytes:
    """A backup as bytes, for a download button."""
    with tempfile.TemporaryDirectory() as folder:
        path = backup(engine, Path(folder) / "backup.db")
        return path.read_bytes()


def check_backup(path: Path) -> str:
    """The schema revision of a SQLite backup file, or BackupError (not SQLite / not a store / newer)."""
    path = Path(path)
    with path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise BackupError("not_sqlite")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "alembic_version" not in tables or "building" not in tables:
                raise BackupError("not_store")
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            check = connection.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError("not_sqlite") from exc
    if check != "ok":
        raise BackupError("not_sqlite")
    if revision not in migrations.known_revisions():
        raise BackupError("newer", revision=revision)
    return str(revision)


def restore(engine: Engine, source: Path, *, user: str, via: str = "app") -> RestoreResult:
    """Replace the store's contents with a backup; an older backup is upgraded to the code's schema after."""
    source = Path(source)
    if engine.dialect.name == "postgresql":
        # one transaction: a restore that fails half-way leaves the store as it was
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url(engine)}", str(source)])
        revision = migrations.head_revision()
    else:
        revision = check_backup(source)
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / "restore.db"
            shutil.copy(source, copy)  # never read a file the user may still be changing
            origin = sqlite3.connect(copy)
            raw = engine.raw_connection()
            try:
                origin.backup(raw.driver_connection, pages=PAGES_PER_STEP)  # type: ignore[arg-type]
            finally:
                raw.close()
                origin.close()
    engine.dispose()  # pooled connections may hold the old schema cached
    migrations.upgrade(engine)  # an older backup is brought to the code's schema; a current one is untouched
    with engine.begin() as conn:
        summaries.bump_data_version(conn)
        audit.record(conn, user=user, action="restore", table="store", key=source.name[:200], via=via,
                     new={"from_revision": revision})
    return RestoreResult(tables=len(inspect(engine).get_table_names()), revision=migrations.head_revision())


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError("no_tool", tool=command[0])
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise BackupError("tool_failed", tool=command[0], detail=result.stderr.strip()[:300])
