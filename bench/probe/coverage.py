#!/usr/bin/env python3
"""coverage.py KENSA_FINDINGS.json NMAP.xml: the lab's expected findings, and which tool reported each."""
import json, sys
import xml.etree.ElementTree as ET
findings = json.load(open(sys.argv[1]))["findings"]
have = {(f["target"], f["kind"]) for f in findings}
nmap = {}
try:
    hosts = list(ET.parse(sys.argv[2]).getroot().iter("host"))
except ET.ParseError:  # nmap was stopped before it finished: no host results were written
    print("nmap XML incomplete (nmap stopped before writing host results): nmap column counts nothing")
    hosts = []
for host in hosts:
    addr = host.find("address").get("addr")
    text = []
    for port in host.iter("port"):
        for s in port.iter("script"):
            text.append(s.get("id") + ": " + (s.get("output") or ""))
        svc = port.find("service")
        st = port.find("state")
        if st is not None and st.get("state") == "open" and svc is not None:
            text.append("service: " + " ".join(filter(None, [svc.get("name"), svc.get("product"), svc.get("version")])))
    nmap[addr] = "\n".join(text)
def n(addr, *needles):
    t = nmap.get(addr, "")
    return all(x.lower() in t.lower() for x in needles)
expected = [
    ("10.77.0.10", "default-credential", "telnet admin/admin", lambda a: n(a, "telnet-brute", "valid credentials")),
    ("10.77.0.10", "cleartext-service", "telnet open", lambda a: n(a, "service: telnet")),
    ("10.77.0.10", "no-bruteforce-protection", "no lockout", lambda a: False),
    ("10.77.0.11", "default-credential", "HTTP Basic admin/admin", lambda a: n(a, "valid credentials")),
    ("10.77.0.11", "no-authentication", "open /status", lambda a: False),
    ("10.77.0.11", "cleartext-credential", "login over plain HTTP", lambda a: n(a, "http-")),
    ("10.77.0.12", "mqtt-anonymous", "anonymous MQTT", lambda a: n(a, "mqtt-subscribe", "topic")),
    ("10.77.0.12", "info-disclosure", "retained secret / $SYS version", lambda a: n(a, "mqtt-subscribe", "$SYS")),
    ("10.77.0.13", "tls-legacy-version", "TLS 1.0/1.1", lambda a: n(a, "TLSv1.0")),
    ("10.77.0.13", "tls-self-signed", "self-signed", lambda a: n(a, "ssl-cert")),
    ("10.77.0.13", "tls-expired", "expired", lambda a: n(a, "ssl-cert", "Not valid after")),
    ("10.77.0.13", "tls-weak-key", "RSA-1024", lambda a: n(a, "1024")),
    ("10.77.0.13", "tls-weak-signature", "SHA-1 signature", lambda a: n(a, "sha1")),
    ("10.77.0.13", "tls-name-mismatch", "wrong name", lambda a: False),
    ("10.77.0.14", "coap-unauthenticated", "/.well-known/core", lambda a: n(a, "coap-resources")),
    ("10.77.0.15", "snmp-default-community", "community public", lambda a: n(a, "snmp-", "public") or n(a, "snmp-info")),
    ("10.77.0.16", "ftp-anonymous", "anonymous FTP", lambda a: n(a, "Anonymous FTP login allowed")),
    ("10.77.0.17", "upnp-exposed", "SSDP/IGD", lambda a: n(a, "upnp")),
    ("10.77.0.20", "(none)", "hardened: nothing above info", None),
]
print(f"{'device':12} {'expected finding':28} {'kensa':>6} {'nmap':>6}")
k_total = n_total = 0
for addr, kind, what, nm in expected:
    if nm is None:
        bad = [f for f in findings if f["target"] == addr and f["severity"] != "info"]
        print(f"{addr:12} {what:28} {'yes' if not bad else 'NO':>6} {'n/a':>6}")
        continue
    k = (addr, kind) in have
    m = bool(nm(addr))
    k_total += k; n_total += m
    print(f"{addr:12} {kind + ' (' + what + ')':28.28} {'yes' if k else 'no':>6} {'yes' if m else 'no':>6}")
print(f"covered: kensa {k_total}/{len(expected) - 1}, nmap {n_total}/{len(expected) - 1}")
