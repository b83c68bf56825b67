#!/usr/bin/env bash
# A newcomer's wait (issue 12): fresh clone → `bash scripts/run.sh` serving, from an empty cargo
# cache (a new CARGO_HOME: every crate downloaded and compiled) and an empty target directory.
# Prints the seconds until /api/health answers, then stops the server. Figures: BENCHMARKS.md.
#
#   bash bench/fresh-clone.sh [REV]        (default HEAD)
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:-HEAD}"
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill -- "-$server" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

git clone -q --no-local . "$work/mikke"
git -C "$work/mikke" checkout -q "$rev"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
echo "fresh clone of $(git rev-parse --short "$rev"), empty CARGO_HOME and target, $(nproc) cores, $(date -u +%FT%TZ)"
start="$(date +%s)"
# Its own process group, so the server it execs is stopped with it.
setsid env CARGO_HOME="$work/cargo-home" CARGO_TARGET_DIR="$work/target" MIKKE_PORT="$port" \
  MIKKE_DATA_DIR="$work/data" bash "$work/mikke/scripts/run.sh" >"$work/run.log" 2>&1 &
server=$!
until curl -sf -o /dev/null "http://127.0.0.1:$port/api/health"; do
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$work/run.log" >&2
    echo "scripts/run.sh stopped before serving" >&2
    exit 1
  fi
  sleep 1
done
echo "serving after $(( $(date +%s) - start )) s (crates downloaded: $(ls "$work/cargo-home/registry/cache/"*/ | wc -l))"
