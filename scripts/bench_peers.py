#!/usr/bin/env python3
"""Side-by-side benchmark: pandas CustomBusinessHour, businesstimedelta, `tenggat due --batch`.

Usage (from the repository root):

    python3 -m pip install -r scripts/requirements-bench.txt   # once; this script installs nothing
    cargo build --release -p tenggat
    python3 scripts/bench_peers.py [--cases N] [--tenggat PATH] [--throughput-lines N] [--seed S]

Calendar: Mon-Fri 09:00-17:00 Asia/Jakarta (WIB, UTC+7, no DST) with the rows of kind
`national` of presets/holidays/id-holidays.csv (2024-2027), i.e. tenggat's built-in calendar
`innovasia`.

What it does:

* generates N cases (default 100,000) with a fixed seed: starts at whole minutes in
  2025-01-01..2027-06-30 (mostly uniform, plus starts exactly at 09:00, exactly at 17:00, on
  weekends and on national holidays), durations in whole minutes from 1 minute to 60 business
  days, many of them whole hours or whole business days;
* runs every case through businesstimedelta and `tenggat due --calendar innovasia --batch FILE`
  (a subprocess, process start included), and the whole-hour cases through pandas
  `CustomBusinessHour` (which only takes an integer number of hours), timing each;
* times tenggat alone on a separate file of 1,000,000 generated lines (throughput), checking
  every 50th answer against the reference;
* runs a few hand-picked probe lines through all three (closing time, Christmas, dates past the
  end of the holiday data, where businesstimedelta raises), untimed;
* checks every answer against a small independent reference (a day-by-day walk written in
  this file, the specification's "earliest t >= start with exactly d of business time in
  [start, t]"), counts and classifies the disagreements with tenggat, and prints examples;
* prints a Markdown section (to stdout; progress goes to stderr) that can be pasted into
  docs/benchmarks.md.

Exit status: 0 when the benchmark ran (disagreements do not fail it); 2 when a peer package or
the tenggat binary is missing, or tenggat failed on the batch.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import datetime as _dt
import math
import os
import platform
import random
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT / "presets" / "holidays" / "id-holidays.csv"
DEFAULT_TENGGAT = ROOT / "target" / "release" / "tenggat"
CALENDAR = "innovasia"
TZ_NAME = "Asia/Jakarta"
UTC_OFFSET_S = 7 * 3600  # WIB, no DST since 1964
OPEN_S = 9 * 3600
CLOSE_S = 17 * 3600
DAY_S = 86_400
BD_MIN = 8 * 60  # one business day of this calendar, in minutes
MAX_MIN = 60 * BD_MIN  # 60 business days
FIRST_START = _dt.date(2025, 1, 1)
LAST_START = _dt.date(2027, 6, 30)
EPOCH = _dt.date(1970, 1, 1)
EPOCH_ORD = EPOCH.toordinal()
EPOCH_NAIVE = _dt.datetime(1970, 1, 1)
BIG_SAMPLE = 50  # the throughput run's answers checked against the reference: every 50th line
WEEKDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# (kind, weight): how a start instant is drawn.
START_KINDS = (
    ("uniform minute", 0.60),
    ("exactly 09:00", 0.10),
    ("exactly 17:00", 0.10),
    ("weekend", 0.10),
    ("national holiday", 0.10),
)
# (kind, weight): how a duration is drawn.
DURATION_KINDS = (
    ("whole business days (`Nbd`)", 0.25),
    ("whole hours (`Nh`)", 0.35),
    ("minutes (`Nm` / `XhYm`)", 0.40),
)


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- holidays, calendar


def read_national_holidays(path: Path) -> list[_dt.date]:
    """Dates of the rows of kind `national` (comments start with '#')."""
    out = []
    header_seen = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not header_seen:
            if line != "date,kind,name_id,name_en,source":
                raise SystemExit(f"{path}: unexpected header {line!r}")
            header_seen = True
            continue
        fields = line.split(",")
        if len(fields) != 5:
            raise SystemExit(f"{path}: expected 5 fields: {line!r}")
        if fields[1] == "national":
            out.append(_dt.date.fromisoformat(fields[0]))
    return sorted(out)


class Cal:
    """Mon-Fri 09:00-17:00 local with a set of holiday dates; days counted from 1970-01-01."""

    def __init__(self, holidays: list[_dt.date]):
        self.holiday_days = {d.toordinal() - EPOCH_ORD for d in holidays}

    def is_business_day(self, day: int) -> bool:
        return (day + 3) % 7 < 5 and day not in self.holiday_days  # 1970-01-01 was a Thursday

    def next_business_day(self, day: int) -> int:
        day += 1
        while not self.is_business_day(day):
            day += 1
        return day

    def reference_due(self, start: int, dur: int) -> int:
        """Earliest t >= start with exactly `dur` seconds (> 0) of business time in [start, t].

        `start` and the result are local seconds since 1970-01-01T00:00 WIB. A walk day by day,
        independent of the three implementations under test.
        """
        day, cur = divmod(start, DAY_S)
        rem = dur
        while True:
            if self.is_business_day(day):
                lo = max(cur, OPEN_S)
                if lo < CLOSE_S:
                    avail = CLOSE_S - lo
                    if rem <= avail:
                        return day * DAY_S + lo + rem
                    rem -= avail
            day += 1
            cur = 0


# --------------------------------------------------------------------------- cases


class Cases:
    def __init__(self) -> None:
        self.start: list[int] = []  # local seconds since 1970-01-01T00:00 WIB
        self.minutes: list[int] = []
        self.text: list[str] = []  # the duration as written for tenggat
        self.start_kind: list[int] = []
        self.dur_kind: list[int] = []

    def __len__(self) -> int:
        return len(self.start)

    def line(self, i: int) -> str:
        return f"{fmt_rfc3339(self.start[i])},{self.text[i]}"


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


def _cumulative(kinds) -> list[float]:
    acc, out = 0.0, []
    for _, w in kinds:
        acc += w
        out.append(acc)
    return out


def _log_uniform(rng: random.Random, hi: int) -> int:
    """An integer in 1..hi, log-uniformly distributed (short durations are as common as long)."""
    return min(hi, max(1, int(math.exp(rng.uniform(0.0, math.log(hi + 1))))))


def generate(n: int, seed: int, cal: Cal, holidays: list[_dt.date]) -> Cases:
    rng = random.Random(seed)
    d0 = FIRST_START.toordinal() - EPOCH_ORD
    d1 = LAST_START.toordinal() - EPOCH_ORD
    weekend = [d for d in range(d0, d1 + 1) if (d + 3) % 7 >= 5]
    hols = sorted(h.toordinal() - EPOCH_ORD for h in holidays if FIRST_START <= h <= LAST_START)
    sk_cum = _cumulative(START_KINDS)
    dk_cum = _cumulative(DURATION_KINDS)
    c = Cases()
    for _ in range(n):
        sk = _pick(rng, sk_cum)
        if sk == 0:
            start = rng.randint(d0, d1) * DAY_S + rng.randrange(1440) * 60
        elif sk == 1:
            start = rng.randint(d0, d1) * DAY_S + OPEN_S
        elif sk == 2:
            start = rng.randint(d0, d1) * DAY_S + CLOSE_S
        elif sk == 3:
            start = rng.choice(weekend) * DAY_S + rng.randrange(1440) * 60
        else:
            start = rng.choice(hols) * DAY_S + rng.randrange(1440) * 60
        dk = _pick(rng, dk_cum)
        if dk == 0:
            days = rng.randint(1, 60)
            minutes, text = days * BD_MIN, f"{days}bd"
        elif dk == 1:
            hours = _log_uniform(rng, MAX_MIN // 60)
            minutes, text = hours * 60, f"{hours}h"
        else:
            minutes = _log_uniform(rng, MAX_MIN)
            h, m = divmod(minutes, 60)
            if rng.random() < 0.5 or h == 0:
                text = f"{minutes}m"
            elif m == 0:
                text = f"{h}h"
            else:
                text = f"{h}h{m}m"
        c.start.append(start)
        c.minutes.append(minutes)
        c.text.append(text)
        c.start_kind.append(sk)
        c.dur_kind.append(dk)
    return c


def fmt_rfc3339(local_s: int) -> str:
    return (EPOCH_NAIVE + _dt.timedelta(seconds=local_s)).strftime("%Y-%m-%dT%H:%M:%S") + "+07:00"


def fmt_local(local_s: int) -> str:
    t = EPOCH_NAIVE + _dt.timedelta(seconds=local_s)
    return f"{WEEKDAY[t.weekday()]} {t:%Y-%m-%d %H:%M}" + (f":{t.second:02d}" if t.second else "")


def write_batch(cases: Cases, path: Path) -> None:
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.writelines(cases.line(i) + "\n" for i in range(len(cases)))


# --------------------------------------------------------------------------- peers


def run_pandas(cases: Cases, idx: list[int], holidays: list[_dt.date]):
    """pandas CustomBusinessHour on the whole-hour cases `idx`.

    Fed as `DatetimeIndex(naive local starts) + CustomBusinessHour(n=hours, start='09:00',
    end='17:00', weekmask='Mon Tue Wed Thu Fri', holidays=[...])`, one call per distinct
    number of hours. Returns (results, errors, (wall s, cpu s)): results[k] is local seconds or None.
    """
    import numpy as np
    import pandas as pd

    starts = np.array([cases.start[i] for i in idx], dtype="int64").astype("datetime64[s]")
    hours = np.array([cases.minutes[i] // 60 for i in idx], dtype="int64")
    hol = [h.isoformat() for h in holidays]
    out = np.zeros(len(idx), dtype="int64")
    errors: dict[int, str] = {}
    with warnings.catch_warnings():
        # "Non-vectorized DateOffset being applied": pandas has no array path for this offset.
        warnings.simplefilter("ignore")
        c0 = time.process_time()
        t0 = time.perf_counter()
        for h in np.unique(hours):
            sel = np.nonzero(hours == h)[0]
            off = pd.offsets.CustomBusinessHour(
                n=int(h), start="09:00", end="17:00", weekmask="Mon Tue Wed Thu Fri", holidays=hol
            )
            try:
                res = pd.DatetimeIndex(starts[sel]) + off
                out[sel] = res.as_unit("s").asi8
            except Exception:  # noqa: BLE001 - fall back to one element at a time, keep errors
                for k in sel:
                    try:
                        out[k] = (pd.Timestamp(starts[k]) + off).as_unit("s")._value
                    except Exception as e:  # noqa: BLE001
                        errors[int(k)] = f"{type(e).__name__}: {e}"
        seconds = (time.perf_counter() - t0, time.process_time() - c0)
    results = [None if k in errors else int(v) for k, v in enumerate(out.tolist())]
    return results, errors, seconds


def run_pandas_loop(cases: Cases, idx: list[int], holidays: list[_dt.date]):
    """The same pandas computation as a plain per-element loop over Timestamps (offsets cached
    per n), for comparison with the DatetimeIndex calls. Returns (results, (wall s, cpu s))."""
    import pandas as pd

    starts = [pd.Timestamp(cases.start[i], unit="s") for i in idx]
    hours = [cases.minutes[i] // 60 for i in idx]
    hol = [h.isoformat() for h in holidays]
    out: list = [None] * len(idx)
    c0 = time.process_time()
    t0 = time.perf_counter()
    offsets: dict = {}
    for k in range(len(idx)):
        off = offsets.get(hours[k])
        if off is None:
            off = offsets[hours[k]] = pd.offsets.CustomBusinessHour(
                n=hours[k], start="09:00", end="17:00", weekmask="Mon Tue Wed Thu Fri", holidays=hol
            )
        try:
            out[k] = starts[k] + off
        except Exception:  # noqa: BLE001 - errors are reported by run_pandas
            pass
    seconds = (time.perf_counter() - t0, time.process_time() - c0)
    return [None if t is None else int(t.as_unit("s")._value) for t in out], seconds


def run_btd(cases: Cases, holidays: list[_dt.date]):
    """businesstimedelta on every case.

    Fed as `tz.localize(naive local start) + BusinessTimeDelta(Rules([WorkDayRule(09:00, 17:00,
    Mon-Fri, tz=Asia/Jakarta), HolidayRule(frozenset(dates), tz=Asia/Jakarta)]), seconds=...)`.
    Returns (results, errors, (wall s, cpu s)): results[i] is local seconds or None.
    """
    import businesstimedelta as btd
    import pytz

    tz = pytz.timezone(TZ_NAME)
    rule = btd.Rules(
        [
            btd.WorkDayRule(
                start_time=_dt.time(9), end_time=_dt.time(17), working_days=[0, 1, 2, 3, 4], tz=tz
            ),
            # A frozenset: the rule tests `date in holidays` day by day; a list would be slower.
            btd.HolidayRule(frozenset(holidays), tz=tz),
        ]
    )
    starts = [tz.localize(EPOCH_NAIVE + _dt.timedelta(seconds=s)) for s in cases.start]
    secs = [m * 60 for m in cases.minutes]
    n = len(starts)
    raw: list = [None] * n
    errors: dict[int, str] = {}
    step = max(1, n // 10)
    c0 = time.process_time()
    t0 = time.perf_counter()
    for i in range(n):
        try:
            raw[i] = starts[i] + btd.BusinessTimeDelta(rule, seconds=secs[i])
        except Exception as e:  # noqa: BLE001 - a crash is an answer we report
            errors[i] = f"{type(e).__name__}: {e}"
        if (i + 1) % step == 0:
            log(f"  businesstimedelta {i + 1:,}/{n:,} ({time.perf_counter() - t0:.0f} s)")
    seconds = (time.perf_counter() - t0, time.process_time() - c0)
    results = [None if r is None else int(r.timestamp()) + UTC_OFFSET_S for r in raw]
    return results, errors, seconds


def run_tenggat(binary: Path, batch: Path, out: Path):
    """Runs `tenggat due --calendar innovasia --batch FILE` > out; returns (wall s, cpu s, rc, stderr)."""
    cmd = [str(binary), "due", "--calendar", CALENDAR, "--batch", str(batch)]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(out, "wb") as f:
        p = subprocess.run(cmd, stdout=f, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return wall, cpu, p.returncode, p.stderr.decode("utf-8", "replace").strip()


def parse_tenggat_output(path: Path, n: int) -> tuple[list[int], int]:
    """Local seconds per line, and the number of lines not in +07:00 (counted, still compared)."""
    out, foreign = [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = _dt.datetime.fromisoformat(line.strip())
            if t.utcoffset() != _dt.timedelta(seconds=UTC_OFFSET_S):
                foreign += 1
            out.append(int(t.timestamp()) + UTC_OFFSET_S)
    if len(out) != n:
        raise SystemExit(f"tenggat wrote {len(out)} lines for {n} cases")
    return out, foreign


# --------------------------------------------------------------------------- comparison


def classify(cal: Cal, peer: str, got, err, teng: int, ref: int) -> str | None:
    """None when the peer agrees with tenggat, else the name of the disagreement's class."""
    if err is not None:
        return f"{peer} raised {err.split(':')[0]}"
    if got == teng:
        return None
    if teng != ref:
        return "tenggat differs from the reference" + (
            f" ({peer} matches it)" if got == ref else f" ({peer} differs too)"
        )
    day, sod = divmod(ref, DAY_S)
    if sod == CLOSE_S and got == cal.next_business_day(day) * DAY_S + OPEN_S:
        return f"{peer} answers 09:00 of the next business day where the target is used up exactly at 17:00"
    return f"other: {peer} {'later' if got > ref else 'earlier'} than the reference"


