"""Attacks through the store, as a hostile colleague would make them: a doctored backup, a forged store, a
briefing screen that outlives its account, parallel and spoofed sign-ins, the clear-cache message, and what the
import history tells a stranger. Each reproduces the attack as the security issue describes it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine, text
from streamlit.testing.v1 import AppTest

import ui.auth
from data_layer import backup as backups
from data_layer import db, store, users
from data_layer.auth import Actor
from data_layer.settings import get_settings
from ui.auth import AuthUser, client_address

REPO = Path(__file__).resolve().parents[2]
DATA_PAGE = str(REPO / "app_pages" / "data_admin.py")
BRIEFING = str(REPO / "app_pages" / "briefing.py")
SETUP = Actor("setup", "admin", "cli")


@pytest.fixture
def staffed(demo_copy: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A writable demo city with an admin and an editor; the app's DATABASE_URL points at it."""
    monkeypatch.setenv("DATABASE_URL", demo_copy)
    engine = db.make_engine(demo_copy)
    users.add_user(engine, username="boss", password="Boss-Secure-2026", role="admin", by=SETUP)
    users.add_user(engine, username="ed", password="Ed-Secure-2026", role="editor", by=SETUP)
    yield engine
    engine.dispose()


def _page(path: str, user: AuthUser | None) -> AppTest:
    at = AppTest.from_file(path, default_timeout=60)
    if user is not None:
        at.session_state[ui.auth.SESSION_KEY] = user
        at.session_state[ui.auth.LAST_ACTIVE_KEY] = time.time()
    at.query_params["lang"] = "zh"
    return at.run()


