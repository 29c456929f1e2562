#!/usr/bin/env bash
# Tools beyond apt and rustup: wasm-bindgen-cli at exactly the wasm crate's pinned version
# (the CLI refuses a mismatch), and the web demo's npm packages (playwright-core, binaryen).
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(grep -oE 'wasm-bindgen = \{ version = "=[0-9.]+"' wasm/Cargo.toml | grep -oE '[0-9]+\.[0-9]+\.[0-9]+')
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (have: ${have:-none})"
  # No --locked: with it a yanked transitive dependency fails the install (toolchain-notes.md).
  cargo install -q wasm-bindgen-cli --version "$want"
fi
(cd web-demo && npm ci --no-audit --no-fund --loglevel=error)
