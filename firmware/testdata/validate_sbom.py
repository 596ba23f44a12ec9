#!/usr/bin/python3
"""Validates a CycloneDX JSON document against the CycloneDX 1.5 schema (draft-07) kept beside
this script. Exit 0 when valid; prints every violation and exits 1 otherwise."""
import json
import pathlib
import sys

import jsonschema

here = pathlib.Path(__file__).resolve().parent / "cyclonedx"
store = {}
for path in here.glob("*.schema.json"):
    schema = json.loads(path.read_text())
    store[schema["$id"]] = schema
    store["http://cyclonedx.org/schema/" + path.name] = schema
bom_schema = json.loads((here / "bom-1.5.SNAPSHOT.schema.json").read_text())
resolver = jsonschema.RefResolver(base_uri=bom_schema["$id"], referrer=bom_schema, store=store)
validator = jsonschema.Draft7Validator(bom_schema, resolver=resolver,
                                       format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
document = json.loads(pathlib.Path(sys.argv[1]).read_text())
errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
for error in errors:
    print(f"{'/'.join(map(str, error.path))}: {error.message}")
if document.get("specVersion") != "1.5":
    print("specVersion is not 1.5")
    sys.exit(1)
sys.exit(1 if errors else 0)
