#!/usr/bin/env bash
# Create-ticket load against a database that scripts/bench_api.sh left behind (KEEP=1 for
# PostgreSQL; the SQLite file stays in $WORK/sqlite), for quick before/after comparisons
# and profiles. Starts `tenggat serve` on it, makes an API token with the bench admin's
# password, warms up with 2,000 creates, then runs oha for SECONDS at CONNECTIONS.
#
# Usage: scripts/bench_create.sh URL            # e.g. postgres://postgres@127.0.0.1:5432/tenggat_bench
#        CONNECTIONS=64 SECONDS=10 scripts/bench_create.sh sqlite:///tmp/tenggat-bench/sqlite/tenggat.db
#        PERF=1 scripts/bench_create.sh URL     # system-wide `perf record -a -g` during the run
# Needs: a release build (target/release/tenggat, or $CARGO_TARGET_DIR), oha, curl, jq.
set -euo pipefail
cd "$(dirname "$0")/.."
url="${1:?usage: scripts/bench_create.sh DATABASE_URL}"
WORK="${WORK:-/tmp/tenggat-bench}"
PORT="${PORT:-18080}"
CONNECTIONS="${CONNECTIONS:-32}"
SECONDS_="${SECONDS:-10}"
PASSWORD="bench-password-0123456789"
tenggat="${CARGO_TARGET_DIR:-target}/release/tenggat"
base="http://127.0.0.1:$PORT"
body="$WORK/create-$(case "$url" in postgres*) echo postgres ;; *) echo sqlite ;; esac).json"
[ -f "$body" ] || { echo "no $body: run scripts/bench_api.sh first" >&2; exit 1; }

export TENGGAT_DATABASE_URL="$url" TENGGAT_LISTEN="127.0.0.1:$PORT" TENGGAT_PUBLIC_URL="$base"
export TENGGAT_DATA_DIR="$WORK/data-create"
export TENGGAT_RATE_LIMIT__PER_IP_PER_SECOND=0 TENGGAT_RATE_LIMIT__PER_CREDENTIAL_PER_SECOND=0
"$tenggat" serve > "$WORK/bench-create.out" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
token="$(curl -fsS -u "admin@localhost:$PASSWORD" -H 'content-type: application/json' \
  -d '{"name":"bench-create"}' "$base/api/v1/tokens" | jq -r .token)"
create() {
  oha --no-tui "$@" -m POST -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -D "$body" "$base/api/v1/tickets"
}
create -n 2000 -c 8 > /dev/null
if [ "${PERF:-0}" = 1 ]; then
  perf record -a -g -o "$WORK/perf.data" -- oha --no-tui -z "${SECONDS_}s" -c "$CONNECTIONS" \
    -m POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -D "$body" \
    "$base/api/v1/tickets" | grep -E "Success rate|Requests/sec|99.00%"
  echo "profile: perf report -i $WORK/perf.data --sort comm --no-children"
else
  create -z "${SECONDS_}s" -c "$CONNECTIONS" | grep -E "Success rate|Requests/sec|99.00%"
fi
