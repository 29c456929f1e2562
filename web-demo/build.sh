#!/usr/bin/env bash
# Build the web demo: the core for wasm32 with wasm-bindgen glue into web-demo/pkg/,
# web-demo/presets.js from fixtures/, and the service editor (CodeMirror 6 from npm) bundled
# by esbuild into web-demo/vendor/editor.js. Then serve web-demo/ statically, e.g.
#   python3 -m http.server -d web-demo 8000
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen-cli 0.2.130 (the crate's exact
# version), node, and `npm ci` in web-demo (esbuild, CodeMirror). wasm-opt is used when
# present (npm binaryen@132; NOT Debian's binaryen 108, whose output breaks in Chromium),
# else skipped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
want_bindgen=0.2.130

rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  || { echo "build.sh: run: rustup target add wasm32-unknown-unknown" >&2; exit 1; }
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || true
if [ "$have" != "$want_bindgen" ]; then
  echo "build.sh: need wasm-bindgen-cli $want_bindgen (have: ${have:-none}); run:" >&2
  echo "  cargo install wasm-bindgen-cli --version $want_bindgen" >&2
  exit 1
fi

# Size-tuned release profile for this build only (env overrides keep the workspace profile
# untouched). strip=debuginfo, not true: wasm-bindgen needs the target_features section.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target-wasm}"
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z CARGO_PROFILE_RELEASE_LTO=true \
  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_STRIP=debuginfo CARGO_PROFILE_RELEASE_PANIC=abort
(cd "$root" && cargo build -p ocigen-wasm --target wasm32-unknown-unknown --release)

rm -rf "$here/pkg"
# The name section (function names, ~0.8 MB) is for debugging only.
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$here/pkg" \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/ocigen_wasm.wasm"
wasm="$here/pkg/ocigen_wasm_bg.wasm"
# wasm-opt: web-demo's npm devDependency (binaryen@132, after `npm ci`), else one on PATH.
opt="$here/node_modules/.bin/wasm-opt"
[ -x "$opt" ] || opt="$(command -v wasm-opt || true)"
opt_version="$([ -n "$opt" ] && "$opt" --version | grep -oE '[0-9]+' | head -1 || true)"
if [ -n "$opt_version" ] && [ "$opt_version" -ge 116 ]; then
  # --one-caller-inline-max-function-size=0: no inlining of functions that have one caller.
  # That inlining makes the module 4 % smaller raw but 18 % larger gzipped (691 KB against
  # 583 KB gzip -9; docs/performance.md, "Rows measured by the perf-measure branch").
  "$opt" -Oz --one-caller-inline-max-function-size=0 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-mutable-globals "$wasm" -o "$wasm.opt" && mv "$wasm.opt" "$wasm"
  echo "build.sh: wasm-opt $opt_version applied"
else
  echo "build.sh: wasm-opt not found (or older than 116, which breaks wasm-bindgen output); skipped (optional)"
fi

node "$here/tools/gen-presets.mjs" "$root" "$here/presets.js"

# The editor: CodeMirror's modules in one local file, so the page needs no network.
esbuild="$here/node_modules/.bin/esbuild"
[ -x "$esbuild" ] || { echo "build.sh: esbuild is missing: run (cd web-demo && npm ci)" >&2; exit 1; }
"$esbuild" "$here/src/editor.js" --bundle --format=esm --minify --target=es2020 \
  --legal-comments=none --log-level=warning --outfile="$here/vendor/editor.js"
# The bundled packages are MIT licensed: their notices travel with the bundle.
for lic in "$here"/node_modules/{@codemirror/*,@lezer/*,@marijn/*,crelt,style-mod,w3c-keyname}/LICENSE*; do
  [ -f "$lic" ] && { echo "== ${lic#"$here"/node_modules/}"; cat "$lic"; echo; }
done > "$here/vendor/LICENSES.txt"
echo "build.sh: vendor/editor.js: $(wc -c < "$here/vendor/editor.js") bytes raw, $(gzip -9 -c "$here/vendor/editor.js" | wc -c) bytes gzip -9"

raw=$(wc -c < "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
echo "build.sh: $wasm: $raw bytes raw, $gz bytes gzip -9"
