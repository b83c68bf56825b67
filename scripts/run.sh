#!/usr/bin/env bash
# One command, whole stack: builds the site into public/ (and the private mail bundle into
# private/), starts the local mail catcher (a real SMTP server on 127.0.0.1 that keeps every
# message as a file in .mikke/mail/ and sends nothing anywhere), and serves the site together
# with the form API and the diary on one local address, storing everything in the SQLite store
# .mikke/data/mikke.sqlite (all of .mikke/ is gitignored). The forms post to site.yaml's api_url
# (/api), the same relative URL the AWS deployment routes to the handler.
#
#   bash scripts/run.sh                 # http://127.0.0.1:8080, mail on smtp://127.0.0.1:2525
#   MIKKE_PORT=9000 MIKKE_SMTP_PORT=2526 bash scripts/run.sh
#
# Each stored application is logged on one line without personal data (its id, completeness,
# needs_call, the top suggested mentor); each mail by its id and outcome. The staff command
# works on the same store and sends through the same catcher while the server runs, in another
# terminal — the line printed at start has the variables.
#
# The local build leaves the AWS parts out (the handler's `aws` feature), so a fresh clone
# compiles in minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${MIKKE_PORT:-8080}"
smtp_port="${MIKKE_SMTP_PORT:-2525}"
out="${MIKKE_SITE_DIR:-public}"
private="${MIKKE_PRIVATE_DIR:-private}"
data="${MIKKE_DATA_DIR:-.mikke/data}"
mail="${MIKKE_CAUGHT_MAIL_DIR:-.mikke/mail}"
target="${CARGO_TARGET_DIR:-target}"

python3 -c 'import aiosmtpd' 2>/dev/null || {
  echo "== installing the local mail catcher (aiosmtpd, PyPI)"
  python3 -m pip install --quiet aiosmtpd 2>/dev/null || python3 -m pip install --quiet --break-system-packages aiosmtpd
}
cargo build -q -p generator -p handler --bin generator --bin handler --bin staff
"$target/debug/generator" build --out "$out" --private-out "$private"
mkdir -p "$data" "$mail"

python3 scripts/mail-catcher.py --port "$smtp_port" --dir "$mail" >/dev/null &
catcher=$!
trap 'kill "$catcher" 2>/dev/null' EXIT

export MIKKE_PORT="$port"
export MIKKE_SITE_DIR="$out"
export MIKKE_CATALOG="$out/catalog.json"
export MIKKE_MAIL_BUNDLE="$private/mail.json"
export MIKKE_SMTP_URL="smtp://127.0.0.1:$smtp_port"
export MIKKE_DATA_DIR="$data"
export MIKKE_SITE_URL="${MIKKE_SITE_URL:-http://127.0.0.1:$port}"
export RUST_LOG="${RUST_LOG:-info,tower_http=warn}"

echo "mikke: http://127.0.0.1:$port/ (site, forms, diary; data in $data; Ctrl-C stops)"
echo "  mail: every message the service sends is kept in $mail/ (one .eml each; nothing leaves this machine)"
echo "  staff tools, in another terminal (while this serves):"
echo "    export MIKKE_DATA_DIR=$data MIKKE_CATALOG=$out/catalog.json MIKKE_MAIL_BUNDLE=$private/mail.json MIKKE_SMTP_URL=$MIKKE_SMTP_URL MIKKE_SITE_URL=$MIKKE_SITE_URL"
echo "    cargo run -q -p handler --bin staff -- queue      # then: show, assign, mail, sheets…"
"$target/debug/handler"
