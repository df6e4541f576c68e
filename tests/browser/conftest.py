"""A real server on a free loopback port and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]
LOCAL_PREFIXES = ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "ws://localhost", "data:", "blob:",
                  "about:")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Running:
    base: str  # http://127.0.0.1:PORT
    pid: int


@contextmanager
def serve(database_url: str, log: Path, port: int | None = None, **settings: str) -> Iterator[Running]:
    """`streamlit run app.py` on a free loopback port (or `port`: a restarted server on the same address) with
    `settings` in its environment, until the block ends.
    The file watcher is off: edits elsewhere in the checkout must not reload the server mid-test."""
    port = port or _free_port()
    with log.open("a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"],
            cwd=REPO, env=os.environ | {"DATABASE_URL": database_url} | settings, stdout=out,
            stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            process.kill()
            pytest.fail("streamlit did not answer its health check within 60 s")
        try:
            yield Running(base, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture(scope="session")
def server(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the demo city; yields the base URL."""
    with serve(demo_url, tmp_path_factory.mktemp("server") / "streamlit.log") as running:
        yield running.base


class Watched:
    """A page plus every request URL and console error it produced."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(LOCAL_PREFIXES)]
