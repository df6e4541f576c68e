"""The one engine factory, and the store's health check. No other module opens connections."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session

SQLITE_BUSY_MS = 30_000  # how long a SQLite connection waits for a locked file (data_layer.stored waits less)


def make_engine(url: str) -> Engine:
    """Create an engine for `url`. SQLite gets WAL, a busy timeout and cross-thread use (Streamlit reruns
    scripts on worker threads); its parent folder is created so a fresh machine needs no setup."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
        except Exception:
            pass
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One short session per unit of work: committed on success, rolled back on any error."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@dataclass(frozen=True)
class StoreStatus:
    """What the app needs to know before drawing a page. `code` is one of:
    ok, missing (no schema yet), empty (schema but no buildings), needs_upgrade, newer, unreadable."""

    code: str
    revision: str | None = None
    detail: str = ""

    @property
    def usable(self) -> bool:
        return self.code in {"ok", "empty"}


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key a single-row INSERT created (SQLAlchemy types it as optional: an INSERT ... SELECT has none)."""
    key = result.inserted_primary_key
    if key is None:
        raise ValueError("the statement inserted no single row")
    return int(key[0])


def sqlite_file_exists(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return True
    database = parsed.database or ""
    return database in {"", ":memory:"} or Path(database).exists()


def store_status(engine: Engine) -> StoreStatus:
    """Inspect the store without changing it: schema revision against the code's, and whether it holds data."""
    from data_layer import migrations  # local import: migrations imports this module

    if not sqlite_file_exists(engine.url.render_as_string(hide_password=False)):
        return StoreStatus("missing")  # do not let a health check create an empty file
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if "alembic_version" not in tables:
                return StoreStatus("missing")
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            known = migrations.known_revisions()
            if revision not in known:
                return StoreStatus("newer", revision)
            if revision != migrations.head_revision():
                return StoreStatus("needs_upgrade", revision)
            buildings = conn.exec_driver_sql("SELECT COUNT(*) FROM building").scalar() or 0
            return StoreStatus("ok" if buildings else "empty", revision)
    except (OperationalError, DatabaseError) as exc:
        return StoreStatus("unreadable", detail=str(exc.orig) if exc.orig else str(exc))