def _roles(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT username, role FROM app_user")).all())


def _stored_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM stored_result")).scalar_one())


def _audit_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM audit_log")).scalar_one())


@pytest.mark.sqlite_only
def test_an_editor_cannot_become_admin_or_erase_the_audit_trail_through_a_backup(staffed: Engine,
                                                                                tmp_path: Path) -> None:
    assert not _page(str(REPO / "app_pages" / "map.py"), None).exception  # the map's results are now stored
    assert _stored_rows(staffed) > 0
    editor = _page(DATA_PAGE, AuthUser("ed", "editor"))
    editor.segmented_control(key="admin_section").set_value("backup").run()
    assert editor.get("download_button") and not [u for u in editor.get("file_uploader")]  # no restore for editors
    assert any("管理员" in w.value for w in editor.warning)
    # What the download button hands the editor: the data tables, no hashes, no tokens, no history of sign-ins.
    (tmp_path / "mine.db").write_bytes(backups.backup_bytes(staffed))
    raw = (tmp_path / "mine.db").read_bytes()
    assert b"$argon2id$" not in raw
    doctored = sqlite3.connect(tmp_path / "mine.db")
    assert [doctored.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in backups.PROTECTED] == [0] * 5
    doctored.execute("INSERT INTO app_user (username, display_name, role, password_hash, is_active, created_at) "
                     "VALUES ('ed', '', 'admin', 'x', 1, '2026-01-01'), ('mallory', '', 'admin', 'x', 1, '2026-01-01')")
    doctored.execute("UPDATE building SET name = '改过的名字' WHERE id = 1")
    # stored results travel in no backup; a planted one (the map's frame, for the version the file names) is dropped
    assert doctored.execute("SELECT COUNT(*) FROM stored_result").fetchone()[0] == 0
    doctored.execute("INSERT INTO stored_result (name, key_hash, data_version, code, payload, created_at) SELECT "
                     "'map.period_frame', 'k', value, 'c', x'00', '2026-01-01' FROM store_meta WHERE key = 'data_version'")
    doctored.commit()
    doctored.close()
    audit_before = _audit_rows(staffed)

    admin = _page(DATA_PAGE, AuthUser("boss", "admin"))  # an admin is talked into restoring the editor's file
    admin.segmented_control(key="admin_section").set_value("backup").run()
    admin.get("file_uploader")[0].set_value(("mine.db", (tmp_path / "mine.db").read_bytes(), "application/x-sqlite3"))
    admin.run()
    admin.checkbox(key="restore_confirm").check().run()
    admin.button(key="restore_button").click().run()
    assert not admin.exception and "已从备份恢复" in admin.success[0].value
    assert _roles(staffed) == {"boss": "admin", "ed": "editor"}  # accounts are not data: never restored
    assert _stored_rows(staffed) == 0  # every restore empties the stored results (the planted one never arrives)
    assert _audit_rows(staffed) == audit_before + 1  # the trail keeps every row and gains the restore's
    with staffed.connect() as conn:
        assert conn.execute(text("SELECT name FROM building WHERE id = 1")).scalar() == "改过的名字"
        assert conn.execute(text("SELECT action, user_name FROM audit_log ORDER BY id DESC LIMIT 1")).one() == (
            "restore", "boss")


@pytest.mark.sqlite_only
def test_a_forged_store_is_refused_with_the_store_unchanged_and_no_traceback(staffed: Engine, tmp_path: Path) -> None:
    forged = tmp_path / "forged.db"
    connection = sqlite3.connect(forged)
    connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    connection.execute("INSERT INTO alembic_version VALUES ('0004')")
    connection.execute("CREATE TABLE building (id INTEGER PRIMARY KEY)")
    connection.commit()
    connection.close()
    before = store.checksum(staffed)
    roles = _roles(staffed)

    admin = _page(DATA_PAGE, AuthUser("boss", "admin"))
    admin.segmented_control(key="admin_section").set_value("backup").run()
    admin.get("file_uploader")[0].set_value(("forged.db", forged.read_bytes(), "application/x-sqlite3"))
    admin.run()
    admin.checkbox(key="restore_confirm").check().run()
    admin.button(key="restore_button").click().run()
    assert not admin.exception and "表结构与其声明的版本不符" in admin.error[0].value
    assert "-app_user" in admin.error[0].value  # it says what is missing

    full = subprocess.run([sys.executable, "-m", "data_layer", "restore", "--full", str(forged), "--lang", "en"],
                          cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DATABASE_URL": staffed.url.render_as_string(hide_password=False)})
    assert full.returncode == 1 and "Traceback" not in full.stderr
    assert "do not match the schema version it claims" in full.stderr
    assert store.checksum(staffed) == before and _roles(staffed) == roles


def test_a_briefing_screen_ends_when_its_account_is_disabled_or_idle(staffed: Engine,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rotation re-checks the session (a fragment rerun skips app.py's gate); a rotation is no activity."""
    monkeypatch.setenv("DASHBOARD_SESSION_IDLE_MINUTES", "1")
    monkeypatch.setenv("DASHBOARD_REQUIRE_LOGIN", "1")
    at = _page(BRIEFING, AuthUser("ed", "editor", source="password"))
    assert any('class="name"' in h.proto.body for h in at.get("html"))
    at.session_state[ui.auth.LAST_ACTIVE_KEY] = started = time.time() - 50
    at.run()  # the next rotation, 50 s after the last click: still shown, and not counted as activity
    assert any('class="name"' in h.proto.body for h in at.get("html"))
    assert at.session_state[ui.auth.LAST_ACTIVE_KEY] == started
    users.set_active(staffed, username="ed", active=False, by=SETUP)
    at.run()
    assert not [h for h in at.get("html") if 'class="name"' in h.proto.body]
    assert ui.auth.SESSION_KEY not in at.session_state and at.session_state[ui.auth.FLASH_KEY] == "disabled"

    idle = _page(BRIEFING, AuthUser("boss", "admin", source="password"))
    idle.session_state[ui.auth.LAST_ACTIVE_KEY] = time.time() - 61
    idle.run()
    assert not [h for h in idle.get("html") if 'class="name"' in h.proto.body]
    assert idle.session_state[ui.auth.FLASH_KEY] == "expired"


@pytest.mark.slow  # password hashing in parallel threads
def test_parallel_wrong_passwords_get_no_more_checks_than_the_limit(engine: Engine,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    users.add_user(engine, username="zhao", password="Zhao-Secure-2026", role="editor", by=SETUP)
    checks: list[str] = []
    real_verify = users.verify_password

    def counted(password_hash: str, password: str) -> bool:
        checks.append(password)
        return real_verify(password_hash, password)

    monkeypatch.setattr(users, "verify_password", counted)
    outcomes: list[str] = []
    limit = {"max_failures": 5, "window_minutes": 15}

    def guess(number: int) -> None:
        result = users.authenticate(engine, username="zhao", password=f"guess-{number}", client=f"10.0.0.{number}",
                                    **limit)
        outcomes.append(result.outcome)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) == 5 and sorted(outcomes) == ["invalid"] * 5 + ["locked"] * 15

    # One client trying one password on many accounts (spraying) is stopped after three accounts.
    for name in ("qian", "sun", "li", "zhou"):
        users.add_user(engine, username=name, password="Secure-Pass-2026", role="viewer", by=SETUP)
    sprayed = [users.authenticate(engine, username=name, password="Spring2026!", client="10.9.9.9", **limit).outcome
               for name in ("qian", "sun", "li", "zhou")]
    assert sprayed == ["invalid", "invalid", "invalid", "locked"]
    # A client address shared by many (one proxy) cannot lock out someone who has signed in from it before.
    assert users.authenticate(engine, username="sun", password="Secure-Pass-2026", client="10.1.1.1",
                              **limit).outcome == "ok"
    for _ in range(5):
        users.authenticate(engine, username="nobody", password="x", client="10.1.1.1", **limit)
    assert users.authenticate(engine, username="li", password="Secure-Pass-2026", client="10.1.1.1",
                              **limit).outcome == "locked"  # never signed in from there: the client's limit holds
    assert users.authenticate(engine, username="sun", password="Secure-Pass-2026", client="10.1.1.1",
                              **limit).outcome == "ok"


def test_a_forged_forwarded_for_header_names_no_client() -> None:
    # Straight to the app (no trusted proxy): whatever the header says, the client is the socket's address.
    assert client_address("203.0.113.7", "10.0.0.5", hops=0) == "10.0.0.5"
    assert client_address("203.0.113.7, 198.51.100.1", "", hops=0) == "local"
    # Behind the nginx example (one proxy, which sets the header): the address nginx saw.
    assert client_address("10.0.0.5", "127.0.0.1", hops=1) == "10.0.0.5"
    # A proxy that appends keeps the forged part on the left: still the address the proxy saw.
    assert client_address("203.0.113.7, 10.0.0.5", "127.0.0.1", hops=1) == "10.0.0.5"
    nginx = (REPO / "scripts" / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx and "$proxy_add_x_forwarded_for" not in nginx
    log_format = next(line for line in nginx.splitlines() if "log_format" in line)
    assert "$uri" in log_format and "$request " not in log_format and "$args" not in log_format  # no ?kiosk=


def test_uploads_clear_cache_and_history_are_out_of_a_strangers_reach(staffed: Engine) -> None:
    config = (REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert f"maxUploadSize = {get_settings().import_max_mb}" in config
    assert "--server.maxUploadSize" in (REPO / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert "client_max_body_size 51m;" in (REPO / "scripts" / "deploy" / "nginx.conf").read_text(encoding="utf-8")

    # The websocket's clear-cache message: ignored once app.py has run (it would flush every user's cache).
    AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    from streamlit.runtime.app_session import AppSession

    calls: list[int] = []

    @st.cache_data
    def cached_square(value: int) -> int:
        calls.append(value)
        return value * value

    cached_square(3)
    AppSession._handle_clear_cache_request(object())  # type: ignore[arg-type]
    cached_square(3)
    assert calls == [3]

    stranger = _page(DATA_PAGE, None)
    stranger.segmented_control(key="admin_section").set_value("history").run()
    columns = list(stranger.dataframe[0].value.columns)
    assert "操作人" not in columns and "文件名" not in columns and "类型" in columns
    editor = _page(DATA_PAGE, AuthUser("ed", "editor"))
    editor.segmented_control(key="admin_section").set_value("history").run()
    assert {"操作人", "文件名"} <= set(editor.dataframe[0].value.columns)


def test_a_download_is_made_for_the_account_as_it_stands_when_the_button_is_clicked(
        staffed: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A download does not rerun the page, so an editor disabled or demoted after drawing 数据管理 could still take a
    backup, or the register with its tax, from the open page: the file is made for the role held at the click."""
    from data_layer.imports.table_export import export_bytes

    monkeypatch.setattr(ui.auth, "current_user", lambda: AuthUser("ed", "editor", source="password"))
    backup = ui.auth.download_data(lambda _role: b"SQLite backup", needed="editor")  # as drawn for the editor
    register = ui.auth.download_data(lambda role: export_bytes(staffed, "enterprise", "csv", role=role))
    assert backup() == b"SQLite backup"
    assert b",tax_10k," in register().split(b"\n")[0]  # an editor's register carries the yearly tax in 万元

    users.set_role(staffed, username="ed", role="viewer", by=SETUP)  # demoted while the page stays open
    with pytest.raises(PermissionError):
        backup()
    header = register().split(b"\n")[0]
    assert b"tax_10k" not in header and b"tax_band" in header  # a viewer's: the band only
    users.set_role(staffed, username="ed", role="editor", by=SETUP)
    users.set_active(staffed, username="ed", active=False, by=SETUP)  # disabled: nothing at all
    with pytest.raises(PermissionError):
        backup()
    assert b"tax_band" not in register().split(b"\n")[0]


@pytest.mark.sqlite_only  # a PostgreSQL backup is a pg_dump archive, restored by pg_restore into the migrated schema
@pytest.mark.parametrize("clause", ["UNIQUE (via) ON CONFLICT IGNORE", "UNIQUE (via)"])
def test_a_full_backup_whose_audit_table_drops_rows_is_refused(staffed: Engine, tmp_path: Path, clause: str) -> None:
    """A full restore copies the file's own table definitions: an audit_log rebuilt with a unique `via` (every row
    of the app says "app") would keep one row per channel and silently drop the rest of the trail from then on."""
    path = backups.backup(staffed, tmp_path / "full.db", full=True)
    assert backups.check_backup(path) == backups.migrations.head_revision()  # as made, the file is accepted
    connection = sqlite3.connect(path)
    (create,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_log'").fetchone()
    connection.executescript(
        f"ALTER TABLE audit_log RENAME TO old_log; {create.rstrip().rstrip(')')}, {clause});"
        " INSERT OR IGNORE INTO audit_log SELECT * FROM old_log; DROP TABLE old_log;")
    connection.close()
    with pytest.raises(backups.BackupError) as refused:
        backups.check_backup(path)
    assert refused.value.code == "schema" and "audit_log" in refused.value.params["difference"]
