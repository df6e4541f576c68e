#!/usr/bin/env bash
# Install what the tests need (Python packages, Debian's chromium and a CJK font) and run the whole suite.
# Benchmarks are not part of it (see bench/).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
apt_install chromium fonts-wqy-microhei
ensure_venv requirements-test.txt
exec "$VENV/bin/python" -m pytest "$@"
