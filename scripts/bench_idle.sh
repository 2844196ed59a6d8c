#!/usr/bin/env bash
# Idle cost and RSS of `tenggat serve` against many open tickets (issue 5), by hand (CI does
# not run it). For each backend and each ticket count:
#   1. a fresh database: `tenggat migrate --create`, then one short `tenggat serve` on the
#      empty database (its first run, and the engine fingerprint recorded, so that the measured
#      start does not recompute every open ticket);
#   2. `seed_load URL N --open 1`: N open tickets (new, in progress, waiting on the customer)
#      on the `kinobi` preset, each SLA cache folded at the wall clock when seeding, as the
#      store would hold it at that moment;
#   3. how much is due: the earliest `next_change` and the tickets due within the next
#      WINDOW seconds. The seed writes no warning or breach events, so the transitions its
#      tickets' clocks passed before the seed's instant are unrecorded and keep them due: a
#      first `tenggat serve` catches them up (timed), and is stopped when nothing is due any
#      more. Idle then means nothing due: kinobi's clocks run Mon–Fri 09:00–18:00 WIB, so
#      outside those hours (weekends, nights in Jakarta) nothing comes due; in working hours
#      the counts show the work that happened in the window instead;
#   4. `tenggat serve` (release build): VmRSS/VmHWM once /healthz answers, CPU time
#      (utime+stime from /proc/PID/stat, and `perf stat` task-clock when perf is allowed) over
#      IDLE seconds starting IDLE_AFTER seconds after the start, VmRSS/VmHWM at the end
#      (IDLE_AFTER + IDLE seconds, 2 minutes by default); for PostgreSQL also the CPU of all
#      postgres processes over the same window; the scheduler's events and outbox rows written
#      meanwhile (0 when idle);
#   5. the scheduler's wake-up queries (`tickets_changing_by`, `earliest_next_change`), timed
#      RUNS times in a loop (sqlite3 / pgbench), with their plans.
#
# Usage: scripts/bench_idle.sh                                  # both backends, 1,000 and 1,000,000
#        BACKENDS=sqlite COUNTS=1000000 scripts/bench_idle.sh
# Needs: curl, sqlite3, psql and pgbench, GNU time; perf (optional). PostgreSQL: a server that
# PG_URL's user may create databases on (PG_DB is dropped and created again, and dropped at
# the end unless KEEP=1; SQLite files under WORK are removed unless KEEP=1).
# Disk: 1,000,000 open tickets × 10 events take a few GB per backend.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS="${BACKENDS:-sqlite postgres}"
COUNTS="${COUNTS:-1000 1000000}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PG_DB="${PG_DB:-tenggat_idle}"
WORK="${WORK:-/tmp/tenggat-idle}"
PORT="${PORT:-18081}"
IDLE_AFTER="${IDLE_AFTER:-60}"
IDLE="${IDLE:-60}"
WINDOW="${WINDOW:-600}"
RUNS="${RUNS:-1000}"
KEEP="${KEEP:-0}"
target="${CARGO_TARGET_DIR:-target}"

