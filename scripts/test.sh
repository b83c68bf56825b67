#!/usr/bin/env bash
# The README's test command: everything CI checks except the lint gates.
# Installs missing test dependencies first (moto_server, Chromium, npm packages).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

echo "== cargo test (unit, integration, moto_server store suite)"
cargo test --workspace

if [ -f tests/e2e/package.json ]; then
  echo "== browser tests (headless Chromium)"
  npm --prefix tests/e2e test
fi
