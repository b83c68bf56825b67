#!/usr/bin/env bash
# Mail's cost (issue 13; figures in BENCHMARKS.md), in one run:
#
#   1. POST /api/applications under `wrk -t2 -c32` on loopback, notifications OFF (the last
#      commit before the outbox, built in a worktree) and ON (this build: every application
#      writes its two outbox entries in its transaction, and the server's sender delivers them
#      to a real SMTP server — aiosmtpd — at the default pace), alternated ROUNDS times each:
#      stored applications/s (counted in the store) and p99; medians and the ratio.
#   2. The sender's own speed: an outbox of N mails to distinct addresses (caps lifted),
#      sent by `staff mail --send` with no pacing (MIKKE_MAIL_RATE=0) to aiosmtpd: mails/s.
#
#   bash bench/mail/run.sh [seconds per load] [rounds] [mails]     (default 10 3 2000)
#   OFF_REV=<commit> bash bench/mail/run.sh                         (the baseline build)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-10}"
rounds="${2:-3}"
mails="${3:-2000}"
off_rev="${OFF_REV:-048f824}"
for tool in wrk sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed: apt-get install $tool" >&2; exit 1; }
done
python3 -c 'import aiosmtpd' || { echo "aiosmtpd is needed: bash scripts/install-test-deps.sh" >&2; exit 1; }
target="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
server=""
catcher=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  [ -n "$catcher" ] && kill "$catcher" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "== building (release)"
cargo build -q --release -p generator -p handler --bin generator --bin handler --bin staff
"$target/release/generator" build --out "$work/site" --private-out "$work/private" >/dev/null
catalog="$work/site/catalog.json"
bundle="$work/private/mail.json"
off="$target/bench-mail-off/target/release/handler"
if [ ! -x "$off" ]; then
  rm -rf "$target/bench-mail-off/src"
  git worktree prune
  git worktree add -f --detach "$target/bench-mail-off/src" "$off_rev" >/dev/null
  (cd "$target/bench-mail-off/src" && CARGO_TARGET_DIR="$PWD/../target" cargo build -q --release -p handler --bin handler)
fi

smtp_port="$(free_port)"
python3 scripts/mail-catcher.py --port "$smtp_port" --dir "$work/caught" >/dev/null &
catcher=$!
port="$(free_port)"

start() { # BINARY DATA_DIR [VAR=VALUE...]
  local binary="$1" data="$2"
  shift 2
  env MIKKE_CATALOG="$catalog" MIKKE_DATA_DIR="$data" MIKKE_PORT="$port" MIKKE_RATE_LIMIT=1000000 \
    MIKKE_MAIL_BUNDLE="$bundle" MIKKE_SMTP_URL="smtp://127.0.0.1:$smtp_port" \
    RUST_LOG=warn "$@" "$binary" >>"$work/server.log" 2>&1 &
  server=$!
  until exec 3<>"/dev/tcp/127.0.0.1/$port"; do sleep 0.01; done 2>/dev/null
  exec 3<&-
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }

results="$work/results.tsv"
load() { # NAME BINARY
  local name="$1" binary="$2" data="$work/data-$1-$RANDOM"
  start "$binary" "$data"
  local out
  out="$(wrk -t2 -c32 -d"${seconds}s" --latency -s bench/store/applications.lua "http://127.0.0.1:$port")"
  sleep 1
  local stored p99 outbox sent
  stored="$(sqlite3 -readonly "$data/mikke.sqlite" "SELECT count(*) FROM records")"
  outbox="$(sqlite3 -readonly "$data/mikke.sqlite" "SELECT count(*) FROM outbox" 2>/dev/null || echo 0)"
  sent="$(sqlite3 -readonly "$data/mikke.sqlite" "SELECT count(*) FROM outbox WHERE status IN ('sent','suppressed')" 2>/dev/null || echo 0)"
  p99="$(echo "$out" | awk '$1 == "99%" { print $2 }')"
  stop
  printf '%s\t%.0f\t%s\t%s\t%s\n' "$name" "$(echo "$stored / $seconds" | bc -l)" "$p99" "$outbox" "$sent" | tee -a "$results"
}

echo "== POST /api/applications, wrk -t2 -c32, ${seconds}s each, alternating (stored/s, p99, outbox rows, sent or capped)"
for i in $(seq "$rounds"); do
  load off "$off"
  load on "$target/release/handler"
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
def ms(t):
    return float(t[:-2]) if t.endswith("ms") else float(t[:-1]) * 1000 if t.endswith("s") else float(t[:-2]) / 1000
med = {}
for name in ("off", "on"):
    rs = [r for r in rows if r[0] == name]
    med[name] = (statistics.median(float(r[1]) for r in rs), statistics.median(ms(r[2]) for r in rs))
    print(f"{name}: median {med[name][0]:.0f} stored/s, p99 {med[name][1]:.1f} ms")
print(f"on/off: throughput {med['on'][0] / med['off'][0]:.3f}, p99 {med['on'][1] / med['off'][1]:.3f}")
PY

echo "== the sender alone: $mails mails to distinct addresses, staff mail --send, MIKKE_MAIL_RATE=0"
python3 - "$bundle" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
b["settings"]["receipt_daily_cap"] = 10_000_000
json.dump(b, open(sys.argv[1], "w"))
PY
data="$work/data-sender"
# Filled by the server with its sender paced to 1 mail/s, so the entries wait.
start "$target/release/handler" "$data" MIKKE_MAIL_RATE=1
wrk -t2 -c8 -d60s -s bench/mail/distinct.lua "http://127.0.0.1:$port" >/dev/null &
wrk_pid=$!
until [ "$(sqlite3 -readonly "$data/mikke.sqlite" "SELECT count(*) FROM outbox" 2>/dev/null || echo 0)" -ge "$mails" ]; do sleep 0.2; done
kill "$wrk_pid" 2>/dev/null || true
wait "$wrk_pid" 2>/dev/null || true
stop
sqlite3 "$data/mikke.sqlite" "UPDATE outbox SET status = 'pending', due_at = 0, attempts = 0 WHERE status IN ('pending', 'sending')"
waiting="$(sqlite3 -readonly "$data/mikke.sqlite" "SELECT count(*) FROM outbox WHERE status = 'pending'")"
before="$(ls "$work/caught" | wc -l)"
t0="$(date +%s%N)"
env MIKKE_CATALOG="$catalog" MIKKE_DATA_DIR="$data" MIKKE_MAIL_BUNDLE="$bundle" \
  MIKKE_SMTP_URL="smtp://127.0.0.1:$smtp_port" MIKKE_MAIL_RATE=0 "$target/release/staff" mail --send
t1="$(date +%s%N)"
after="$(ls "$work/caught" | wc -l)"
python3 -c "import sys; n=int(sys.argv[1]); s=(int(sys.argv[3])-int(sys.argv[2]))/1e9; print(f'sender: {n} mails (of {sys.argv[4]} waiting) in {s:.2f} s = {n/s:.0f} mails/s')" \
  "$((after - before))" "$t0" "$t1" "$waiting"
