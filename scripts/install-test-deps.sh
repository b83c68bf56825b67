#!/usr/bin/env bash
# Installs what the test suites need on a fresh Debian machine, and nothing that is already
# there (safe to run before every test run; CI does).
#
#   moto[server]  (PyPI)   DynamoDB API for the store conformance suite and Lambda end-to-end
#   cargo-lambda  (PyPI)   `cargo lambda watch` for the Lambda end-to-end test
#   cfn-lint      (PyPI)   when template.yaml exists
#   chromium, firefox-esr, npm (Debian) + `npm ci` when tests/e2e/package.json exists
#   sqlite3       (Debian)  the SQLite shell: the browser tests read the store with it
#   aiosmtpd      (PyPI)    the local mail catcher (scripts/mail-catcher.py) the mail tests
#                           and scripts/run.sh send to
#
# Python packages go into the python3 on PATH (the moto harness runs `python3 -c` with moto's
# own modules); on a Debian system Python that refuses pip (PEP 668) they are installed with
# --break-system-packages, which is what a throwaway CI machine wants.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_updated=no
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "install-test-deps: need $*, and this machine has no apt-get; install them by hand" >&2
    exit 1
  fi
  if [ "$apt_updated" = no ]; then
    apt-get update -qq
    apt_updated=yes
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_python_pip() {
  command -v python3 >/dev/null || apt_install python3
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
}

pip_install() {
  ensure_python_pip
  echo "install-test-deps: pip install $*"
  local log
  log="$(mktemp)"
  if ! python3 -m pip install --quiet --disable-pip-version-check "$@" 2>"$log"; then
    if grep -q externally-managed "$log"; then
      python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "$@"
    else
      cat "$log" >&2
      rm -f "$log"
      return 1
    fi
  fi
  rm -f "$log"
}

# moto: the harness needs python3 to import moto's server modules; other tests call moto_server.
if ! python3 -c 'import moto.moto_server.werkzeug_app, werkzeug.serving' >/dev/null 2>&1 \
  || ! command -v moto_server >/dev/null; then
  pip_install 'moto[server]'
fi

if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
  pip_install aiosmtpd
fi

if ! command -v cargo-lambda >/dev/null; then
  pip_install cargo-lambda
fi

if [ -f template.yaml ] && ! command -v cfn-lint >/dev/null; then
  pip_install cfn-lint
fi

command -v sqlite3 >/dev/null || apt_install sqlite3

if [ -f tests/e2e/package.json ]; then
  [ -x /usr/bin/chromium ] || apt_install chromium
  # The search oracle runs in Firefox too (puppeteer-core over WebDriver BiDi).
  [ -x /usr/bin/firefox-esr ] || apt_install firefox-esr
  command -v npm >/dev/null || apt_install npm
  if [ ! -d tests/e2e/node_modules ]; then
    echo "install-test-deps: npm ci in tests/e2e"
    (cd tests/e2e && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)
  fi
fi

# Report what the tests will find, so a CI log shows it.
python3 -c 'import moto; print("install-test-deps: moto", moto.__version__)'
