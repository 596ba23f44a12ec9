#!/usr/bin/env python3
"""summary.py RESULTS_DIR: medians of the alternating kensa/nmap runs, ratios, peak RSS, and what each
tool found in the fleet (MQTT brokers) and on the one-host sweep (open ports)."""
import glob, json, os, re, statistics, sys
import xml.etree.ElementTree as ET

out = sys.argv[1]


def runs(name):
    return [json.load(open(p)) for p in sorted(glob.glob(os.path.join(out, name + "-[0-9]*.json")))
            if re.fullmatch(re.escape(name) + r"-\d+\.json", os.path.basename(p))]


def med(rs, key):
    return statistics.median(r[key] for r in rs)


rows = [("lab (13 devices, checks)", "lab-kensa", "lab-nmap"),
        ("fleet 1024 × 18 ports + MQTT", "fleet-kensa", "fleet-nmap"),
        ("65535 ports: connect vs nmap -sT", "ports-kensa", "ports-nmap-sT"),
        ("65535 ports: connect vs nmap -sS", "ports-kensa", "ports-nmap-sS"),
        ("65535 ports: --syn vs nmap -sS", "ports-kensa-syn", "ports-nmap-sS")]
print(f"{'benchmark (median of n runs)':36} {'n':>2} {'kensa s':>8} {'nmap s':>8} {'ratio':>7} "
      f"{'kensa MiB':>10} {'nmap MiB':>9}  kensa runs / nmap runs")
for title, k, n in rows:
    a, b = runs(k), runs(n)
    if not a or not b:
        continue
    ka, nb = med(a, "seconds"), med(b, "seconds")
    print(f"{title:36} {min(len(a), len(b)):>2} {ka:8.2f} {nb:8.2f} {nb / max(ka, 0.01):6.1f}× "
          f"{max(r['peak_rss_mib'] for r in a):10.1f} {max(r['peak_rss_mib'] for r in b):9.1f}  "
          f"{' '.join(str(r['seconds']) for r in a)} / {' '.join(str(r['seconds']) for r in b)}")
f = runs("fleet-kensa")
if f:
    print(f"fleet: kensa {1024 / med(f, 'seconds'):.0f} hosts/s (median)")
for p in sorted(glob.glob(os.path.join(out, "fleet-kensa-findings-*.json"))):
    doc = json.load(open(p))
    brokers = {x["target"] for x in doc["findings"] if x["kind"] == "mqtt-anonymous"}
    print(f"  {os.path.basename(p)}: {len(brokers)} anonymous MQTT brokers")
for p in sorted(glob.glob(os.path.join(out, "fleet-nmap-*.xml"))):
    try:
        root = ET.parse(p).getroot()
    except ET.ParseError:
        continue
    hosts = {h.find("address").get("addr") for h in root.iter("host")
             for port in h.iter("port") if port.get("portid") == "1883"
             and port.find("state").get("state") == "open"}
    print(f"  {os.path.basename(p)}: nmap saw 1883 open on {len(hosts)} hosts")
for p in sorted(glob.glob(os.path.join(out, "ports-kensa*.out"))):
    doc = json.load(open(p))
    print(f"  {os.path.basename(p)}: {sorted(x['port'] for x in doc['findings'] if x['kind'] == 'open-service')}")
for p in sorted(glob.glob(os.path.join(out, "ports-nmap-*.xml"))):
    root = ET.parse(p).getroot()
    print(f"  {os.path.basename(p)}: {sorted(int(x.get('portid')) for x in root.iter('port') if x.find('state').get('state') == 'open')}")
