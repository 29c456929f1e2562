#!/usr/bin/env python3
"""tests/gpu/e2e.sh CI mode: this host's snapshot with the GPU facts of the fake tree's probe.
The driver files are rebased onto the fake tree (their real location, for runc's binds);
device nodes keep their /dev paths (runc makes them inside the container from the numbers).
Usage: merge-fake.py HOST_SNAPSHOT FAKE_SNAPSHOT FAKE_ROOT > merged.json"""
import json
import sys

host_file, fake_file, root = sys.argv[1:4]
host = json.load(open(host_file))
fake = json.load(open(fake_file))
root = root.rstrip("/")
host["description"] = f"this host, with the NVIDIA facts of the fake tree {root}"
host["nvidia_gpus"] = fake["nvidia_gpus"]
driver = fake["nvidia_driver"]
for f in driver["libraries"] + driver["binaries"]:
    f["path"] = root + f["path"]
    if "target" in f:
        f["target"] = root + f["target"]
host["nvidia_driver"] = driver
for path, fact in fake["devices"].items():
    if path.startswith("/dev/nvidia"):
        host["devices"][path] = fact
host["proc_devices"]["char"].update(
    {k: v for k, v in fake["proc_devices"]["char"].items() if k.startswith("nvidia")})
json.dump(host, sys.stdout, indent=2, sort_keys=True)
sys.stdout.write("\n")
