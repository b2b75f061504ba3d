#!/usr/bin/env python3
"""Checks conformance/schema/sut.schema.json (the SUT file of vft run; docs/conformance.md):
every SUT file in fixtures/sut/ is valid, an operator-mode SUT file is valid, known mistakes are
refused, and the schema names every member conformance/src/sut.cpp reads (so a member added to
the parser without the schema fails here). Needs python3-jsonschema (scripts/install-deps.sh)."""
import json
import pathlib
import re
import sys

import jsonschema

root = pathlib.Path(__file__).resolve().parent.parent
schema = json.loads((root / "conformance/schema/sut.schema.json").read_text(encoding="utf-8"))
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)
problems = []


def check(name, doc, valid):
    errors = list(validator.iter_errors(doc))
    if valid and errors:
        problems.append(f"{name}: expected valid, got: {errors[0].message}")
    if not valid and not errors:
        problems.append(f"{name}: expected a schema error, got none")


files = sorted((root / "fixtures/sut").glob("*.json"))
if not files:
    problems.append("no SUT files in fixtures/sut")
for f in files:
    check(str(f.relative_to(root)), json.loads(f.read_text(encoding="utf-8")), True)

operated = {"name": "Trygghet T3 (operated)", "orgnr": "312229544",
            "auth": {"type": "helseid", "client_id": "t3", "private_key": "t3.key.pem"},
            "modules": ["alarm", "auth"], "trigger": "manual", "manual_timeout_s": 300}
check("operator mode", operated, True)
check("manual_timeout_s 0", dict(operated, manual_timeout_s=0), False)
check("manual_timeout_s 2.5", dict(operated, manual_timeout_s=2.5), False)
check("manual_timeout_s over a day", dict(operated, manual_timeout_s=86401), False)
check("empty trigger", dict(operated, trigger=""), False)
check("unknown module", dict(operated, modules=["alarms"]), False)
check("helseid without client_id", dict(operated, auth={"type": "helseid", "private_key": "k"}),
      False)
fixed = dict(operated, manual_endpoint="http://192.0.2.10:8443",
             manual_token_service="http://192.0.2.10:8444")
check("operator mode, fixed addresses", fixed, True)
check("manual_endpoint without a port", dict(fixed, manual_endpoint="http://192.0.2.10"), False)
check("manual_endpoint with a path", dict(fixed, manual_endpoint="http://h:1/api"), False)
check("manual_token_service https", dict(fixed, manual_token_service="https://h:1"), False)
receiver = {"name": "EPJ", "orgnr": "312229544"}
check("receiver without base_url", receiver, False)
check("receiver with base_url", dict(receiver, base_url="https://epj.example.no/api"), True)
check("bad service code", dict(receiver, base_url="http://x", service_codes=["XX"]), False)

# Every member the parser reads is in the schema.
parser = (root / "conformance/src/sut.cpp").read_text(encoding="utf-8")
read = set(re.findall(r'get_strings?\((?:d|a|p), "([a-z_]+)"', parser))
read |= set(re.findall(r'(?:HasMember|FindMember)\("([a-z_]+)"\)', parser))
props = set(schema["properties"]) | set(schema["properties"]["auth"]["properties"]) | set(
    schema["properties"]["test_patients"]["items"]["properties"])
for member in sorted(read - props):
    problems.append(f"conformance/src/sut.cpp reads '{member}', which the schema does not name")

for p in problems:
    print("FAIL", p)
print(f"{len(files)} SUT file(s) and 15 cases checked; {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
