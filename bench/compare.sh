#!/usr/bin/env bash
# Whole-process cost of `ocigen render` against `crun spec` and `runc spec` (the runtimes'
# own default-spec writers, the cheapest thing that writes a config.json), with hyperfine,
# then ocigen's peak RSS. Prints the ratios issue 11's targets are stated in.
# Usage: bash bench/compare.sh [path/to/ocigen]   (default: a release build in the target dir;
#        the binary to ship is `cargo dist`'s, see the README)
# Needs: hyperfine, crun and/or runc (Debian packages), GNU time for RSS (optional).
# Not run in CI: timings on shared machines are not assertions.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
ocigen="${1:-$target/release/ocigen}"
if [ ! -x "$ocigen" ]; then
  (cd "$root" && cargo build -q --release -p ocigen-host --bin ocigen)
fi
command -v hyperfine >/dev/null || { echo "compare.sh: install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
render="$ocigen render $root/fixtures/services/gpu-inference.yaml --probe $root/fixtures/snapshots/nvidia-h200-v2-nested.json --volume model-cache=/var/lib/zlayer/volumes/model-cache"
# `spec` writes ./config.json and refuses to overwrite it: each command removes it first
# (one `--prepare` per command, as hyperfine wants). -N: no shell in the timed command.
cmds=(-n ocigen --prepare "rm -f $work/ocigen.json" "$render -o $work/ocigen.json")
for rt in crun runc; do
  if command -v "$rt" >/dev/null; then
    mkdir -p "$work/$rt"
    cmds+=(-n "$rt" --prepare "rm -f $work/$rt/config.json" "$rt spec --bundle $work/$rt")
  fi
done
hyperfine -N --warmup 20 --runs "${RUNS:-300}" --export-json "$work/h.json" "${cmds[@]}"
python3 - "$work/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
o = r["ocigen"]
for rt in ("crun", "runc"):
    if rt in r:
        x = r[rt]
        print(f"ocigen / {rt} spec: median wall {o['median']*1e3:.2f} / {x['median']*1e3:.2f} ms = {o['median']/x['median']:.2f}x"
              f" (target <= 0.8x vs crun); user+sys {(o['user']+o['system'])*1e3:.2f} / {(x['user']+x['system'])*1e3:.2f} ms"
              f" = {(o['user']+o['system'])/(x['user']+x['system']):.2f}x")
PY
# The same commands interleaved (bench/src/bin/pair.rs: each round runs every command once,
# the figure is the median of per-round ratios, so load that changes between hyperfine's
# blocks cancels out). ocigen twice: `-o FILE` (written atomically and durably: fsync of the
# file and of its directory, ~0.5 ms here) and stdout redirected to a file, which is what
# `crun spec` does with its config.json (no fsync).
pair="$target/release/pair"
[ -x "$pair" ] || (cd "$root" && cargo build -q --release -p ocigen-bench --bin pair)
if command -v crun >/dev/null; then
  export PAIR_RM_0="$work/crun/config.json" PAIR_RM_1="$work/pair-o.json" PAIR_OUT_2="$work/pair-stdout.json"
  args=(crun spec --bundle "$work/crun" ::: $render -o "$work/pair-o.json" ::: $render)
  if command -v runc >/dev/null; then
    export PAIR_RM_3="$work/runc/config.json"
    args+=(::: runc spec --bundle "$work/runc")
  fi
  "$pair" "${PAIR_ROUNDS:-300}" -- "${args[@]}"
fi
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f 'ocigen render peak RSS: %M KB (target <= 8192 KB)' sh -c "$render > /dev/null"
fi
