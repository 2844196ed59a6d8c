#!/usr/bin/env bash
# Screenshots of the portal's main pages in both languages, written to docs/screenshots/
# (linked from the README). Runs the browser test `screenshots_of_the_main_pages` against a
# fresh server with a small demo desk; it needs Chromium and chromedriver
# (Debian: apt-get install chromium chromium-driver).
#
# Usage: scripts/screenshots.sh            # writes docs/screenshots/{id,en}-*.png
#        OUT=/tmp/shots scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/docs/screenshots}"
mkdir -p "$OUT"
rm -f "$OUT"/*.png
TENGGAT_SCREENSHOTS="$OUT" cargo test --locked -p tenggat-server --test browser \
  screenshots_of_the_main_pages -- --exact screenshots::screenshots_of_the_main_pages
ls -l "$OUT"
