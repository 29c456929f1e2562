#!/usr/bin/env bash
# Runs every check and test suite: the README's test command. It first installs what the
# suites need and is missing (scripts/setup.sh). Outside CI a tool that could not be set up
# makes its suite print a loud SKIPPED line; with CI=true it is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { echo; echo "--- [$(( $(date +%s) - start ))s] $*"; }

step "setup (scripts/setup.sh: install what is missing)"
bash scripts/setup.sh

step "format"
cargo fmt --all -- --check

step "core purity (no I/O in ocigen-core, reviewed dependencies only)"
bash .ci/check-core-purity.sh

step "standalone (test data comes from reference/, nothing from beside the repository)"
bash .ci/check-standalone.sh

step "core builds for wasm32-unknown-unknown"
cargo build -q -p ocigen-core --target wasm32-unknown-unknown

step "clippy (all targets, warnings are errors)"
cargo clippy -q --workspace --all-targets -- -D warnings

step "docs: ocigen-host, the crate agents link (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc -q -p ocigen-host --no-deps

step "tests (unit, conformance, goldens, CLI, runc, the example agent under runc, wasm parity)"
cargo test -q --workspace

step "web demo: build (wasm-bindgen) and browser test (Chromium)"
if command -v wasm-bindgen >/dev/null && [ -d web-demo/node_modules ]; then
  bash web-demo/build.sh
  bash web-demo/test/run.sh
elif [ "${CI:-}" = true ]; then
  echo "web demo: wasm-bindgen or web-demo/node_modules missing with CI=true (see scripts/setup.sh above)" >&2
  exit 1
else
  echo "!!!!!!!! web demo SKIPPED: needs wasm-bindgen-cli and 'npm ci' in web-demo (scripts/setup.sh could not install them; see above) !!!!!!!!"
fi
step "all passed"
