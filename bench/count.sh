#!/usr/bin/env bash
# Instructions per iteration of one ocigen-profile mode, from callgrind: the count at HI
# iterations minus the count at LO, divided by HI - LO, so fixture loading, process start and
# the first (cache-filling) renders are subtracted. Stable on a loaded machine, unlike wall time.
# Usage: bash bench/count.sh MODE [CASE] [HI] [LO]   (CASE 0 web, 1 gpu-inference,
#        2 gpu-training; "" for modes without cases, e.g. mix). Needs valgrind.
# Example: bash bench/count.sh parsed 0; bash bench/count.sh mix "" 3 1
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
P="${PROFILE_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/ocigen-profile}"
[ -x "$P" ] || (cd "$root" && cargo build -q --release -p ocigen-bench --bin ocigen-profile)
mode=$1 case=${2:-} hi=${3:-40} lo=${4:-10}
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$P" "$mode" "$1" $case 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=$(count "$hi") b=$(count "$lo")
echo "$mode ${case:+case $case }instructions per iteration: $(( (a - b) / (hi - lo) ))"
