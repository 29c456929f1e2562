#!/usr/bin/env bash
# Lays out a fake NVIDIA host under DIR for tests/gpu/e2e.sh's CI mode: /proc/driver/nvidia
# files of one H200, real device nodes (mknod, root only) on numbers no driver of this host
# owns (195 for the GPU and nvidiactl, free dynamic majors for uvm and caps), and driver
# files: libraries that are text, and an nvidia-smi that is a busybox sh script printing what
# the real one prints. Opening the nodes in a container gives "No such device or address".
# Usage: tests/gpu/fake-tree.sh DIR
set -euo pipefail
ft=$1
v=580.159.04
uuid=GPU-7f907147-dd4b-bcab-e0c2-3123ceba3087
used=$(awk '/^Character/ { c = 1; next } /^Block/ { c = 0 } c && $1 ~ /^[0-9]+$/ { print $1 }' /proc/devices)
if grep -qx 195 <<< "$used"; then
    echo "fake-tree: char major 195 is taken on this host (an NVIDIA driver?); run e2e.sh without OCIGEN_E2E_FAKE" >&2
    exit 2
fi
free=()
for m in $(seq 254 -1 234); do grep -qx "$m" <<< "$used" || free+=("$m"); done
[ "${#free[@]}" -ge 2 ] || { echo "fake-tree: no two free char majors in 234-254" >&2; exit 2; }
uvm=${free[0]} caps=${free[1]}

mkdir -p "$ft/dev/nvidia-caps" "$ft/proc/driver/nvidia/gpus/0000:00:05.0" \
    "$ft/proc/driver/nvidia/capabilities/mig" "$ft/usr/local/nvidia/lib64" "$ft/usr/local/nvidia/bin"
node() { mknod -m "$4" "$ft/dev/$1" c "$2" "$3"; }
node nvidia0 195 0 666
node nvidiactl 195 255 666
node nvidia-uvm "$uvm" 0 666
node nvidia-uvm-tools "$uvm" 1 666
node nvidia-caps/nvidia-cap1 "$caps" 1 400
node nvidia-caps/nvidia-cap2 "$caps" 2 444
{
    sed '/^Block/,$d' /proc/devices | sed '$d'
    printf '195 nvidia\n195 nvidiactl\n%s nvidia-uvm\n%s nvidia-caps\n\n' "$uvm" "$caps"
    sed -n '/^Block/,$p' /proc/devices
} > "$ft/proc/devices"
echo "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  $v  Release Build  (fake tree of ocigen's e2e)" > "$ft/proc/driver/nvidia/version"
printf 'Model: \t\t NVIDIA H200\nGPU UUID: \t %s\nBus Location: \t 0000:00:05.0\nDevice Minor: \t 0\n' "$uuid" \
    > "$ft/proc/driver/nvidia/gpus/0000:00:05.0/information"
printf 'DeviceFileMinor: 1\nDeviceFileMode: 256\n' > "$ft/proc/driver/nvidia/capabilities/mig/config"
printf 'DeviceFileMinor: 2\nDeviceFileMode: 292\n' > "$ft/proc/driver/nvidia/capabilities/mig/monitor"
for lib in libcuda libnvidia-ml; do
    echo "fake $lib" > "$ft/usr/local/nvidia/lib64/$lib.so.$v"
    ln -s "$lib.so.$v" "$ft/usr/local/nvidia/lib64/$lib.so.1"
done
printf '#!/bin/sh\necho "GPU 0: NVIDIA H200 (UUID: %s)"\n' "$uuid" > "$ft/usr/local/nvidia/bin/nvidia-smi"
chmod 755 "$ft/usr/local/nvidia/bin/nvidia-smi"
echo "fake-tree: $ft (uvm on $uvm, caps on $caps)"
