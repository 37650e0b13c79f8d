#!/usr/bin/env bash
# The console's tests: unit tests of its pure modules (node), then end-to-end through the real
# `proscenium` binary in a real headless Chromium. Installs what is missing first.
#
#   console/tests/run.sh                      # builds the server, then runs every test
#   PROSCENIUM_BIN=/path/to/proscenium console/tests/run.sh   # test that binary instead
#
# Screenshots of each page and the server logs go to target/ci-artifacts/console/ at the root
# of the checkout (ARTIFACTS_DIR moves them); the screenshots of an earlier run are removed
# first, so the directory holds this run's only. CI keeps that directory as its artifacts.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export ARTIFACTS_DIR="${ARTIFACTS_DIR:-$root/target/ci-artifacts/console}"
mkdir -p "$ARTIFACTS_DIR"
rm -f "$ARTIFACTS_DIR"/*.png "$ARTIFACTS_DIR"/*.log

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium chromium-driver)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

cd "$here"
if [ ! -d node_modules/playwright-core ] || [ ! -x node_modules/.bin/tsc ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

if [ -z "${PROSCENIUM_BIN:-}" ]; then
  echo "== cargo build -p proscenium-server"
  (cd "$root" && cargo build -p proscenium-server)
  export PROSCENIUM_BIN="$root/target/debug/proscenium"
fi
# Test the files embedded in the binary, never a development directory.
unset PROSCENIUM_CONSOLE_DIR

echo "== node --test (unit, then end-to-end with $PROSCENIUM_BIN)"
rc=0
node --test --test-concurrency=1 --test-reporter=spec unit.test.mjs e2e.mjs domains.e2e.mjs || rc=$?
shots=$(find "$ARTIFACTS_DIR" -maxdepth 1 -name '*.png' | wc -l)
echo "== console artifacts: $shots screenshots and the server logs in $ARTIFACTS_DIR"
exit "$rc"
