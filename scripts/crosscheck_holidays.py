#!/usr/bin/env python3
"""Cross-check presets/holidays/id-holidays.csv against the `holidays` package.

Usage: python3 scripts/crosscheck_holidays.py [path/to/id-holidays.csv]

Reads the Indonesian holiday preset (skipping '#' comment lines), validates
its format, and compares each year 2024-2027 with
`holidays.country_holidays("ID", ...)`:

  * category "public"     -> rows with kind `national`
  * category "government" -> rows with kind `cuti_bersama`

Every disagreement (date only in the CSV, date only in the package, or the
same date with a different kind) is printed, together with whether a comment
line in the CSV mentions that date (each disagreement must be explained by a
comment there; the decree wins over the package).

Exit status: 0 whenever the CSV is well formed (disagreements do not fail the
run); 1 if the CSV is malformed; 2 if the `holidays` package is not installed.
"""

from __future__ import annotations

import datetime as _dt
import re
import sys
from pathlib import Path

YEARS = (2024, 2025, 2026, 2027)
HEADER = "date,kind,name_id,name_en,source"
KINDS = ("national", "cuti_bersama")
PACKAGE_CATEGORY = {"national": "public", "cuti_bersama": "government"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DEFAULT_CSV = Path(__file__).resolve().parent.parent / "presets" / "holidays" / "id-holidays.csv"


class Malformed(Exception):
    pass


def parse_csv(path: Path):
    """Return (rows, comments). rows: list of (lineno, date, kind, name_id, name_en, source)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise Malformed(f"cannot read {path}: {e}") from e
    if raw.startswith(b"\xef\xbb\xbf"):
        raise Malformed("file starts with a UTF-8 BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Malformed(f"not valid UTF-8: {e}") from e
    if "\r" in text:
        raise Malformed("file contains CR characters; use LF line endings")

    rows = []
    comments = []
    seen_header = False
    prev_date = None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # trailing newline at end of file
    for lineno, line in enumerate(lines, start=1):
        if line.startswith("#"):
            comments.append((lineno, line))
            continue
        if line.strip() == "":
            raise Malformed(f"line {lineno}: empty line (only comments and data rows are allowed)")
        if not seen_header:
            if line != HEADER:
                raise Malformed(f"line {lineno}: expected header {HEADER!r}, got {line!r}")
            seen_header = True
            continue
        if line == HEADER:
            raise Malformed(f"line {lineno}: header repeated")
        if '"' in line:
            raise Malformed(f"line {lineno}: double quote in a field")
        fields = line.split(",")
        if len(fields) != 5:
            raise Malformed(f"line {lineno}: expected 5 comma-separated fields, got {len(fields)}")
        date_s, kind, name_id, name_en, source = fields
        for label, value in zip(HEADER.split(","), fields):
            if value.strip() == "":
                raise Malformed(f"line {lineno}: field {label} is empty")
            if value != value.strip():
                raise Malformed(f"line {lineno}: field {label} has leading/trailing whitespace")
        if not DATE_RE.match(date_s):
            raise Malformed(f"line {lineno}: date {date_s!r} is not YYYY-MM-DD")
        try:
            date = _dt.date.fromisoformat(date_s)
        except ValueError as e:
            raise Malformed(f"line {lineno}: invalid date {date_s!r}: {e}") from e
        if kind not in KINDS:
            raise Malformed(f"line {lineno}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if prev_date is not None and date < prev_date:
            raise Malformed(f"line {lineno}: {date_s} is out of order (after {prev_date.isoformat()})")
        prev_date = date
        rows.append((lineno, date, kind, name_id, name_en, source))
    if not seen_header:
        raise Malformed("no header line found")
    if not rows:
        raise Malformed("no data rows found")
    return rows, comments


def package_year(holidays_mod, year: int):
    """Return {date: (kind, english name)} from the package for one year."""
    result: dict[_dt.date, list[tuple[str, str]]] = {}
    for kind, category in PACKAGE_CATEGORY.items():
        cal = holidays_mod.country_holidays(
            "ID", years=year, categories=(category,), language="en_US"
        )
        for day, name in cal.items():
            if day.year == year:
                result.setdefault(day, []).append((kind, name))
    return result


def main(argv: list[str]) -> int:
    csv_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_CSV
    try:
        rows, comments = parse_csv(csv_path)
    except Malformed as e:
        print(f"ERROR: malformed CSV {csv_path}: {e}", file=sys.stderr)
        return 1

    try:
        import holidays  # noqa: PLC0415
    except ImportError:
        print("ERROR: the 'holidays' package is not installed (pip install holidays)", file=sys.stderr)
        return 2

    print(f"holidays package version: {holidays.__version__}")
    print(f"CSV: {csv_path} ({len(rows)} data rows, {len(comments)} comment lines)")

    comment_text = "\n".join(line for _, line in comments)

    def explained(date: _dt.date) -> str:
        return "explained in CSV comment" if date.isoformat() in comment_text else "NOT EXPLAINED in CSV"

    # CSV rows per date (a date may in principle carry more than one row).
    csv_by_date: dict[_dt.date, list[tuple]] = {}
    for row in rows:
        csv_by_date.setdefault(row[1], []).append(row)
        if row[1].year not in YEARS:
            print(f"note: line {row[0]}: {row[1]} is outside {YEARS[0]}-{YEARS[-1]}; not cross-checked")
    for date, rs in csv_by_date.items():
        if len(rs) > 1:
            lines = ", ".join(str(r[0]) for r in rs)
            print(f"note: {date} appears on {len(rs)} rows (lines {lines})")

    total = 0
    unexplained = 0
    for year in YEARS:
        pkg = package_year(holidays, year)
        csv_year = {d: rs for d, rs in csv_by_date.items() if d.year == year}
        problems = []
        for date in sorted(set(pkg) | set(csv_year)):
            csv_kinds = sorted({r[2] for r in csv_year.get(date, [])})
            pkg_entries = pkg.get(date, [])
            pkg_kinds = sorted({k for k, _ in pkg_entries})
            if csv_kinds == pkg_kinds:
                continue
            pkg_desc = "; ".join(f"{k} ({n})" for k, n in pkg_entries) or "nothing"
            csv_desc = "; ".join(f"{r[2]} ({r[4]}; line {r[0]})" for r in csv_year.get(date, [])) or "nothing"
            if not csv_kinds:
                what = "only in package"
            elif not pkg_kinds:
                what = "only in CSV"
            else:
                what = "kind differs"
            problems.append((date, what, csv_desc, pkg_desc))
        estimated = sorted(
            d.isoformat() for d, entries in pkg.items() if any("estimated" in n for _, n in entries)
        )
        n_nat = sum(1 for rs in csv_year.values() for r in rs if r[2] == "national")
        n_cb = sum(1 for rs in csv_year.values() for r in rs if r[2] == "cuti_bersama")
        p_nat = sum(1 for es in pkg.values() for k, _ in es if k == "national")
        p_cb = sum(1 for es in pkg.values() for k, _ in es if k == "cuti_bersama")
        print(
            f"\n== {year}: CSV national={n_nat} cuti_bersama={n_cb}; "
            f"package public={p_nat} government={p_cb}"
        )
        if estimated:
            print(f"   package marks as estimated: {', '.join(estimated)}")
        if not problems:
            print("   no disagreement")
        for date, what, csv_desc, pkg_desc in problems:
            total += 1
            status = explained(date)
            if status.startswith("NOT"):
                unexplained += 1
            print(f"   DISAGREEMENT {date} [{what}]: CSV has {csv_desc}; package has {pkg_desc} -- {status}")

    print(f"\n{total} disagreement(s), {unexplained} without an explaining comment in the CSV")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
