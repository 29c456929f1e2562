#!/usr/bin/env bash
# End to end on an NVIDIA GPU host: probe, `ocigen cdi generate`, render a GPU service with
# the generated spec, `ocigen bundle --cgroup-leaf` with a busybox rootfs, `runc run`, and
# check from inside the container (tests/gpu/check.sh) that
#   - every /dev/nvidia* node the config lists opens for read,
#   - a node made inside with GPU 0's numbers (c 195:0) opens too (the device cgroup allows it),
#   - `nvidia-smi -L` lists GPU 0 with the snapshot's UUID (the loader and libc it needs are
#     copied from the host into the rootfs: busybox has none),
#   - the memory limit is in effect, and LD_LIBRARY_PATH names the driver folder;
# and, as a negative control, that the same service without a GPU has no /dev/nvidia0 and
# cannot open a c 195:0 node it makes (the device cgroup denies it).
#
# Usage: tests/gpu/e2e.sh OCIGEN RUNC BUSYBOX     (run as root; paths to the three programs)
# Without an NVIDIA GPU it prints `skipped: no NVIDIA GPU` and exits 0.
# OCIGEN_E2E_FAKE=1: CI mode on a host without a GPU: the same steps against a fake device
#   tree (real device nodes made with mknod under a temp dir, fake driver files, a fake
#   nvidia-smi script), merged into this host's probe with python3. The opens then fail with
#   "No such device or address" (allowed, no driver), which is what is checked.
# E2E_OUT=DIR: copy the snapshot (host.json), the generated spec (nvidia.yaml), both
#   config.json files and the log (e2e.log) there.
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 OCIGEN RUNC BUSYBOX" >&2
    exit 2
fi
fake=${OCIGEN_E2E_FAKE:-0}
if [ "$fake" != 1 ] && { [ ! -e /proc/driver/nvidia/version ] || ! ls /dev/nvidia[0-9]* >/dev/null 2>&1; }; then
    echo "skipped: no NVIDIA GPU"
    exit 0
fi
abs() { (cd "$(dirname "$1")" && echo "$PWD/$(basename "$1")"); }
OCIGEN=$(abs "$1") RUNC=$(abs "$2") BUSYBOX=$(abs "$3")
for tool in "$OCIGEN" "$RUNC" "$BUSYBOX"; do
    [ -x "$tool" ] || { echo "e2e: $tool is not an executable file" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "e2e: run as root (runc, mknod, the cgroup leaf)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/ocigen-gpu-e2e.XXXXXX)
log=$work/e2e.log
exec > >(tee "$log") 2>&1
echo "e2e: mode $([ "$fake" = 1 ] && echo "fake device tree" || echo "real GPU"), work dir $work"
step() { echo; echo "--- $*"; }
run() { echo "+ $*"; "$@"; }
failures=0
check() { # check NAME CONDITION-RESULT(0/1) DETAIL
    if [ "$2" = 0 ]; then echo "ok: $1"; else echo "FAIL: $1 ($3)"; failures=$((failures + 1)); fi
}
passed=0
finish() {
    if [ -n "${E2E_OUT:-}" ]; then
        mkdir -p "$E2E_OUT"
        # Five files (the log holds the containers' output): a device run returns at most 8.
        for f in host.json nvidia.yaml gpu-config.json nogpu-config.json e2e.log; do
            [ -f "$work/$f" ] && cp "$work/$f" "$E2E_OUT/"
        done
    fi
    # Keep the work dir of a failed run for inspection.
    if [ "$passed" = 1 ]; then rm -rf "$work"; fi
}
trap finish EXIT

step "probe"
run "$OCIGEN" probe -o "$work/host.json"
if [ "$fake" = 1 ]; then
    bash "$here/fake-tree.sh" "$work/fake"
    run "$OCIGEN" probe --host-root "$work/fake" -o "$work/fake-probe.json"
    python3 "$here/merge-fake.py" "$work/host.json" "$work/fake-probe.json" "$work/fake" > "$work/merged.json"
    mv "$work/merged.json" "$work/host.json"
fi
uuid=$(grep -o '"uuid": "GPU-[^"]*"' "$work/host.json" | head -1 | cut -d'"' -f4 || true)
[ -n "$uuid" ] || { echo "e2e: the snapshot lists no NVIDIA GPU" >&2; exit 1; }
echo "GPU 0: $uuid"

step "cdi generate"
run "$OCIGEN" cdi generate --probe "$work/host.json" -o "$work/nvidia.yaml"
echo "driver file mounts: $(grep -c 'hostPath:' "$work/nvidia.yaml" || true)"

step "services and rootfs"
service() { # service NAME GPU(yes/no)
    {
        echo "version: v1"
        echo "deployment: gpu-e2e"
        echo "services:"
        echo "  $1:"
        echo "    image: {name: busybox}"
        if [ "$2" = yes ]; then
            echo "    resources: {memory: 256Mi, gpu: {count: 1, vendor: nvidia}}"
        else
            echo "    resources: {memory: 256Mi}"
        fi
        echo "    command: {entrypoint: [/bin/sh, /check.sh]}"
    } > "$work/$1.yaml"
}
service gpu yes
service nogpu no
# One rootfs per container: runc leaves the GPU container's mount points (empty files named
# like the driver's) in its rootfs, which the negative control must not see.
rootfs=$work/rootfs-gpu
mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
cp "$BUSYBOX" "$rootfs/bin/busybox"
for a in sh cat mknod rm sed; do ln -s busybox "$rootfs/bin/$a"; done
cp "$here/check.sh" "$rootfs/check.sh"
if [ "$fake" != 1 ]; then
    # nvidia-smi and the driver's libraries are glibc programs: give the rootfs the loader
    # and libraries they link (as the host has them, same paths), never the driver itself.
    for f in $(grep 'hostPath:' "$work/nvidia.yaml" | awk '{print $NF}' | sort -u); do
        ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true
    done | sort -u | while read -r lib; do
        case "$lib" in *nvidia*|*libcuda*) continue ;; esac
        mkdir -p "$rootfs$(dirname "$lib")"
        cp -L "$lib" "$rootfs$lib"
        echo "rootfs: $lib"
    done
