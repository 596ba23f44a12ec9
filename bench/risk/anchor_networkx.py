#!/usr/bin/env python3
"""The anchor for kensa's graph step: the same reachability, multi-source weighted shortest paths
from every entry point to every safety-relevant component, and per-entry blast radius (first 32
entries), computed with NetworkX on the same model file. It does no rating, threat or requirement
derivation, so it is a lower bound for a Python tool doing what `kensa risk` does.

Usage: anchor_networkx.py MODEL.json → prints counts as JSON
"""
import json
import sys

import networkx as nx

doc = json.load(open(sys.argv[1]))
comps = doc["components"]
zone = {c["id"]: c.get("zone", "") for c in comps}
pairs = set()
for b in doc.get("trust_boundaries", []):
    for x in b["zones"]:
        for y in b["zones"]:
            if x != y:
                pairs.add((x, y))
g = nx.DiGraph()
g.add_nodes_from(c["id"] for c in comps)
for f in doc["connections"]:
    w = 3 if f.get("authenticated") else 1
    if (zone[f["from"]], zone[f["to"]]) in pairs:
        w += 2
    g.add_edge(f["from"], f["to"], weight=w)
    if f.get("bidirectional"):
        g.add_edge(f["to"], f["from"], weight=w)
entries = [c["id"] for c in comps if c.get("internet_exposed") or zone[c["id"]] == "internet"]
dist, paths = nx.multi_source_dijkstra(g, entries, weight="weight")
targets = [c["id"] for c in comps
           if (c.get("physical_actuation") or c.get("safety_functions")) and c["id"] in dist]
blast = [len(nx.descendants(g, e)) for e in entries[:32]]
print(json.dumps({"entries": len(entries), "reachable": len(dist), "paths": len(targets),
                  "max_blast": max(blast) if blast else 0}))
