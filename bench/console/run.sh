#!/usr/bin/env bash
# The staff console's time per page (issue 14: every page <= 100 ms server time with 10,000
# applications and 1,000 matches in the store; figures in BENCHMARKS.md).
#
# Seeds a fresh SQLite store (handler/examples/console_seed.rs: N applications scored as the
# intake scores them, M matches — a tenth still active — with a sheet each, 300 inquiries,
# one staff session), serves it with the release handler, and measures each console page
# with `wrk -t1 -c1` (one request at a time on loopback, so the latency is the server's time
# plus a loopback round trip): p50 and p99 per page.
#
#   bash bench/console/run.sh [N] [M] [seconds per page]     (default 10000 1000 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-10000}"
m="${2:-1000}"
seconds="${3:-5}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
target="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== building (release)"
cargo build -q --release -p generator -p handler --bin generator --bin handler --example console_seed
"$target/release/generator" build --out "$work/site" --private-out "$work/private" >/dev/null
staff="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["contacts"]["staff"][0])' "$work/private/mail.json")"
echo "== seeding $n applications, $m matches"
t0="$(date +%s)"
cookie="$("$target/release/examples/console_seed" "$work/data" "$work/site/catalog.json" "$n" "$m" "$staff")"
echo "   seeded in $(( $(date +%s) - t0 )) s"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
MIKKE_CATALOG="$work/site/catalog.json" MIKKE_DATA_DIR="$work/data" MIKKE_PORT="$port" \
  MIKKE_MAIL_BUNDLE="$work/private/mail.json" MIKKE_MAIL_DIR="$work/mail" RUST_LOG=warn \
  "$target/release/handler" >"$work/server.log" 2>&1 &
server=$!
until curl -fs "http://127.0.0.1:$port/api/health" >/dev/null; do sleep 0.05; done
app="20261206-a$(printf '%07d' $(( n - 1 )))"
printf '%-34s %8s %8s %8s\n' "page" "p50 ms" "p99 ms" "req/s"
for path in /staff/ /staff/applications "/staff/applications/$app" /staff/propose /staff/inquiries \
  /staff/matches /staff/sheets "/staff/report?from=2026-01-01" /staff/mail; do
  code="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "http://127.0.0.1:$port$path")"
  [ "$code" = 200 ] || { echo "$path answered $code" >&2; cat "$work/server.log" >&2; exit 1; }
  wrk -t1 -c1 -d"${seconds}s" --latency -H "Cookie: $cookie" "http://127.0.0.1:$port$path" >"$work/wrk.txt"
  ms() { awk -v p="$1" '$1 == p { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.1f", v }' "$work/wrk.txt"; }
  rps="$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$work/wrk.txt")"
  printf '%-34s %8s %8s %8s\n' "$path" "$(ms 50%)" "$(ms 99%)" "$rps"
done
