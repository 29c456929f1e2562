#!/usr/bin/env bash
# Peak RSS of `ocigen render` (issue 11): GNU time's max RSS over 7 runs of the README's render
# command with the binary BIN (default: target/release/ocigen), median and range, plus the
# binary's file size and `size` figures. Where the pages go: `gdb -q -batch -x
# bench/rss-smaps.gdb BIN` (RSS per mapping at exit). Figures: docs/performance.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/target/release/ocigen}"
cd "$root"
v=()
for _ in 1 2 3 4 5 6 7; do
  v+=("$(/usr/bin/time -f %M "$bin" render fixtures/services/gpu-inference.yaml \
    --probe fixtures/snapshots/nvidia-h200-v2-nested.json \
    --volume model-cache=/var/lib/zlayer/volumes/model-cache 2>&1 >/dev/null | tail -1)")
done
mapfile -t s < <(printf '%s\n' "${v[@]}" | sort -n)
echo "$bin: max RSS KB median ${s[3]} (min ${s[0]}, max ${s[6]}); file $(stat -c %s "$bin") bytes;" \
  "$(size "$bin" | tail -1 | awk '{print "text "$1" data "$2" bss "$3}')"
