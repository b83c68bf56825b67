#!/usr/bin/env bash
# kill -9 of the local server under load (issue 12): every application answered 201 before the
# kill is stored exactly once, and retrying the unanswered ones with their submission_id stores
# each exactly once; every stored application has exactly its two outbox entries (receipt,
# staff notice: written in its transaction, issue 13) and no entry lacks its application.
# Loopback only; stops by itself. Mail goes to .eml files in the data directory.
#
#   bash scripts/crash-test.sh [seconds of load before the kill]    (default 3)
#
# Builds exactly what the browser tests build next (tests/e2e/lib/stack.js and harness.js: the
# same packages and features), so in scripts/test.sh their builds find nothing left to do.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-3}"
target="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build -q --all-features -p handler --bin handler --bin staff
cargo run -q -p generator --bin generator -- build --out "$work/site" --private-out "$work/private" >/dev/null
MIKKE_MAIL_BUNDLE="$work/private/mail.json" python3 scripts/crash_load.py "$target/debug/handler" "$work/site/catalog.json" "$seconds"
