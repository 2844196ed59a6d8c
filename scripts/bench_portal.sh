#!/usr/bin/env bash
# Portal benchmark (issue 7), by hand (CI does not run it): the agents' queue with TICKETS open
# tickets, and what every portal page weighs. For each backend:
#   1. a fresh database: `tenggat migrate --create`; `tenggat serve` once for the first run
#      (the admin's password through the setup link); then TICKETS tickets × 10 events, all of
#      them open (`seed_load --open 1`: 20 customers `load-0`… on `kinobi`);
#   2. `tenggat serve` again (release build, rate limits off); the admin signs in through
#      `POST /api/v1/sessions` and creates an agent (provider) and a customer user of `load-0`
#      through the API; both set their password through their setup link and sign in the same
#      way; their `tenggat_session` cookies are what oha and curl send;
#   3. oha (https://github.com/hatoo/oha) on loopback, as the agent, after WARMUP requests:
#      queue            GET /queue (the 200 open tickets closest to breach) at RATE/s for
#                       DURATION seconds, --latency-correction, CONNECTIONS connections
#      queue-breaching  GET /queue?breaching=1, same load
#      queue-priority   GET /queue?priority=PRIORITY, same load
#      queue-customer   GET /queue?customer=<id of load-0>, same load
#   4. the size of every portal page as transferred (curl's %{size_download}: the body as
#      sent, headers not counted), once without and once with `Accept-Encoding: gzip`, with the
#      Content-Encoding the server answered: the queue and its filters, one ticket and its clocks
#      fragment as the agent; /tickets, /tickets/new and one ticket as the customer; /login,
#      /assets/portal.css and the htmx script. The script exits 1 at the end if any of them is
#      over MAX_BYTES (150,000 bytes) or is not answered 200.
#
# Usage: scripts/bench_portal.sh                        # both backends, 100,000 open tickets
#        BACKENDS=sqlite scripts/bench_portal.sh
#        BACKENDS=postgres RATE=20 DURATION=10 scripts/bench_portal.sh
#        BACKENDS=sqlite TESTS=queue SKIP_SEED=1 scripts/bench_portal.sh  # reuse the database
# Env: BACKENDS (sqlite postgres), TICKETS (100000), PG_URL, PG_DB (tenggat_bench_portal),
#      WORK (/tmp/tenggat-bench-portal), PORT (18081), RATE (50), DURATION (30), CONNECTIONS (8),
#      WARMUP (200), PRIORITY (S1), TESTS (queue queue-breaching queue-priority queue-customer
#      sizes), MAX_BYTES (150000), SKIP_SEED (0: keep the database of a previous run, SQLite
#      or KEEP=1 PostgreSQL), KEEP (0), OHA (oha), PERF (0; 1: `perf record -g` of the server
#      during the queue run, written to $WORK/perf-<backend>.data), SETTLE (0: seconds to wait
#      after the server starts, before the warm-up, for the scheduler's catch-up).
# Needs: oha (`cargo install oha --locked`), curl, jq, sqlite3, psql, GNU time; for PostgreSQL
# a server that PG_URL's user may create databases on (PG_DB is dropped and created again,
# and dropped at the end unless KEEP=1).
# Results: $WORK/results/<backend>-<test>.json (oha's JSON), $WORK/results/<backend>-sizes.tsv
# and a summary on stdout and in $WORK/results/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS="${BACKENDS:-sqlite postgres}"
TICKETS="${TICKETS:-100000}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PG_DB="${PG_DB:-tenggat_bench_portal}"
WORK="${WORK:-/tmp/tenggat-bench-portal}"
PORT="${PORT:-18081}"
RATE="${RATE:-50}"
DURATION="${DURATION:-30}"
CONNECTIONS="${CONNECTIONS:-8}"
WARMUP="${WARMUP:-200}"
PRIORITY="${PRIORITY:-S1}"
TESTS="${TESTS:-queue queue-breaching queue-priority queue-customer sizes}"
MAX_BYTES="${MAX_BYTES:-150000}"
SKIP_SEED="${SKIP_SEED:-0}"
KEEP="${KEEP:-0}"
OHA="${OHA:-oha}"
PERF="${PERF:-0}"
SETTLE="${SETTLE:-0}"
PASSWORD="bench-password-0123456789"
target="${CARGO_TARGET_DIR:-target}"

