#!/usr/bin/env bash
# Install what the app needs, build the demo city if the store is empty, and serve on http://localhost:8501.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements.txt
"$VENV/bin/python" -m data_layer demo --if-missing
exec "$VENV/bin/streamlit" run app.py --server.port "${PORT:-8501}" --server.address "${ADDRESS:-0.0.0.0}"
