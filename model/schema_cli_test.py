#!/usr/bin/env python3
"""End-to-end check of the model format through the kensa binary.

Usage: schema_cli_test.py KENSA SOURCE_DIR

1. Every fixture validates against model/model.schema.json (JSON Schema 2020-12).
2. kensa's canonical form (`kensa model export-otm` then `import-otm`) validates too, so the schema
   and the loader agree on every key the loader writes.
3. A document the schema must reject is rejected (the check can fail).
4. `kensa risk FIXTURE --json` exits 0 and emits kensa.risk/1; `kensa model validate` on a broken
   model exits 2 naming file:line:column.
"""
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

try:
    import jsonschema
    import yaml
except ImportError as e:  # a missing dependency must fail, not skip
    sys.exit(f"FAIL: {e}; install python3-jsonschema and python3-yaml (scripts/deps/model.txt)")

kensa, source = sys.argv[1], pathlib.Path(sys.argv[2])
schema = json.loads((source / "model" / "model.schema.json").read_text())
validator = jsonschema.Draft202012Validator(schema)
fixtures = sorted((source / "model" / "fixtures").glob("*.yaml"))
assert len(fixtures) >= 9, fixtures
failures = 0


def check(doc, name):
    global failures
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for err in errors:
        failures += 1
        print(f"FAIL {name}: {'/'.join(map(str, err.path))}: {err.message}")


with tempfile.TemporaryDirectory() as tmp:
    for f in fixtures:
        check(yaml.safe_load(f.read_text()), f.name)
        otm = pathlib.Path(tmp) / (f.stem + ".otm.json")
        subprocess.run([kensa, "model", "export-otm", str(f), "-o", str(otm)], check=True)
        canonical = subprocess.run([kensa, "model", "import-otm", str(otm)], check=True,
                                   capture_output=True, text=True).stdout
        check(json.loads(canonical), f.name + " (canonical)")
        risk = subprocess.run([kensa, "risk", str(f), "--json"], capture_output=True, text=True)
        if risk.returncode != 0 or json.loads(risk.stdout)["schema"] != "kensa.risk/1":
            failures += 1
            print(f"FAIL kensa risk {f.name}: exit {risk.returncode} {risk.stderr}")

    dot = pathlib.Path(tmp) / "plant.dot"
    reqs = pathlib.Path(tmp) / "requirements.json"
    plant = source / "model" / "fixtures" / "iotssf-2-3-4-chemical-plant.yaml"
    r = subprocess.run([kensa, "risk", str(plant), "--dot", str(dot), "--requirements-out", str(reqs)],
                       capture_output=True, text=True)
    if r.returncode != 0 or "OUT OF BOUNDS" not in r.stdout or not dot.read_text().startswith("digraph"):
        failures += 1
        print(f"FAIL kensa risk --dot: exit {r.returncode} {r.stderr}")
    if not all(e["requirement"].startswith("iotssf:") for e in json.loads(reqs.read_text())):
        failures += 1
        print("FAIL requirement set names a non-IoT-SSF requirement for the plant")
    if not shutil.which("dot"):
        sys.exit("FAIL: Graphviz `dot` is missing; install graphviz (scripts/deps/model.txt)")
    svg = subprocess.run(["dot", "-Tsvg", str(dot)], capture_output=True, text=True)
    if svg.returncode != 0 or "<svg" not in svg.stdout:
        failures += 1
        print(f"FAIL Graphviz could not render the DOT (graphviz installed?): {svg.stderr}")

    bad = {"kensa-model": 1, "system": {"id": "s"}, "components": [{"id": "a", "layer": "cloud"}]}
    if validator.is_valid(bad):
        failures += 1
        print("FAIL the schema accepts layer: cloud")

    broken = pathlib.Path(tmp) / "broken.yaml"
    broken.write_text("kensa-model: 1\nsystem: {id: s}\ncomponents:\n  - {id: a, zone: nowhere}\n")
    r = subprocess.run([kensa, "model", "validate", str(broken)], capture_output=True, text=True)
    if r.returncode != 2 or f"{broken}:4:5:" not in r.stderr or "unknown zone 'nowhere'" not in r.stderr:
        failures += 1
        print(f"FAIL kensa model validate broken.yaml: exit {r.returncode}: {r.stderr}")

    # Policy requirement ids are checked against the catalog by validate as by `kensa risk`.
    policy = pathlib.Path(tmp) / "policy.yaml"
    policy.write_text("kensa-model: 1\nsystem: {id: s}\nstakeholders:\n  - {id: op}\npolicies:\n"
                      "  - {id: p1, stakeholder: op, requirements: [V9-XYZ-99]}\n")
    for command in (["model", "validate"], ["risk"]):
        r = subprocess.run([kensa, *command, str(policy)], capture_output=True, text=True)
        if (r.returncode != 2 or f"{policy}:6:5:" not in r.stderr
                or "unknown IoT-SSF requirement 'V9-XYZ-99'" not in r.stderr):
            failures += 1
            print(f"FAIL kensa {' '.join(command)} policy.yaml: exit {r.returncode}: {r.stderr}")

print(f"{len(fixtures)} fixtures checked, {failures} failures")
sys.exit(1 if failures else 0)
