"""scripts/run.sh installs the PDF's Chinese font when it can, and starts the app when it cannot (no root, no
sudo): run with stand-ins for dpkg, id, sudo, apt-get, the venv's python and streamlit, so nothing is installed
or served."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """(stubs folder, call log, environment): a venv that is already installed (its stamp is newer than the
    requirements) whose python and streamlit only log their arguments."""
    venv, stubs, calls = tmp_path / "venv", tmp_path / "bin", tmp_path / "calls.log"
    (venv / "bin").mkdir(parents=True)
    stubs.mkdir()
    for tool in ("python", "streamlit"):
        _stub(venv / "bin", tool, f'echo "{tool} $*" >> {calls}')
    (venv / ".installed-requirements.txt").touch()
    _stub(stubs, "id", 'if [ "$1" = "-u" ]; then echo 1000; else /usr/bin/id "$@"; fi')  # not root
    _stub(stubs, "sudo", 'echo "sudo: a password is required" >&2; exit 1')  # sudo that may not be used
    _stub(stubs, "apt-get", f'echo "apt-get $*" >> {calls}')
    env = {k: v for k, v in os.environ.items() if k != "DASHBOARD_CJK_FONT"}
    env |= {"PATH": f"{stubs}:{os.environ['PATH']}", "VENV": str(venv)}
    return stubs, calls, env


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(REPO / "scripts" / "run.sh")], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def test_without_root_the_font_is_skipped_with_a_warning_and_the_app_starts(sandbox) -> None:  # type: ignore[no-untyped-def]
    stubs, calls, env = sandbox
    _stub(stubs, "dpkg", "exit 1")  # nothing installed
    done = _run(env)
    assert done.returncode == 0, done.stderr
    assert "fonts-wqy-microhei" in done.stderr and "Warning" in done.stderr
    log = calls.read_text()
    assert "apt-get" not in log  # sudo refused, so apt-get never ran
    assert "python -m data_layer demo --if-missing" in log and "streamlit run app.py" in log


def test_with_sudo_the_missing_font_is_installed(sandbox) -> None:  # type: ignore[no-untyped-def]
    stubs, calls, env = sandbox
    _stub(stubs, "dpkg", "exit 1")
    _stub(stubs, "sudo", '"$@"')  # sudo allowed: runs the stand-in apt-get
    done = _run(env)
    assert done.returncode == 0, done.stderr
    assert "apt-get install -y -qq --no-install-recommends fonts-wqy-microhei" in calls.read_text()
    assert "Warning" not in done.stderr


def test_an_installed_font_or_a_configured_one_asks_for_nothing(sandbox) -> None:  # type: ignore[no-untyped-def]
    stubs, calls, env = sandbox
    _stub(stubs, "dpkg", "exit 0")  # installed
    assert _run(env).returncode == 0 and "apt-get" not in calls.read_text()
    _stub(stubs, "dpkg", "exit 1")
    done = _run(env | {"DASHBOARD_CJK_FONT": "/srv/fonts/own.ttf"})
    assert done.returncode == 0 and "apt-get" not in calls.read_text() and "Warning" not in done.stderr
