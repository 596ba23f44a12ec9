#!/usr/bin/env python3
"""Generate a large kensa system model (JSON, kensa.model/1) for the scale benchmark.

Usage: gen_model.py COMPONENTS [FLOWS_PER_COMPONENT=5] [SEED=1] > model.json 2> counts
(counts: "components connections")

Shape: an operator's fleet of sites. 1 % of components are internet-exposed gateways in a DMZ,
10 % are constrained actuators, the rest servers, controllers and sensors spread over 50 site
zones; 5 flows per component, mostly within a site, 30 % authenticated; 5 % of devices share
credentials in groups of 100 and firmware repeats over 200 vendor/model/version combinations.
"""
import json
import random
import sys

n = int(sys.argv[1])
per = int(sys.argv[2]) if len(sys.argv) > 2 else 5
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
sites = 50

zones = [{"id": "internet", "kind": "internet", "trust": 0}, {"id": "dmz", "kind": "dmz", "trust": 1}]
zones += [{"id": f"site{s}", "kind": "ot", "trust": 3} for s in range(sites)]
boundaries = [{"id": "perimeter", "zones": ["internet", "dmz"]}]
boundaries += [{"id": f"b{s}", "zones": ["dmz", f"site{s}"]} for s in range(sites)]

components = []
site_of = []
for i in range(n):
    r = rng.random()
    site = i % sites
    c = {"id": f"c{i}", "name": f"component {i}"}
    if r < 0.01:
        c.update(kind="gateway", layer="network", zone="dmz", internet_exposed=True, has_accounts=True)
    elif r < 0.11:
        c.update(kind="actuator", layer="device", zone=f"site{site}", constrained=True,
                 physical_actuation=True)
    elif r < 0.31:
        c.update(kind="server", layer="platform", zone=f"site{site}", user_operated=True,
                 has_accounts=True, data=["telemetry"])
    elif r < 0.51:
        c.update(kind="controller", layer="device", zone=f"site{site}")
    else:
        c.update(kind="sensor", layer="device", zone=f"site{site}", constrained=True)
    if rng.random() < 0.05:
        c["credentials"] = [f"cred{i // 100}"]
    k = rng.randrange(200)
    c.update(vendor=f"vendor{k % 20}", model=f"model{k}", firmware={"version": f"1.{k % 7}"})
    components.append(c)
    site_of.append(site)

by_site = [[] for _ in range(sites)]
for i, s in enumerate(site_of):
    by_site[s].append(i)
gateways = [i for i, c in enumerate(components) if c.get("internet_exposed")] or [0]

connections = []
for i in range(n):
    for j in range(per):
        if components[i].get("internet_exposed") and j == 0:
            target = rng.choice(by_site[rng.randrange(sites)])
        elif rng.random() < 0.9:
            target = rng.choice(by_site[site_of[i]])
        else:
            target = rng.randrange(n)
        if target == i:
            continue
        conn = {"id": f"f{i}_{j}", "from": f"c{i}", "to": f"c{target}", "protocol": "tcp"}
        if rng.random() < 0.3:
            conn.update(authenticated=True, encrypted=True)
        connections.append(conn)

stakeholders = [{"id": "operator", "role": "user", "applying_entity": True}]
stakeholders += [{"id": f"vendor{v}", "role": "developer"} for v in range(9)]
responsibilities = [{"stakeholder": "operator", "components": [c["id"] for c in components],
                     "duties": ["operate"]}]
responsibilities += [{"stakeholder": f"vendor{v}",
                      "components": [c["id"] for c in components if c["vendor"] == f"vendor{v}"],
                      "duties": ["update"]} for v in range(9)]
incidents = [{
    "id": f"i{k}", "entry": f"c{gateways[k % len(gateways)]}", "threats": ["UA", "MW"],
    "impacts": [{"stakeholder": "operator", "safety": "serious-injury", "internal": "stop",
                 "external": "customers", "duration": "long", "substitutable": False},
                {"stakeholder": f"vendor{k % 9}", "recall": True}]} for k in range(20)]
doc = {
    "kensa-model": 1,
    "system": {"id": f"generated-{n}", "target": {"axis1": 1, "axis2": 1}},
    "zones": zones, "trust_boundaries": boundaries, "components": components,
    "connections": connections, "stakeholders": stakeholders,
    "responsibilities": responsibilities, "incidents": incidents,
    "data": [{"id": "telemetry", "events": [{"event": "DMF-E1", "component": "c1"}]}],
}
# json.dumps: the C encoder (json.dump streams through the pure-Python one, ~20x slower).
sys.stdout.write(json.dumps(doc, separators=(",", ":")))
print(len(components), len(connections), file=sys.stderr)  # counts for run.sh
