"""Two imports at once, and readers during an import: no "database is locked" reaches anyone, every reader sees
the store before or after an import (never half of it), and the end state equals the serial one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from imports_helpers import MONTHLY_HEADER, csv_bytes, domain_rows
from sqlalchemy import Engine, create_engine, event, text

from data_layer import db
from data_layer.backup import backup
from data_layer.imports import run_import, write_transaction

pytestmark = pytest.mark.slow  # threads that wait out each other's write locks


def _file(codes: list[str], month: str) -> bytes:
    return csv_bytes([MONTHLY_HEADER] + [[c, month, 100 + i, 1000 + i, 3, 2, 1.5 + i, 10, 1]
                                         for i, c in enumerate(codes)])


def _codes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT code FROM building ORDER BY id"))]


def _impatient_engine(path: Path) -> Engine:
    """An engine whose SQLite gives up on a lock at once, so the importer's own retry is what must cope."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 0.05})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA busy_timeout = 50")
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    return engine


@pytest.fixture
def copies(city: Engine, tmp_path: Path, postgres) -> Iterator[Callable[[str], Engine]]:  # type: ignore[no-untyped-def]
    """Make more stores with the same contents as `city` (for serial runs), dropped afterwards."""
    made: list[tuple[Engine, str]] = []

    def copy(name: str) -> Engine:
        if postgres is None:  # a consistent copy (the WAL holds recent writes)
            url = f"sqlite:///{backup(city, tmp_path / f'{name}.db')}"
        else:
            url = postgres.copy(city.url.render_as_string(hide_password=False), name)
        engine = db.make_engine(url)
        made.append((engine, url))
        return engine

    yield copy
    for engine, url in made:
        engine.dispose()
        if postgres is not None:
            postgres.drop(url)


@pytest.fixture
def serial_copy(copies: Callable[[str], Engine]) -> Engine:
    """A second store with the same contents as `city`, for the serial run."""
    return copies("serial")


def _at_once(engine: Engine, files: dict[str, bytes]) -> dict[str, object]:
    """Import every file from its own thread, all released together; the outcomes by file name."""
    errors: list[BaseException] = []
    results = {}
    barrier = threading.Barrier(len(files))

    def work(name: str) -> None:
        try:
            barrier.wait()
            results[name] = run_import(engine, kind="monthly", file_name=name, data=files[name], user="c")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in files]
    [t.start() for t in threads]
    [t.join(timeout=240) for t in threads]
    assert not errors, errors
    return results


def test_two_imports_at_once_equal_the_serial_result(city: Engine, serial_copy: Engine) -> None:
    codes = _codes(city)
    # a.csv updates January 2026 (one row is there already), b.csv adds 2020-01: different months, so the end
    # state does not depend on which commits first.
    files = {"a.csv": _file(codes, "2026-01"), "b.csv": _file(codes[::-1], "2020-01")}
    serial = serial_copy
    for name, data in files.items():
        assert run_import(serial, kind="monthly", file_name=name, data=data, user="s").committed

    # SQLite: an engine that gives up on a lock at once, so the importer's own retry must cope. PostgreSQL: the
    # importer's advisory lock must serialise the two writers.
    concurrent = _impatient_engine(Path(city.url.database)) if db.is_sqlite(city) else city
    results = _at_once(concurrent, files)
    assert all(r.committed for r in results.values())
    assert domain_rows(concurrent) == domain_rows(serial)


@pytest.mark.sqlite_only
def test_a_held_write_lock_is_waited_out_not_reported(city: Engine) -> None:
    impatient = _impatient_engine(Path(city.url.database))
    held = threading.Event()

    def hold(conn) -> None:  # type: ignore[no-untyped-def]
        held.set()
        time.sleep(1.5)

    holder = threading.Thread(target=lambda: write_transaction(city, hold))
    holder.start()
    held.wait(5)
    outcome = run_import(impatient, kind="monthly", file_name="m.csv", user="t",
                         data=_file(["B001", "B002"], "2026-08"))
    holder.join()
    assert outcome.committed  # "database is locked" was retried inside the importer


def test_readers_see_before_or_after_never_half_and_never_an_error(demo_engine: Engine) -> None:
    codes = _codes(demo_engine)
    data = _file(codes, "2019-06")  # a month the demo does not have: 1,500 new rows
    stop = threading.Event()
    seen: set[tuple[int, int]] = set()
    errors: list[BaseException] = []
    reader_engine = db.make_engine(demo_engine.url.render_as_string(hide_password=False))

    def read() -> None:
        while not stop.is_set():
            try:
                with reader_engine.connect() as conn:  # one statement = one snapshot of the store
                    seen.add(tuple(conn.execute(text(
                        "SELECT (SELECT COUNT(*) FROM building_month WHERE month = '2019-06-01'),"
                        " (SELECT COALESCE(SUM(buildings_reporting), 0) FROM district_month"
                        "  WHERE month = '2019-06-01')")).one()))
            except BaseException as exc:
                errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    [r.start() for r in readers]
    time.sleep(0.2)
    outcome = run_import(demo_engine, kind="monthly", file_name="june.csv", data=data, user="t")
    time.sleep(0.2)
    stop.set()
    [r.join() for r in readers]
    assert outcome.committed and not errors
    assert seen <= {(0, 0), (len(codes), len(codes))} and (len(codes), len(codes)) in seen


def test_two_imports_of_the_same_rows_at_once_end_as_one_serial_order_with_both_in_the_history(
        city: Engine, copies: Callable[[str], Engine]) -> None:
    codes = _codes(city)
    # The same month and buildings with different values: the end state depends on the order, so it must be
    # exactly one of the two serial orders (the one the batches committed in), never a mix of the two files.
    files = {"a.csv": _file(codes, "2026-02"),
             "b.csv": csv_bytes([MONTHLY_HEADER] + [[c, "2026-02", 200 + i, 1000 + i, 5, 4, 9.5 + i, 20, 2]
                                                    for i, c in enumerate(codes)])}
    serial = {}
    for order in (("a.csv", "b.csv"), ("b.csv", "a.csv")):
        store = copies("then".join(name[0] for name in order))
        for name in order:
            assert run_import(store, kind="monthly", file_name=name, data=files[name], user="s").committed
        serial[order] = domain_rows(store)
    assert serial[("a.csv", "b.csv")] != serial[("b.csv", "a.csv")]  # the order matters, so the test can tell

    concurrent = _impatient_engine(Path(city.url.database)) if db.is_sqlite(city) else city
    results = _at_once(concurrent, files)
    assert all(r.committed for r in results.values())
    end = domain_rows(concurrent)
    assert end in serial.values()
    committed_order = tuple(sorted(results, key=lambda name: results[name].batch_id))
    assert end == serial[committed_order]  # the later batch's values won everywhere
    with city.connect() as conn:
        history = conn.execute(text("SELECT id, file_name, rows_new, rows_updated FROM import_batch ORDER BY id")).all()
    first, second = committed_order
    # The store has no February: the first writer adds every row, the second updates every one of them.
    assert [tuple(r[1:]) for r in history] == [(first, len(codes), 0), (second, 0, len(codes))]
