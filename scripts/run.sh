#!/usr/bin/env bash
# One command, whole stack: builds the site into public/ and serves it together with the form
# API (POST /api/applications, /api/inquiries) on one local address, storing submissions in the
# SQLite store .mikke/data/mikke.sqlite (gitignored). The forms post to site.yaml's api_url (/api), the
# same relative URL the AWS deployment routes to the handler, so one build works in both places.
#
#   bash scripts/run.sh                 # http://127.0.0.1:8080
#   MIKKE_PORT=9000 bash scripts/run.sh
#
# Each stored application is logged on one line without personal data: its id, completeness,
# needs_call and the top suggested mentor with her score. The staff command works on the same
# store while the server runs (SQLite: several processes at once), in another terminal:
#   MIKKE_DATA_DIR=.mikke/data MIKKE_CATALOG=public/catalog.json cargo run -q -p handler --bin staff -- queue
#
# The local build leaves the AWS parts out (the handler's `aws` feature), so a fresh clone
# compiles in minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${MIKKE_PORT:-8080}"
out="${MIKKE_SITE_DIR:-public}"
data="${MIKKE_DATA_DIR:-.mikke/data}"
target="${CARGO_TARGET_DIR:-target}"

cargo build -q -p generator -p handler --bin generator --bin handler --bin staff
"$target/debug/generator" build --out "$out"
mkdir -p "$data"

export MIKKE_PORT="$port"
export MIKKE_SITE_DIR="$out"
export MIKKE_CATALOG="$out/catalog.json"
export MIKKE_DATA_DIR="$data"
export MIKKE_SITE_URL="${MIKKE_SITE_URL:-http://127.0.0.1:$port}"
export RUST_LOG="${RUST_LOG:-info,tower_http=warn}"

echo "mikke: http://127.0.0.1:$port/ (site and API; submissions stored in $data; Ctrl-C stops)"
echo "  staff tools, in another terminal (while this serves): MIKKE_DATA_DIR=$data MIKKE_CATALOG=$out/catalog.json cargo run -q -p handler --bin staff -- queue"
exec "$target/debug/handler"
