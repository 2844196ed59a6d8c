#!/usr/bin/env bash
# Throughput and peak memory of `tenggat due --batch` on N lines (default 1,000,000).
# Usage: scripts/bench_batch.sh [N]   (needs GNU time at /usr/bin/time: apt-get install time)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked -p tenggat >/dev/null
bin="$target/release/tenggat"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
python3 - "$n" > "$data/in.txt" <<'PY'
import datetime, random, sys
random.seed(20260321)
n = int(sys.argv[1])
wib = datetime.timezone(datetime.timedelta(hours=7))
first = datetime.datetime(2025, 1, 1, tzinfo=wib)
targets = ["15m", "1h", "4h", "8h", "1h30m", "1bd", "5bd", "60bd", "PT2H"]
out = sys.stdout
for _ in range(n):
    t = first + datetime.timedelta(seconds=random.randrange(0, 2 * 365 * 86400))
    out.write(f"{t.isoformat()},{random.choice(targets)}\n")
PY
best=""
for run in 1 2 3; do
  /usr/bin/time -f "%e %M" -o "$data/time.txt" "$bin" due --calendar innovasia --batch "$data/in.txt" > "$data/out.txt"
  read -r secs kb < "$data/time.txt"
  lines=$(wc -l < "$data/out.txt")
  [ "$lines" -eq "$n" ] || { echo "expected $n output lines, got $lines" >&2; exit 1; }
  rate=$(python3 -c "print(int($n / max($secs, 0.001)))")
  echo "run $run: $n lines in ${secs}s = $rate lines/s, peak RSS $((kb / 1024)) MiB ($kb KiB)"
done
