#!/usr/bin/env bash
# What readings, aliases and the typo word list cost (issue 17): the same COUNT synthetic
# profiles built twice, without and with `name_kana` (synth --readings), the sample taxonomy's
# aliases in both; for each, the index on disk and, in headless chromium (measure.js), the
# bytes and time of a first query by label, alias, name, reading, romaji and a typo.
#
#   bash bench/search/readings.sh [COUNT]     (default 10000)
#
# Writes bench/out/readings/results.md; the figures go to BENCHMARKS.md. Not a test.
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${1:-10000}
WORK=${BENCH_OUT:-$PWD/bench/out/readings}
QUERIES=(育休 かんりしょく 高橋 たかはし takahashi engneer)
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
npm --prefix tests/e2e install --no-audit --no-fund --silent
cargo build --release -q -p generator --bins
rm -rf "$WORK" && mkdir -p "$WORK"
{
  echo "# Readings, aliases and typo words at $COUNT profiles"
  echo
  echo "| build | index bytes | files | meta.json | words.bin | query | results | first-query bytes | ms after data |"
  echo "|---|---:|---:|---:|---:|---|---:|---:|---:|"
} > "$WORK/results.md"
for mode in plain readings; do
  flag=(); [ "$mode" = readings ] && flag=(--readings)
  "$TARGET/release/synth" --count "$COUNT" --out "$WORK/$mode/root" "${flag[@]}" >/dev/null
  "$TARGET/release/generator" build --root "$WORK/$mode/root" --out "$WORK/$mode/site" \
    --private-out "$WORK/$mode/private" >/dev/null
  index=$(du -sb "$WORK/$mode/site/search" | cut -f1)
  files=$(find "$WORK/$mode/site/search" -type f | wc -l)
  meta=$(stat -c %s "$WORK/$mode/site/search/meta.json")
  words=$(stat -c %s "$WORK/$mode/site/search/words.bin" 2>/dev/null || echo 0)
  node bench/search/measure.js "$WORK/$mode/site" "${QUERIES[@]}" > "$WORK/$mode/measure.json"
  node - "$WORK/$mode/measure.json" "$mode" "$index" "$files" "$meta" "$words" <<'JS' >> "$WORK/results.md"
const [file, mode, index, files, meta, words] = process.argv.slice(2);
const { mikke } = JSON.parse(require('node:fs').readFileSync(file, 'utf8'));
for (const r of mikke) {
  console.log(`| ${mode} | ${index} | ${files} | ${meta} | ${words} | ${r.query} | ${r.count} | ${r.bytesFirstQuery} | ${r.msAfterData.toFixed(1)} |`);
}
JS
done
cat "$WORK/results.md"
