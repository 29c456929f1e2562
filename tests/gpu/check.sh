#!/bin/sh
# Runs inside the container under test (busybox) and prints `key=value` facts that
# tests/gpu/e2e.sh checks. Open errors are busybox's messages: "No such file" (no node),
# "Operation not permitted" (the device cgroup denies it), "No such device or address"
# (allowed, but no driver behind the number: the fake device tree of CI).

# Every NVIDIA node the container has, and /dev/nvidia0 whether or not it has it.
for n in /dev/nvidia0 /dev/nvidia* /dev/nvidia-caps/*; do
    case " $seen " in *" $n "*) continue ;; esac
    seen="$seen $n"
    [ "$n" = /dev/nvidia0 ] || [ -c "$n" ] || continue
    if err=$( (: < "$n") 2>&1 ); then echo "open:$n=ok"; else echo "open:$n=err:$err"; fi
done

# A node made here with GPU 0's numbers: opens only if the device cgroup allows 195:0.
rm -f /tmp/e2e-nv0
if err=$(mknod /tmp/e2e-nv0 c 195 0 2>&1); then
    if err=$( (: < /tmp/e2e-nv0) 2>&1 ); then echo "mknod-open=ok"; else echo "mknod-open=err:$err"; fi
else
    echo "mknod-open=err:$err"
fi

smi=/usr/local/nvidia/bin/nvidia-smi
if [ -e $smi ]; then
    out=$($smi -L 2>&1)
    echo "smi-rc=$?"
    echo "$out" | while IFS= read -r line; do echo "smi=$line"; done
else
    echo "smi-rc=absent"
fi

if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    echo "memory=$(cat /sys/fs/cgroup/memory.max)"
else
    echo "memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
fi
rm -f /tmp/e2e-nv0
echo "ld_library_path=$LD_LIBRARY_PATH"
echo "check=done"
