#!/usr/bin/env bash
# Property-based fuzz run of the REST API: schemathesis (pinned in scripts/requirements-fuzz.txt)
# generates requests from the OpenAPI document that a fresh `tenggat serve` publishes at
# /api/openapi.json and sends them, authenticated as the first-run admin, to that server.
# The gate is "no 5xx": any response with a server-error status, or a panic, fails the run.
#
# It runs against SQLite, and against PostgreSQL too when TENGGAT_TEST_POSTGRES_URL is set (as
# .ci/run sets it): some input only the PostgreSQL backend refuses (text with U+0000).
#
# Usage: scripts/api_fuzz.sh            (.ci/run calls it after the tests)
# Environment:
#   CARGO_TARGET_DIR            where the `tenggat` binary is (default: target); it is built
#                               when missing or older than the sources
#   TENGGAT_TEST_POSTGRES_URL   a PostgreSQL database to connect to; a scratch database
#                               `tenggat_fuzz_<pid>` is created beside it and dropped afterwards
#   TENGGAT_FUZZ_VENV           the Python venv for schemathesis (default:
#                               $HOME/.cache/tenggat-fuzz-venv; made on first use, reinstalled
#                               when scripts/requirements-fuzz.txt changes)
#   TENGGAT_FUZZ_EXAMPLES       examples per operation (default 25)
#   TENGGAT_FUZZ_SEED           the seed (default 20261122: every run sends the same requests)
#   TENGGAT_FUZZ_CHECKS         schemathesis checks (default not_a_server_error, the gate; e.g.
#                               add status_code_conformance,content_type_conformance to
#                               compare answers with the document)
#   TENGGAT_FUZZ_KEEP=1         keep the servers' directories (database, logs, reports)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
started=$SECONDS

examples="${TENGGAT_FUZZ_EXAMPLES:-25}"
seed="${TENGGAT_FUZZ_SEED:-20261122}"
venv="${TENGGAT_FUZZ_VENV:-$HOME/.cache/tenggat-fuzz-venv}"
requirements="$root/scripts/requirements-fuzz.txt"

# --- the binary ----------------------------------------------------------------------------------
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
bin="$target/debug/tenggat"
if [ ! -x "$bin" ] || [ -n "$(find crates Cargo.lock -newer "$bin" -type f -print -quit)" ]; then
  echo "api_fuzz: building $bin"
  cargo build --locked -p tenggat
fi

# --- schemathesis in a venv outside the clone ----------------------------------------------------
stamp="$venv/.tenggat-requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/schemathesis" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "api_fuzz: installing schemathesis into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$stamp"
fi
"$venv/bin/schemathesis" --version

# --- what is cleaned up on exit --------------------------------------------------------------------
work=""
server_pid=""
pg_admin_url=""
pg_scratch=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -INT "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ]; then wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
}
cleanup() {
  stop_server
  if [ -n "$pg_scratch" ]; then
    psql "$pg_admin_url" -qc "drop database if exists $pg_scratch with (force)" >/dev/null || true
    pg_scratch=""
  fi
  if [ -n "$work" ]; then
    if [ "${TENGGAT_FUZZ_KEEP:-}" = 1 ]; then echo "api_fuzz: kept $work"; else rm -rf "$work"; fi
    work=""
  fi
}
trap cleanup EXIT

