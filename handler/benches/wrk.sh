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
cargo run -q --release -p generator --bin generator -- build --out "$work/site" >/dev/null
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

export MIKKE_CATALOG="$work/site/catalog.json" MIKKE_DATA_DIR="$work/data" MIKKE_PORT="$port" \
  MIKKE_RATE_LIMIT=100000000 RUST_LOG=warn

# Start-up: from exec to the first answered request, polled every millisecond.
start_ns="$(date +%s%N)"
target/release/handler & server=$!
until curl -s -o /dev/null "http://127.0.0.1:$port/api/health"; do sleep 0.001; done
echo "start to first answer: $(( ($(date +%s%N) - start_ns) / 1000000 )) ms"

wrk -t2 -c32 -d"${duration}s" --latency -s handler/benches/wrk-applications.lua "http://127.0.0.1:$port" | tee "$work/wrk.txt"
kill "$server"; wait "$server" 2>/dev/null || true; server=""
stored="$(grep -c '"op":"put"' "$work/data/"*.jsonl 2>/dev/null || true)"
echo "applications stored: ${stored:-see data dir}"
