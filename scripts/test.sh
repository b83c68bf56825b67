#!/usr/bin/env bash
# The README's test command: everything CI checks except the lint gates.
# Installs missing test dependencies first (moto_server, Chromium, npm packages).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

# --all-features: the AWS parts too (handler `aws`, store `dynamo`), which the local build
# (scripts/run.sh) leaves out.
echo "== cargo test (unit, integration, store suite on SQLite and moto_server)"
cargo test --workspace --all-features

echo "== crash test (kill -9 under load: every acknowledged application kept exactly once)"
bash scripts/crash-test.sh 3

if [ -f tests/e2e/package.json ]; then
  echo "== browser tests (headless Chromium)"
  npm --prefix tests/e2e test
fi
