#!/usr/bin/env bash
# Builds everything a deploy uploads (DEPLOY.md):
#   public/                   the static site (generator), synced to the S3 bucket
#   dist/handler-lambda.zip   both functions (the API and the mail notifier): `bootstrap`
#                             (the handler, built for Amazon Linux 2023, glibc 2.34,
#                             x86_64) + `catalog.json` + `mail.json` (the private mail
#                             bundle: templates, mentors' and staff addresses — in the
#                             function package only, never in the site)
#
# Usage: scripts/package.sh [--base-url URL] [--skip-site]
#   --base-url URL  the site's public address (https://mikke.example.jp, or the stack's
#                   SiteUrl output, https://dxxxx.cloudfront.net) for canonical links, og
#                   tags and the sitemap; default $MIKKE_BASE_URL, else content/site.yaml's
#                   base_url (the local address: right for checks, wrong for production)
#   --skip-site     reuse public/ and private/ as they are (catalog.json, mail.json)
#
# Installs cargo-lambda (PyPI; brings zig) when missing. The release build of the
# handler takes several minutes on two cores the first time.
set -euo pipefail
cd "$(dirname "$0")/.."

skip_site=false
base_url=${MIKKE_BASE_URL:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-site) skip_site=true ;;
    --base-url)
      [ $# -ge 2 ] || { echo "package.sh: --base-url needs a URL" >&2; exit 2; }
      base_url=$2; shift ;;
    --base-url=*) base_url=${1#--base-url=} ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "package.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

# Lambda's provided.al2023 runtime ships glibc 2.34: link against exactly that (zig
# provides the glibc 2.34 stubs), so the binary cannot ask for a newer symbol
# (scripts/check-deploy.sh verifies with objdump).
# MIKKE_LAMBDA_COMPILER=cargo builds with the host's own linker instead, for a host
# whose zig cannot build a dependency; only valid if the host's glibc is old enough, or
# the symbols used happen to be (check-deploy.sh tells).
COMPILER=${MIKKE_LAMBDA_COMPILER:-cargo-zigbuild}
case "$COMPILER" in
  cargo-zigbuild) TARGET=x86_64-unknown-linux-gnu.2.34 ;;
  cargo) TARGET=x86_64-unknown-linux-gnu ;;
  *) echo "package.sh: MIKKE_LAMBDA_COMPILER must be cargo-zigbuild or cargo" >&2; exit 2 ;;
esac
ZIP=dist/handler-lambda.zip

if ! command -v cargo-lambda >/dev/null 2>&1; then
  echo "== installing cargo-lambda (PyPI)"
  python3 -m pip install --quiet cargo-lambda
fi

if [ "$skip_site" = false ]; then
  if [ -n "$base_url" ]; then
    echo "== building the site into public/ for $base_url"
    cargo run --quiet -p generator -- build --out public --base-url "$base_url"
  else
    echo "== building the site into public/ (base_url from content/site.yaml: not for production; see --base-url)"
    cargo run --quiet -p generator -- build --out public
  fi
fi
for built in public/catalog.json private/mail.json; do
  if [ ! -f "$built" ]; then
    echo "package.sh: $built is missing; build the site first (drop --skip-site; site.yaml needs mail:)" >&2
    exit 1
  fi
done

echo "== building the handler for $TARGET with $COMPILER (release)"
# --features aws: the Lambda runtime, DynamoDB and SSM (the local build leaves them out).
cargo lambda build --release --compiler "$COMPILER" --target "$TARGET" \
  --package handler --bin handler --features aws --output-format binary
# cargo lambda writes under the cargo target directory, wherever CARGO_TARGET_DIR puts it.
bootstrap="${CARGO_TARGET_DIR:-target}/lambda/handler/bootstrap"
if [ ! -x "$bootstrap" ]; then
  echo "package.sh: cargo lambda did not produce $bootstrap" >&2
  exit 1
fi

echo "== writing $ZIP"
mkdir -p dist
python3 - "$bootstrap" public/catalog.json private/mail.json "$ZIP" <<'PY'
# A reproducible zip: fixed timestamps, bootstrap executable (Lambda runs it as is). Lambda
# runs the function as another user than the files' owner, so every file is world-readable
# inside the package; who may read the package itself is IAM's business (DEPLOY.md).
import sys, zipfile
bootstrap, catalog, bundle, out = sys.argv[1:]
with zipfile.ZipFile(out + ".tmp", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for path, name, mode in ((bootstrap, "bootstrap", 0o755), (catalog, "catalog.json", 0o644),
                             (bundle, "mail.json", 0o644)):
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = (0o100000 | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path, "rb") as f:
            z.writestr(info, f.read())
import os
os.replace(out + ".tmp", out)
PY
ls -l "$ZIP"
echo "== done: site in public/, function in $ZIP (next: DEPLOY.md)"
