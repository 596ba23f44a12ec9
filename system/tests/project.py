"""The part of an assessment's `system` section a golden file pins: verdicts per component,
owners of failures, the roll-up and the risk with the evidence. Reasons and titles are left out
(their wording may be improved without changing a decision)."""
import json
import sys


def project(doc):
    s = doc["system"]
    out = {"id": s["id"], "components": [], "frameworks": {}, "stakeholders": {}, "risk": {}}
    for c in s["components"] + [s["system"]]:
        out["components"].append({
            "id": c["id"],
            "evidence": [e["kind"] for e in c.get("evidence", [])],
            "compromised": sorted({k["kind"] for k in c.get("compromised", [])}),
            "entry_point": c.get("entry_point", False),
            "counts": c["counts"],
            "verdicts": {r["requirement"]: r["verdict"] + " " + r["origin"]
                         for r in c["requirements"]
                         if r["verdict"] in ("FAIL", "INCONCLUSIVE", "PASS")
                         or r["framework"] != "iotssf"},
        })
    for fw in s["frameworks"]:
        out["frameworks"][fw["id"]] = fw["counts"]
    for h in s["stakeholders"]:
        out["stakeholders"][h["id"]] = sorted(f["component"] + " " + f["requirement"]
                                              for f in h["failing"])
    r = s["risk"]
    out["risk"] = {
        "compromised": sorted({c["component"] for c in r["compromised"]}),
        "entries": r["entries"],
        "attack_paths": [" > ".join(h["component"] for h in p["hops"]) for p in r["attack_paths"]],
        "blast_radius": {b["component"]: b["reachable"] for b in r["blast_radius"]},
    }
    return out


if __name__ == "__main__":
    print(json.dumps(project(json.load(open(sys.argv[1]))), indent=1, ensure_ascii=False,
                     sort_keys=True))