def compare(cal, peer, idx, results, errors, teng, ref, cases, n_examples):
    """Returns (disagreements, {class: count}, {class: [example lines]}, peer-vs-reference misses)."""
    counts: collections.Counter = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    peer_wrong = 0
    for k, i in enumerate(idx):
        err = errors.get(k)
        got = results[k]
        if err is not None or got != ref[i]:
            peer_wrong += 1
        cls = classify(cal, peer, got, err, teng[i], ref[i])
        if cls is None:
            continue
        counts[cls] += 1
        if len(examples[cls]) < n_examples:
            answer = err if err is not None else fmt_local(got)
            examples[cls].append(
                f"{cases.line(i)}  ->  tenggat {fmt_local(teng[i])} | {peer} {answer}"
                + ("" if teng[i] == ref[i] else f" | reference {fmt_local(ref[i])}")
            )
    return sum(counts.values()), counts, examples, peer_wrong


# --------------------------------------------------------------------------- probes

# Hand-picked lines, outside the timed cases: the closing-time rule, and what happens when a
# computation runs past the last date of the holiday data (2027-12-26).
PROBES = (
    ("2025-01-03T16:00:00+07:00", "1h", "Fri 16:00 + 1h, used up exactly at closing"),
    ("2025-01-03T17:00:00+07:00", "1h", "starts exactly at closing on a Friday"),
    ("2025-12-24T16:00:00+07:00", "1bd", "runs into Christmas (national holiday)"),
    ("2027-12-24T16:00:00+07:00", "2h", "runs past the last holiday in the data"),
    ("2028-01-03T10:00:00+07:00", "1h", "starts after the holiday data ends"),
)


