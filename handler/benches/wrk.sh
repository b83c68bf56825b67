#!/usr/bin/env bash
# Load test of the local server (embedded store) on loopback with wrk (Debian `wrk`):
# stored applications per second with p99 latency, and process start to first answer.
#
#   handler/benches/wrk.sh [duration-seconds]     (builds the release binary and a catalog)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration="${1:-10}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

cargo build -q --release -p handler --bin handler
# MIKKE_CATALOG set: use that catalog; otherwise build the sample site's.
if [ -z "${MIKKE_CATALOG:-}" ]; then
  cargo run -q --release -p generator --bin generator -- build --out "$work/site" >/dev/null
  MIKKE_CATALOG="$work/site/catalog.json"
fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

export MIKKE_CATALOG MIKKE_DATA_DIR="$work/data" MIKKE_PORT="$port" \
  MIKKE_RATE_LIMIT=1000000 RUST_LOG=warn

# Start-up: from exec to the first answered request (a bash /dev/tcp poll, no process per try).
start_ns="$(date +%s%N)"
"${CARGO_TARGET_DIR:-target}/release/handler" & server=$!
until exec 3<>"/dev/tcp/127.0.0.1/$port"; do sleep 0.001; done 2>/dev/null
printf 'GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
head -c 12 <&3 >/dev/null; exec 3<&-
echo "start to first answer: $(( ($(date +%s%N) - start_ns) / 1000000 )) ms"

wrk -t2 -c32 -d"${duration}s" --latency -s handler/benches/wrk-applications.lua "http://127.0.0.1:$port" | tee "$work/wrk.txt"
kill "$server"; wait "$server" 2>/dev/null || true; server=""
stored="$(grep -c '"op":"put"' "$work/data/"*.jsonl 2>/dev/null || true)"
echo "applications stored: ${stored:-see data dir}"
