#!/usr/bin/env bash
# Scheduler load (issue 5), by hand (CI does not run it): the `scheduler_load` example's two
# runs on each backend, RUNS times, each on an empty database, each started only once the
# machine is quiet (no compiler running and the CPUs ≥ 90 % idle over 3 s; waiting at most
# QUIET_WAIT seconds). Each run records the CPU time of scheduler_load, of PostgreSQL's
# processes and of everything else on the machine meanwhile (on a shared machine a run that
# overlapped other work is not a clean figure), and the load average:
#   due      10,000 Innovasia P1 tickets, one pass 30 minutes after their report: 10,000 50 %
#            warnings due in the same minute;
#   catchup  11,112 tickets, one pass 8 hours later: 100,008 missed transitions.
# EXTRA is appended to the example's arguments (`EXTRA=--bare`: no outbox rows).
#
# Usage: scripts/bench_scheduler.sh
#        BACKENDS=postgres TESTS=due RUNS=3 scripts/bench_scheduler.sh
# Needs: psql; PostgreSQL: a server that PG_URL's user may create databases on (PG_DB is
# dropped and created again before each run, and dropped at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS="${BACKENDS:-sqlite postgres}"
TESTS="${TESTS:-due catchup}"
RUNS="${RUNS:-2}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PG_DB="${PG_DB:-sched}"
WORK="${WORK:-/tmp/tenggat-sched}"
EXTRA="${EXTRA:-}"
QUIET_WAIT="${QUIET_WAIT:-180}"
target="${CARGO_TARGET_DIR:-target}"

cargo build --release --locked -p tenggat-server --example scheduler_load
load="$target/release/examples/scheduler_load"
mkdir -p "$WORK"

hz="$(getconf CLK_TCK)"
# Busy CPU time of the machine (user, nice, system, irq, softirq, steal), in clock ticks.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# utime+stime of every postgres process, and cutime+cstime (the postmaster's ended backends),
# in clock ticks.
pg_ticks() {
  local sum=0 pid
  for pid in $(pgrep -x postgres || true); do
    sum=$((sum + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
compiling() { pgrep -x rustc >/dev/null || pgrep -x cargo >/dev/null || pgrep -x cc >/dev/null; }
# Waits (at most QUIET_WAIT seconds) until no compiler runs and the CPUs were at least 90 %
# idle over 3 s.
quiet() {
  local until=$(( $(date +%s) + QUIET_WAIT ))
  while [ "$(date +%s)" -lt "$until" ]; do
    if ! compiling; then
      read -r _ u n s i w _ < /proc/stat; t0=$((u + n + s + i + w)); i0=$i
      sleep 3
      read -r _ u n s i w _ < /proc/stat; t1=$((u + n + s + i + w)); i1=$i
      [ $(( (i1 - i0) * 100 / (t1 - t0) )) -ge 90 ] && return 0
    else
      sleep 5
    fi
  done
  echo "   (not quiet after ${QUIET_WAIT} s: running anyway)"
}

echo "machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), \
$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo); commit $(git rev-parse --short HEAD)\
$(git diff --quiet HEAD -- crates || echo " (uncommitted: $(git diff --name-only HEAD -- crates | tr '\n' ' '))")"
for test in $TESTS; do
  case "$test" in
    due) args=(10000 30) ;;
    catchup) args=(11112 480) ;;
    *) echo "unknown test $test" >&2; exit 1 ;;
  esac
  for backend in $BACKENDS; do
    for run in $(seq 1 "$RUNS"); do
      case "$backend" in
        sqlite) rm -f "$WORK/sched.db" "$WORK/sched.db-wal" "$WORK/sched.db-shm"
                url="sqlite://$WORK/sched.db" ;;
        postgres) psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB" 2>/dev/null
                  psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_DB"
                  url="$PG_URL/$PG_DB" ;;
        *) echo "unknown backend $backend" >&2; exit 1 ;;
      esac
      quiet
      echo "== $test $backend run $run $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
      # CPU time of the whole machine, of this run's process and of PostgreSQL's processes:
      # what is left is other work that shared the two cores (not a clean run when large).
      b0="$(busy_ticks)"; p0="$(pg_ticks)"
      # shellcheck disable=SC2086
      /usr/bin/time -o "$WORK/time" -f "%e %U %S" "$load" "$url" "${args[@]}" $EXTRA
      b1="$(busy_ticks)"; p1="$(pg_ticks)"
      read -r wall user sys < "$WORK/time"
      mine="$(echo "$user + $sys" | bc)"
      pg="$(echo "scale=1; ($p1 - $p0) / $hz" | bc)"
      other="$(echo "scale=1; ($b1 - $b0) / $hz - $mine - $pg" | bc)"
      echo "   (${wall} s in all; CPU: scheduler_load ${mine} s, postgres ${pg} s, other processes ${other} s; \
load average after $(cut -d' ' -f1-3 /proc/loadavg))"
    done
  done
done
case " $BACKENDS " in *" postgres "*) psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB" ;; esac
rm -f "$WORK/sched.db" "$WORK/sched.db-wal" "$WORK/sched.db-shm"
