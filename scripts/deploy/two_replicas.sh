#!/usr/bin/env bash
# Try the deployment of README "Running on PostgreSQL with two replicas" on this machine, on loopback:
# two `streamlit run` replicas on one PostgreSQL store behind nginx (scripts/deploy/nginx.conf), then the
# websocket load test through nginx. Stops everything it started.
#   DATABASE_URL=postgresql+psycopg://... bash scripts/deploy/two_replicas.sh [SESSIONS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL store that holds data (python -m data_layer demo --reset)}"
SESSIONS=${1:-20}
ROUNDS=${2:-5}
RUN_DIR=$(mktemp -d /tmp/dashboard-deploy.XXXX)
LISTEN=127.0.0.1:8700
A=127.0.0.1:8701
B=127.0.0.1:8702
PIDS=()
cleanup() {
  nginx -c "$RUN_DIR/nginx.conf" -s stop 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

for address in $A $B; do
  # One trusted proxy (nginx) sets X-Forwarded-For: the sign-in limits read the client from it.
  DASHBOARD_TRUSTED_PROXY_HOPS=1 .venv/bin/streamlit run app.py --server.address 127.0.0.1 --server.port "${address##*:}" --server.headless true \
    > "$RUN_DIR/replica-${address##*:}.log" 2>&1 &
  PIDS+=($!)
done
# Wait for both replicas before nginx starts: a replica that fails nginx's first tries is taken out for a while.
for address in $A $B; do
  for _ in $(seq 1 60); do curl -fs "http://$address/_stcore/health" >/dev/null 2>&1 && break; sleep 1; done
  curl -fs "http://$address/_stcore/health" >/dev/null || { echo "replica $address did not start" >&2; exit 1; }
done
sed -e "s#__LISTEN__#$LISTEN#" -e "s#__REPLICA_A__#$A#" -e "s#__REPLICA_B__#$B#" -e "s#__RUN_DIR__#$RUN_DIR#g" \
  scripts/deploy/nginx.conf > "$RUN_DIR/nginx.conf"
nginx -t -c "$RUN_DIR/nginx.conf"
nginx -c "$RUN_DIR/nginx.conf"

curl -fs "http://$LISTEN/_stcore/health" >/dev/null || { echo "nginx does not answer on $LISTEN" >&2; exit 1; }
echo "nginx on $LISTEN -> replicas $A and $B"
.venv/bin/python -m bench.load --url "http://$LISTEN" --sessions "$SESSIONS" --rounds "$ROUNDS" --pages "${PAGES:-overview}" --distinct-clients
echo "requests per replica (from nginx access log):"
grep -F "_stcore/stream" "$RUN_DIR/access.log" | awk '{print $NF}' | sort | uniq -c || true
