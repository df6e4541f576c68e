"""Shared fixtures: temporary stores, a demo city built once per session, cache hygiene.

`--backend postgresql` runs the same tests on a real PostgreSQL server named by TEST_POSTGRES_URL (an admin URL;
each test gets a database of its own). scripts/test.sh starts one on loopback; without it the run fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from data_layer import db, store
from data_layer.demo import build_demo
from data_layer.models import Building, BuildingMonth, CityMonth, District
from data_layer.summaries import bump_data_version, refresh_all

# The background warmer (ui/warm.py) stays off in tests and in the servers they start: a warming of the demo city
# after every app.py run would race the tests for the CPU; tests/pages/test_warm.py runs one explicitly.
os.environ.setdefault("DASHBOARD_WARM_INTERVAL", "0")

DEMO_TODAY = date(2026, 11, 23)
DEMO_SEED = 20260101


@pytest.fixture(autouse=True)
def _clear_streamlit_caches() -> Iterator[None]:
    """Streamlit caches are process-global: clear them so one test's store never leaks into another."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--backend", choices=("sqlite", "postgresql"), default="sqlite",
                     help="database the store fixtures use (postgresql needs TEST_POSTGRES_URL)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: about SQLite files themselves; deselected in the PostgreSQL run")
    config.addinivalue_line("markers", "no_store: set by tests/conftest.py on every test whose fixtures reach no store"
                            " of the session's backend; deselected in the PostgreSQL run, where it would rerun unchanged")


# Fixtures that build a whole store (the demo city: 10-25 s once per session on these 2 cores) make a test slow.
SLOW_FIXTURES = frozenset({"demo_url"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark as `slow` every test that needs the demo city (directly or through demo_env, demo_copy, ...), a browser,
    or runs pages under AppTest (0.5-8 s each), so `pytest -m "not slow"` (scripts/test.sh fast) runs the rules and
    queries on hand-made rows in seconds. Tests slow for other reasons carry the marker themselves.

    Mark as `no_store` every test whose fixtures (all of them, transitively) include neither `postgres` nor `backend`:
    `postgres` is the only way to a PostgreSQL database (store_url, engine, demo_url, demo_copy and everything built
    on them go through it), so such a test does exactly the same on `--backend postgresql` as on SQLite (the docs
    checks, pure rules and chart builders, stores it makes itself in a SQLite file). The PostgreSQL run leaves them
    out (scripts/test.sh: `-m "... and not no_store"`)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        uses_apptest = getattr(getattr(item, "module", None), "AppTest", None) is not None
        if SLOW_FIXTURES & fixtures or item.get_closest_marker("browser") or uses_apptest:
            item.add_marker(pytest.mark.slow)
        if not fixtures & {"postgres", "backend"}:
            item.add_marker(pytest.mark.no_store)


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--backend"))


class PostgresDatabases:
    """Creates and drops one database per test on the server TEST_POSTGRES_URL names."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def create(self, prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))  # name is generated here, never user input
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def copy(self, url: str, prefix: str) -> str:
        """A new database with the contents of `url` (PostgreSQL copies a template only while nobody is connected to
        it: idle pooled connections are closed first; the engines' pre-ping reconnects them on their next use)."""
        source = make_url(url).database
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              " WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": source})
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))  # generated names only
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres(backend: str) -> Iterator[PostgresDatabases | None]:
    if backend != "postgresql":
        yield None
        return
    admin_url = os.environ.get("TEST_POSTGRES_URL", "")
    if not admin_url:
        pytest.fail("--backend postgresql needs TEST_POSTGRES_URL (scripts/test.sh starts a server and sets it)")
    databases = PostgresDatabases(admin_url)
    try:
        with databases.admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {admin_url} is not reachable: {exc}")
    yield databases
    databases.admin.dispose()


