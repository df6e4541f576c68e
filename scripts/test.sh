#!/usr/bin/env bash
# Install what the tests need (Python packages; Debian's chromium, a CJK font and PostgreSQL) and run the suite
# twice: once on SQLite with the browser tests, once more on a real PostgreSQL server on loopback (everything but
# the browser and SQLite-file tests and those that reach no store, `no_store`: they would rerun unchanged). A missing
# PostgreSQL server fails the run; it is never skipped.
# Extra arguments go to pytest. Benchmarks are not part of it (see bench/).
# `bash scripts/test.sh fast [ARGS]`: for local work, only the tests not marked `slow` (no demo city, no browser, no
# soak), on SQLite, with the venv as it is: no installs, no style or type check, no PostgreSQL run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
if [ "${1:-}" = fast ]; then
  shift
  exec "$VENV/bin/python" -m pytest -m "not slow" "$@"
fi
apt_install chromium fonts-wqy-microhei postgresql poppler-utils
ensure_venv requirements-test.txt

echo "== House style (ruff: pyproject.toml [tool.ruff.lint]) =="
"$VENV/bin/python" -m ruff check .

echo "== Types (mypy on data_layer/ and ui/: pyproject.toml [tool.mypy]) =="
"$VENV/bin/python" -m mypy

echo "== SQLite and browser =="
"$VENV/bin/python" -m pytest "$@"

echo "== PostgreSQL =="
eval "$(bash scripts/pg_test_server.sh start)"
trap 'bash scripts/pg_test_server.sh stop' EXIT
"$VENV/bin/python" -m pytest --backend postgresql -m "not browser and not sqlite_only and not no_store" "$@"
