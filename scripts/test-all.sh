#!/usr/bin/env bash
# Runs every check and test suite. This is the README's test command; `.ci/run` installs the
# tools first. Outside CI a suite whose tool is missing prints a loud SKIPPED line; with
# CI=true it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { echo; echo "--- [$(( $(date +%s) - start ))s] $*"; }

step "format"
cargo fmt --all -- --check

step "core purity (no I/O in ocigen-core, reviewed dependencies only)"
bash .ci/check-core-purity.sh

step "core builds for wasm32-unknown-unknown"
cargo build -q -p ocigen-core --target wasm32-unknown-unknown

step "clippy (all targets, warnings are errors)"
cargo clippy -q --workspace --all-targets -- -D warnings

step "tests (unit, conformance, goldens, CLI, runc, wasm parity)"
cargo test -q --workspace

step "web demo: build (wasm-bindgen) and browser test (Chromium)"
if command -v wasm-bindgen >/dev/null && [ -d web-demo/node_modules ]; then
  bash web-demo/build.sh
  bash web-demo/test/run.sh
elif [ "${CI:-}" = true ]; then
  echo "web demo: wasm-bindgen or web-demo/node_modules missing with CI=true (run .ci/tools.sh)" >&2
  exit 1
else
  echo "!!!!!!!! web demo SKIPPED: needs wasm-bindgen-cli and 'npm ci' in web-demo (bash .ci/tools.sh) !!!!!!!!"
fi
step "all passed"