@pytest.fixture
def store_url(tmp_path: Path, postgres: PostgresDatabases | None, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new, empty database (no schema yet) on the session's backend; on PostgreSQL, for a test that also
    asks for `engine`, already a copy of the empty store (see `empty_store_template`)."""
    if postgres is None:
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    if "engine" in request.fixturenames:
        url = postgres.copy(request.getfixturevalue("empty_store_template"), "test")
    else:
        url = postgres.create("test")
    yield url
    postgres.drop(url)


@pytest.fixture(scope="session")
def empty_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite store at the current schema with its reference rows, made once: `engine` copies it (0.05 s)
    instead of running every migration for each test (1-2 s on these 2 cores)."""
    path = tmp_path_factory.mktemp("empty") / "store.db"
    eng = db.make_engine(f"sqlite:///{path}")
    store.create_store(eng)
    eng.dispose()  # the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def empty_store_template(postgres: PostgresDatabases) -> Iterator[str]:
    """PostgreSQL's counterpart of `empty_store_file`: one database at the current schema with its reference rows,
    made once; `store_url` copies it for each `engine` test (CREATE DATABASE ... TEMPLATE, ~0.05 s) instead of
    creating a database and running every migration (~0.8 s on these 2 cores)."""
    url = postgres.create("emptytemplate")
    eng = db.make_engine(url)
    store.create_store(eng)
    eng.dispose()  # PostgreSQL copies a template only while nobody is connected to it
    yield url
    postgres.drop(url)


@pytest.fixture
def engine(store_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An empty store at the current schema on the session's backend (a copy of one made once per session)."""
    if store_url.startswith("sqlite:///"):
        shutil.copy(request.getfixturevalue("empty_store_file"), Path(store_url.removeprefix("sqlite:///")))
    eng = db.make_engine(store_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory, postgres: PostgresDatabases | None) -> Iterator[str]:
    """The demo city at a fixed date, built once for the whole session (read-only for tests)."""
    if postgres is None:
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    else:
        url = postgres.create("demo")
    eng = db.make_engine(url)
    store.create_store(eng)
    build_demo(eng, today=DEMO_TODAY, seed=DEMO_SEED)
    eng.dispose()
    yield url
    if postgres is not None:
        postgres.drop(url)


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch, demo_url: str) -> str:
    """Pages under AppTest read the session's demo city, with no tile server (the offline default)."""
    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.delenv("DASHBOARD_TILE_URL", raising=False)
    return demo_url


def without_stored_results(url: str) -> str:
    """`url` after emptying its stored results (data_layer.stored). Pages served on the session's demo city keep
    results there for its data version; a copy a test then changes by hand, without bumping the version as every
    write of the app does, would otherwise show the results of before its change."""
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM stored_result"))
    engine.dispose()
    return url


@pytest.fixture
def demo_copy(demo_url: str, tmp_path: Path, postgres: PostgresDatabases | None) -> Iterator[str]:
    """The URL of a writable copy of the session's demo city (the original is read-only for tests), without the
    results pages stored in the original."""
    if postgres is None:
        target = tmp_path / "demo.db"
        shutil.copy(Path(demo_url.removeprefix("sqlite:///")), target)
        yield without_stored_results(f"sqlite:///{target}")
        return
    url = without_stored_results(postgres.copy(demo_url, "democopy"))
    yield url
    postgres.drop(url)


class Factory:
    """Hand-made rows for query tests; ids are explicit so expected values can be worked out by hand."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def district(self, code: str = "D1", name_zh: str = "甲区", name_en: str = "Jia") -> str:
        with self.engine.begin() as conn:
            conn.execute(insert(District), [{"code": code, "name_zh": name_zh, "name_en": name_en, "city": "测试市"}])
        return code

    def building(self, building_id: int, district: str = "D1", grade: str = "b", **extra: object) -> int:
        row = {"id": building_id, "code": f"B{building_id}", "name": f"测试楼{building_id}", "district_code": district,
               "lon": 113.3, "lat": 23.1, "grade": grade, "gross_area_m2": 10_000.0, "leasable_area_m2": 8_000.0,
               "year_completed": 2010} | extra
        with self.engine.begin() as conn:
            conn.execute(insert(Building), [row])
        return building_id

    def months(self, rows: list[dict]) -> None:
        """Monthly rows; unspecified measures default to harmless values. Refreshes the summaries like an import."""
        defaults = {"occupied_area_m2": 0.0, "leasable_area_m2": 1.0, "enterprises_operating": 1,
                    "enterprises_registered": 1, "tax_10k": 0.0, "employees": 0, "new_enterprises": 0}
        with self.engine.begin() as conn:
            conn.execute(insert(BuildingMonth), [defaults | r for r in rows])
            refresh_all(conn, [r["month"] for r in rows])
            bump_data_version(conn)

    def city(self, month: date, tax_10k: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(CityMonth), [{"month": month, "city_tax_10k": tax_10k}])


@pytest.fixture
def make(engine: Engine) -> Factory:
    return Factory(engine)


# ---------------------------------------------------------------------------------------------- the browser
# One Chromium for the whole session, shared by tests/browser and tests/security (two sync Playwright instances
# cannot run in one thread). The server helpers live in tests/browser/conftest.py.
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, Watched  # noqa: E402 - beside the fixtures using them


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run the README's test command, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()



@pytest.fixture
def watched_page(browser) -> Iterator[Watched]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    yield Watched(context.new_page())
    context.close()