def run_probes(binary: Path, cal: Cal, holidays: list[_dt.date], tmpd: Path):
    """Each probe through the reference, tenggat, pandas (whole hours) and businesstimedelta."""
    import businesstimedelta as btd
    import pandas as pd
    import pytz

    probe_cases = Cases()
    for start, dur, _ in PROBES:
        t = _dt.datetime.fromisoformat(start)
        probe_cases.start.append(int(t.timestamp()) + UTC_OFFSET_S)
        m = _dur_minutes(dur)
        probe_cases.minutes.append(m)
        probe_cases.text.append(dur)
    path = tmpd / "probes.txt"
    write_batch(probe_cases, path)
    _, _, rc, err = run_tenggat(binary, path, tmpd / "probes-out.txt")
    teng = parse_tenggat_output(tmpd / "probes-out.txt", len(PROBES))[0] if rc == 0 else None
    tz = pytz.timezone(TZ_NAME)
    rule = btd.Rules([
        btd.WorkDayRule(start_time=_dt.time(9), end_time=_dt.time(17), working_days=[0, 1, 2, 3, 4], tz=tz),
        btd.HolidayRule(frozenset(holidays), tz=tz),
    ])
    hol = [h.isoformat() for h in holidays]
    rows = []
    for k, (start, dur, what) in enumerate(PROBES):
        s, m = probe_cases.start[k], probe_cases.minutes[k]
        ref = fmt_local(cal.reference_due(s, m * 60))
        ten = fmt_local(teng[k]) if teng else f"exit {rc}"
        if m % 60 == 0:
            off = pd.offsets.CustomBusinessHour(n=m // 60, start="09:00", end="17:00",
                                                weekmask="Mon Tue Wed Thu Fri", holidays=hol)
            try:
                pdv = fmt_local(int((pd.Timestamp(s, unit="s") + off).as_unit("s")._value))
            except Exception as e:  # noqa: BLE001
                pdv = f"{type(e).__name__}: {e}"
        else:
            pdv = "(not whole hours)"
        try:
            aware = tz.localize(EPOCH_NAIVE + _dt.timedelta(seconds=s))
            r = aware + btd.BusinessTimeDelta(rule, seconds=m * 60)
            btv = fmt_local(int(r.timestamp()) + UTC_OFFSET_S)
        except Exception as e:  # noqa: BLE001
            btv = f"{type(e).__name__}: {e}"
        rows.append((f"`{start},{dur}`", what, ref, ten, pdv, btv))
    return rows, err


