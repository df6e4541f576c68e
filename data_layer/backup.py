"""Backup and restore of the whole store.

SQLite: the online backup API copies a consistent snapshot page by page while the app keeps serving (readers and
writers wait only for the short steps); restore copies a checked backup file back the same way, then bumps the
data version (caches refresh) and records an audit row.

PostgreSQL: use the server's own tools, which this module calls when they are installed:

    PGPASSWORD=... pg_dump --format=custom --no-owner --file=dashboard.dump "postgresql://user@host:5432/dashboard"
    PGPASSWORD=... pg_restore --clean --if-exists --no-owner --single-transaction --dbname="postgresql://user@host:5432/dashboard" dashboard.dump

(`python -m data_layer backup FILE` / `restore FILE` do exactly this for a postgresql+psycopg:// DATABASE_URL. The
password travels in the tools' environment, never on their command line, where `ps` shows it to every user of
the machine.) Before a PostgreSQL restore the dump's schema revision is read from its alembic_version data
(`pg_restore --data-only --table=alembic_version --file=-`, which changes nothing), so a dump from a newer
program is refused before the store is touched.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL, make_url

from data_layer import audit, migrations, summaries
from data_layer.settings import get_settings

PAGES_PER_STEP = 4096  # copy in steps so other connections get the database between them
# A restore upload on the page may be this many times the import limit (DASHBOARD_IMPORT_MAX_MB): a backup holds
# the whole store, so it is larger than any one import file, but an unbounded upload would fill memory and disk.
RESTORE_UPLOAD_FACTOR = 4
_COPY_ALEMBIC = "COPY public.alembic_version"


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


def restore_upload_limit_mb() -> int:
    return get_settings().import_max_mb * RESTORE_UPLOAD_FACTOR


def check_restore_upload(size: int) -> None:
    """Raise BackupError('too_big') for a restore upload over restore_upload_limit_mb()."""
    limit = restore_upload_limit_mb()
    if size > limit * 1024 * 1024:
        raise BackupError("too_big", size=f"{size / 1024 / 1024:,.1f}", limit=limit, factor=RESTORE_UPLOAD_FACTOR)


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


def backup(engine: Engine, target: Path) -> Path:
    """Write a full backup of the store to `target` (a SQLite file, or a pg_dump custom-format archive)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "postgresql":
        url, environment = _libpq(engine)
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", url], environment)
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
        url, environment = _libpq(engine)
        revision = dump_revision(source, environment)  # refuses a newer dump before anything is changed
        # one transaction: a restore that fails half-way leaves the store as it was
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={url}",
              str(source)], environment)
        engine.dispose()
        restored = _store_revision(engine)
        if restored not in migrations.known_revisions():  # only if the pre-check was fooled: say what happened
            raise BackupError("newer_restored", revision=restored)
        revision = restored
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


def dump_revision(source: Path, environment: dict[str, str] | None = None) -> str:
    """The schema revision a pg_dump archive holds, read from its alembic_version data without restoring it;
    BackupError when the archive is no dump of a store ('not_store') or comes from a newer program ('newer')."""
    script = _run(["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(source)], environment)
    revisions = _copied_rows(script, _COPY_ALEMBIC)
    if not revisions:
        raise BackupError("not_store")
    for revision in revisions:
        if revision not in migrations.known_revisions():
            raise BackupError("newer", revision=revision)
    return revisions[0]


def _copied_rows(script: str, copy_line: str) -> list[str]:
    """The data lines of one COPY ... FROM stdin block of a SQL script (up to the terminating backslash-dot)."""
    rows: list[str] = []
    inside = False
    for line in script.splitlines():
        if inside:
            if line == "\\.":
                break
            rows.append(line.split("\t")[0].strip())
        elif line.startswith(copy_line) and line.rstrip().endswith("FROM stdin;"):
            inside = True
    return [r for r in rows if r]


def _store_revision(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar())


def _run(command: list[str], environment: dict[str, str] | None = None) -> str:
    """Run a PostgreSQL tool; its standard output, or BackupError. `environment` carries PGPASSWORD."""
    if shutil.which(command[0]) is None:
        raise BackupError("no_tool", tool=command[0])
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600, env=environment, check=False)
    if result.returncode != 0:
        raise BackupError("tool_failed", tool=command[0], detail=result.stderr.strip()[:300])
    return result.stdout
