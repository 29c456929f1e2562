#!/usr/bin/env bash
# Fuzz the pure core with cargo-fuzz (libFuzzer): every target in fuzz/fuzz_targets/ runs for
# SECONDS (default 30), then one summary line per target with its exec count and coverage.
#
#   scripts/fuzz.sh [SECONDS]
#
# Needs the nightly toolchain (libFuzzer's sanitizer flags are nightly-only). New corpus
# entries go to fuzz/corpus-work/<target>/ (gitignored); fuzz/corpus/<target>/ holds only the
# committed seeds (copies of fixtures/ files) and is read, never written. A crashing input is
# saved under fuzz/artifacts/<target>/; minimise it with
#   cargo +nightly fuzz tmin <target> fuzz/artifacts/<target>/<crash-file>
# Exit status: 0 when no target crashed, 1 otherwise.
set -euo pipefail

seconds="${1:-30}"
case "$seconds" in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS]" >&2
    exit 2
    ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz ..."
    cargo install cargo-fuzz --locked
fi

targets=()
for f in fuzz/fuzz_targets/*.rs; do
    targets+=("$(basename "$f" .rs)")
done

# One build for all targets, so the per-target time below is spent fuzzing, not compiling.
cargo +nightly fuzz build

logs="fuzz/corpus-work/logs"
mkdir -p "$logs"
summary=()
failed=0
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus-work/$t"
    log="$logs/$t.log"
    echo "== $t: ${seconds}s (log: $log)"
    status=ok
    # Absolute corpus paths: libFuzzer does not run from the repository root.
    if ! cargo +nightly fuzz run "$t" "$root/fuzz/corpus-work/$t" "$root/fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
        status=CRASH
        failed=1
        tail -n 40 "$log"
    fi
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    # libFuzzer's last status line, e.g. "#123456 DONE cov: 4321 ft: 9876 corp: 210/40Kb ...".
    last="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
    cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
    ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
    corp="$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")"
    summary+=("$(printf '%-16s %-6s execs=%-10s cov=%-6s ft=%-6s corpus=%s' \
        "$t" "$status" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")")
done

echo
echo "== summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit "$failed"
