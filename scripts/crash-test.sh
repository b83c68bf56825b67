#!/usr/bin/env bash
# kill -9 of the local server under load (issue 12): every application answered 201 before the
# kill is stored exactly once, and retrying the unanswered ones with their submission_id stores
# each exactly once. Loopback only; stops by itself.
#
#   bash scripts/crash-test.sh [seconds of load before the kill]    (default 3)
#
# Uses the debug build `cargo test --workspace --all-features` makes (scripts/test.sh runs this
# after it), so nothing is compiled twice in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-3}"
target="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build -q --all-features -p generator -p handler --bin generator --bin handler
"$target/debug/generator" build --out "$work/site" >/dev/null
python3 scripts/crash_load.py "$target/debug/handler" "$work/site/catalog.json" "$seconds"
