#!/usr/bin/env bash
# Schema-based fuzzing of the JSON API: runs schemathesis, with all its checks, against the
# real server and its OpenAPI document (`/api/openapi.json`), so the document is proven to be
# what the server does — every status, body and bound.
#
#   scripts/api-fuzz.sh sqlite        # a fresh SQLite file
#   scripts/api-fuzz.sh postgres      # a fresh database on OPS_TEST_POSTGRES_URL's server
#   MAX_EXAMPLES=100 SEED=7 scripts/api-fuzz.sh sqlite
#   NO_BUILD=1 ...                    # use target/debug/ops-desktop as it is
#   scripts/api-fuzz.sh sqlite --phases coverage --include-name 'GET /api/me'
#                                     # further arguments go to `schemathesis run`
#
# It builds the debug binary, starts it on a free port with demo data, creates an admin API
# token with the CLI, creates through the API the rows the operations work on
# (scripts/api-fuzz-seed.py), runs schemathesis (scripts/api-fuzz.toml says which id each
# operation gets, and which operations are left out and why), and stops the server.
# Schemathesis comes from SCHEMATHESIS, or is installed with pip into target/api-fuzz-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

BACKEND="${1:-sqlite}"
shift || true
ST="${SCHEMATHESIS:-}"
if [ -z "$ST" ]; then
  # Pinned, and installed once into a venv under target/ so later runs reuse it.
  VENV="$PWD/target/api-fuzz-venv"
  ST="$VENV/bin/schemathesis"
  if ! "$ST" --version 2>/dev/null | grep -q "4.32.5"; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==4.32.5"
  fi
fi
MAX_EXAMPLES="${MAX_EXAMPLES:-25}"
SEED="${SEED:-1}"
PG_URL="${OPS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

if [ -z "${NO_BUILD:-}" ]; then
  cargo build --quiet --bin ops-desktop
fi
BIN="$PWD/target/debug/ops-desktop"
CONFIG="$PWD/scripts/api-fuzz.toml"
SEEDER="$PWD/scripts/api-fuzz-seed.py"

WORK="$(mktemp -d)"
SERVER_PID=""
DATABASE=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$DATABASE" ]; then psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" >/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"

case "$BACKEND" in
  sqlite) export DATABASE_URL="sqlite://$WORK/fuzz.db" ;;
  postgres)
    DATABASE="ops_fuzz_$$_$RANDOM"
    psql "$PG_URL" -qc "CREATE DATABASE $DATABASE" >/dev/null
    export DATABASE_URL="${PG_URL%/*}/$DATABASE"
    ;;
  *) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac

# A clean, explicit environment (the binary reads .env from its working directory, $WORK).
export BIND_ADDR="127.0.0.1:$PORT"
export OPS_DATA_DIR="$WORK/data"
export OPS_ENV=development
export LOG_LEVEL=warn
# The fuzzer sends thousands of requests a minute as one person.
export RATE_LIMIT_API_PER_MINUTE=1000000
# HighLevel configured but unreachable: actions queue (202) and fail later in the worker.
export GHL_API_KEY=fuzz-key GHL_LOCATION_ID=fuzz-location GHL_API_BASE="http://127.0.0.1:9"
export GHL_WEBHOOK_SECRET="fuzz-webhook-secret-$RANDOM$RANDOM"
cd "$WORK"

echo "== api-fuzz ($BACKEND): demo data, an admin token, the server on port $PORT"
FUZZ_EMAIL=morgan@demo.opsdesktop.app
FUZZ_PASSWORD="$("$BIN" seed-demo | sed -n 's/^Every demo account.s password is: //p')"
FUZZ_TOKEN="$("$BIN" token create --email "$FUZZ_EMAIL" --name api-fuzz | tail -n 1)"
# A staff member's token, for the one operation that must not touch the admin's sessions.
FUZZ_OTHER_TOKEN="$("$BIN" token create --email sam@demo.opsdesktop.app --name api-fuzz | tail -n 1)"
"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$BASE/readyz" >/dev/null

# NAME=value lines: the ids each operation gets (see scripts/api-fuzz.toml).
while IFS='=' read -r name value; do
  export "$name=$value"
done < <(python3 "$SEEDER" "$BASE" "$FUZZ_TOKEN" "$FUZZ_EMAIL" "$FUZZ_PASSWORD")
export FUZZ_TOKEN FUZZ_OTHER_TOKEN FUZZ_WEBHOOK_SECRET="$GHL_WEBHOOK_SECRET"

echo "== api-fuzz ($BACKEND): schemathesis, every check, $MAX_EXAMPLES examples per operation, seed $SEED"
status=0
"$ST" --config-file "$CONFIG" run "$BASE/api/openapi.json" \
  --checks all --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 2 \
  --no-color "$@" || status=$?

# A delete that only ever met unknown ids proves nothing about deleting: every DELETE
# operation in the document must have answered 204 at least once (the server's own request
# counters say so), that is, deleted a real row. When arguments narrow the run, only the
# deletes it sent are held to this.
curl -fsS -H "Authorization: Bearer $FUZZ_TOKEN" "$BASE/api/openapi.json" >"$WORK/openapi.json"
curl -fsS "$BASE/metrics" >"$WORK/metrics.txt"
missed="$(python3 - "$WORK/openapi.json" "$WORK/metrics.txt" "$#" <<'PY'
import json, re, sys
doc, counts, narrowed = json.load(open(sys.argv[1])), open(sys.argv[2]).read(), sys.argv[3] != "0"
sent, deleted = {}, {}
for route, status, n in re.findall(
        r'^ops_http_requests_total\{method="DELETE",route="([^"]+)",status="(\d+)"\} (\S+)$', counts, re.M):
    sent[route] = sent.get(route, 0) + float(n)
    if status == "204":
        deleted[route] = float(n)
for path, item in sorted(doc["paths"].items()):
    if "delete" not in item or (narrowed and not sent.get(path)):
        continue
    print(f"   {int(deleted.get(path, 0)):5d} deleted of {int(sent.get(path, 0)):5d}  DELETE {path}", file=sys.stderr)
    if not deleted.get(path):
        print(path)
PY
)"
if [ -n "$missed" ]; then
  echo "== api-fuzz ($BACKEND): these deletes never met a real row:" $missed
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "== api-fuzz ($BACKEND) failed; the server's warnings and errors:"
  grep -E '"level":"(WARN|ERROR)"|WARN|ERROR' "$WORK/server.log" | tail -n 40 || true
  cp "$WORK/server.log" "$ROOT/target/api-fuzz-$BACKEND-server.log" 2>/dev/null || true
fi
exit "$status"