fi
cp -a "$rootfs" "$work/rootfs-nogpu"

step "render and bundle"
for svc in gpu nogpu; do
    run "$OCIGEN" render "$work/$svc.yaml" --probe "$work/host.json" --cdi-generated --format full -o "$work/$svc-render.json"
    run "$OCIGEN" bundle "$work/$svc.yaml" --probe "$work/host.json" --cdi-generated --cgroup-leaf \
        --rootfs "$work/rootfs-$svc" --out "$work/bundle-$svc" >/dev/null
    run "$OCIGEN" validate "$work/bundle-$svc/config.json"
    cp "$work/bundle-$svc/config.json" "$work/$svc-config.json"
done
grep -o '"cgroupsPath": "[^"]*"' "$work/gpu-config.json" || echo "cgroupsPath: (none)"

step "cgroup leaf"
# `bundle --cgroup-leaf` (above) moved every process of our cgroup S into S/init where the
# host is cgroup v2 and we are not at the root: v2 enables no controllers below a cgroup that
# has processes, and the containers go under S/containers.
echo "now in: $(grep '^0::' /proc/self/cgroup || echo 'cgroup v1/hybrid')"

step "runc run"
for svc in gpu nogpu; do
    id="ocigen-e2e-$svc-$$"
    echo "+ $RUNC --root $work/runc-state run --bundle $work/bundle-$svc $id"
    rc=0
    timeout 120 "$RUNC" --root "$work/runc-state" run --bundle "$work/bundle-$svc" "$id" \
        < /dev/null > "$work/$svc.out" 2>&1 || rc=$?
    sed "s/^/  [$svc] /" "$work/$svc.out"
    check "$svc container ran check.sh" "$(grep -q '^check=done' "$work/$svc.out"; echo $?)" "runc exit $rc"
done

step "checks"
val() { grep -m1 "^$2=" "$work/$1.out" | cut -d= -f2- || true; }
# On the fake tree no driver answers: an open the device cgroup allows fails with ENXIO.
if [ "$fake" = 1 ]; then opened="No such device or address" how="is allowed (ENXIO: no driver)"
else opened=ok how="opens for read"; fi
opens() { case "$1" in ok) [ "$opened" = ok ] ;; *"$opened"*) true ;; *) false ;; esac; }
nodes=$(grep -o '"path": "/dev/nvidia[^"]*"' "$work/gpu-config.json" | cut -d'"' -f4 | sort -u || true)
[ -n "$nodes" ] || check "the GPU config lists /dev/nvidia* nodes" 1 "none in linux.devices"
for n in $nodes; do
    got=$(val gpu "open:$n")
    check "gpu: $n $how" "$(opens "$got" && echo 0 || echo 1)" "${got:-not tried}"
done
got=$(val gpu mknod-open)
check "gpu: a c 195:0 node made inside $how" "$(opens "$got" && echo 0 || echo 1)" "$got"
got=$(val gpu smi-rc)
check "gpu: nvidia-smi -L exits 0" "$([ "$got" = 0 ] && echo 0 || echo 1)" "rc $got"
check "gpu: nvidia-smi -L lists GPU 0 ($uuid)" "$(grep -q "^smi=GPU 0: .*$uuid" "$work/gpu.out"; echo $?)" "see [gpu] smi= lines"
got=$(val gpu memory)
check "gpu: memory limit 256Mi in effect" "$([ "$got" = 268435456 ] && echo 0 || echo 1)" "memory=$got"
got=$(val gpu ld_library_path)
check "gpu: LD_LIBRARY_PATH names the driver folder" "$([ "$got" = /usr/local/nvidia/lib64 ] && echo 0 || echo 1)" "$got"
got=$(val nogpu open:/dev/nvidia0)
check "nogpu: /dev/nvidia0 cannot be opened" "$(case "$got" in err:*) echo 0 ;; *) echo 1 ;; esac)" "$got"
got=$(val nogpu mknod-open)
check "nogpu: a c 195:0 node made inside is denied" "$(case "$got" in *"not permitted"*) echo 0 ;; *) echo 1 ;; esac)" "$got"

echo
if [ "$failures" = 0 ]; then
    echo "e2e: all checks passed"
    passed=1
else
    echo "e2e: FAILED ($failures checks); artifacts in $work"
    exit 1
fi
