"""Passwords typed anywhere (command line, login form, accounts page) never reach the store or the logs in clear.

The test types them through every door, with every logger at DEBUG (SQLAlchemy then logs each statement's
parameters), then searches the captured output, every row of every table and, on SQLite, the raw bytes of the
database file and its write-ahead log."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, select
from streamlit.testing.v1 import AppTest

from data_layer.__main__ import main
from tests.auth.conftest import REPO, url_of
from ui.auth import AuthUser

TYPED = {
    "cli_add": "Cli-Added-Pa55word",
    "cli_reset": "Cli-Reset-Pa55word",
    "wrong": "Wrong-Guess-Pa55word",
    "in_name_box": "Typed-In-Name-Box-9",
    "page_add": "Page-Added-Pa55word",
    "page_reset": "Page-Reset-Pa55word",
}


def _login(at: AppTest, name: str, password: str) -> None:
    at.text_input(key="login_username").input(name)
    at.text_input(key="login_password").input(password)
    at.button(key="FormSubmitter:login_form-登录").click().run()


def _every_row(engine: Engine) -> str:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return "\n".join(str(tuple(row)) for table in meta.sorted_tables for row in conn.execute(select(table)))


def _store_bytes(engine: Engine) -> bytes:
    database = Path(engine.url.database or "")
    return b"".join(Path(f"{database}{suffix}").read_bytes() for suffix in ("", "-wal", "-shm")
                    if Path(f"{database}{suffix}").exists())


@pytest.mark.slow  # runs the account commands in subprocesses
def test_passwords_never_appear_in_clear_in_the_store_or_the_logs(
        engine: Engine, app_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    app_env.setenv("DATABASE_URL", url_of(engine))

    # the command line: the first admin, then a password reset
    app_env.setattr("sys.stdin", io.StringIO(TYPED["cli_add"] + "\n"))
    assert main(["user", "add", "boss", "--role", "admin", "--password-stdin"]) == 0
    app_env.setattr("sys.stdin", io.StringIO(TYPED["cli_reset"] + "\n"))
    assert main(["user", "reset-password", "boss", "--password-stdin"]) == 0

    # the login form: a wrong password, a password typed into the name box, the right one
    login = AppTest.from_file(str(REPO / "app_pages" / "login.py"), default_timeout=60).run()
    _login(login, "boss", TYPED["wrong"])
    _login(login, TYPED["in_name_box"], "x")
    _login(login, "boss", TYPED["cli_reset"])
    assert login.session_state["auth_user"].username == "boss"

    # the accounts page: a new account, then a reset of its password
    admin = AppTest.from_file(str(REPO / "app_pages" / "admin.py"), default_timeout=60)
    admin.session_state["auth_user"] = AuthUser("boss", "admin", source="password")
    admin.run()
    admin.text_input(key="add_username").input("li")
    admin.text_input(key="add_password").input(TYPED["page_add"])
    admin.text_input(key="add_password2").input(TYPED["page_add"])
    admin.button(key="FormSubmitter:add_user-新增").click().run()
    admin.selectbox(key="edit_user").set_value("li").run()
    admin.text_input(key="reset_password").input(TYPED["page_reset"])
    admin.text_input(key="reset_password2").input(TYPED["page_reset"])
    admin.button(key="FormSubmitter:reset_password-重置密码").click().run()
    assert not login.exception and not admin.exception
    assert "li" in admin.dataframe[0].value["用户名"].tolist()

    captured = capfd.readouterr()
    logs = caplog.text + captured.out + captured.err
    # the search below only means something if the logs did capture this work
    assert "sign-in failed user=boss" in logs and "INSERT INTO app_user" in logs
    rows = _every_row(engine)
    assert "$argon2id$" in rows  # hashes are there ...
    raw = _store_bytes(engine) if engine.dialect.name == "sqlite" else b""
    for what, password in TYPED.items():  # ... and no password, in any form we can think of
        assert password not in logs, what
        assert password not in rows and password.lower() not in rows, what
        for encoded in (password.encode(), password.lower().encode(), password.encode("utf-16-le")):
            assert encoded not in raw, what
    if engine.dialect.name == "sqlite":
        assert b"$argon2id$" in raw  # the file search did read the store
