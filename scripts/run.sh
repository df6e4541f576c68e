#!/usr/bin/env bash
# Install what the app needs, build the demo city if the store is empty, and serve on http://localhost:8501.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements.txt
# The PDF review pack embeds a Chinese TrueType font (data_layer/report/fonts.py). Without root or sudo the app
# still starts: the report page then disables the PDF button and says how to fix it.
if [ -z "${DASHBOARD_CJK_FONT:-}" ] && ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then
  if ! apt_install fonts-wqy-microhei; then
    echo "Warning: could not install fonts-wqy-microhei (needs root or sudo); the PDF review pack is unavailable" \
         "until it is installed or DASHBOARD_CJK_FONT names a TrueType font with Chinese glyphs." >&2
  fi
fi
"$VENV/bin/python" -m data_layer demo --if-missing
# Uploads are bounded by the import limit (DASHBOARD_IMPORT_MAX_MB), also the ones outside any form.
MAX_UPLOAD_MB=$("$VENV/bin/python" -c 'from data_layer.settings import get_settings; print(get_settings().import_max_mb)')
exec "$VENV/bin/streamlit" run app.py --server.port "${PORT:-8501}" --server.address "${ADDRESS:-0.0.0.0}" \
  --server.maxUploadSize "$MAX_UPLOAD_MB"
