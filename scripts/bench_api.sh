#!/usr/bin/env bash
# API load benchmark (issue 4), by hand (CI does not run it). For each backend:
#   1. a fresh database: `tenggat migrate --create`, then TICKETS tickets × 10 events loaded
#      by the `seed_load` example (OPEN of them open);
#   2. `tenggat serve` (release build, rate limits off); the admin password is set through the
#      first-run link, an API token is made with Basic auth, and a customer organisation with a
#      `kinobi` contract is created through the API;
#   3. oha (https://github.com/hatoo/oha) on loopback:
#      get    GET /api/v1/tickets/{random id} at GET_RATE/s for GET_SECONDS (SLA folded per request)
#      queue  GET /api/v1/tickets?limit=50 (the open queue, first page) at QUEUE_RATE/s
#      create POST /api/v1/tickets at full speed, CREATE_CONNECTIONS connections, CREATE_SECONDS
#   4. database size as loaded (and, for SQLite, after VACUUM) once the runs are done.
#
# Usage: scripts/bench_api.sh                 # both backends, 1,000,000 tickets
#        BACKENDS=sqlite TICKETS=100000 scripts/bench_api.sh
#        BACKENDS=postgres TICKETS=10000 TESTS=create scripts/bench_api.sh   # one run only
# Needs: oha (`cargo install oha --locked`), curl, jq, sqlite3, psql, GNU time; for
# PostgreSQL a server that PG_URL's user may create databases on (the database PG_DB is
# dropped and created again, and dropped at the end unless KEEP=1).
# Results: $WORK/results/<backend>-<test>.json (oha's JSON) and a summary on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS="${BACKENDS:-sqlite postgres}"
TICKETS="${TICKETS:-1000000}"
OPEN="${OPEN:-0.1}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PG_DB="${PG_DB:-tenggat_bench}"
WORK="${WORK:-/tmp/tenggat-bench}"
PORT="${PORT:-18080}"
GET_RATE="${GET_RATE:-500}"
GET_SECONDS="${GET_SECONDS:-30}"
QUEUE_RATE="${QUEUE_RATE:-100}"
QUEUE_SECONDS="${QUEUE_SECONDS:-30}"
CREATE_CONNECTIONS="${CREATE_CONNECTIONS:-32}"
CREATE_SECONDS="${CREATE_SECONDS:-20}"
KEEP="${KEEP:-0}"
TESTS="${TESTS:-get queue create}"
OHA="${OHA:-oha}"
PASSWORD="bench-password-0123456789"
target="${CARGO_TARGET_DIR:-target}"

command -v "$OHA" >/dev/null || { echo "oha not found: cargo install oha --locked" >&2; exit 1; }
cargo build --release --locked -p tenggat
cargo build --release --locked -p tenggat-server --example seed_load
tenggat="$target/release/tenggat"
seed="$target/release/examples/seed_load"
base="http://127.0.0.1:$PORT"
mkdir -p "$WORK/results"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT
start_server() {
  "$tenggat" serve >> "$WORK/serve-$backend.out" 2>> "$WORK/serve-$backend.err" &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -fs "$base/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "tenggat serve did not answer on $base" >&2; cat "$WORK/serve-$backend.err" >&2; exit 1
}

