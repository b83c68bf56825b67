#!/usr/bin/env bash
# The store's speed, in one run (issue 12; figures in BENCHMARKS.md):
#
#   (a) the old JSON-lines journal (the last commit before SQLite, built in a worktree),
#   (b) SQLite, synchronous=FULL, one transaction per request (MIKKE_WRITE_BATCH=1),
#   (c) SQLite, synchronous=FULL, group commit (the default),
#
# each under `wrk -t2 -c32` on loopback, every request a distinct valid application: stored
# applications per second (counted in the store afterwards, not wrk's requests) and p50/p99;
# then process start to first answer, and `staff queue` over 100,000 stored applications
# (hyperfine). Release builds; the local build (no AWS parts).
#
#   bash bench/store/run.sh [seconds per load]        (default 10)
#   OLD_REV=<commit> bash bench/store/run.sh          (the journal build; default below)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-10}"
old_rev="${OLD_REV:-a8331f6}"
for tool in wrk hyperfine sqlite3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed: apt-get install $tool" >&2; exit 1; }
done
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
cargo build -q --release -p generator -p handler --bin generator --bin handler --bin staff
"$target/release/generator" build --out "$work/site" >/dev/null
catalog="$work/site/catalog.json"
old="$target/bench-old/target/release/handler"
if [ ! -x "$old" ]; then
  rm -rf "$target/bench-old/src"
  git worktree prune
  git worktree add -f --detach "$target/bench-old/src" "$old_rev" >/dev/null
  (cd "$target/bench-old/src" && CARGO_TARGET_DIR="$PWD/../target" cargo build -q --release -p handler --bin handler)
fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

# start BINARY DATA_DIR [VAR=VALUE...]: serves on $port; sets $started_ms, from exec to the
# first answer.
started_ms=0
start() {
  local binary="$1" data="$2"
  shift 2
  local t0
  t0="$(date +%s%N)"
  env MIKKE_CATALOG="$catalog" MIKKE_DATA_DIR="$data" MIKKE_PORT="$port" MIKKE_RATE_LIMIT=1000000 \
    RUST_LOG=warn "$@" "$binary" >>"$work/server.log" 2>&1 &
  server=$!
  until exec 3<>"/dev/tcp/127.0.0.1/$port"; do sleep 0.001; done 2>/dev/null
  printf 'GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
  head -c 12 <&3 >/dev/null
  exec 3<&-
  started_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }

# load NAME BINARY [VAR=VALUE...]
load() {
  local name="$1" binary="$2"
  shift 2
  local data="$work/data-$name"
  mkdir -p "$data"
  start "$binary" "$data" "$@"
  wrk -t2 -c32 -d"${seconds}s" --latency -s bench/store/applications.lua "http://127.0.0.1:$port" \
    >"$work/wrk-$name.txt"
  stop
  local stored
  if [ -f "$data/mikke.sqlite" ]; then
    stored="$(sqlite3 "$data/mikke.sqlite" "SELECT count(*) FROM records WHERE kind = 'application'")"
  else
    stored="$(grep -c '"op":"put"' "$data/journal.jsonl")"
  fi
  local answered latency
  answered="$(awk '/requests in/ {print $1}' "$work/wrk-$name.txt")"
  latency="$(grep '^p50' "$work/wrk-$name.txt")"
  printf '%-34s %8d stored/s  (%d stored, %d answered)  %s  start→first answer %d ms\n' \
    "$name" $((stored / seconds)) "$stored" "$answered" "$latency" "$started_ms"
}

echo "== load: wrk -t2 -c32 -d${seconds}s, $(nproc) cores, $(date -u +%FT%TZ)"
load "a-journal(no-fsync)" "$old"
load "b-sqlite-full-txn-per-request" "$target/release/handler" MIKKE_WRITE_BATCH=1
load "c-sqlite-full-group-commit" "$target/release/handler"

echo "== staff queue over 100,000 stored applications"
data="$work/data-queue"
mkdir -p "$data"
start "$target/release/handler" "$data"
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$port/api/applications" \
  --data '{"name":"ベンチ 花子","email":"bench@example.jp","age_band":"30s","industry":"it","company_size":"sme","job_function":"engineering","situations":["raising_children"],"topics":["leadership","confidence"],"preferences":["same_industry","sme"],"plan":"standard","applicant_type":"individual","consent":true,"submission_id":"queue-seed-0001"}'
stop
# 99,999 copies of the real stored application under fresh ids and times, in one statement.
sqlite3 "$data/mikke.sqlite" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
  INSERT INTO records (kind, id, status, created_at, expires_at, body)
  SELECT 'application', printf('20261202-q%07d', i), CASE WHEN i % 5 = 0 THEN 'needs_call' ELSE 'received' END,
         strftime('%Y-%m-%dT%H:%M:%S.000000000Z', 'now', printf('-%d seconds', i)), r.expires_at, r.body
  FROM n, (SELECT expires_at, body FROM records LIMIT 1) r;"
echo "applications: $(sqlite3 "$data/mikke.sqlite" "SELECT count(*) FROM records"), file $(du -h "$data/mikke.sqlite" | cut -f1)"
MIKKE_CATALOG="$catalog" MIKKE_DATA_DIR="$data" hyperfine -N --warmup 3 --runs 20 \
  "$target/release/staff queue" "$target/release/staff queue --limit 20" 2>&1 | grep -E 'Benchmark|Time|Range'
