#!/usr/bin/env bash
# Checks the deployment (issue 7), for CI (.ci/run) and before a deploy:
#   1. cfn-lint (PyPI) on deploy/template.yaml: no errors, no warnings; the CloudFront
#      function that maps /dir/ to /dir/index.html, run under node on public/'s pages;
#   2. builds dist/handler-lambda.zip (scripts/package.sh) unless --no-build;
#   3. `objdump -T bootstrap`: an x86-64 binary asking for no glibc symbol newer than
#      2.34 (Amazon Linux 2023, the provided.al2023 runtime);
#   4. scripts/lambda-smoke.py: runs that bootstrap in Lambda mode under a local Lambda
#      Runtime API emulator against moto_server, posts an application, checks it is
#      stored exactly once.
# The template/code agreement test is a cargo test (handler/tests/template_agrees.rs).
#
# Usage: scripts/check-deploy.sh [--lint-only | --no-build]
#   --lint-only  step 1 only (seconds; no build)
#   --no-build   steps 1, 3, 4 on the zip already in dist/
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
case "${1:-}" in
  "") ;;
  --lint-only) mode=lint ;;
  --no-build) mode=no-build ;;
  -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
  *) echo "check-deploy.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
esac

MAX_GLIBC=2.34
ZIP=dist/handler-lambda.zip

cfn_lint() {
  # The console script may not be on PATH after a user install: call its entry point.
  python3 -c 'import sys; from cfnlint.runner import main; sys.argv[0] = "cfn-lint"; sys.exit(main())' "$@"
}

echo "== cfn-lint deploy/template.yaml"
if ! python3 -c 'import cfnlint' >/dev/null 2>&1; then
  echo "   (installing cfn-lint from PyPI)"
  python3 -m pip install --quiet 'cfn-lint>=1,<2'
fi
cfn_lint --version
# Exit status: 0 clean; 2 errors, 4 warnings, 8 informational (bit flags). Fail on
# errors and warnings alike: a warning in a template is a deploy-time surprise.
cfn_lint --format parseable deploy/template.yaml
echo "   cfn-lint: no errors, no warnings"

echo "== CloudFront index rewrite (the template's viewer-request function, under node)"
if ! command -v node >/dev/null 2>&1; then
  echo "   (installing nodejs)"
  apt-get install -y -qq nodejs >/dev/null
fi
check_rewrite() {
  if [ -d public ]; then
    node scripts/check-index-rewrite.js deploy/template.yaml public
  else
    node scripts/check-index-rewrite.js deploy/template.yaml
  fi
}
check_rewrite
[ "$mode" = lint ] && exit 0

if [ "$mode" = full ]; then
  bash scripts/package.sh
  echo "== CloudFront index rewrite on the site just built"
  check_rewrite
fi
[ -f "$ZIP" ] || { echo "check-deploy.sh: $ZIP is missing (run scripts/package.sh)" >&2; exit 1; }

echo "== glibc symbols of the packaged bootstrap (at most GLIBC_$MAX_GLIBC)"
if ! command -v objdump >/dev/null 2>&1; then
  echo "   (installing binutils for objdump)"
  apt-get install -y -qq binutils >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("bootstrap", sys.argv[2])' "$ZIP" "$work"
if ! objdump -f "$work/bootstrap" | grep -q 'file format elf64-x86-64'; then
  echo "check-deploy.sh: bootstrap is not an x86-64 ELF binary" >&2
  objdump -f "$work/bootstrap" >&2 || true
  exit 1
fi
versions=$(objdump -T "$work/bootstrap" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -u -V)
newest=$(printf '%s\n' "$versions" | tail -n 1)
if [ -z "$newest" ]; then
  echo "check-deploy.sh: no GLIBC symbol versions found: is bootstrap dynamically linked against glibc?" >&2
  exit 1
fi
too_new=$(printf '%s\n' "$versions" | awk -v max="$MAX_GLIBC" '
  { split($0, v, "."); split(max, m, ".");
    if (v[1] + 0 > m[1] + 0 || (v[1] + 0 == m[1] + 0 && v[2] + 0 > m[2] + 0)) print $0 }')
if [ -n "$too_new" ]; then
  echo "check-deploy.sh: bootstrap needs glibc symbols newer than $MAX_GLIBC:" >&2
  objdump -T "$work/bootstrap" | grep -E "GLIBC_($(printf '%s' "$too_new" | tr '\n' '|' | sed 's/|$//; s/\./\\./g'))( |\))" >&2 || true
  exit 1
fi
echo "   newest glibc symbol: GLIBC_$newest (limit $MAX_GLIBC)"

echo "== Lambda-mode smoke test of $ZIP against moto_server"
if ! command -v moto_server >/dev/null 2>&1; then
  echo "   (installing moto[server] from PyPI)"
  python3 -m pip install --quiet 'moto[server]'
fi
python3 scripts/lambda-smoke.py "$ZIP"
echo "== deployment checks passed"