json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# --- one backend: a fresh server, a little data, the fuzz run --------------------------------------
# fuzz_backend NAME [DATABASE_URL]: without a URL, the default SQLite file in the temporary
# directory. Adds a one-line summary to `summaries` and sets `failed=1` when a check failed.
# (Not called in an `||` list: that would switch `set -e` off inside it.)
fuzz_backend() {
  local name="$1" database_url="${2:-sqlite://./tenggat.db}" status=0
  work="$(mktemp -d "${TMPDIR:-/tmp}/tenggat-fuzz-$name.XXXXXX")"
  local port base
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  base="http://127.0.0.1:$port"
  (
    cd "$work"
    export TENGGAT_DATABASE_URL="$database_url"
    export TENGGAT_LISTEN="127.0.0.1:$port"
    export TENGGAT_PUBLIC_URL="$base"
    export TENGGAT_DATA_DIR="$work/data"
    # Thousands of requests in a minute: the rate limits would answer 429 to most of them.
    export TENGGAT_RATE_LIMIT__PER_IP_PER_SECOND=0
    export TENGGAT_RATE_LIMIT__PER_CREDENTIAL_PER_SECOND=0
    exec "$bin" serve
  ) > "$work/server.out" 2> "$work/server.err" &
  server_pid=$!

  local setup_url=""
  for _ in $(seq 1 300); do
    setup_url="$(sed -n 's/^first run: set the admin password at //p' "$work/server.out" | head -n 1)"
    [ -n "$setup_url" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [ -z "$setup_url" ]; then
    echo "api_fuzz: no first-run line from tenggat serve ($name):" >&2
    cat "$work/server.err" >&2
    return 1
  fi

  local password token
  password="fuzz-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
  curl -fsS -o /dev/null --data-urlencode "password=$password" "$setup_url"
  token="$(curl -sS --fail-with-body -u "admin@localhost:$password" \
    -H 'content-type: application/json' -d '{"name":"fuzz"}' "$base/api/v1/tokens" | json_field token)"

  # POST $1 with the JSON $2 as the admin; prints the answer, fails (showing it) unless 2xx.
  post() {
    local answer
    if ! answer="$(curl -sS --fail-with-body -H "Authorization: Bearer $token" \
      -H 'content-type: application/json' -d "$2" "$base$1")"; then
      echo "api_fuzz: seeding failed: POST $1 answered: $answer" >&2
      return 1
    fi
    printf '%s\n' "$answer"
  }

  # A little data, so that generated ids hit real rows: ids 1 and 2 of organisations, users,
  # contracts, tickets and attachments exist, and uploaded policy 1.
  local org contract ticket ticket2 policy_source year
  year="$(date -u +%Y)"
  org="$(post /api/v1/organisations '{"name":"Fuzz Customer","slug":"fuzz-customer"}' | json_field id)"
  post /api/v1/users "{\"organisation_id\":$org,\"email\":\"ayu@fuzz.example\",\"name\":\"Ayu\",\
\"role\":\"customer_admin\"}" >/dev/null
  contract="$(post /api/v1/contracts "{\"customer_org_id\":$org,\"policy\":{\"preset\":\"kinobi\"},\
\"term_start\":\"$year-01-01\"}" | json_field id)"
  post /api/v1/contracts "{\"customer_org_id\":$org,\"policy\":{\"preset\":\"innovasia\"},\
\"term_start\":\"$year-01-01\"}" >/dev/null
  # Kinobi's mandatory report fields: authorized_contact (a person) and description (text).
  ticket="$(post /api/v1/tickets "{\"contract_id\":$contract,\"priority\":\"S2\",\"channel\":\"email\",\
\"title\":\"Fuzz seed ticket\",\"description\":\"Dashboard exports fail.\",\
\"fields\":{\"authorized_contact\":{\"name\":\"Ayu\",\"email\":\"ayu@fuzz.example\"},\
\"description\":\"Every CSV export since Monday ends with an error.\"},\
\"attachments\":[{\"file_name\":\"note.txt\",\"content_type\":\"text/plain\",\"content_base64\":\"aGVsbG8K\"}]}" |
    json_field id)"
  post "/api/v1/tickets/$ticket/replies" '{"body":"Looking into it."}' >/dev/null
  ticket2="$(post /api/v1/tickets "{\"contract_id\":$contract,\"priority\":\"S1\",\"title\":\"Fuzz outage\",\
\"fields\":{\"authorized_contact\":{\"name\":\"Ayu\"},\"description\":\"Nothing loads.\"},\
\"attachments\":[{\"file_name\":\"log.txt\",\"content_base64\":\"ZXJyb3IK\"}]}" | json_field id)"
  post "/api/v1/tickets/$ticket2/acknowledge" '{"comment":"On it."}' >/dev/null
  policy_source="$(python3 -c 'import json, sys; print(json.dumps({"source": open(sys.argv[1]).read()}))' \
    "$root/presets/policies/kinobi.toml")"
  post /api/v1/policies "$policy_source" >/dev/null
  echo "api_fuzz: $name: server on $base, seeded organisation $org, contract $contract, tickets $ticket and $ticket2"

  # Half of the generated ids, priorities, statuses, dates … are drawn from what exists, so
  # that requests get past "404 no such ticket" and "422 unknown priority" into the handlers.
  cat > "$work/schemathesis.toml" <<TOML
[dictionaries]
ids = { values = [1, 2, 3] }
calendars = { values = ["kinobi", "innovasia", "ampocloud", "benemica", "microsoft-unified", "24x7"] }
presets = { values = ["kinobi", "innovasia", "ampocloud", "benemica", "microsoft-unified", "microsoft-unified-uer"] }
priorities = { values = ["S1", "S2", "S3", "S4", "P1", "P2"] }
statuses = { values = ["new", "acknowledged", "in_progress", "waiting_on_customer", "awaiting_permit", "maintenance", "resolved", "closed"] }
states = { values = ["open", "closed", "all"] }
roles = { values = ["admin", "agent", "escalation_manager", "executive", "customer_admin", "customer_user"] }
languages = { values = ["id", "en"] }
dates = { values = ["$year-01-01", "$year-12-31", "2024-02-29", "2027-12-31", "2099-01-01"] }
instants = { values = ["$year-01-05T09:00:00+07:00", "2026-03-19T10:00:00+07:00[Asia/Jakarta]", "2025-12-31T23:59:59Z"] }
zones = { values = ["Asia/Jakarta", "UTC", "Asia/Makassar"] }
kinds = { values = ["incident", "security_incident", "professional_services"] }
channels = { values = ["email", "in_app", "designated_tool"] }

[parameters]
"path.id" = { dictionary = "ids", probability = 0.5 }
"path.name" = { dictionary = "calendars", probability = 0.5 }
"query.customer" = { dictionary = "ids", probability = 0.5 }
"query.assignee" = { dictionary = "ids", probability = 0.5 }
"query.state" = { dictionary = "states", probability = 0.5 }
"query.status" = { dictionary = "statuses", probability = 0.5 }
"query.priority" = { dictionary = "priorities", probability = 0.5 }
"query.lang" = { dictionary = "languages", probability = 0.5 }
"query.from" = { dictionary = "dates", probability = 0.5 }
"body.contract_id" = { dictionary = "ids", probability = 0.5 }
"body.customer_org_id" = { dictionary = "ids", probability = 0.5 }
"body.organisation_id" = { dictionary = "ids", probability = 0.5 }
"body.assignee_id" = { dictionary = "ids", probability = 0.5 }
"body.reporter_id" = { dictionary = "ids", probability = 0.5 }
"body.user_ids[*]" = { dictionary = "ids", probability = 0.5 }
"body.designated_contacts[*]" = { dictionary = "ids", probability = 0.5 }
"body.policy.preset" = { dictionary = "presets", probability = 0.5 }
"body.policy.uploaded" = { dictionary = "ids", probability = 0.5 }
"body.priority" = { dictionary = "priorities", probability = 0.5 }
"body.to" = { dictionary = "priorities", probability = 0.5 }
"body.status" = { dictionary = "statuses", probability = 0.5 }
"body.role" = { dictionary = "roles", probability = 0.5 }
"body.language" = { dictionary = "languages", probability = 0.5 }
"body.term_start" = { dictionary = "dates", probability = 0.5 }
"body.term_end" = { dictionary = "dates", probability = 0.5 }
"body.observed_at" = { dictionary = "instants", probability = 0.5 }
"body.observed_tz" = { dictionary = "zones", probability = 0.5 }
"body.kind" = { dictionary = "kinds", probability = 0.5 }
"body.channel" = { dictionary = "channels", probability = 0.5 }
TOML

  # Run from the temporary directory, so that nothing (reports, caches) lands in the clone; the
  # Hypothesis example database is off, so that every run sends the same requests.
  local common=(
    --header "Authorization: Bearer $token"
    --checks "${TENGGAT_FUZZ_CHECKS:-not_a_server_error}"
    --max-examples "$examples"
    --seed "$seed"
    --generation-database none
    --workers 1
    --request-timeout 30
    --no-color
  )
  # Two passes, nothing left out: DELETE /api/v1/tokens/{id} can revoke the very token the
  # fuzzer sends (it is id 1), after which every request would be a 401 and test nothing, so it
  # runs alone, last.
  (
    cd "$work"
    "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$base/api/openapi.json" \
      "${common[@]}" --exclude-path '/api/v1/tokens/{id}' --report junit \
      --report-junit-path "$work/report-1.xml"
  ) 2>&1 | tee "$work/schemathesis-1.log" || status=1
  (
    cd "$work"
    "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$base/api/openapi.json" \
      "${common[@]}" --include-path '/api/v1/tokens/{id}' --report junit \
      --report-junit-path "$work/report-2.xml"
  ) 2>&1 | tee "$work/schemathesis-2.log" || status=1

  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "api_fuzz: $name: the server died during the run" >&2
    status=1
  fi
  stop_server
  if grep -q "panicked" "$work/server.err"; then
    echo "api_fuzz: $name: the server panicked:" >&2
    grep -A3 "panicked" "$work/server.err" >&2 || true
    status=1
  fi
  local result counts
  result="$name: $(python3 - "$work"/schemathesis-1.log "$work"/schemathesis-2.log <<'PY'
import re, sys
operations = cases = failures = 0
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8", errors="replace").read()
    if m := re.search(r"Tested: (\d+)", text):
        operations += int(m.group(1))
    if m := re.search(r"(\d+) generated", text):
        cases += int(m.group(1))
    if m := re.search(r"(\d+) unique failures?", text):
        failures += int(m.group(1))
print(f"{operations} operations, {cases} test cases, {failures} failures")
PY
)"
  # JUnit test cases (one per operation and phase group) that passed and failed.
  counts="$(python3 - "$work"/report-1.xml "$work"/report-2.xml <<'PY'
import sys, xml.etree.ElementTree as ET
passed = failed = 0
for path in sys.argv[1:]:
    try:
        cases = list(ET.parse(path).getroot().iter("testcase"))
    except (OSError, ET.ParseError):
        failed += 1
        continue
    bad = sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
    failed += bad
    passed += len(cases) - bad
print(passed, failed)
PY
)"
  passed_total=$((passed_total + ${counts% *}))
  failed_total=$((failed_total + ${counts#* }))
  # A failure no test case shows (the server died or panicked) still counts.
  if [ "$status" -ne 0 ] && [ "${counts#* }" -eq 0 ]; then failed_total=$((failed_total + 1)); fi
  cleanup
  summaries+=("$result")
  if [ "$status" -ne 0 ]; then failed=1; fi
}

summaries=()
failed=0
passed_total=0
failed_total=0
fuzz_backend sqlite
if [ -n "${TENGGAT_TEST_POSTGRES_URL:-}" ]; then
  pg_admin_url="$TENGGAT_TEST_POSTGRES_URL"
  pg_scratch="tenggat_fuzz_$$"
  psql "$pg_admin_url" -qc "drop database if exists $pg_scratch with (force)" >/dev/null
  psql "$pg_admin_url" -qc "create database $pg_scratch" >/dev/null
  pg_url="$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' \
    "$pg_admin_url" "$pg_scratch")"
  fuzz_backend postgres "$pg_url"
fi

elapsed=$((SECONDS - started))
summary="$(IFS=';'; echo "${summaries[*]}" | sed 's/;/; /g')"
if [ "$failed" -eq 0 ]; then
  echo "api_fuzz: ok, no 5xx: $summary (seed $seed, $examples examples per operation, ${elapsed}s)"
else
  echo "api_fuzz: FAILED: $summary (seed $seed, $examples examples per operation, ${elapsed}s)" >&2
fi
echo "api_fuzz: $passed_total passed, $failed_total failed"
exit "$failed"
