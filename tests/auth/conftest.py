"""Fixtures for the auth area: accounts made through the data layer, a small city for app.py runs, settings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from data_layer import users
from data_layer.auth import Actor
from data_layer.models import AppUser, AuditLog

REPO = Path(__file__).resolve().parents[2]
SETUP = Actor(name="setup", role="admin", via="cli")
# Passwords the tests type; each must never be found in clear anywhere afterwards.
PASSWORDS = {"boss": "Chief-Secret-2026", "ed": "Editor-Passw0rd", "vera": "Viewer-Passw0rd"}
ROLES_OF = {"boss": "admin", "ed": "editor", "vera": "viewer"}


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def audit_count(engine: Engine, action: str | None = None) -> int:
    statement = select(func.count()).select_from(AuditLog)
    if action:
        statement = statement.where(AuditLog.action == action)
    with engine.connect() as conn:
        return int(conn.execute(statement).scalar_one())


@pytest.fixture(scope="session")
def password_hashes() -> dict[str, str]:
    """Argon2 hashes of PASSWORDS, made once: a hash costs a quarter of a second on a busy two-core machine."""
    return {name: users.hash_password(password) for name, password in PASSWORDS.items()}


@pytest.fixture
def accounts(engine: Engine, password_hashes: dict[str, str]) -> Engine:
    """The empty store with an admin (boss), an editor (ed) and a viewer (vera). Rows are written directly
    (add_user and its audit row have tests of their own)."""
    names = {"boss": "王局", "ed": "李编辑", "vera": "张查看"}
    with engine.begin() as conn:
        conn.execute(insert(AppUser), [
            {"username": name, "display_name": names[name], "role": ROLES_OF[name], "password_hash": hashed,
             "is_active": True, "created_at": datetime(2026, 11, 1, tzinfo=UTC)}
            for name, hashed in password_hashes.items()])
    return engine


@pytest.fixture
def small_city(accounts: Engine, make) -> Engine:  # type: ignore[no-untyped-def]
    """Accounts plus one district, two buildings and three months, enough for the overview to draw KPIs."""
    make.district("D1", "甲区", "Jia")
    make.building(1, grade="a")
    make.building(2, grade="b")
    rows = [{"building_id": b, "month": date(2026, m, 1), "occupied_area_m2": 600.0, "leasable_area_m2": 1000.0,
             "tax_10k": 100.0 * b} for b in (1, 2) for m in (1, 2, 3)]
    make.months(rows)
    for m in (1, 2, 3):
        make.city(date(2026, m, 1), 10_000.0)
    return accounts


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Settings the auth tests depend on, fixed whatever the caller's environment says."""
    for name in ("DASHBOARD_REQUIRE_LOGIN", "DASHBOARD_SESSION_IDLE_MINUTES", "DASHBOARD_LOGIN_MAX_FAILURES",
                 "DASHBOARD_LOGIN_WINDOW_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch
