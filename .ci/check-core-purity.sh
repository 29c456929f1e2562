#!/usr/bin/env bash
# Fails if ocigen-core gains I/O: a banned std module in its source, or a dependency outside
# the reviewed allowlist (a new crate must be reviewed for I/O, then added here).
set -euo pipefail
cd "$(dirname "$0")/.."

banned='std::(fs|env|process|net|thread|time)\b|\bSystemTime\b|\bInstant::now\b|\brand::|\bgetrandom::'
if grep -rnE "$banned" core/src; then
  echo "core-purity: the lines above use I/O, clock or randomness in ocigen-core (it must stay pure)" >&2
  exit 1
fi
grep -q '^#!\[forbid(unsafe_code)\]' core/src/lib.rs || { echo "core-purity: core/src/lib.rs lost #![forbid(unsafe_code)]" >&2; exit 1; }

# Normal (non-dev) dependencies of the core, as built for the browser.
allow='^(ocigen-core|oci-spec|aho-corasick|annotate-snippets|anstyle|arraydeque|autocfg|base64|cfg-if|const_format|const_format_proc_macros|darling|darling_core|darling_macro|derive_builder|derive_builder_core|derive_builder_macro|dyn-clone|encoding_rs|encoding_rs_io|fnv|getset|granit-parser|heck|ident_case|itoa|konst|konst_macro_rules|memchr|multiversion_no_op|nohash-hasher|num-traits|proc-macro2|quote|ref-cast|ref-cast-impl|regex|regex-automata|regex-syntax|rustversion|schemars|schemars_derive|scopeguard|serde|serde-saphyr|serde_core|serde_derive|serde_derive_internals|serde_json|serde_path_to_error|smallvec|strsim|strum|strum_macros|syn|thiserror|thiserror-impl|unicode-ident|unicode-width|unicode-xid|zmij)$'
deps=$(cargo tree -p ocigen-core --target wasm32-unknown-unknown -e normal,build --prefix none --format '{p}' 2>/dev/null | awk '{print $1}' | sort -u)
bad=$(echo "$deps" | grep -vE "$allow" || true)
if [ -n "$bad" ]; then
  echo "core-purity: ocigen-core depends on crates not reviewed for purity:" >&2
  echo "$bad" >&2
  echo "review each for I/O (files, env, clock, randomness, processes) and add it to the allowlist in $0" >&2
  exit 1
fi
echo "core-purity: ok ($(echo "$deps" | wc -l) crates, none doing I/O; no banned std modules in core/src)"

# Layering: no module of the core imports a module that imports it back.
python3 .ci/check-core-cycles.py
