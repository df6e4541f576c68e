"""`python -m data_layer user ...` and `kiosk ...`: as a script would run them, and with the interactive prompt."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from data_layer import users
from data_layer.__main__ import main
from tests.auth.conftest import REPO, audit_count, url_of

pytestmark = pytest.mark.slow  # the account commands run in subprocesses


def _subprocess(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = os.environ | {"DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "data_layer", *args], cwd=REPO, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run a verb in this process (a subprocess costs seconds on a busy machine), stdin given as text."""
    monkeypatch.setenv("DATABASE_URL", url_of(engine))

    def run(*args: str, stdin: str = "") -> Ran:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
        out = capsys.readouterr()
        return Ran(code, out.out, out.err)

    return run


def test_first_admin_from_a_script_as_a_subprocess(engine: Engine) -> None:
    added = _subprocess(url_of(engine), "user", "add", "Boss", "--role", "admin", "--display-name", "王局",
                        "--password-stdin", stdin="Very-Secret-1\n")
    assert added.returncode == 0, added.stderr
    assert "boss" in added.stdout and "Very-Secret-1" not in added.stdout + added.stderr
    assert users.authenticate(engine, username="boss", password="Very-Secret-1", client="t", max_failures=5,
                              window_minutes=15).outcome == "ok"
    row = users.audit_trail(engine).iloc[0]
    assert (row["action"], row["via"], row["row_key"]) == ("user_add", "cli", "boss")
    assert row["user_name"]  # the operating-system user who ran it


def test_add_list_disable_reset_and_set_role(engine: Engine, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("user", "add", "boss", "--role", "admin", "--password-stdin", stdin="Very-Secret-1\n").returncode == 0
    again = cli("user", "add", "boss", "--role", "viewer", "--password-stdin", stdin="Another-pass-2\n")
    assert again.returncode == 2 and "exists" in again.stderr
    short = cli("user", "add", "li", "--role", "editor", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and users.get_user(engine, username="li") is None
    assert cli("user", "add", "li", "--role", "editor", "--password-stdin", stdin="Editor-pass-3\n").returncode == 0
    listing = cli("user", "list").stdout
    assert "boss" in listing and "admin" in listing and "li" in listing
    assert cli("user", "disable", "li").returncode == 0
    assert not users.get_user(engine, username="li").is_active  # type: ignore[union-attr]
    assert "disabled" in cli("user", "list").stdout
    assert cli("user", "disable", "boss").returncode == 2  # the last admin stays
    assert cli("user", "reset-password", "boss", "--password-stdin", stdin="New-Secret-4\n").returncode == 0
    assert users.authenticate(engine, username="boss", password="New-Secret-4", client="t2", max_failures=5,
                              window_minutes=15).outcome == "ok"
    assert cli("user", "set-role", "li", "admin").returncode == 0
    assert cli("user", "enable", "li").returncode == 0
    trail = users.audit_trail(engine)
    assert set(trail["via"]) == {"cli"}
    assert sorted(trail["action"]) == sorted(["user_add", "user_add", "user_disable", "user_password", "user_role",
                                              "user_enable"])


def test_kiosk_create_prints_the_token_once_and_it_opens_the_link(engine: Engine, cli) -> None:  # type: ignore[no-untyped-def]
    made = cli("kiosk", "create", "三楼会议室", "--base-url", "http://dash.intranet:8501/")
    assert made.returncode == 0, made.stderr
    token = made.stdout.splitlines()[1].strip()
    assert f"http://dash.intranet:8501/briefing?kiosk={token}" in made.stdout
    grant = users.kiosk_grant(engine, token=token)
    assert grant is not None and grant.label == "三楼会议室"
    listing = cli("kiosk", "list").stdout
    assert "三楼会议室" in listing and token not in listing and "active" in listing
    assert cli("kiosk", "revoke", str(grant.token_id)).returncode == 0
    assert users.kiosk_grant(engine, token=token) is None
    assert "revoked" in cli("kiosk", "list").stdout
    assert audit_count(engine, "kiosk_create") == 1 and audit_count(engine, "kiosk_revoke") == 1


def test_interactive_add_asks_twice_and_refuses_a_mismatch(engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", url_of(engine))
    typed = iter(["First-Typed-1", "Other-Typed-2"])
    prompts: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": prompts.append(prompt) or next(typed))
    assert main(["user", "add", "zhao", "--role", "editor"]) == 2
    assert len(prompts) == 2 and users.get_user(engine, username="zhao") is None
    typed = iter(["Same-Typed-3", "Same-Typed-3"])
    assert main(["user", "add", "zhao", "--role", "editor"]) == 0
    assert users.get_user(engine, username="zhao").role == "editor"  # type: ignore[union-attr]
    out = capsys.readouterr()
    assert "Typed" not in out.out + out.err


def test_user_verbs_on_a_missing_store_say_what_to_do(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    assert main(["user", "list"]) == 2
    assert "python -m data_layer init" in capsys.readouterr().err
