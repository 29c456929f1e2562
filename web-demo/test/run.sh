#!/usr/bin/env bash
# Serve web-demo/ on a free localhost port, run the browser test against it, stop the server.
# Run web-demo/build.sh first. With CI=true a missing Chromium or playwright-core is a failure;
# otherwise the test is SKIPPED loudly.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
chromium="${CHROMIUM:-/usr/bin/chromium}"

skip() {
  if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
    echo "browser test: FAILED: $1 (CI=true)" >&2
    exit 1
  fi
  echo "!!!!!!!! browser test SKIPPED: $1 !!!!!!!!" >&2
  exit 0
}
[ -x "$chromium" ] || skip "$chromium is missing (apt-get install -y chromium)"
[ -d "$here/node_modules/playwright-core" ] || skip "playwright-core is missing (cd web-demo && npm ci)"
[ -f "$here/pkg/ocigen_wasm_bg.wasm" ] && [ -f "$here/presets.js" ] \
  || { echo "browser test: run web-demo/build.sh first" >&2; exit 1; }

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m http.server --bind 127.0.0.1 --directory "$here" "$port" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
# Wait for the server to answer (at most ~10 s).
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/index.html')" 2>/dev/null && break
  sleep 0.2
done
node "$here/test/browser.test.mjs" "http://127.0.0.1:$port/index.html"