def _dur_minutes(text: str) -> int:
    """Minutes of a compact duration as used by the probes (`Nbd`, `Nh`, `Nm`, `XhYm`)."""
    total, num = 0, ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit():
            num += ch
        elif text.startswith("bd", i):
            total, num, i = total + int(num) * BD_MIN, "", i + 1
        elif ch == "h":
            total, num = total + int(num) * 60, ""
        elif ch == "m":
            total, num = total + int(num), ""
        else:
            raise ValueError(text)
        i += 1
    return total


# --------------------------------------------------------------------------- environment


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def version_of(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_describe() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        return head + (" with uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def tenggat_version(binary: Path) -> str:
    try:
        p = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=10)
        return p.stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}" if seconds > 0 else "n/a"


def secs(s: float) -> str:
    return f"{s:.3f} s" if s < 10 else f"{s:.1f} s"


# --------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100_000, help="cases for all three (default 100000)")
    ap.add_argument("--tenggat", type=Path, default=DEFAULT_TENGGAT, help="the tenggat binary")
    ap.add_argument("--throughput-lines", type=int, default=1_000_000,
                    help="lines of the tenggat-only throughput run (default 1000000; 0 skips it)")
    ap.add_argument("--seed", type=int, default=20250101, help="random seed (default 20250101)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="tenggat runs per file; the median is reported (default 3)")
    ap.add_argument("--examples", type=int, default=3, help="examples printed per class (default 3)")
    ap.add_argument("--holidays", type=Path, default=DEFAULT_CSV, help="the holiday CSV")
    args = ap.parse_args()
    if args.cases < 1 or args.repeat < 1:
        ap.error("--cases and --repeat must be at least 1")

    missing = [d for d in ("pandas", "businesstimedelta", "pytz") if version_of(d) == "not installed"]
    if missing:
        print(f"missing: {', '.join(missing)}; run: python3 -m pip install -r "
              "scripts/requirements-bench.txt", file=sys.stderr)
        return 2
    binary = args.tenggat if args.tenggat.is_absolute() else Path.cwd() / args.tenggat
    if not binary.is_file():
        print(f"{binary} not found; build it with: cargo build --release -p tenggat", file=sys.stderr)
        return 2

    command = " ".join(["python3 scripts/bench_peers.py", *map(shlex.quote, sys.argv[1:])])
    load_at_start = os.getloadavg()
    holidays = read_national_holidays(args.holidays)
    cal = Cal(holidays)
    log(f"{len(holidays)} national holidays {holidays[0]}..{holidays[-1]}; generating {args.cases:,} cases")
    cases = generate(args.cases, args.seed, cal, holidays)
    n = len(cases)
    whole_hours = [i for i in range(n) if cases.minutes[i] % 60 == 0]
    ref = [cal.reference_due(cases.start[i], cases.minutes[i] * 60) for i in range(n)]

    with tempfile.TemporaryDirectory(prefix="tenggat-bench-") as tmp:
        tmpd = Path(tmp)
        batch = tmpd / "cases.txt"
        write_batch(cases, batch)

        # tenggat: the same cases, as a subprocess over a file (process start included).
        log(f"tenggat due --batch on {n:,} cases x{args.repeat}")
        runs = []
        for _ in range(args.repeat):
            wall, cpu, rc, err = run_tenggat(binary, batch, tmpd / "out.txt")
            if rc != 0:
                print(f"tenggat failed (exit {rc}): {err}", file=sys.stderr)
                return 2
            runs.append((wall, cpu))
        t_wall = statistics.median(w for w, _ in runs)
        t_cpu = statistics.median(c for _, c in runs)
        t_stderr = err
        teng, foreign_offsets = parse_tenggat_output(tmpd / "out.txt", n)

        # tenggat alone on a larger file.
        big = None
        if args.throughput_lines > 0:
            log(f"generating {args.throughput_lines:,} lines for the throughput run")
            big_cases = generate(args.throughput_lines, args.seed + 1, cal, holidays)
            big_batch = tmpd / "big.txt"
            write_batch(big_cases, big_batch)
            log(f"tenggat due --batch on {args.throughput_lines:,} lines x{args.repeat}")
            big_runs = []
            for _ in range(args.repeat):
                wall, cpu, rc, err = run_tenggat(binary, big_batch, tmpd / "big-out.txt")
                if rc != 0:
                    print(f"tenggat failed on the throughput file (exit {rc}): {err}", file=sys.stderr)
                    return 2
                big_runs.append((wall, cpu))
            # Every line is counted; every BIG_SAMPLE-th answer is checked against the reference.
            big_lines, big_checked, big_wrong = 0, 0, 0
            with open(tmpd / "big-out.txt", encoding="utf-8") as f:
                for k, line in enumerate(f):
                    big_lines += 1
                    if k % BIG_SAMPLE == 0 and k < len(big_cases):
                        got = int(_dt.datetime.fromisoformat(line.strip()).timestamp()) + UTC_OFFSET_S
                        want = cal.reference_due(big_cases.start[k], big_cases.minutes[k] * 60)
                        big_checked += 1
                        big_wrong += got != want
            if big_lines != args.throughput_lines:
                raise SystemExit(f"tenggat wrote {big_lines} lines for {args.throughput_lines}")
            del big_cases
            big = (statistics.median(w for w, _ in big_runs), statistics.median(c for _, c in big_runs),
                   os.path.getsize(big_batch), big_checked, big_wrong)
        log("probes")
        probe_rows, probe_err = run_probes(binary, cal, holidays, tmpd)

    # pandas, on the whole-hour cases.
    log(f"pandas CustomBusinessHour on {len(whole_hours):,} whole-hour cases")
    pd_res, pd_err, (pd_s, pd_cpu) = run_pandas(cases, whole_hours, holidays)
    log(f"  pandas: {pd_s:.1f} s; the same as a per-element loop")
    pd_loop_res, (pd_loop_s, pd_loop_cpu) = run_pandas_loop(cases, whole_hours, holidays)
    log(f"  pandas loop: {pd_loop_s:.1f} s")
    pd_loop_same = sum(1 for a, b in zip(pd_res, pd_loop_res) if a == b)

    # businesstimedelta, on every case.
    log(f"businesstimedelta on {n:,} cases (the slow one)")
    bt_res, bt_err, (bt_s, bt_cpu) = run_btd(cases, holidays)
    log(f"  businesstimedelta: {bt_s:.1f} s")

    # Answers.
    everyone = list(range(n))
    teng_wrong = [i for i in everyone if teng[i] != ref[i]]
    pd_dis, pd_counts, pd_ex, pd_wrong = compare(
        cal, "pandas", whole_hours, pd_res, pd_err, teng, ref, cases, args.examples
    )
    bt_dis, bt_counts, bt_ex, bt_wrong = compare(
        cal, "businesstimedelta", everyone, bt_res, bt_err, teng, ref, cases, args.examples
    )

    # ------------------------------------------------------------------ Markdown
    pd_best = min(pd_s, pd_loop_s)
    pd_rate = len(whole_hours) / pd_best if pd_best > 0 else 0.0
    bt_rate = n / bt_s if bt_s > 0 else 0.0
    t_rate = n / t_wall
    faster_name, faster_rate = max((("pandas", pd_rate), ("businesstimedelta", bt_rate)), key=lambda x: x[1])
    end_at_close = sum(1 for i in everyone if ref[i] % DAY_S == CLOSE_S)
    end_at_close_wh = sum(1 for i in whole_hours if ref[i] % DAY_S == CLOSE_S)
    sk_counts = collections.Counter(cases.start_kind)
    dk_counts = collections.Counter(cases.dur_kind)

    L: list[str] = []
    w = L.append
    w("## Peers: pandas `CustomBusinessHour`, `businesstimedelta`, `tenggat due --batch`")
    w("")
    w(f"Generated by `scripts/bench_peers.py` on {_dt.date.today().isoformat()}. "
      "Command, from the repository root:")
    w("")
    w("```sh")
    w("python3 -m pip install -r scripts/requirements-bench.txt")
    w("cargo build --release -p tenggat")
    w(command)
    w("```")
    w("")
    w(f"- Machine: {os.cpu_count()} CPUs (`nproc` {len(os.sched_getaffinity(0))}), {cpu_model()}; "
      f"Linux {platform.release()}.")
    w(f"- Python {platform.python_version()}, pandas {version_of('pandas')} (numpy {version_of('numpy')}), "
      f"businesstimedelta {version_of('businesstimedelta')} (pytz {version_of('pytz')}).")
    w(f"- tenggat: `{tenggat_version(binary)}`, release build of commit {git_describe()}.")
    w(f"- Calendar: Mon–Fri 09:00–17:00 Asia/Jakarta (WIB, UTC+7, no DST), the {len(holidays)} rows of kind "
      f"`national` in `presets/holidays/id-holidays.csv` ({holidays[0]} to {holidays[-1]}); "
      f"tenggat uses its built-in calendar `{CALENDAR}`, which is defined by the same rows.")
    w("")
    w(f"**Cases** ({n:,}, seed {args.seed}): starts at whole minutes in {FIRST_START} .. {LAST_START} — "
      + ", ".join(f"{name} {sk_counts[k]:,}" for k, (name, _) in enumerate(START_KINDS))
      + "; durations from 1 minute to 60 business days (8 h each) — "
      + ", ".join(f"{name} {dk_counts[k]:,}" for k, (name, _) in enumerate(DURATION_KINDS))
      + f" (hours and minutes log-uniform). {len(whole_hours):,} cases are whole hours; "
      f"{end_at_close:,} targets ({end_at_close_wh:,} of the whole-hour ones) are used up exactly at 17:00.")
    w("")
    w("**How each is fed** (same cases; the peers run in this one Python process, single-threaded):")
    w("")
    w("- pandas: only the whole-hour cases (`CustomBusinessHour` takes an integer `n` of hours; minutes "
      "cannot be expressed): `DatetimeIndex(naive local starts) + CustomBusinessHour(n=hours, start='09:00', "
      "end='17:00', weekmask='Mon Tue Wed Thu Fri', holidays=[...])`, one call per distinct `n` "
      "(pandas has no array path for this offset and applies it element by element, with a "
      "`PerformanceWarning`). Timed: those calls, including building the offsets. Also timed as a plain "
      "loop `Timestamp + offset` (offsets cached per `n`); the faster of the two counts as pandas' speed.")
    w("- businesstimedelta: every case, `tz.localize(start) + BusinessTimeDelta(Rules([WorkDayRule(time(9), "
      "time(17), [0,1,2,3,4], tz=Asia/Jakarta), HolidayRule(frozenset(dates), tz=Asia/Jakarta)]), "
      "seconds=...)` in a Python loop. Timed: the loop (aware start datetimes prepared beforehand).")
    w(f"- tenggat: every case, `tenggat due --calendar {CALENDAR} --batch cases.txt > out.txt` "
      "as a subprocess; "
      "lines like `2025-03-14T16:00:00+07:00,1h30m` (durations as `Nbd`, `Nh`, `Nm` or `XhYm`). Timed: the "
      f"whole process, start-up, reading and parsing RFC 3339 text and writing the answers included; "
      f"median of {args.repeat} runs.")
    w("")
    w("| implementation | cases | wall time | CPU time | deadlines/s | disagree with tenggat "
      "| wrong vs. reference |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    w(f"| pandas {version_of('pandas')} `CustomBusinessHour` | {len(whole_hours):,} (whole hours) | "
      f"{secs(pd_s)} | {secs(pd_cpu)} | {rate(len(whole_hours), pd_s)} | {pd_dis:,} | {pd_wrong:,} |")
    w(f"| the same, per-element loop over `Timestamp`s | {len(whole_hours):,} (whole hours) | "
      f"{secs(pd_loop_s)} | {secs(pd_loop_cpu)} | {rate(len(whole_hours), pd_loop_s)} | "
      + ("same answers | |" if pd_loop_same == len(whole_hours)
         else f"{len(whole_hours) - pd_loop_same:,} answers differ from the DatetimeIndex calls | |"))
    w(f"| businesstimedelta {version_of('businesstimedelta')} | {n:,} | {secs(bt_s)} | {secs(bt_cpu)} | "
      f"{rate(n, bt_s)} | {bt_dis:,} | {bt_wrong:,} |")
    w(f"| `tenggat due --batch` (subprocess) | {n:,} | {secs(t_wall)} | {secs(t_cpu)} | "
      f"{rate(n, t_wall)} | — | {len(teng_wrong):,} |")
    if big is not None:
        b_wall, b_cpu, b_size, b_checked, b_wrong = big
        w(f"| `tenggat due --batch`, throughput run | {args.throughput_lines:,} | {secs(b_wall)} | "
          f"{secs(b_cpu)} | {rate(args.throughput_lines, b_wall)} | — | "
          f"{b_wrong:,} of {b_checked:,} checked |")
    w("")
    w(f"tenggat is **{t_rate / faster_rate:,.0f}×** the faster peer ({faster_name}"
      + (", its faster variant" if faster_name == "pandas" else "")
      + f", {faster_rate:,.0f} deadlines/s) on these cases, process start included"
      + (f"; pandas is {pd_rate / bt_rate:,.1f}× businesstimedelta."
         if faster_name == "pandas" and bt_rate > 0 else "."))
    w(f"Wall and CPU times of tenggat are medians of {args.repeat} runs; its CPU time is user+sys of the "
      "child process. The peers' CPU time is this process's, during the timed part."
      + (f" The throughput run reads {b_size / 1e6:.1f} MB of input, a separate draw with seed "
         f"{args.seed + 1}; its output is counted, and every {BIG_SAMPLE}th line is checked against the "
         "reference." if big is not None else "")
      + f" Load average (1 min) at the start {load_at_start[0]:.2f}, at the end {os.getloadavg()[0]:.2f}.")
    w("")
    w("\"Wrong vs. reference\" compares with a day-by-day walk in the script that implements the "
      "definition directly: the due instant is the earliest t ≥ start with exactly d of business time in "
      "[start, t], so a target used up at 17:00 is due at 17:00 that day.")
    if foreign_offsets:
        w("")
        w(f"Note: {foreign_offsets:,} tenggat answers were not written in +07:00.")
    if t_stderr:
        w("")
        w(f"tenggat wrote to stderr: `{t_stderr.splitlines()[0]}`")
    w("")
    w("### Disagreements with tenggat")
    w("")
    if not pd_counts and not bt_counts and not teng_wrong:
        w("None: every answer of both peers equals tenggat's, and tenggat's equal the reference.")
    else:
        w("| peer | class | cases |")
        w("|---|---|---:|")
        for peer, counts in (("pandas", pd_counts), ("businesstimedelta", bt_counts)):
            if not counts:
                w(f"| {peer} | (none) | 0 |")
            for cls, cnt in counts.most_common():
                w(f"| {peer} | {cls} | {cnt:,} |")
        w("")
        w(f"Examples (input line → answers, local WIB time; at most {args.examples} per class):")
        w("")
        w("```text")
        for peer, counts, ex in (("pandas", pd_counts, pd_ex), ("businesstimedelta", bt_counts, bt_ex)):
            for cls, _ in counts.most_common():
                w(f"[{peer}] {cls}")
                for e in ex[cls]:
                    w(f"  {e}")
        if teng_wrong:
            w("[tenggat vs. reference]")
            for i in teng_wrong[: args.examples]:
                w(f"  {cases.line(i)}  ->  tenggat {fmt_local(teng[i])} | reference {fmt_local(ref[i])}")
        w("```")
    w("")
    w("### Probes (not part of the timed cases)")
    w("")
    w("| line | what | reference | tenggat | pandas | businesstimedelta |")
    w("|---|---|---|---|---|---|")
    for row in probe_rows:
        w("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    if probe_err:
        w("")
        w(f"tenggat's stderr on the probes: `{probe_err.splitlines()[0]}`")
    print("\n".join(L))
    return 0


if __name__ == "__main__":
    sys.exit(main())
