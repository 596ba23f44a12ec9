#!/usr/bin/env bash
# `kensa assess --model` on examples/system/home-offline.yaml: evidence from files only (two real
# firmware images and a real capture from ../shared/data), so it runs without the lab. Checks the
# per-component verdicts, that evidence changed the risk graph, that the text and HTML reports
# carry the per-component and per-stakeholder sections, and the golden projection of the
# `system` section (system/tests/golden/home-offline.json; regenerate with KENSA_UPDATE_GOLDEN=1
# after checking the difference by hand).
#   usage: assess_offline_test.sh KENSA_BINARY SOURCE_DIR
set -euo pipefail
kensa=$1
src=$2
data="$src/../shared/data"
[ -r "$data/firmware/tplink-mt7628-rootfs.squashfs" ] && [ -r "$data/pcap/telnet.pcap" ] ||
  { echo "FAIL: test data missing: $data (../shared beside the checkout)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$kensa" assess --model "$src/examples/system/home-offline.yaml" --out "$work" \
  --format json,html,text >"$work/stdout.txt" 2>"$work/stderr.txt" ||
  { cat "$work/stderr.txt"; echo "FAIL: kensa assess --model exited $?"; exit 1; }

grep -q "^Per component" "$work/stdout.txt" || { cat "$work/stdout.txt"; echo "FAIL: no per-component section in the text"; exit 1; }
grep -q "^Per stakeholder" "$work/assessment.txt" || { echo "FAIL: no per-stakeholder section in assessment.txt"; exit 1; }
grep -q 'id="system-components"' "$work/assessment.html" || { echo "FAIL: no per-component section in the HTML"; exit 1; }
grep -q 'id="system-stakeholders"' "$work/assessment.html" || { echo "FAIL: no per-stakeholder section in the HTML"; exit 1; }

python3 - "$work/assessment.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
s = doc["system"]
comps = {c["id"]: c for c in s["components"]}
def verdict(c, req):
    for r in comps[c]["requirements"]:
        if r["requirement"] == req:
            return r["verdict"]
    return None
errors = []
# every component's findings are its own evidence
for cid, c in comps.items():
    for i in c["findings"]:
        f = doc["findings"][i]
        if cid == "lock" or cid == "service":
            errors.append(f"{cid} has findings but no evidence link")
kinds = {cid: {doc["findings"][i]["kind"] for i in c["findings"]} for cid, c in comps.items()}
if not kinds["camera"] or not kinds["router"]:
    errors.append(f"firmware/capture findings missing: {kinds}")
# the camera's image has an empty root password: 5.1-1 fails on the camera, and the camera is
# compromised by evidence, which gives an attack path to the lock
if verdict("camera", "en303645:5.1-1") != "FAIL":
    errors.append(f"camera 5.1-1: {verdict('camera', 'en303645:5.1-1')}")
if not comps["camera"]["compromised"]:
    errors.append("camera not compromised by its evidence")
paths = [[h["component"] for h in p["hops"]] for p in s["risk"]["attack_paths"]]
if not any(p[0] == "camera" and p[-1] == "lock" for p in paths) and not any("camera" in p and p[-1] == "lock" for p in paths):
    errors.append(f"no attack path through the camera to the lock: {paths}")
# the lock has no evidence: nothing can fail or pass on it
for r in comps["lock"]["requirements"]:
    if r["verdict"] in ("FAIL", "PASS"):
        errors.append(f"lock {r['requirement']} {r['verdict']} without evidence")
# the vendor owns the camera's failing 5.1-1
vendor = next(h for h in s["stakeholders"] if h["id"] == "vendor")
if not any(f["component"] == "camera" and f["requirement"] == "en303645:5.1-1" for f in vendor["failing"]):
    errors.append(f"vendor does not own camera 5.1-1: {vendor['failing']}")
roll = {r["requirement"]: r for r in s["requirements"]}
if roll.get("en303645:5.1-1", {}).get("verdict") != "FAIL":
    errors.append("roll-up of 5.1-1 is not FAIL")
if errors:
    print("\n".join("FAIL: " + e for e in errors)); sys.exit(1)
PY

python3 "$src/system/tests/project.py" "$work/assessment.json" >"$work/projection.json"
golden="$src/system/tests/golden/home-offline.json"
if [ "${KENSA_UPDATE_GOLDEN:-0}" = 1 ]; then
  cp "$work/projection.json" "$golden"
  echo "updated $golden"
fi
diff -u "$golden" "$work/projection.json" || { echo "FAIL: the system section differs from $golden"; exit 1; }
echo "PASS"
