#!/usr/bin/env bash
# Install what the tests need (Python packages; Debian's chromium, a CJK font and PostgreSQL) and run the suite
# twice, side by side: on SQLite with the browser tests, and on a real PostgreSQL server on loopback (everything but
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

# The two pytest runs go side by side: much of the SQLite run waits on servers and the browser, so on these 2 cores
# both end in about the time of the SQLite run alone (README, "The two commands"). The SQLite run prints as it goes
# (the log never falls silent for long); the PostgreSQL run writes to a file, printed whole once it has ended;
# either failing fails the script and the last lines name which.
eval "$(bash scripts/pg_test_server.sh start)"
logs=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; bash scripts/pg_test_server.sh stop; rm -rf "$logs"' EXIT
"$VENV/bin/python" -m pytest --backend postgresql -m "not browser and not sqlite_only and not no_store" \
  -o cache_dir=.pytest_cache/postgresql "$@" >"$logs/postgresql.log" 2>&1 &
postgresql_run=$!
echo "== SQLite and browser (the PostgreSQL run goes beside it; its output follows this run's) =="
sqlite_status=0; "$VENV/bin/python" -m pytest "$@" || sqlite_status=$?
postgresql_status=0; wait "$postgresql_run" || postgresql_status=$?
if [ "$postgresql_status" = 5 ]; then  # pytest's "no tests collected": a selection (-k docs) of no_store tests only
  echo "(the PostgreSQL run has nothing to do for this selection)" >>"$logs/postgresql.log"
  postgresql_status=0
fi

echo "== PostgreSQL =="
cat "$logs/postgresql.log"
failed=()
[ "$sqlite_status" = 0 ] || failed+=("the SQLite and browser run (pytest exit $sqlite_status)")
[ "$postgresql_status" = 0 ] || failed+=("the PostgreSQL run (pytest exit $postgresql_status)")
if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "== Both runs passed =="