machine() {
  echo "machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), \
$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r); \
load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# oha with the token; writes its JSON to $WORK/results/$1.json and prints one summary line.
run_oha() {
  local name="$1"; shift
  local out="$WORK/results/$name.json"
  echo "== $name: oha $* (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  "$OHA" --no-tui --output-format json -H "Authorization: Bearer $token" "$@" > "$out"
  jq -r --arg name "$name" '
    def ms: . * 1000 | . * 100 | round / 100;
    "\($name): \(.summary.requestsPerSec | round) req/s, success \(.summary.successRate * 100 | round) %, " +
    "p50 \(.latencyPercentiles.p50 | ms) ms, p90 \(.latencyPercentiles.p90 | ms) ms, " +
    "p99 \(.latencyPercentiles.p99 | ms) ms, max \(.summary.slowest | ms) ms; " +
    "status \(.statusCodeDistribution | tostring)"' "$out" | tee -a "$WORK/results/summary.txt"
}

for backend in $BACKENDS; do
  echo "==================== $backend"
  case "$backend" in
    sqlite)
      rm -rf "$WORK/sqlite"; mkdir -p "$WORK/sqlite"
      url="sqlite://$WORK/sqlite/tenggat.db" ;;
    postgres)
      psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB"
      psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_DB"
      url="$PG_URL/$PG_DB" ;;
    *) echo "unknown backend $backend" >&2; exit 1 ;;
  esac
  : > "$WORK/serve-$backend.out"; : > "$WORK/serve-$backend.err"
  export TENGGAT_DATABASE_URL="$url"
  export TENGGAT_LISTEN="127.0.0.1:$PORT" TENGGAT_PUBLIC_URL="$base"
  export TENGGAT_DATA_DIR="$WORK/data-$backend"
  export TENGGAT_RATE_LIMIT__PER_IP_PER_SECOND=0 TENGGAT_RATE_LIMIT__PER_CREDENTIAL_PER_SECOND=0
  "$tenggat" migrate --create
  machine | tee -a "$WORK/results/summary.txt"

  # First run: the admin, its password and a token; a customer with a contract for the
  # create-ticket run. Then the load, with the admin as the staff member of the histories.
  start_server
  link="$(grep -o 'http[^ ]*/setup/[0-9a-f]*' "$WORK/serve-$backend.out" | head -1)"
  [ -n "$link" ] || { echo "no first-run link from tenggat serve" >&2; cat "$WORK/serve-$backend.err" >&2; exit 1; }
  curl -fsS -o /dev/null --data-urlencode "password=$PASSWORD" "$link"
  token="$(curl -fsS -u "admin@localhost:$PASSWORD" -H 'content-type: application/json' \
    -d '{"name":"bench"}' "$base/api/v1/tokens" | jq -r .token)"
  org="$(curl -fsS -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"name":"Bench customer","slug":"bench-customer"}' "$base/api/v1/organisations" | jq -r .id)"
  contract="$(curl -fsS -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"customer_org_id\":$org,\"policy\":{\"preset\":\"kinobi\"},\"term_start\":\"2024-01-01\"}" \
    "$base/api/v1/contracts" | jq -r .id)"
  stop_server
  echo "== seeding $TICKETS tickets ($OPEN open)"
  /usr/bin/time -f "seed: %e s wall, %M KiB peak RSS" "$seed" "$url" "$TICKETS" --open "$OPEN" \
    2>&1 | tee -a "$WORK/results/summary.txt"
  start_server
  body="$WORK/create-$backend.json"
  cat > "$body" <<JSON
{"contract_id":$contract,"priority":"S2","channel":"email","title":"Dasbor tidak dapat dibuka",
 "description":"Sejak pukul 09.00 dasbor menampilkan galat 500 untuk semua pengguna.",
 "fields":{"authorized_contact":{"name":"Sari Wulandari","email":"sari@example.co.id","phone":"+62 812 555 0101"},
           "description":"Expected the dashboard, got HTTP 500 for every user since 09:00 WIB."},
 "observed_at":"2026-11-20T09:00:00+07:00","observed_tz":"Asia/Jakarta"}
JSON
  case "$backend" in
    sqlite) counts="$(sqlite3 "$WORK/sqlite/tenggat.db" \
      "SELECT COUNT(*) || ' tickets, ' || SUM(is_open) || ' open' FROM tickets")" ;;
    postgres) counts="$(psql "$url" -tAc \
      "SELECT COUNT(*) || ' tickets, ' || COUNT(*) FILTER (WHERE is_open) || ' open' FROM tickets")" ;;
  esac
  echo "$backend: $counts" | tee -a "$WORK/results/summary.txt"

  # Warm-up (connections, statement caches, the policy cache), not measured.
  "$OHA" --no-tui -n 2000 -c 8 -H "Authorization: Bearer $token" --rand-regex-url \
    "$base/api/v1/tickets/[1-9][0-9]{5}" > /dev/null
  has_test() { case " $TESTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
  has_test get && run_oha "$backend-get" -z "${GET_SECONDS}s" -q "$GET_RATE" -c 32 --latency-correction \
    --rand-regex-url "$base/api/v1/tickets/[1-9][0-9]{5}"
  has_test queue && run_oha "$backend-queue" -z "${QUEUE_SECONDS}s" -q "$QUEUE_RATE" -c 16 --latency-correction \
    "$base/api/v1/tickets?limit=50"
  has_test create && run_oha "$backend-create" -z "${CREATE_SECONDS}s" -c "$CREATE_CONNECTIONS" -m POST \
    -H 'Content-Type: application/json' -D "$body" "$base/api/v1/tickets"
  echo "server peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$server_pid/status")" \
    | tee -a "$WORK/results/summary.txt"
  stop_server

  case "$backend" in
    sqlite)
      db="$WORK/sqlite/tenggat.db"
      sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
      echo "sqlite size as loaded: $(du -b "$db" | cut -f1) bytes" | tee -a "$WORK/results/summary.txt"
      sqlite3 "$db" "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12;" \
        | tee -a "$WORK/results/summary.txt"
      sqlite3 "$db" "VACUUM;"
      echo "sqlite size after VACUUM: $(du -b "$db" | cut -f1) bytes" | tee -a "$WORK/results/summary.txt"
      ;;
    postgres)
      psql "$url" -tAc "SELECT 'pg_database_size: ' || pg_database_size(current_database()) || ' bytes'" \
        | tee -a "$WORK/results/summary.txt"
      psql "$url" -tAc "SELECT relname || ': ' || pg_total_relation_size(oid) FROM pg_class \
        WHERE relname IN ('tickets', 'ticket_events') ORDER BY 1" | tee -a "$WORK/results/summary.txt"
      if [ "$KEEP" != 1 ]; then psql "$PG_URL/postgres" -qc "DROP DATABASE $PG_DB"; fi
      ;;
  esac
done
echo "summary: $WORK/results/summary.txt"