command -v "$OHA" >/dev/null || { echo "oha not found: cargo install oha --locked" >&2; exit 1; }
cargo build --release --locked -p tenggat
cargo build --release --locked -p tenggat-server --example seed_load
tenggat="$target/release/tenggat"
seed="$target/release/examples/seed_load"
base="http://127.0.0.1:$PORT"
mkdir -p "$WORK/results"
failed=0
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
has_test() { case " $TESTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

machine() {
  echo "machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), \
$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r); \
commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates || echo ' (crates modified)'); \
load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Signs in through the API; prints the session secret (the tenggat_session cookie's value).
sign_in() {
  curl -fsS -o /dev/null -D - -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$PASSWORD\"}" "$base/api/v1/sessions" \
    | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: tenggat_session=\([^;]*\);.*/\1/p' | head -1
}

# Creates a user through the API as the admin and sets their password on the setup link.
make_user() { # org email name role
  local link
  link="$(curl -fsS -H "Cookie: tenggat_session=$admin" -H 'content-type: application/json' \
    -d "{\"organisation_id\":$1,\"email\":\"$2\",\"name\":\"$3\",\"role\":\"$4\"}" \
    "$base/api/v1/users" | jq -r .setup_link)"
  curl -fsS -o /dev/null --data-urlencode "password=$PASSWORD" "$link"
}

# oha as the agent; writes its JSON to $WORK/results/$1.json and prints one summary line.
run_oha() {
  local name="$1"; shift
  local out="$WORK/results/$name.json"
  echo "== $name: oha $* (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  "$OHA" --no-tui --output-format json -H "Cookie: tenggat_session=$agent" "$@" > "$out"
  jq -r --arg name "$name" '
    def ms: . * 1000 | . * 100 | round / 100;
    "\($name): \(.summary.requestsPerSec * 10 | round / 10) req/s, success \(.summary.successRate * 100 | round) %, " +
    "p50 \(.latencyPercentiles.p50 | ms) ms, p95 \(.latencyPercentiles.p95 | ms) ms, " +
    "p99 \(.latencyPercentiles.p99 | ms) ms, max \(.summary.slowest | ms) ms, " +
    "size/request \(.summary.sizePerRequest) B; status \(.statusCodeDistribution | tostring); " +
    "p95 ≤ 50 ms: \(if .latencyPercentiles.p95 <= 0.05 then "met" else "MISSED" end)"' "$out" \
    | tee -a "$WORK/results/summary.txt"
}

# One page's size without and with gzip asked for; a line of $WORK/results/<backend>-sizes.tsv.
size_of() { # who cookie path
  local who="$1" cookie="$2" path="$3" plain gz code enc
  local auth=()
  [ -n "$cookie" ] && auth=(-H "Cookie: tenggat_session=$cookie")
  read -r code plain < <(curl -s -o /dev/null "${auth[@]}" -w '%{http_code} %{size_download}\n' \
    "$base$path")
  gz="$(curl -s -o /dev/null -D "$WORK/headers" "${auth[@]}" -H 'Accept-Encoding: gzip' \
    -w '%{size_download}' "$base$path")"
  enc="$(tr -d '\r' < "$WORK/headers" | sed -n 's/^[Cc]ontent-[Ee]ncoding: *//p' | head -1)"
  enc="${enc:-identity}"
  local verdict=ok
  if [ "$code" != 200 ] || [ "$plain" -gt "$MAX_BYTES" ] || [ "$gz" -gt "$MAX_BYTES" ]; then
    verdict=OVER; [ "$code" != 200 ] && verdict="HTTP-$code"; failed=1
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$who" "$path" "$code" "$plain" "$gz" "$enc|$verdict" \
    | tee -a "$WORK/results/$backend-sizes.tsv"
}

for backend in $BACKENDS; do
  echo "==================== $backend"
  case "$backend" in
    sqlite)
      url="sqlite://$WORK/sqlite/tenggat.db"
      if [ "$SKIP_SEED" != 1 ]; then rm -rf "$WORK/sqlite" "$WORK/data-$backend"; mkdir -p "$WORK/sqlite"; fi ;;
    postgres)
      url="$PG_URL/$PG_DB"
      if [ "$SKIP_SEED" != 1 ]; then
        rm -rf "$WORK/data-$backend"
        psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB"
        psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_DB"
      fi ;;
    *) echo "unknown backend $backend" >&2; exit 1 ;;
  esac
  export TENGGAT_DATABASE_URL="$url"
  export TENGGAT_LISTEN="127.0.0.1:$PORT" TENGGAT_PUBLIC_URL="$base"
  export TENGGAT_DATA_DIR="$WORK/data-$backend"
  export TENGGAT_RATE_LIMIT__PER_IP_PER_SECOND=0 TENGGAT_RATE_LIMIT__PER_CREDENTIAL_PER_SECOND=0
  machine | tee -a "$WORK/results/summary.txt"

  if [ "$SKIP_SEED" != 1 ]; then
    : > "$WORK/serve-$backend.out"; : > "$WORK/serve-$backend.err"
    "$tenggat" migrate --create
    # First run: the admin and their password. Then the tickets, with the admin as the staff
    # member of the histories.
    start_server
    link="$(grep -o 'http[^ ]*/setup/[0-9a-f]*' "$WORK/serve-$backend.out" | head -1)"
    [ -n "$link" ] || { echo "no first-run link from tenggat serve" >&2; cat "$WORK/serve-$backend.err" >&2; exit 1; }
    curl -fsS -o /dev/null --data-urlencode "password=$PASSWORD" "$link"
    stop_server
    echo "== seeding $TICKETS tickets, all open"
    /usr/bin/time -f "seed: %e s wall, %M KiB peak RSS" "$seed" "$url" "$TICKETS" --open 1 \
      2>&1 | tee -a "$WORK/results/summary.txt"
  fi
  start_server
  admin="$(sign_in admin@localhost)"
  [ -n "$admin" ] || { echo "the admin could not sign in" >&2; exit 1; }
  provider="$(curl -fsS -H "Cookie: tenggat_session=$admin" "$base/api/v1/me" | jq -r .organisation.id)"
  customer="$(curl -fsS -H "Cookie: tenggat_session=$admin" "$base/api/v1/organisations" \
    | jq -r '.[] | select(.slug == "load-0") | .id')"
  [ -n "$customer" ] || { echo "no customer load-0: was the database seeded?" >&2; exit 1; }
  if [ "$SKIP_SEED" != 1 ]; then
    make_user "$provider" agent@bench.example "Bench agent" agent
    make_user "$customer" customer@bench.example "Bench customer" customer_user
  fi
  agent="$(sign_in agent@bench.example)"
  client="$(sign_in customer@bench.example)"
  [ -n "$agent" ] && [ -n "$client" ] || { echo "the agent or the customer could not sign in" >&2; exit 1; }
  case "$backend" in
    sqlite)
      db="$WORK/sqlite/tenggat.db"
      counts="$(sqlite3 "$db" "SELECT COUNT(*) || ' tickets, ' || SUM(is_open) || ' open' FROM tickets")"
      ticket="$(sqlite3 "$db" "SELECT id FROM tickets WHERE customer_org_id = $customer AND is_open ORDER BY next_due, id LIMIT 1")" ;;
    postgres)
      counts="$(psql "$url" -tAc "SELECT COUNT(*) || ' tickets, ' || COUNT(*) FILTER (WHERE is_open) || ' open' FROM tickets")"
      ticket="$(psql "$url" -tAc "SELECT id FROM tickets WHERE customer_org_id = $customer AND is_open ORDER BY next_due, id LIMIT 1")" ;;
  esac
  echo "$backend: $counts; the customer load-0 is organisation $customer, its first ticket $ticket" \
    | tee -a "$WORK/results/summary.txt"

  # The SLA scheduler of `tenggat serve` first catches up the transitions the loaded
  # histories left due (warnings and breaches: ~160,000 events for 100,000 open tickets);
  # SETTLE seconds let it finish before the runs.
  [ "$SETTLE" -gt 0 ] && { echo "== settling $SETTLE s"; sleep "$SETTLE"; }
  # Warm-up (connections, statement and page caches, the policy cache), not measured.
  "$OHA" --no-tui -n "$WARMUP" -c 4 -H "Cookie: tenggat_session=$agent" "$base/queue" > /dev/null
  load=(-z "${DURATION}s" -q "$RATE" -c "$CONNECTIONS" --latency-correction)
  if has_test queue; then
    perf_pid=""
    if [ "$PERF" = 1 ]; then
      perf record -g -o "$WORK/perf-$backend.data" -p "$server_pid" 2>/dev/null & perf_pid=$!
    fi
    run_oha "$backend-queue" "${load[@]}" "$base/queue"
    if [ -n "$perf_pid" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
  fi
  has_test queue-breaching && run_oha "$backend-queue-breaching" "${load[@]}" "$base/queue?breaching=1"
  has_test queue-priority && run_oha "$backend-queue-priority" "${load[@]}" "$base/queue?priority=$PRIORITY"
  has_test queue-customer && run_oha "$backend-queue-customer" "${load[@]}" "$base/queue?customer=$customer"
  echo "server peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$server_pid/status")" \
    | tee -a "$WORK/results/summary.txt"

  if has_test sizes; then
    echo "== page sizes in bytes (body as transferred; headers not counted), limit $MAX_BYTES"
    printf 'backend\twho\tpath\tstatus\tplain\twith-gzip-asked\tcontent-encoding|verdict\n' \
      | tee "$WORK/results/$backend-sizes.tsv"
    size_of agent "$agent" /queue
    size_of agent "$agent" "/queue?breaching=1"
    size_of agent "$agent" "/queue?priority=$PRIORITY"
    size_of agent "$agent" "/queue?customer=$customer"
    size_of agent "$agent" "/tickets/$ticket"
    size_of agent "$agent" "/tickets/$ticket/clocks"
    size_of customer "$client" /tickets
    size_of customer "$client" /tickets/new
    size_of customer "$client" "/tickets/$ticket"
    size_of customer "$client" "/tickets/$ticket/clocks"
    size_of anyone "" /login
    size_of anyone "" /assets/portal.css
    size_of anyone "" /assets/htmx-2.0.11.min.js
    largest="$(awk -F'\t' 'NR > 1 && $5 > m {m = $5; p = $3} END {print p " (" m " B)"}' "$WORK/results/$backend-sizes.tsv")"
    echo "$backend: largest page $largest; limit $MAX_BYTES B: $([ "$failed" = 0 ] && echo met || echo MISSED)" \
      | tee -a "$WORK/results/summary.txt"
  fi
  stop_server
  if [ "$backend" = postgres ] && [ "$KEEP" != 1 ]; then psql "$PG_URL/postgres" -qc "DROP DATABASE $PG_DB"; fi
done
echo "summary: $WORK/results/summary.txt"
exit "$failed"
