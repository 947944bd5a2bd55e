#!/usr/bin/env bash
# Makes the upgrade fixtures (tests/fixtures/upgrade-<name>.sqlite and .sql) with the binary of
# a release, so that every later build's test suite migrates that release's databases forward
# (tests/it/upgrade_fixtures.rs). Run it once per release worth keeping, from the release's own
# build:
#
#   git worktree add /tmp/release <commit>
#   (cd /tmp/release && cargo build)
#   scripts/make-upgrade-fixture.sh /tmp/release/target/debug/ops-desktop <name>
#
# For each backend it loads the demo data, adds a known admin, then through the running
# server's API: items, subtasks, comments and events. The SQLite fixture is the release's own
# `backup` (one compact file); the PostgreSQL one a plain-SQL `pg_dump` without owners or
# grants. Needs curl, jq, pg_dump and a PostgreSQL at OPS_TEST_POSTGRES_URL that may create
# databases. Only 127.0.0.1 is contacted.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="$(realpath "$1")"
NAME="$2"
ADMIN_URL="${OPS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PORT="${PORT:-38931}"
BASE="http://127.0.0.1:${PORT}"
# The fixture admin's password (the test signs in with it; the fixture holds only its hash).
PASSWORD="upgrade-fixture-password"
WORK="$(mktemp -d)"
PG_DB="ops_fixture_$$"
server=""
cleanup() {
  [ -n "$server" ] && cat "$WORK/serve.log" >&2 && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The release's binary with only these settings (exec: `kill` then reaches the binary itself).
run() { (exec env -i PATH="$PATH" DATABASE_URL="$DATABASE_URL" OPS_DATA_DIR="$WORK/data" \
  BIND_ADDR="127.0.0.1:${PORT}" AUTH_URL="$BASE/" LOG_LEVEL=warn "$BIN" "$@"); }

api() { # METHOD PATH [JSON] -> response body
  curl -sS --fail-with-body -X "$1" "$BASE$2" -H "authorization: Bearer $TOKEN" \
    -H 'content-type: application/json' ${3:+--data "$3"}
}

exec_serve() { exec env -i PATH="$PATH" DATABASE_URL="$DATABASE_URL" OPS_DATA_DIR="$WORK/data" \
  BIND_ADDR="127.0.0.1:${PORT}" AUTH_URL="$BASE/" LOG_LEVEL=warn "$BIN" serve; }

fill() {
  run seed-demo >/dev/null
  printf '%s\n' "$PASSWORD" | run user create --email fixture.admin@example.com \
    --name "Fixture Admin" --role admin --password-stdin >/dev/null
  TOKEN="$(run token create --email fixture.admin@example.com --name "upgrade fixture" | tail -n1)"
  exec_serve >"$WORK/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done
  local first second
  first="$(api POST /api/work-items '{"title":"Fixture: spring newsletter","type":"DELIVERABLE","deliverableType":"NEWSLETTER","priority":"HIGH","tags":["fixture","spring"],"description":"Kept from an earlier release: **bold** stays bold."}' | jq -r .data.id)"
  second="$(api POST /api/work-items '{"title":"Fixture: call the printer","type":"TASK","tags":["fixture"]}' | jq -r .data.id)"
  api POST "/api/work-items/$first/subtasks" '{"title":"Fixture: draft the intro"}' >/dev/null
  api POST "/api/work-items/$first/subtasks" '{"title":"Fixture: pick the photos"}' >/dev/null
  api POST "/api/work-items/$first/comments" '{"body":"Fixture comment: the draft is in the shared folder."}' >/dev/null
  api POST "/api/work-items/$second/comments" '{"body":"Fixture comment: they open at 9."}' >/dev/null
  api PATCH "/api/work-items/$second" '{"status":"PLANNED"}' >/dev/null
  api POST /api/events '{"source":"fixture","type":"contact.created","externalId":"fixture-1","payload":{"name":"Fixture Contact"}}' >/dev/null
  api POST /api/events '{"source":"fixture","type":"form.submitted","externalId":"fixture-2","payload":{"form":"newsletter"}}' >/dev/null
  sleep 2 # let the worker process the events, as a running server would
  kill -TERM "$server"; wait "$server" || true; server=""
}

mkdir -p tests/fixtures
echo "== SQLite"
DATABASE_URL="sqlite://$WORK/fixture.db"
fill
rm -f "tests/fixtures/upgrade-$NAME.sqlite"
run backup --out "$PWD/tests/fixtures/upgrade-$NAME.sqlite" >/dev/null
chmod 0644 "tests/fixtures/upgrade-$NAME.sqlite"

echo "== PostgreSQL"
psql "$ADMIN_URL" -qc "CREATE DATABASE $PG_DB"
DATABASE_URL="$(printf '%s' "$ADMIN_URL" | sed "s#/[^/]*\$#/$PG_DB#")"
fill
pg_dump --no-owner --no-privileges --format=plain "$DATABASE_URL" >"tests/fixtures/upgrade-$NAME.sql"
ls -l "tests/fixtures/upgrade-$NAME".*
