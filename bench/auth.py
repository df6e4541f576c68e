"""Auth benchmark: what signing in and the login gate cost, and how the audit trail reads as it grows.

Sizes scale the history tables (the user count stays small, as in a bureau): S1 = 10k login attempts and 10k
audit rows, S2 = 100k each, S3 = 1M each. Figures are medians of repeated calls on a SQLite store under /tmp.

    python -m bench.auth --sizes S1,S2
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert

from bench.overview import print_rows
from data_layer import db, store, users
from data_layer.auth import Actor
from data_layer.models import AppUser, AuditLog, LoginAttempt

BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/dashboard-bench"))
HISTORY = {"S1": 10_000, "S2": 100_000, "S3": 1_000_000}
SETUP = Actor("bench", "admin", "cli")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _median_ms(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def _store(size: str) -> Engine:
    """An auth store with 200 accounts and `HISTORY[size]` login attempts and audit rows spread over a year."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"auth_{size.lower()}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = db.make_engine(f"sqlite:///{path}")
    store.create_store(engine)
    rng = random.Random(42)
    hashed = users.hash_password("Bench-Password-1")
    n = HISTORY[size]
    with engine.begin() as conn:
        conn.execute(insert(AppUser), [{"username": f"user{i}", "display_name": "", "role": "editor",
                                        "password_hash": hashed, "is_active": True, "created_at": NOW}
                                       for i in range(200)])
        conn.execute(insert(LoginAttempt), [{"username": f"user{rng.randrange(200)}", "client": f"10.0.{i % 250}.1",
                                             "at": NOW - timedelta(minutes=rng.randrange(525_600)),
                                             "success": rng.random() < 0.8} for i in range(n)])
        conn.execute(insert(AuditLog), [{"at": NOW - timedelta(minutes=rng.randrange(525_600)),
                                         "user_name": f"user{rng.randrange(200)}",
                                         "action": rng.choice(["import", "plan_edit", "label_correct"]),
                                         "via": "app", "table_name": "feedback", "row_key": str(i),
                                         "old_value": '{"label": "neutral"}', "new_value": '{"label": "negative"}'}
                                        for i in range(n)])
    return engine


def _figures(engine: Engine, hashed: str) -> dict[str, float]:
    _, token = users.create_kiosk_token(engine, label="bench", by=SETUP)
    limit = {"max_failures": 5, "window_minutes": 15}
    clients = iter(range(10**9))
    for _ in range(limit["max_failures"]):  # lock "nobody" so the refused figure measures a refusal
        users.authenticate(engine, username="nobody", password="x", client="10.9.9.9", **limit)
    month_ago = (NOW - timedelta(days=30)).date()
    return {
        "argon2 hash": _median_ms(lambda: users.hash_password("Bench-Password-1"), 5),
        "argon2 verify": _median_ms(lambda: users.verify_password(hashed, "Bench-Password-1"), 5),
        "sign-in ok": _median_ms(lambda: users.authenticate(
            engine, username="user7", password="Bench-Password-1", client=f"c{next(clients)}", **limit), 5),
        "sign-in refused (rate limit)": _median_ms(lambda: users.authenticate(
            engine, username="nobody", password="x", client="10.9.9.9", **limit), 20),
        "gate: kiosk token check": _median_ms(lambda: users.kiosk_grant(engine, token=token), 50),
        "gate: account re-read": _median_ms(lambda: users.get_user(engine, username="user7"), 50),
        "audit trail, newest 10k": _median_ms(lambda: users.audit_trail(engine), 3),
        "audit trail, 30 days, one user": _median_ms(
            lambda: users.audit_trail(engine, start=month_ago, end=NOW.date(), user="user7"), 5),
        "audit trail, text search": _median_ms(lambda: users.audit_trail(engine, contains="negative", limit=1000), 3),
    }


def run(sizes: list[str]) -> list[dict]:
    rows = []
    hashed = users.hash_password("Bench-Password-1")
    for size in sizes:
        engine = _store(size)
        for name, value in _figures(engine, hashed).items():
            rows.append({"size": size, "history rows": f"{HISTORY[size]:,}", "measure": name, "ms": value})
        engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="S1,S2")
    print_rows("auth", run(parser.parse_args().sizes.split(",")))


if __name__ == "__main__":
    main()
