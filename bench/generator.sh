#!/usr/bin/env bash
# Benchmark: `generator build` against Hugo on the same synthetic mentor profiles.
#
#   bash bench/generator.sh [COUNT...]        (default: 1000 10000; RUNS=3 runs each)
#
# For each COUNT it writes a content root with the synth binary (deterministic, seed 1), then
# times, RUNS times each and into a fresh output directory every time:
#   - mikke: `generator build --root ROOT --out OUT` — everything: directory, profile pages,
#     content pages, facet pages, search index, catalog.json, sitemap, 404;
#   - Hugo:  `hugo --quiet -s SITE -d OUT` on the SAME Markdown files with bench/hugo-site/
#     (the directory list + one page per profile only; no taxonomies, RSS or sitemap).
# Every run writes into a directory of its own that no earlier run used, and nothing (inputs,
# outputs) is removed until the script ends: this disk (ext4 without a journal) skips inodes freed in
# the last minutes when it allocates new ones, so a run right after `rm -rf` of the previous
# run's 10,000s of files spent most of its time in the kernel (`recently_deleted`) and each
# run came out slower than the one before, for both tools.
# The tools alternate run by run. Wall time is measured around the process (date +%s%N); CPU
# time (user+sys) and peak memory ("Maximum resident set size") come from /usr/bin/time -v.
# CPU time is the figure to trust on a busy machine. The table reports medians of the runs. Output: a Markdown table and a machine line, on stdout and in bench/out/generator/.
# Figures go to BENCHMARKS.md; nothing here is a test.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
WORK=${BENCH_OUT:-$REPO/bench/out/generator}
RUNS=${RUNS:-3}
if [ $# -gt 0 ]; then COUNTS=("$@"); else COUNTS=(1000 10000); fi

need_apt() { # need_apt PACKAGE: installs a Debian package (as root) when its tool is missing
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
    else
        echo "bench/generator.sh: please install the Debian package '$1' (apt-get install $1)" >&2
        exit 2
    fi
}
[ -x /usr/bin/time ] || need_apt time
command -v hugo >/dev/null || need_apt hugo

echo "building the release generator and synth…" >&2
cargo build --release -q -p generator --bins
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
GEN=$TARGET/release/generator
SYNTH=$TARGET/release/synth

mkdir -p "$WORK"
# Inputs and outputs of this invocation, removed when it ends (see "Every run" below).
rm -rf "$WORK"/scratch-* "$WORK"/public-* "$WORK"/root-* "$WORK"/hugo-site-* # an interrupted run's
SCRATCH=$WORK/scratch-$$
mkdir -p "$SCRATCH"
trap 'rm -rf "$SCRATCH"' EXIT
RESULTS=$WORK/results.md
: >"$WORK/raw.tsv"

# run_once TOOL COUNT RUN OUTDIR CMD...: one timed run into a fresh OUTDIR, one line in raw.tsv
run_once() {
    local tool=$1 count=$2 run=$3 out=$4
    shift 4
    local log=$WORK/time-$tool-$count-$run.txt err=$WORK/stderr-$tool-$count.txt
    local start end
    start=$(date +%s%N)
    if ! /usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$err"; then
        echo "$tool failed on $count profiles:" >&2
        cat "$err" >&2
        exit 1
    fi
    end=$(date +%s%N)
    local wall_ms=$(((end - start) / 1000000)) rss_kb cpu_s html bytes
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    cpu_s=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$log")
    html=$(find "$out" -name '*.html' | wc -l)
    # Bytes of the files written (directories' own blocks not counted).
    bytes=$(find "$out" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$count" "$tool" "$wall_ms" "$rss_kb" "$html" "$cpu_s" "$bytes" >>"$WORK/raw.tsv"
    echo "  $tool $count run $run: ${wall_ms} ms wall, ${cpu_s} s CPU, $((rss_kb / 1024)) MB, $html HTML files, $((bytes / 1000000)) MB written" >&2
}

for count in "${COUNTS[@]}"; do
    root=$SCRATCH/root-$count
    echo "writing $count synthetic profiles…" >&2
    "$SYNTH" --count "$count" --out "$root" --seed 1 >/dev/null

    # Hugo's work copy: our layouts + the same mentor files + the taxonomy for labels.
    site=$SCRATCH/hugo-site-$count
    cp -r bench/hugo-site "$site"
    mkdir -p "$site/content" "$site/data" "$site/static"
    cp -r "$root/content/mentors" "$site/content/mentors"
    cp "$root/content/taxonomy.yaml" "$site/data/taxonomy.yaml"
    [ -d "$root/templates/static" ] && cp -r "$root/templates/static" "$site/static/static"

    # Alternating the tools spreads any load from other processes over both.
    for ((run = 1; run <= RUNS; run++)); do
        run_once mikke "$count" "$run" "$SCRATCH/public-mikke-$count-$run" \
            "$GEN" build --root "$root" --out "$SCRATCH/public-mikke-$count-$run"
        run_once hugo "$count" "$run" "$SCRATCH/public-hugo-$count-$run" \
            hugo --quiet -s "$site" -d "$SCRATCH/public-hugo-$count-$run"
    done
done

# The memory ceiling (issue 16): mikke's peak RSS at most 200 MB up to 10,000 profiles and
# 1 GB up to 100,000. A run over it fails the benchmark (not a test: CI does not build 100,000).
ceiling_mb() { if [ "$1" -le 10000 ]; then echo 200; elif [ "$1" -le 100000 ]; then echo 1024; else echo 0; fi; }
over=0
while IFS=$'\t' read -r count tool _ rss_kb _; do
    limit=$(ceiling_mb "$count")
    if [ "$tool" = mikke ] && [ "$limit" -gt 0 ] && [ $((rss_kb / 1024)) -gt "$limit" ]; then
        echo "OVER THE CEILING: mikke at $count profiles peaked at $((rss_kb / 1024)) MB (ceiling $limit MB)" >&2
        over=1
    fi
done <"$WORK/raw.tsv"

# The table: median wall time and median peak RSS per (count, tool), and mikke/hugo ratios.
{
    echo "| profiles | tool | builds | median wall (s) | median CPU user+sys (s) | peak RSS (MB) | HTML files | MB written | wall mikke/hugo |"
    echo "|---:|---|---|---:|---:|---:|---:|---:|---:|"
    for count in "${COUNTS[@]}"; do
        for tool in mikke hugo; do
            awk -F'\t' -v c="$count" -v t="$tool" '$1 == c && $2 == t' "$WORK/raw.tsv" >"$WORK/sel.tsv"
            wall=$(cut -f3 "$WORK/sel.tsv" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
            rss=$(cut -f4 "$WORK/sel.tsv" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
            html=$(cut -f5 "$WORK/sel.tsv" | head -1)
            mb=$(cut -f7 "$WORK/sel.tsv" | head -1 | awk '{printf "%.1f", $1 / 1e6}')
            cpu=$(cut -f6 "$WORK/sel.tsv" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
            eval "wall_$tool=$wall"
            if [ "$tool" = mikke ]; then
                what="everything (pages, facets, search index, catalog)"
                ratio=""
            else
                what="list + profile pages"
                ratio=$(awk -v m="$wall_mikke" -v h="$wall" 'BEGIN {printf "%.2f", m / h}')
            fi
            printf '| %s | %s | %s | %.2f | %s | %.0f | %s | %s | %s |\n' "$count" "$tool" "$what" \
                "$(awk -v w="$wall" 'BEGIN {print w / 1000}')" "$cpu" "$(awk -v r="$rss" 'BEGIN {print r / 1024}')" "$html" "$mb" "$ratio"
        done
    done
    echo
    echo "Machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
        "$(awk '/MemTotal/ {printf "%.0f GB RAM", $2 / 1048576}' /proc/meminfo);" \
        "load average at end $(cut -d' ' -f1-3 /proc/loadavg);" \
        "$(hugo version | cut -d' ' -f1-2); $(rustc --version | cut -d' ' -f1-2);" \
        "runs per cell: $RUNS; $(date -u '+%Y-%m-%d %H:%M UTC')"
} | tee "$RESULTS"
rm -f "$WORK/sel.tsv"
exit "$over"
