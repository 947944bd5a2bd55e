#!/usr/bin/env bash
# Board benchmark (issue 5, point 4): how long the server takes to render `GET /board` with
# 200 open cards. Not a test: run it by hand and put the numbers in README.md ("Performance").
#
#   scripts/bench-board.sh            # 200 open items, 100 timed requests
#   ITEMS=400 RUNS=200 scripts/bench-board.sh
#   NO_BUILD=1 scripts/bench-board.sh   # reuse target/release/ops-desktop as it is
#
# What it does: builds the release binary, creates a throwaway SQLite database with the demo
# data, adds ITEMS open items through the JSON API (spread over the four open columns, with
# owners, due dates, tags, waiting and proofing so every badge is drawn), signs in through the
# password form like a browser, then requests /board RUNS times after a warm-up. It reports two
# views of the same requests: the server's own latency from its request log (handler, queries
# and rendering) and curl's time to first byte over loopback. Only 127.0.0.1 is contacted; the
# server is stopped on exit. Needs curl, jq and sort.
set -euo pipefail
cd "$(dirname "$0")/.."

ITEMS="${ITEMS:-200}"
RUNS="${RUNS:-100}"
WARMUP="${WARMUP:-5}"
PORT="${PORT:-38917}"
BASE="http://127.0.0.1:${PORT}"

if [ -z "${NO_BUILD:-}" ]; then
  echo "== building the release binary"
  cargo build --release --quiet
fi
BIN="$PWD/target/release/ops-desktop"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# A clean, explicit environment: nothing from a developer's .env leaks in (the binary reads
# .env from its working directory, which is $WORK).
export DATABASE_URL="sqlite://$WORK/bench.db"
export BIND_ADDR="127.0.0.1:${PORT}"
export OPS_DATA_DIR="$WORK/data"
export OPS_ENV=development
# JSON logs at info: one line per request with its latency, read back below.
export LOG_FORMAT=json
export LOG_LEVEL=info
# The benchmark makes a few hundred API calls in seconds; the per-user limit would refuse them.
export RATE_LIMIT_API_PER_MINUTE=100000
cd "$WORK"

echo "== demo data and an API token"
"$BIN" seed-demo >/dev/null
TOKEN="$("$BIN" token create --email morgan@demo.opsdesktop.app --name bench | tail -n 1)"

"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$BASE/readyz" >/dev/null

auth=(-H "Authorization: Bearer $TOKEN")
mapfile -t PEOPLE < <(curl -fsS "${auth[@]}" "$BASE/api/users" | jq -r '.data[].id')

echo "== creating $ITEMS open items through the API"
STATUSES=(BACKLOG PLANNED IN_PROGRESS IN_REVIEW)
TAGS=(newsletter blog client social web print)
for i in $(seq 1 "$ITEMS"); do
  status="${STATUSES[$((i % 4))]}"
  owner="${PEOPLE[$((i % ${#PEOPLE[@]}))]}"
  waiting="${PEOPLE[$(((i + 1) % ${#PEOPLE[@]}))]}"
  due="$(date -u -d "+$((i % 21 - 3)) days" +%Y-%m-%dT17:00:00Z)"
  body="$(jq -nc --arg t "Bench item $i" --arg s "$status" --arg o "$owner" --arg w "$waiting" \
    --arg d "$due" --arg tag "${TAGS[$((i % 6))]}" --argjson i "$i" \
    '{title: $t, status: $s, ownerId: $o, dueAt: $d, tags: [$tag, "bench"],
      priority: (if $i % 7 == 0 then "HIGH" else "NORMAL" end),
      needsProofing: ($i % 3 == 0)}
     + (if $i % 5 == 0 then {waitingOnUserId: $w, waitingReason: "Sign-off"} else {} end)')"
  curl -fsS -o /dev/null "${auth[@]}" -H 'Content-Type: application/json' \
    -X POST --data "$body" "$BASE/api/work-items"
done

echo "== signing in through the form"
JAR="$WORK/cookies.txt"
CSRF="$(curl -fsS -c "$JAR" -b "$JAR" "$BASE/auth/signin" \
  | grep -o 'name="_csrf" value="[^"]*"' | head -n 1 | sed 's/.*value="//; s/"$//')"
curl -fsS -o /dev/null -c "$JAR" -b "$JAR" -H "Origin: $BASE" \
  --data-urlencode "_csrf=$CSRF" --data-urlencode "email=morgan@demo.opsdesktop.app" \
  --data-urlencode "password=demo-desk-2026" --data-urlencode "next=/" \
  "$BASE/auth/signin/password"

CARDS="$(curl -fsS -b "$JAR" "$BASE/board" | grep -o 'class="item-card' | wc -l)"
echo "== the board draws $CARDS cards"
[ "$CARDS" -ge "$ITEMS" ] || { echo "expected at least $ITEMS cards on the board" >&2; exit 1; }

for _ in $(seq 1 "$WARMUP"); do curl -fsS -o /dev/null -b "$JAR" "$BASE/board"; done
LOG_FROM=$(($(wc -l <"$WORK/server.log") + 1))

TTFB="$WORK/ttfb.txt"
for _ in $(seq 1 "$RUNS"); do
  curl -fsS -o /dev/null -b "$JAR" -w '%{time_starttransfer}\n' "$BASE/board" >>"$TTFB"
done
sleep 0.2

# p50 and p95 (nearest rank) of a column of milliseconds.
percentiles() {
  sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "no samples"; exit 1 }
    p50 = v[int((NR * 50 + 99) / 100)]; p95 = v[int((NR * 95 + 99) / 100)];
    printf "p50 %.1f ms, p95 %.1f ms, max %.1f ms (n=%d)\n", p50, p95, v[NR], NR }'
}

echo "== GET /board with $CARDS cards, $RUNS requests after $WARMUP warm-up"
printf 'server (request log latency): '
tail -n +"$LOG_FROM" "$WORK/server.log" \
  | jq -r 'select(.fields.route? == "/board" or .route? == "/board")
           | (.fields.latency_ms? // .latency_ms) | tonumber' 2>/dev/null \
  | percentiles
printf 'client (curl time to first byte): '
awk '{ printf "%.3f\n", $1 * 1000 }' "$TTFB" | percentiles
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -m)"
