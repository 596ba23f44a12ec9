#!/usr/bin/env python3
"""measure.py OUT.json CMD...: runs CMD, records wall seconds, exit code and the child's peak RSS."""
import json, resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
start = time.monotonic()
with open(out + ".log", "w") as log:
    rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT)
seconds = time.monotonic() - start
rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
json.dump({"cmd": cmd, "seconds": round(seconds, 2), "rc": rc, "peak_rss_mib": round(rss_kib / 1024, 1)}, open(out, "w"))
print(f"{seconds:8.2f} s  {rss_kib / 1024:7.1f} MiB  rc={rc}  {' '.join(cmd[:6])} ...")
