#!/usr/bin/env bash
# Uploads the built site (public/) to the stack's S3 bucket, each file with its cache policy
# (the values are catalog/src/assets.rs's, which checks this file):
#   static/<name>.<10 hex>.<ext>  content-hashed assets: kept a year, never asked again
#   everything else               pages, plain-named assets, the search index: revalidated
#
# Usage: scripts/upload-site.sh BUCKET   (DEPLOY.md, "Upload the site")
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: scripts/upload-site.sh BUCKET" >&2; exit 2; }
bucket=$1
hashed='static/*.??????????.*'
# Hashed assets first: no page naming them is served before they are there. Old ones stay
# (a page still cached somewhere may ask for them); they are small.
aws s3 sync public/ "s3://$bucket/" --exclude '*' --include "$hashed" \
  --cache-control 'public, max-age=31536000, immutable'
aws s3 sync public/ "s3://$bucket/" --exclude "$hashed" --delete \
  --cache-control 'public, max-age=0, must-revalidate'
