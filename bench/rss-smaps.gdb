# RSS of `ocigen render` per mapping at exit_group: gdb -q -batch -x bench/rss-smaps.gdb BIN (from the repository root).
set pagination off
catch syscall exit_group
run render fixtures/services/gpu-inference.yaml --probe fixtures/snapshots/nvidia-h200-v2-nested.json --volume model-cache=/var/lib/zlayer/volumes/model-cache > /dev/null
python
import gdb,re,collections
pid=gdb.selected_inferior().pid
txt=open(f"/proc/{pid}/smaps").read()
agg=collections.Counter(); cur=None
for line in txt.splitlines():
    m=re.match(r'^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$',line)
    if m:
        cur=(m.group(4) or '[anon]').split('/')[-1]+' '+m.group(3); continue
    m=re.match(r'^Rss:\s+(\d+) kB',line)
    if m: agg[cur]+=int(m.group(1))
tot=sum(agg.values())
for k,v in agg.most_common(): 
    if v: print(f"{v:6} kB {k}")
print("total",tot)
print(open(f"/proc/{pid}/status").read().split("VmHWM")[1][:40])
end
kill
quit
