#!/bin/sh
# Runs inside the container under test and prints `key=value` facts for tests/runc.rs.
# Each argument adds one check, printed as `ARG=ok` or `ARG=err:<message>`:
#   w:PATH  open PATH for writing (create + truncate; only used on new files and /proc files)
#   r:PATH  open PATH and read one byte
#   d:PATH  mkdir PATH
#   n:PATH  `ARG=<count>`: entries of a directory, or bytes a file yields (masked paths)
#   m:PATH  `ARG=<octal mode>`
#   c:PATH  `ARG=<contents>`, newlines as `|`
#   x:CMD   run the command line CMD (split at spaces): `ok`, or `err:` and what it printed
awk '/^(CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp):/ { sub(":", "", $1); print $1 "=" $2 }' /proc/self/status
echo "uid=$(id -u)"
echo "gid=$(id -g)"
echo "groups=$(id -G)"
echo "cwd=$(pwd)"
echo "hostname=$(hostname)"
echo "netns=$(readlink /proc/self/ns/net)"
echo "pidns=$(readlink /proc/self/ns/pid)"
echo "pid1=$(cat /proc/1/comm)"
echo "netifs=$(ls /sys/class/net | tr '\n' ' ')"
if [ -t 0 ] && [ -t 1 ]; then echo "tty=yes"; else echo "tty=no"; fi
echo "oom_score_adj=$(cat /proc/self/oom_score_adj)"
echo "nofile=$(ulimit -n)/$(ulimit -Hn)"
env | sed 's/^/env./'
# mount.<target>=<fstype> <options>; the last mount on a target wins, as it does for lookups.
awk '{ print "mount." $2 "=" $3 " " $4 }' /proc/self/mounts
[ -f /etc/resolv.conf ] && echo "resolv=$(tr '\n' '|' < /etc/resolv.conf)"
cg=/sys/fs/cgroup
if [ -f $cg/cgroup.controllers ]; then
    echo "cgroup=2"
    echo "memory=$(cat $cg/memory.max)"
    echo "cpu=$(cat $cg/cpu.max)"
    echo "pids=$(cat $cg/pids.max)"
    echo "cpuset=$(cat $cg/cpuset.cpus 2>/dev/null)"
else
    echo "cgroup=1"
    echo "memory=$(cat $cg/memory/memory.limit_in_bytes)"
    echo "cpu=$(cat $cg/cpu/cpu.cfs_quota_us) $(cat $cg/cpu/cpu.cfs_period_us)"
    echo "pids=$(cat $cg/pids/pids.max)"
    echo "devices=$(tr '\n' ',' < $cg/devices/devices.list)"
    echo "cpuset=$(cat $cg/cpuset/cpuset.cpus)"
    echo "shares=$(cat $cg/cpu/cpu.shares)"
fi
for a in "$@"; do
    p=${a#*:}
    case $a in
    w:*) err=$( (: > "$p") 2>&1 ) ;;
    r:*) err=$( (head -c1 < "$p" > /dev/null) 2>&1 ) ;;
    d:*) err=$(mkdir "$p" 2>&1) ;;
    n:*) if [ -d "$p" ]; then echo "$a=$(ls -A "$p" | wc -l)"; else echo "$a=$(cat "$p" 2>/dev/null | wc -c)"; fi; continue ;;
    m:*) echo "$a=$(stat -c %a "$p")"; continue ;;
    c:*) echo "$a=$(tr '\n' '|' < "$p")"; continue ;;
    # shellcheck disable=SC2086 # the command line is split on purpose
    x:*) err=$( ($p) 2>&1 > /dev/null ) ;;
    *) echo "bad-check=$a"; continue ;;
    esac
    if [ $? -eq 0 ]; then echo "$a=ok"; else echo "$a=err:$err"; fi
done
echo "probe=done"
