#!/usr/bin/env bash
# Benchmark: `generator serve` — one profile saved → the reload event browsers listen for.
#
#   bash bench/serve.sh [COUNT] [EDITS]        (defaults: 10000 profiles, 7 edits)
#
# Writes COUNT synthetic profiles (synth, seed 1), starts the release `generator serve` on a
# free loopback port, waits for its first build, then EDITS times: appends a sentence to a
# profile's bio (a different mentor each time), and times from the write to the `event:
# reload` line on /__livereload (what a browser waits for; the 40 ms debounce included).
# Between edits it waits for the search index to follow. Prints every time and the median;
# the serve log shows the quick path's "Updated … in N ms" lines. Figures go to BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
COUNT=${1:-10000}
EDITS=${2:-7}
WORK=${BENCH_OUT:-$REPO/bench/out/serve}
TARGET=${CARGO_TARGET_DIR:-$REPO/target}

cargo build --release -q -p generator --bins
rm -rf "$WORK" && mkdir -p "$WORK"
"$TARGET/release/synth" --count "$COUNT" --out "$WORK/root" --seed 1 >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$TARGET/release/generator" serve --root "$WORK/root" --port "$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT

python3 - "$PORT" "$WORK/root" "$EDITS" "$COUNT" <<'PY'
import socket, statistics, sys, time, urllib.request
port, root, edits, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
deadline = time.time() + 600
while True:  # the first build
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("the preview never served its first build")
        time.sleep(0.2)
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET /__livereload HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
f = s.makefile("rb")
while f.readline() not in (b"\r\n", b"\n"):
    pass
times = []
for i in range(edits):
    slug = f"m{1 + (i * 997) % count:05d}"
    path = f"{root}/content/mentors/{slug}.md"
    text = open(path, encoding="utf-8").read() + f"\n編集{i}回目の一文です。\n"
    t0 = time.perf_counter()
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
    while f.readline().strip() != b"event: reload":
        pass
    times.append((time.perf_counter() - t0) * 1000)
    print(f"edit {i + 1} ({slug}): {times[-1]:.0f} ms to the reload event", flush=True)
    time.sleep(3)  # the index follows before the next edit
print(f"median {statistics.median(times):.0f} ms over {edits} edits at {count} profiles")
PY
grep -E "^(Built|Updated)" "$WORK/serve.log" | tail -n "$((EDITS + 1))"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