cargo build --release --locked -p tenggat
cargo build --release --locked -p tenggat-server --example seed_load
tenggat="$target/release/tenggat"
seed="$target/release/examples/seed_load"
base="http://127.0.0.1:$PORT"
mkdir -p "$WORK/results"
summary="$WORK/results/summary.txt"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT
log() { echo "$*" | tee -a "$summary"; }
start_server() {
  "$tenggat" serve >> "$WORK/serve.out" 2>> "$WORK/serve.err" &
  server_pid=$!
  for _ in $(seq 1 600); do
    curl -fs "$base/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "tenggat serve did not answer on $base" >&2; cat "$WORK/serve.err" >&2; exit 1
}
# utime+stime of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# utime+stime of every postgres process, and cutime+cstime (ended backends), in clock ticks.
pg_ticks() {
  local sum=0 pid
  for pid in $(pgrep -x postgres || true); do
    sum=$((sum + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
mem() { awk '/VmRSS|VmHWM/ {printf "%s %.1f MB  ", $1, $2/1024}' "/proc/$1/status"; }
hz="$(getconf CLK_TCK)"
# One SQL query's single value on the bench database.
q() {
  case "$backend" in
    sqlite) sqlite3 "$db_file" "$1" ;;
    postgres) psql "$url" -tAc "$1" ;;
  esac
}
# Nanoseconds since the epoch (how the store keeps instants).
now_ns() { echo "$(date +%s%N)"; }

log "machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), \
$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r); \
commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates || echo ' (with uncommitted changes under crates/)')"

for backend in $BACKENDS; do
  for n in $COUNTS; do
    log "==================== $backend, $n open tickets ($(date -u +%FT%TZ))"
    case "$backend" in
      sqlite)
        rm -rf "$WORK/sqlite"; mkdir -p "$WORK/sqlite"
        db_file="$WORK/sqlite/tenggat.db"
        url="sqlite://$db_file" ;;
      postgres)
        psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB"
        psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_DB"
        url="$PG_URL/$PG_DB" ;;
      *) echo "unknown backend $backend" >&2; exit 1 ;;
    esac
    : > "$WORK/serve.out"; : > "$WORK/serve.err"
    export TENGGAT_DATABASE_URL="$url"
    export TENGGAT_LISTEN="127.0.0.1:$PORT" TENGGAT_PUBLIC_URL="$base"
    rm -rf "$WORK/data"; export TENGGAT_DATA_DIR="$WORK/data"
    "$tenggat" migrate --create
    # First run on the empty database: the engine fingerprint is recorded.
    start_server
    for _ in $(seq 1 100); do
      [ "$(q "SELECT COUNT(*) FROM settings WHERE key = 'engine_fingerprint'")" = 1 ] && break
      sleep 0.1
    done
    stop_server
    /usr/bin/time -f "seed: %e s wall, %M KiB peak RSS" "$seed" "$url" "$n" --open 1 2>&1 \
      | grep -v '^seed_load: [0-9]* of ' | tee -a "$summary"
    if [ "$backend" = sqlite ]; then
      log "database: $(du -b "$db_file" | cut -f1) bytes"
    else
      log "database: $(q 'SELECT pg_database_size(current_database())') bytes"
    fi

    due_report() {
      local t; t="$(now_ns)"
      echo "open tickets: $(q 'SELECT COUNT(*) FROM tickets WHERE is_open'); with a next_change: \
$(q 'SELECT COUNT(*) FROM tickets WHERE next_change IS NOT NULL'); earliest next_change: \
$(date -u -d "@$(( $(q 'SELECT COALESCE(MIN(next_change), 0) FROM tickets WHERE next_change IS NOT NULL') / 1000000000 ))" +%FT%TZ); \
due now: $(q "SELECT COUNT(*) FROM tickets WHERE next_change <= $t"); \
due within ${WINDOW} s: $(q "SELECT COUNT(*) FROM tickets WHERE next_change <= $((t + WINDOW * 1000000000))")"
    }
    transitions() { q "SELECT COUNT(*) FROM ticket_events WHERE event_type IN ('sla_warning', 'sla_breached', 'escalated')"; }
    log "after seeding: $(due_report)"
    # The seed writes no transition events: every warning or breach a ticket's clocks passed
    # before the seed's instant is unrecorded, and its cache keeps it due from that instant.
    # The first start catches them up (the scheduler's legitimate work); it is timed, then the
    # server is stopped, so that the measured start is one with nothing due.
    if [ "$(q "SELECT COUNT(*) FROM tickets WHERE next_change <= $(now_ns)")" != 0 ]; then
      s0="$(date +%s)"; e0="$(transitions)"
      start_server
      peak=""
      while [ "$(q "SELECT COUNT(*) FROM tickets WHERE next_change <= $(now_ns)")" != 0 ]; do
        sleep 5
        peak="$(mem "$server_pid")"
      done
      log "catch-up at first start: $(( $(date +%s) - s0 )) s (±5 s), $(( $(transitions) - e0 )) transition events written; server then: $peak"
      stop_server
      log "after catch-up: $(due_report)"
    fi
    if [ "$backend" = sqlite ]; then
      sqlite3 "$db_file" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    fi
    before_events="$(transitions)"
    before_outbox="$(q 'SELECT COUNT(*) FROM outbox')"

    started="$(date +%s.%N)"
    start_server
    up="$(date +%s.%N)"
    log "serve: /healthz after $(echo "$up - $started" | bc) s; at start-up: $(mem "$server_pid")cpu $(cpu_ticks "$server_pid") ticks"
    sleep "$(echo "$started + $IDLE_AFTER - $(date +%s.%N)" | bc)"
    c0="$(cpu_ticks "$server_pid")"; p0="$(pg_ticks)"
    perf_out="$WORK/perf-$backend-$n.txt"
    if perf stat -e task-clock,context-switches -p "$server_pid" -o "$perf_out" -- sleep "$IDLE" 2>/dev/null; then
      :
    else
      sleep "$IDLE"; echo "perf stat not allowed" > "$perf_out"
    fi
    c1="$(cpu_ticks "$server_pid")"; p1="$(pg_ticks)"
    log "idle ${IDLE} s (from +${IDLE_AFTER} s): server CPU $(( (c1 - c0) * 1000 / hz )) ms (utime+stime); \
perf task-clock $(awk '/task-clock/ {print $1 " ms"} /context-switches/ {print ", " $1 " context switches"}' "$perf_out" | tr -d '\n')$(
      [ "$backend" = postgres ] && echo "; all postgres processes $(( (p1 - p0) * 1000 / hz )) ms")"
    log "after $(echo "$(date +%s.%N) - $started" | bc | cut -d. -f1) s: $(mem "$server_pid")"
    after_events="$(transitions)"
    after_outbox="$(q 'SELECT COUNT(*) FROM outbox')"
    log "scheduler meanwhile: $((after_events - before_events)) events, $((after_outbox - before_outbox)) outbox rows; \
serve stderr: $(grep -c . "$WORK/serve.err" || true) lines"
    stop_server

    # The scheduler's wake-up: its two queries, RUNS times each.
    t="$(now_ns)"
    due_sql="SELECT id FROM tickets WHERE next_change IS NOT NULL AND next_change <= $t ORDER BY next_change, id LIMIT 500"
    min_sql="SELECT MIN(next_change) FROM tickets WHERE next_change IS NOT NULL"
    case "$backend" in
      sqlite)
        log "plans: $(sqlite3 "$db_file" "EXPLAIN QUERY PLAN $due_sql" | tr '\n' ' ') | $(sqlite3 "$db_file" "EXPLAIN QUERY PLAN $min_sql" | tr '\n' ' ')"
        for sql in "$due_sql" "$min_sql"; do
          for _ in $(seq 1 "$RUNS"); do echo "$sql;"; done > "$WORK/q.sql"
          s="$(date +%s%N)"; sqlite3 "$db_file" < "$WORK/q.sql" > /dev/null; e="$(date +%s%N)"
          log "wake-up query, $RUNS runs in one sqlite3: $(( (e - s) / RUNS / 1000 )) µs each: $sql"
        done ;;
      postgres)
        log "plans: $(psql "$url" -tAc "EXPLAIN (ANALYZE, COSTS OFF) $due_sql" | tr '\n' ' ') | $(psql "$url" -tAc "EXPLAIN (ANALYZE, COSTS OFF) $min_sql" | tr '\n' ' ')"
        for sql in "$due_sql" "$min_sql"; do
          echo "$sql;" > "$WORK/q.sql"
          lat="$(pgbench -n -M prepared -f "$WORK/q.sql" -t "$RUNS" "$url" 2>/dev/null | awk '/latency average/ {print $4 " " $5}')"
          log "wake-up query, pgbench -M prepared -t $RUNS: $lat each: $sql"
        done ;;
    esac

    if [ "$KEEP" != 1 ]; then
      case "$backend" in
        sqlite) rm -rf "$WORK/sqlite" ;;
        postgres) psql "$PG_URL/postgres" -qc "DROP DATABASE $PG_DB" ;;
      esac
    fi
  done
done
echo "summary: $summary"
