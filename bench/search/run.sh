#!/usr/bin/env bash
# Search benchmark: mikke's directory index vs Pagefind on the same synthetic site.
#
#   bash bench/search/run.sh [COUNT]          (default 10000)
#
# 1. writes COUNT synthetic profiles with the synth binary (deterministic, seed 1) and builds
#    them with the release `generator build` (median of 3 wall times);
# 2. times `search::build_index` alone on the same content (examples/search_index_timing.rs):
#    the build time the index adds;
# 3. runs Pagefind 1.6 (npm `pagefind@1.6.0`, extended build with CJK segmentation) on the built
#    profile pages (`--glob 'mentors/**/*.html'`, the same 10,000 documents) and times it;
# 4. drives headless chromium (measure.js) for each query: bytes a first query transfers
#    (gzip as a static host serves them, script included), keystroke → rendered results,
#    and the same for Pagefind's JS API (search + the first 5 results' data); steady.js then
#    times results → results with shards cached (the search work alone); page.js loads the
#    page itself (every card server-rendered) at 360 px with JS on and off;
# 5. index size on disk and file count for both.
# Writes bench/out/search/results.md and .json. Figures go to BENCHMARKS.md; not a test.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
COUNT=${1:-10000}
WORK=${BENCH_OUT:-$REPO/bench/out/search}
QUERIES=(育休 理系 "営業 管理職" マネージャー ｴﾝｼﾞﾆｱ 女性初の管理職)

if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
npm --prefix tests/e2e install --no-audit --no-fund --silent
npm --prefix bench/search install --no-audit --no-fund --silent

echo "building the release generator, synth and timing example…" >&2
cargo build --release -q -p generator --bins --examples
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
GEN=$TARGET/release/generator
mkdir -p "$WORK"
rm -rf "$WORK/root" "$WORK/site"
"$TARGET/release/synth" --count "$COUNT" --out "$WORK/root" >/dev/null

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
builds=()
for _ in 1 2 3; do
    rm -rf "$WORK/site"
    t=$(date +%s%N); "$GEN" build --root "$WORK/root" --out "$WORK/site" >/dev/null; builds+=("$(ms "$t")")
done
BUILD_MS=$(printf '%s\n' "${builds[@]}" | sort -n | sed -n 2p)
INDEX_LINE=$("$TARGET/release/examples/search_index_timing" "$WORK/root" 5)
INDEX_MS=$(sed 's/.*index_ms_median=\([0-9.]*\).*/\1/' <<<"$INDEX_LINE")
MIKKE_BYTES=$(du -sb "$WORK/site/search" | cut -f1)
MIKKE_FILES=$(find "$WORK/site/search" -type f | wc -l)

t=$(date +%s%N)
(cd bench/search && npx pagefind --site "$WORK/site" --glob 'mentors/**/*.html' --silent)
PAGEFIND_MS=$(ms "$t")
PF_BYTES=$(du -sb "$WORK/site/pagefind" | cut -f1)
PF_FILES=$(find "$WORK/site/pagefind" -type f | wc -l)

node bench/search/measure.js "$WORK/site" "${QUERIES[@]}" > "$WORK/measure.json"
# Results → results with everything cached: the search work alone, without the 10,000-card swap.
node bench/search/steady.js "$WORK/site" "${QUERIES[@]}" > "$WORK/steady.json"
# The page itself: every mentor server-rendered (the no-JS list), loaded at 360 px.
node bench/search/page.js "$WORK/site" 5 > "$WORK/page.json"

node - "$WORK/measure.json" <<JS > "$WORK/results.md"
const m = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const kb = (b) => (b / 1024).toFixed(1);
const f1 = (x) => x.toFixed(1);
console.log('# Search benchmark: $COUNT synthetic profiles');
console.log('');
console.log('machine: ' + require('os').cpus().length + ' cores, ' + require('os').cpus()[0].model + ', chromium ' + '$(/usr/bin/chromium --version 2>/dev/null | grep -o "[0-9][0-9.]*" | head -1)');
console.log('');
console.log('| | mikke | Pagefind 1.6 (extended) |');
console.log('|---|---|---|');
console.log('| index on disk | ' + kb($MIKKE_BYTES) + ' KB in $MIKKE_FILES files | ' + kb($PF_BYTES) + ' KB in $PF_FILES files |');
console.log('| index build time | $INDEX_MS ms (search::build_index) of $BUILD_MS ms full generator build | $PAGEFIND_MS ms (pagefind CLI, separate step) |');
console.log('');
console.log('| query | mikke hits (first answer) | mikke KB until results shown | KB first query incl. shown counts (files) | KB with all 7 facets\' counts (files) | + confirmation KB (position bits, exact positions) | of which snippet KB | keystroke→rendered ms (cold / to next frame) | → confirmed ms (to frame) | warm / clear→full list ms (to frame) | of which after data ms (cold) | Pagefind hits | Pagefind KB (files) | Pagefind search ms / +5 results ms |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
m.mikke.forEach((r, i) => {
  const p = m.pagefind[i] || {};
  const pf = p.error ? ['error: ' + p.error.replace(/\|/g, '/'), '-', '-'] : [p.count ?? '-', p.bytesFirstQuery ? kb(p.bytesFirstQuery) + ' (' + p.filesFirstQuery + ')' : '-', p.msSearch ? f1(p.msSearch) + ' / ' + f1(p.msWithFragments) : '-'];
  console.log('| ' + r.query + ' | ' + r.count + (r.countFirst !== r.count ? ' (' + r.countFirst + ')' : '') + ' | ' + kb(r.bytesToResults) + ' | ' + kb(r.bytesFirstQuery) + ' (' + r.filesFirstQuery + ') | ' + kb(r.bytesAllCounts) + ' (' + r.filesAllCounts + ') | ' + kb(r.bytesConfirm) + ' | ' + kb(r.bytesSnippets) + ' | ' + f1(r.msKeystrokeToRendered) + ' / ' + f1(r.msToFrame) + ' | ' + f1(r.msToFinal) + ' | ' + f1(r.msWarmToFrame) + ' / ' + f1(r.msClearToFrame) + ' | ' + f1(r.msAfterData) + ' | ' + pf.join(' | ') + ' |');
});
JS
echo "steady state (results → results, cached): $(cat "$WORK/steady.json")" >> "$WORK/results.md"
echo "directory page at 360 px, medians of 5 loads (ms; CDP layout/style time): $(tr -d ' \n' < "$WORK/page.json")" >> "$WORK/results.md"
cat "$WORK/results.md"
echo "index timing: $INDEX_LINE; builds ms: ${builds[*]}; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
