#!/usr/bin/env python3
"""Consistency checks for the VKP R4 / JFT JSON fixtures (python3; stdlib, plus `jsonschema` when installed).

  python3 scripts/check-fixtures.py [-v]

Scope: every *.json under fixtures/messages/{valid,invalid,quirks} except the PMD and KITH folders
(scripts/check-pmd-fixtures.py covers PMD; KITH fixtures are XML).

Checks
 1. parsing: every fixture is strict JSON (UTF-8, no NaN/Infinity, no duplicate property), except
    invalid/json/*, where each file must really have the defect its sidecar names (FHIR-JSON-001 does
    not parse, -002 is not UTF-8, -003 nests deeper than 100, -004 has no object with a string
    resourceType, -005 repeats a property).
 2. sidecars: every invalid/quirk fixture has one and every sidecar has a fixture; keys are description,
    spec (vkp-r4|jft|pmd|kith), strict, lenient; every rule ID is in the catalogue table of
    specs/README.md; severities agree with the rule files under specs/ (an ID listed as an error is an
    error/fatal rule at that level, a warning a warning rule; information rules are never listed); the
    lenient level follows from the strict one (rules that are error in strict and warning in lenient
    move to warnings, nothing else changes); quirks fail strict and pass lenient with the same IDs as
    warnings; invalid fixtures expect at least one error or warning; valid sidecars expect no errors.
 3. persons: every FNR/DNR/FHN (identifier systems and any 11-digit number in the raw text) is a
    persons.json person of the right kind, or - only in an invalid fixture whose sidecar expects the
    matching ID-* error - one of persons.json invalid_numbers or a number quoted in the sidecar
    description (a documented deliberate defect); same for organisation numbers (ID-ORG-001); every
    person/organisation display equals the persons.json name.
 4. independent re-derivation of the mechanical rules, compared with every sidecar (valid fixtures:
    none may fire):
    - FHIR-STR-001..007 from the FHIR R4 JSON Schema in specs/vkp-r4/schemas (needs `jsonschema`),
      after the normalisation of DECISIONS.md (drop "", https://loinc.org -> http, wrap single objects
      where the schema has an array) - VKP-LEN-001/002/003 too;
    - CODE-001/002/003 against specs/vkp-r4/codesystems;
    - ID-FNR/DNR/FHN/HPR/ORG/UUID by check digits (2032 K1 rule, +40/+65/+80 offsets, date exists);
    - VKP-SUBJ-001/002 on the subject element of each VKP resource;
    - BDL-001 (duplicate fullUrl) and BDL-002 (unresolved urn:uuid reference);
    and an invalid fixture has at most one JSON-Schema violation (one defect each).
 5. valid fixtures follow the strict-IG conventions (profiles in meta.profile, Composition/Encounter/
    DetectedIssue/MedicationDispense fields, XHTML divs, timestamps with zone, JFT bundle shapes) and
    every urn:uuid reference in a valid bundle resolves; some use æøå/ü.
 6. counts (>= 14 valid, >= 75 invalid, >= 6 quirks) and a note listing catalogue rules that no
    fixture proves yet.
Exit status 0 when everything holds, 1 otherwise.
"""
import datetime
import glob
import json
import os
import re
import sys

# Rules of the base R4 walker (sdk/src/validate/r4_walker.cpp): defined by the compiled model in
# specs/compiled/, not by the rule files; their severity is the definition's (an invariant's
# severity is its own: dom-6 is a warning, per-1 an error).
# The extension checks (sdk/src/validate/extensions.cpp, FHIR-STR-012/013/016/017/018) judge by
# the definitions in the compiled model too. None of them is relaxed at lenient.
MODEL_RULES = {"FHIR-INV-001", "FHIR-STR-010", "FHIR-STR-011", "FHIR-STR-012", "FHIR-STR-013",
               "FHIR-STR-014", "FHIR-STR-015", "FHIR-STR-016", "FHIR-STR-017", "FHIR-STR-018"}

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MSG = os.path.join(REPO, "fixtures", "messages")
CATALOGUE = os.path.join(REPO, "specs", "README.md")
PERSONS = os.path.join(REPO, "fixtures", "persons", "persons.json")
SCHEMA = os.path.join(REPO, "specs", "vkp-r4", "schemas", "fhir-r4.schema.json")
EXCLUDED = {("valid", "pmd"), ("valid", "kith"), ("invalid", "pmd"), ("invalid", "kith")}
VERBOSE = "-v" in sys.argv

FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR = "urn:oid:2.16.578.1.12.4.1.4.2"
FHN = "urn:oid:2.16.578.1.12.4.1.4.3"
HPR = "urn:oid:2.16.578.1.12.4.1.4.4"
ORG = "urn:oid:2.16.578.1.12.4.1.4.101"
ORG_OLD = "urn:oid:2.16.578.1.12.4.1.2.101"
RFC3986 = "urn:ietf:rfc:3986"
SUBJECT_SYSTEMS = {FNR, DNR, FHN}
URN_UUID = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SD = "http://ehelse.no/fhir/StructureDefinition/"
PROFILES = {"Composition": SD + "vkp-Composition-v090", "Encounter": SD + "vkp-Encounter-v090",
            "DetectedIssue": SD + "vkp-DetectedIssue-v090", "MedicationDispense": SD + "vkp-MedicationDispense-v090",
            "Patient": SD + "vkp-Patient-v090", "CarePlan": SD + "vkp-CarePlan-v090"}
SUBJECT_PATH = {"Composition": "subject", "Encounter": "subject", "DetectedIssue": "patient",
                "MedicationDispense": "subject", "EpisodeOfCare": "patient", "CarePlan": "subject"}
XHTML_OPEN = '<div xmlns="http://www.w3.org/1999/xhtml">'
IG_TITLE = "Journalnotat for respons på hendelse"
MECHANICAL = re.compile(r"^(FHIR-STR-00[1-7]|VKP-LEN-00[123]|CODE-00[123]|ID-[A-Z]+-00[12]|VKP-SUBJ-00[12]|VKP-PAT-002|"
                        r"BDL-00[12])$")

problems = []
notes = []
checks_run = []



def r4_resource_types():
    """Concrete resource types of the compiled R4 model (specs/compiled/fhir-r4.model, T records)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "specs", "compiled",
                        "fhir-r4.model")
    out = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("T\t"):
                fields = line.split("\t")
                if fields[2] == "r" and fields[3] == "0":
                    out.add(fields[1])
    return out


R4_RESOURCE_TYPES = r4_resource_types()

def fail(where, msg):
    problems.append("%s: %s" % (where, msg))


def rel(path):
    return os.path.relpath(path, REPO)


# ------------------------------------------------------------------------------------------ identifiers
W1 = [3, 7, 6, 1, 8, 9, 4, 5, 2]
W2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]


def _rem(digits, weights, check):
    return (sum(a * b for a, b in zip(digits, weights)) + check) % 11


def person_number_ok(v, kind):
    """FNR/DNR per domain §5 and DECISIONS.md: K1 old rule or 2032 rule (remainder 0-3), K2 strict,
    D-nummer day +40, month offsets +40/+65/+80, the birth date must exist."""
    if not (isinstance(v, str) and len(v) == 11 and v.isdigit()):
        return False
    d = [int(c) for c in v]
    if _rem(d[:9], W1, d[9]) not in (0, 1, 2, 3) or _rem(d[:10], W2, d[10]) != 0:
        return False
    day, mon, yy, ind = int(v[0:2]), int(v[2:4]), int(v[4:6]), int(v[6:9])
    if kind == "DNR":
        if not 41 <= day <= 71:
            return False
        day -= 40
    for off in (0, 40, 65, 80):
        if 1 <= mon - off <= 12:
            mon -= off
            break
    else:
        return False
    if ind <= 499:
        century = 1900
    elif ind <= 749 and yy >= 54:
        century = 1800
    elif ind >= 900 and yy >= 40:
        century = 1900
    elif yy <= 39:
        century = 2000
    else:
        return False
    try:
        datetime.date(century + yy, mon, day)
    except ValueError:
        return False
    return True


def fhn_ok(v):
    if not (isinstance(v, str) and len(v) == 11 and v.isdigit() and v[0] in "89"):
        return False
    d = [int(c) for c in v]
    return _rem(d[:9], W1, d[9]) == 0 and _rem(d[:10], W2, d[10]) == 0


def orgnr_ok(v):
    if not (isinstance(v, str) and len(v) == 9 and v.isdigit()):
        return False
    d = [int(c) for c in v]
    r = 11 - sum(a * b for a, b in zip(d[:8], [3, 2, 7, 6, 5, 4, 3, 2])) % 11
    return r != 10 and (0 if r == 11 else r) == d[8]


def hpr_ok(v):
    return isinstance(v, str) and v.isdigit() and 1 <= len(v) <= 9 and v[0] != "0"


# ------------------------------------------------------------------------------------------ loading
def strict_loads(data):
    """Parse bytes as strict JSON; raises ValueError with a reason."""
    text = data.decode("utf-8")  # UnicodeDecodeError is a ValueError

    def no_constant(c):
        raise ValueError("non-JSON literal %s" % c)

    def pairs(items):
        keys = [k for k, _ in items]
        dupes = {k for k in keys if keys.count(k) > 1}
        if dupes:
            raise ValueError("duplicate property %s" % sorted(dupes))
        return dict(items)

    return json.loads(text, parse_constant=no_constant, object_pairs_hook=pairs)


def depth(node):
    if isinstance(node, dict):
        return 1 + max([depth(v) for v in node.values()] or [0])
    if isinstance(node, list):
        return 1 + max([depth(v) for v in node] or [0])
    return 0


def load_catalogue():
    ids = set()
    with open(CATALOGUE, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\|\s*([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d{3})\s*\|\s*(.*)\|\s*$", line)
            if m:
                ids.add(m.group(1))
    return ids


def load_rule_severities():
    """rule id -> {"strict": sev, "lenient": sev} from every rule file under specs/."""
    sev = {}
    for path in glob.glob(os.path.join(REPO, "specs", "*", "profiles", "*.json")) + \
            glob.glob(os.path.join(REPO, "specs", "*", "rules", "*.json")):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for r in doc.get("rules", []):
            s = r.get("severity")
            levels = dict(s) if isinstance(s, dict) else {"strict": s, "lenient": s}
            prev = sev.get(r["id"])
            if prev and prev != levels:
                fail(rel(path), "rule %s has different severities in different definitions" % r["id"])
            sev[r["id"]] = levels
    return sev


def load_codesystems():
    out = {}
    for path in glob.glob(os.path.join(REPO, "specs", "*", "codesystems", "*.json")):
        with open(path, encoding="utf-8") as f:
            cs = json.load(f)
        codes = {}

        def walk(concepts):
            for c in concepts:
                codes[c["code"]] = c.get("display")
                walk(c.get("concept", []))
        walk(cs.get("concept", []))
        out[cs["url"]] = codes
    # Coding.system URLs a published profile fixes for a CodeSystem (package.json
    # codingSystemAliases): the same codes, no CODE-003.
    for path in glob.glob(os.path.join(REPO, "specs", "*", "package.json")):
        with open(path, encoding="utf-8") as f:
            pkg = json.load(f)
        for alias, target in pkg.get("codingSystemAliases", {}).items():
            if target in out:
                out[alias] = out[target]
    return out


def fixtures():
    """(path, kind, family) for every fixture message in scope; kind valid|invalid|quirks."""
    out = []
    for kind in ("valid", "invalid"):
        for fam in sorted(os.listdir(os.path.join(MSG, kind))):
            if (kind, fam) in EXCLUDED or not os.path.isdir(os.path.join(MSG, kind, fam)):
                continue
            for name in sorted(os.listdir(os.path.join(MSG, kind, fam))):
                if name.endswith(".json") and not name.endswith(".expect.json"):
                    out.append((os.path.join(MSG, kind, fam, name), kind, fam))
    qdir = os.path.join(MSG, "quirks")
    if os.path.isdir(qdir):
        for name in sorted(os.listdir(qdir)):
            if name.endswith(".json") and not name.endswith(".expect.json"):
                out.append((os.path.join(qdir, name), "quirks", "quirks"))
    return out


def resources(doc):
    """(resource, where) for the document and every Bundle entry resource (recursively)."""
    out = []
    if isinstance(doc, dict) and "resourceType" in doc:
        out.append((doc, doc.get("resourceType")))
        if doc.get("resourceType") == "Bundle" and isinstance(doc.get("entry"), list):
            for i, e in enumerate(doc["entry"]):
                if isinstance(e, dict) and isinstance(e.get("resource"), dict):
                    for r, w in resources(e["resource"]):
                        out.append((r, "entry[%d] %s" % (i, w)))
    return out


def walk_dicts(node, path=""):
    if isinstance(node, dict):
        yield node, path
        for k, v in node.items():
            yield from walk_dicts(v, path + "." + k if path else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk_dicts(v, "%s[%d]" % (path, i))


# ------------------------------------------------------------------------------------------ predictions
class Predictor:
    def __init__(self, codesystems):
        self.cs = codesystems
        self.validator = None
        self.last_schema_errors = []
        try:
            import jsonschema  # noqa
            with open(SCHEMA, encoding="utf-8") as f:
                schema = json.load(f)
            self.validator = jsonschema.Draft7Validator(schema)
        except ImportError:
            notes.append("python module jsonschema not installed: FHIR-STR-* and VKP-LEN-001 were not "
                         "re-derived (apt-get install python3-jsonschema)")

    # --- schema + normalisation -------------------------------------------------------------
    def structure(self, doc):
        """(normalised doc, predicted errors) - VKP-LEN-001/002/003 and FHIR-STR-*."""
        found = set()
        doc = json.loads(json.dumps(doc))
        for d, _ in walk_dicts(doc):
            if d.get("system") == "https://loinc.org":
                d["system"] = "http://loinc.org"
                found.add("VKP-LEN-003")
        for d, _ in list(walk_dicts(doc)):
            for k in [k for k, v in d.items() if v == ""]:
                del d[k]
                found.add("VKP-LEN-002")
        if self.validator is None:
            return doc, found, False
        for _ in range(50):
            changed = False
            for err in sorted(self.validator.iter_errors(doc), key=lambda e: -len(e.absolute_path)):
                path = list(err.absolute_path)
                if not path:
                    continue
                parent = doc
                for p in path[:-1]:
                    parent = parent[p]
                if err.validator == "type" and "array" in (err.validator_value if isinstance(
                        err.validator_value, list) else [err.validator_value]) and isinstance(err.instance, dict):
                    parent[path[-1]] = [err.instance]
                    found.add("VKP-LEN-001")
                    changed = True
                    break
            if not changed:
                break
        self.last_schema_errors = ["%s at /%s" % (e.validator, "/".join(str(x) for x in e.absolute_path))
                                   for e in self.validator.iter_errors(doc)]
        for err in self.validator.iter_errors(doc):
            if (err.validator == "enum" and list(err.absolute_path)[-1:] == ["resourceType"]
                    and err.instance in R4_RESOURCE_TYPES):
                continue  # an R4 type the schema does not describe: the compiled R4 model judges it
            found.add(self.schema_rule(err))
        return doc, found, True

    @staticmethod
    def schema_rule(err):
        v = err.validator
        if v == "enum" and list(err.absolute_path)[-1:] == ["resourceType"]:
            return "FHIR-STR-001"
        return {"required": "FHIR-STR-002", "anyOf": "FHIR-STR-002", "type": "FHIR-STR-003",
                "pattern": "FHIR-STR-004", "minLength": "FHIR-STR-004", "additionalProperties": "FHIR-STR-005",
                "enum": "FHIR-STR-006", "const": "FHIR-STR-006", "minItems": "FHIR-STR-007",
                "minProperties": "FHIR-STR-007"}.get(v, "FHIR-STR-009(%s)" % v)

    # --- codes, identifiers, subjects, bundles --------------------------------------------
    def codes(self, doc):
        errs, warns = set(), set()
        for d, _ in walk_dicts(doc):
            if not (isinstance(d.get("system"), str) and "code" in d):
                continue
            system = d["system"]
            if "/ValueSet/" in system and system not in self.cs:
                warns.add("CODE-003")
                system = system.replace("/ValueSet/", "/CodeSystem/")
            codes = self.cs.get(system)
            if codes is None:
                continue
            if d["code"] not in codes:
                errs.add("CODE-001")
            elif "display" in d and d["display"] != codes[d["code"]]:
                warns.add("CODE-002")
        return errs, warns

    @staticmethod
    def identifiers(doc):
        errs, warns = set(), set()
        for d, _ in walk_dicts(doc):
            s, v = d.get("system"), d.get("value")
            if not isinstance(s, str) or "value" not in d:
                continue
            if s == FNR and not person_number_ok(v, "FNR"):
                errs.add("ID-FNR-001")
            elif s == DNR and not person_number_ok(v, "DNR"):
                errs.add("ID-DNR-001")
            elif s == FHN and not fhn_ok(v):
                errs.add("ID-FHN-001")
            elif s == HPR and not hpr_ok(v):
                errs.add("ID-HPR-001")
            elif s in (ORG, ORG_OLD):
                if s == ORG_OLD:
                    warns.add("ID-ORG-002")
                if not orgnr_ok(v):
                    errs.add("ID-ORG-001")
            elif s == RFC3986 and not (isinstance(v, str) and (URN_UUID.match(v) or v.startswith("urn:oid:"))):
                errs.add("ID-UUID-001")
        return errs, warns

    @staticmethod
    def subjects(doc):
        errs, warns = set(), set()
        for r, _ in resources(doc):
            rt = r.get("resourceType")
            if rt == "Patient":
                # no-basis-Patient slices identifier open by system: another system only warns.
                ids = r.get("identifier")
                if isinstance(ids, list) and ids and not any(
                        isinstance(i, dict) and i.get("system") in SUBJECT_SYSTEMS for i in ids):
                    warns.add("VKP-PAT-002")
                continue
            ref = r.get(SUBJECT_PATH.get(rt, "-"))
            if not isinstance(ref, dict):
                continue
            ident = ref.get("identifier")
            if isinstance(ident, dict):
                if ident.get("system") not in SUBJECT_SYSTEMS:
                    errs.add("VKP-SUBJ-001")
            elif "reference" not in ref:
                errs.add("VKP-SUBJ-001")
            if "display" not in ref:
                warns.add("VKP-SUBJ-002")
        return errs, warns

    @staticmethod
    def bundle_refs(doc):
        errs = set()
        if not (isinstance(doc, dict) and doc.get("resourceType") == "Bundle"):
            return errs
        urls = [e.get("fullUrl") for e in doc.get("entry", []) if isinstance(e, dict) and e.get("fullUrl")]
        if len(urls) != len(set(urls)):
            errs.add("BDL-001")
        for d, _ in walk_dicts(doc.get("entry", [])):
            ref = d.get("reference")
            if isinstance(ref, str) and ref.startswith("urn:uuid:") and ref not in urls:
                errs.add("BDL-002")
        return errs

    def predict(self, doc):
        norm, structural, schema_used = self.structure(doc)
        errs, warns = set(structural), set()
        for fn in (self.codes, self.identifiers, self.subjects):
            e, w = fn(norm)
            errs |= e
            warns |= w
        errs |= self.bundle_refs(norm)
        return norm, errs, warns, schema_used


# ------------------------------------------------------------------------------------------ checks
def check_sidecar(path, kind, fam, sc, catalogue, sev):
    where = rel(path)
    extra = set(sc) - {"description", "spec", "strict", "lenient"}
    if extra:
        fail(where, "unexpected keys %s" % sorted(extra))
    if not isinstance(sc.get("description"), str) or not sc["description"].strip():
        fail(where, "no description")
    if "spec" in sc and sc["spec"] not in ("vkp-r4", "jft", "pmd", "kith"):
        fail(where, "spec %r" % sc["spec"])
    if fam == "jft" and sc.get("spec") != "jft":
        fail(where, "jft fixtures must set spec 'jft'")
    if "strict" not in sc:
        fail(where, "no strict level")
    for level in ("strict", "lenient"):
        if level not in sc:
            continue
        lv = sc[level]
        if not isinstance(lv, dict) or set(lv) - {"errors", "warnings"} or not isinstance(lv.get("errors"), list):
            fail(where, "%s must be {errors: [...], warnings?: [...]}" % level)
            continue
        for kind_ in ("errors", "warnings"):
            ids = lv.get(kind_, [])
            if not isinstance(ids, list) or len(ids) != len(set(ids)):
                fail(where, "%s.%s must be a list without repeats" % (level, kind_))
                continue
            for rid in ids:
                if rid not in catalogue:
                    fail(where, "%s.%s: %s is not in the catalogue table of specs/README.md" % (level, kind_, rid))
                    continue
                if rid in MODEL_RULES:
                    continue  # severity from the compiled R4 model (e.g. an invariant's own)
                s = sev.get(rid, {}).get(level)
                if s is None:
                    fail(where, "%s: %s has no definition in the rule files under specs/" % (level, rid))
                elif kind_ == "errors" and s not in ("error", "fatal"):
                    fail(where, "%s.errors lists %s, whose %s severity is %s" % (level, rid, level, s))
                elif kind_ == "warnings" and s != "warning":
                    fail(where, "%s.warnings lists %s, whose %s severity is %s" % (level, rid, level, s))
    strict, lenient = sc.get("strict", {}), sc.get("lenient")
    if kind == "valid":
        if strict.get("errors") != []:
            fail(where, "a valid fixture must expect zero strict errors")
        return
    if lenient is None:
        fail(where, "invalid/quirk sidecars give the lenient level too")
        return
    se = set(strict.get("errors", []))
    want_le = {r for r in se
               if r in MODEL_RULES or sev.get(r, {}).get("lenient") in ("error", "fatal")}
    if set(lenient.get("errors", [])) != want_le:
        fail(where, "lenient errors %s, but the strict errors %s at lenient severity give %s"
             % (sorted(lenient.get("errors", [])), sorted(se), sorted(want_le)))
    if "warnings" in strict and "warnings" in lenient:
        want_lw = set(strict["warnings"]) | {r for r in se if sev.get(r, {}).get("lenient") == "warning"}
        if set(lenient["warnings"]) != want_lw:
            fail(where, "lenient warnings %s, expected %s" % (sorted(lenient["warnings"]), sorted(want_lw)))
    if not se and not strict.get("warnings"):
        fail(where, "an invalid fixture must expect at least one error or warning")
    if kind == "quirks":
        if not se or lenient.get("errors") != [] or set(lenient.get("warnings", [])) != se:
            fail(where, "a quirk fails strict and passes lenient with the same rule IDs as warnings")
        if not se & {"VKP-LEN-001", "VKP-LEN-002", "VKP-LEN-003"}:
            fail(where, "a quirk shows at least one of the domain §6 deviations VKP-LEN-001..003")


def check_json_family(path, data, sc):
    where = rel(path)
    expected = set(sc.get("strict", {}).get("errors", []))
    if len(expected) != 1:
        fail(where, "a json-family fixture expects exactly one rule, got %s" % sorted(expected))
        return
    rule = expected.pop()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if rule != "FHIR-JSON-002":
            fail(where, "not UTF-8, but the sidecar expects %s" % rule)
        return
    if rule == "FHIR-JSON-002":
        fail(where, "valid UTF-8, but the sidecar expects FHIR-JSON-002")
        return
    try:
        json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except ValueError:
        if rule != "FHIR-JSON-001":
            fail(where, "does not parse, but the sidecar expects %s" % rule)
        return
    if rule == "FHIR-JSON-001":
        fail(where, "parses as JSON, but the sidecar expects FHIR-JSON-001")
        return
    doc = json.loads(text)
    if rule == "FHIR-JSON-003":
        if depth(doc) <= 100:
            fail(where, "nesting depth %d, not over 100" % depth(doc))
    elif rule == "FHIR-JSON-004":
        if isinstance(doc, dict) and isinstance(doc.get("resourceType"), str):
            fail(where, "has an object with a string resourceType, but the sidecar expects FHIR-JSON-004")
    elif rule == "FHIR-JSON-005":
        try:
            strict_loads(data)
            fail(where, "no duplicate property, but the sidecar expects FHIR-JSON-005")
        except ValueError:
            pass
    else:
        fail(where, "json-family fixture expects %s" % rule)


def check_persons(path, kind, data, doc, sc, persons):
    where = rel(path)
    by_number = {p["fnr"]: p for p in persons["persons"]}
    fhns = {f["fhn"] for f in persons.get("fhn_numbers", [])}  # felles hjelpenummer: no person behind
    bad_numbers = set(v for k, v in persons.get("invalid_numbers", {}).items() if not k.startswith("_"))
    orgs = {o["orgnr"]: o for o in persons["organisations"]}
    bad_orgs = set(persons.get("invalid_orgnr", []))
    desc = (sc or {}).get("description", "")
    expected = set((sc or {}).get("strict", {}).get("errors", []))

    def person_allowed(value, rule):
        if kind == "valid":
            return False
        return rule in expected and (value in bad_numbers or value in desc)

    text = data.decode("utf-8", errors="replace")
    for num in set(re.findall(r"(?<![\w.\-])\d{11}(?![\w.\-])", text)):
        if num not in by_number and num not in fhns and num not in bad_numbers and not (kind != "valid" and num in desc):
            fail(where, "11-digit number %s is not a persons.json number nor documented in the sidecar" % num)
    for num in set(re.findall(r"(?<![\w.\-])\d{9}(?![\w.\-])", text)):
        if num not in orgs and num not in bad_orgs and not (kind != "valid" and num in desc):
            fail(where, "9-digit number %s is not a persons.json organisation number nor documented" % num)
    if doc is None:
        return
    for d, p in walk_dicts(doc):
        ident = d.get("identifier") if isinstance(d.get("identifier"), dict) else None
        s, v = d.get("system"), d.get("value")
        if s in (FNR, DNR, FHN) and isinstance(v, str):
            person = by_number.get(v)
            want_kind = {FNR: "FNR", DNR: "DNR", FHN: "FHN"}[s]
            if (person and person["kind"] == want_kind) or (s == FHN and v in fhns):
                pass
            elif not person_allowed(v, "ID-%s-001" % want_kind):
                fail(where, "%s: %s %s is not a persons.json %s (nor a documented deliberate defect with "
                            "ID-%s-001 expected)" % (p, s, v, want_kind, want_kind))
        if s in (ORG, ORG_OLD) and isinstance(v, str) and v not in orgs:
            if kind == "valid" or "ID-ORG-001" not in expected or not (v in bad_orgs or v in desc):
                fail(where, "%s: orgnr %s is not a persons.json organisation" % (p, v))
        if ident and d.get("display") and isinstance(ident.get("value"), str):
            person = by_number.get(ident["value"])
            org = orgs.get(ident["value"])
            if person and d["display"] != person["name"]:
                fail(where, "%s.display %r, persons.json says %r" % (p, d["display"], person["name"]))
            if org and d["display"] != org["name"] and ident.get("system") != HPR:
                fail(where, "%s.display %r, persons.json says %r" % (p, d["display"], org["name"]))
        if d.get("resourceType") == "Patient":
            for i in d.get("identifier", []) if isinstance(d.get("identifier"), list) else []:
                person = by_number.get(i.get("value")) if isinstance(i, dict) else None
                if person:
                    names = d.get("name", [{}])
                    n = names[0] if isinstance(names, list) and names else {}
                    if n.get("family") != person["family"] or n.get("given") != person["given"]:
                        fail(where, "Patient name %r does not match persons.json %r" % (n, person["name"]))
                    if d.get("birthDate") not in (None, person["born"]) or d.get("gender") not in (None, person["sex"]):
                        if kind == "valid":
                            fail(where, "Patient birthDate/gender differ from persons.json")


def check_valid_conventions(path, doc, sc=None):
    where = rel(path)
    # What the published profiles allow but vft warns about is listed in the sidecar; the
    # convention it stands for is not required of that fixture.
    warned = set(((sc or {}).get("strict") or {}).get("warnings", []))
    for r, w in resources(doc):
        rt = r.get("resourceType")
        ww = "%s %s" % (where, w)
        if rt in PROFILES and PROFILES[rt] not in r.get("meta", {}).get("profile", []):
            fail(ww, "meta.profile lacks %s" % PROFILES[rt])
        if rt == "Composition":
            if r.get("status") != "final":
                fail(ww, "status %r" % r.get("status"))
            if r.get("type") != {"coding": [{"system": "http://loinc.org", "code": "34133-9",
                                            "display": "Summarization of episode note"}]}:
                fail(ww, "type is not LOINC 34133-9 'Summarization of episode note'")
            if r.get("title") != IG_TITLE:
                fail(ww, "title %r is not the IG title" % r.get("title"))
            for a in r.get("author", []):
                if not a.get("display") or not (a.get("identifier") or a.get("reference")):
                    fail(ww, "author needs identifier/reference and display")
            for e in r.get("event", []):
                if not e.get("code") or not e.get("period", {}).get("start"):
                    fail(ww, "event without code or period.start")
            if not r.get("section"):
                fail(ww, "no section")
            for s in r.get("section", []):
                t = s.get("text", {})
                if not s.get("code") or not s.get("title") or t.get("status") != "additional" or \
                        not t.get("div", "").startswith(XHTML_OPEN) or not t.get("div", "").endswith("</div>"):
                    fail(ww, "section needs code, title, text.status additional and an XHTML div")
        elif rt == "Encounter":
            ident = r.get("identifier", [{}])[0]
            if r.get("status") != "finished" or ident.get("system") != RFC3986 or \
                    not URN_UUID.match(ident.get("value", "")):
                fail(ww, "status finished and identifier urn:ietf:rfc:3986 urn:uuid expected")
            if r.get("class", {}).get("system") != "http://terminology.hl7.org/CodeSystem/v3-ActCode":
                fail(ww, "class must be v3-ActCode")
            if not (r.get("period", {}).get("start") and r.get("period", {}).get("end")):
                fail(ww, "period needs start and end")
            for p in r.get("participant", []):
                if len(p.get("type", [])) != 1 or not p.get("period") or not p.get("individual"):
                    fail(ww, "participant needs one type, period and individual")
            if len(r.get("reasonCode", [])) != 1:
                fail(ww, "one reasonCode expected in the valid fixtures")
            if not any(" @ " in (l.get("location", {}).get("display") or "") for l in r.get("location", [])):
                fail(ww, "location.location.display '[rom] @ [sted]' expected")
        elif rt == "DetectedIssue":
            urls = {e.get("url") for e in r.get("extension", [])}
            # The triage extension is not in the published IG (issue 20): not written any more.
            if SD + "vkp-severity-level-v090" not in urls:
                fail(ww, "severity-level extension expected")
            if not r.get("identifiedDateTime") or not r.get("code") or not r.get("patient"):
                fail(ww, "code, patient and identifiedDateTime expected")
        elif rt == "MedicationDispense":
            ident = r.get("identifier", [{}])[0]
            if ident.get("system") != RFC3986 or not URN_UUID.match(ident.get("value", "")):
                fail(ww, "identifier urn:ietf:rfc:3986 urn:uuid expected")
            if (r.get("status") != "completed" and "VKP-MD-002" not in warned) or \
                    (not r.get("whenHandedOver") and "VKP-MD-009" not in warned) or not r.get("category"):
                fail(ww, "status completed, category and whenHandedOver expected")
            for p in r.get("performer", []):
                a = p.get("actor", {})
                if "reference" in a or not a.get("identifier", {}).get("system") or \
                        not a.get("identifier", {}).get("value") or not a.get("display"):
                    fail(ww, "performer.actor by identifier (system+value) and display only")
            cat = r.get("category", {}).get("coding", [{}])[0].get("code", "")
            if cat.startswith("2") and not any(d.get("text") for d in r.get("dosageInstruction", [])):
                fail(ww, "travel dose (category 2.x) needs dosageInstruction.text")
    for d, p in walk_dicts(doc):
        for k, v in d.items():
            if isinstance(v, str) and re.match(r"^\d{4}-\d{2}-\d{2}T", v) and \
                    not re.search(r"(Z|[+-]\d{2}:\d{2})$", v):
                fail(where, "%s.%s %r has no time zone" % (p, k, v))
    if doc.get("resourceType") == "Bundle":
        bt = doc.get("type")
        entries = doc.get("entry", [])
        urls = [e.get("fullUrl") for e in entries]
        for u_ in urls:
            if not URN_UUID.match(u_ or ""):
                fail(where, "fullUrl %r is not urn:uuid:<lower-case uuid>" % u_)
        if len(urls) != len(set(urls)):
            fail(where, "fullUrl not unique")
        for d, p in walk_dicts(entries):
            ref = d.get("reference")
            if isinstance(ref, str) and ref.startswith("urn:uuid:") and ref not in urls:
                fail(where, "%s reference %s does not resolve" % (p, ref))
        if bt != "searchset":
            if not doc.get("identifier", {}).get("system") or not URN_UUID.match(
                    doc.get("identifier", {}).get("value", "")):
                fail(where, "Bundle.identifier {system, value urn:uuid} expected")
            if not doc.get("timestamp"):
                fail(where, "Bundle.timestamp expected")
        if bt == "document" and (not entries or entries[0]["resource"]["resourceType"] != "Composition"):
            fail(where, "document Bundle: Composition first")
        if bt == "transaction":
            for e in entries:
                req = e.get("request", {})
                if req.get("method") != "POST" or req.get("url") != e["resource"]["resourceType"]:
                    fail(where, "transaction entry.request {POST, <ResourceType>} expected")
        if bt == "searchset":
            if doc.get("total") is None:
                fail(where, "searchset needs total")
            for e in entries:
                if e.get("search", {}).get("mode") not in ("match", "include"):
                    fail(where, "searchset entry.search.mode expected")
    else:
        for d, p in walk_dicts(doc):
            if isinstance(d.get("reference"), str) and d["reference"].startswith("urn:uuid:"):
                fail(where, "%s: urn:uuid reference outside a Bundle" % p)


def compare_predictions(path, kind, sc, pred_errs, pred_warns, schema_used):
    where = rel(path)
    if not schema_used:
        pred_errs = {e for e in pred_errs if not e.startswith("FHIR-STR") and e != "VKP-LEN-001"}
    strict = (sc or {}).get("strict", {"errors": []})
    exp_errs = {e for e in strict.get("errors", []) if MECHANICAL.match(e)}
    if not schema_used:
        exp_errs = {e for e in exp_errs if not e.startswith("FHIR-STR") and e != "VKP-LEN-001"}
    # VKP-SUBJ-001 is relaxed, VKP-LEN-* too: they are errors in strict, so they count as errors here.
    pe = {e for e in pred_errs if MECHANICAL.match(e) or e.startswith("FHIR-STR-009")}
    if pe != exp_errs:
        fail(where, "mechanical rules re-derived %s, sidecar strict errors name %s" % (sorted(pe), sorted(exp_errs)))
    listed = set(strict.get("warnings", []))
    if kind == "valid" and pred_warns - listed:
        fail(where, "valid fixture would warn: %s" % sorted(pred_warns - listed))
    if "warnings" in strict:
        exp_w = {w for w in strict["warnings"] if MECHANICAL.match(w)}
        if pred_warns != exp_w:
            fail(where, "mechanical warnings re-derived %s, sidecar strict warnings name %s"
                 % (sorted(pred_warns), sorted(exp_w)))


def main():
    catalogue = load_catalogue()
    sev = load_rule_severities()
    with open(PERSONS, encoding="utf-8") as f:
        persons = json.load(f)
    predictor = Predictor(load_codesystems())
    checks_run.append("catalogue: %d rule IDs in the specs/README.md table; %d rules in the spec files"
                      % (len(catalogue), len(sev)))
    for rid in sorted(set(sev) - catalogue):
        notes.append("rule %s is defined under specs/ but missing from the catalogue table" % rid)
    for rid in sorted(catalogue - set(sev)):
        notes.append("catalogue rule %s has no definition under specs/" % rid)

    checks_run.append("persons.json: every person number passes the check digits and date rules, every "
                      "invalid_numbers / invalid_orgnr entry fails them, organisations pass mod-11")
    for p in persons["persons"]:
        if not person_number_ok(p["fnr"], p["kind"]):
            fail(rel(PERSONS), "%s %s fails the identifier rules" % (p["kind"], p["fnr"]))
    for k, v in persons.get("invalid_numbers", {}).items():
        if person_number_ok(v, "FNR"):
            fail(rel(PERSONS), "invalid_numbers.%s %s is valid" % (k, v))
    for o in persons["organisations"]:
        if not orgnr_ok(o["orgnr"]):
            fail(rel(PERSONS), "orgnr %s fails mod-11" % o["orgnr"])
    for o in persons.get("invalid_orgnr", []):
        if orgnr_ok(o):
            fail(rel(PERSONS), "invalid_orgnr %s passes mod-11" % o)

    all_fx = fixtures()
    counts = {}
    proven = set()
    norwegian = 0
    fixture_paths = set()
    for path, kind, fam in all_fx:
        fixture_paths.add(path)
        counts[(kind, fam)] = counts.get((kind, fam), 0) + 1
        sc_path = path[:-5] + ".expect.json"
        sc = None
        if os.path.exists(sc_path):
            try:
                with open(sc_path, "rb") as f:
                    sc = strict_loads(f.read())
            except ValueError as e:
                fail(rel(sc_path), "sidecar does not parse: %s" % e)
        elif kind != "valid":
            fail(rel(path), "no sidecar")
        if isinstance(sc, dict):
            check_sidecar(path, kind, fam, sc, catalogue, sev)
            for level in ("strict", "lenient"):
                for k in ("errors", "warnings"):
                    proven |= set(sc.get(level, {}).get(k, []))
        with open(path, "rb") as f:
            data = f.read()
        doc = None
        if kind == "invalid" and fam == "json":
            if sc:
                check_json_family(path, data, sc)
            check_persons(path, kind, data, None, sc, persons)
            continue
        try:
            doc = strict_loads(data)
        except ValueError as e:
            fail(rel(path), "not strict JSON: %s" % e)
            check_persons(path, kind, data, None, sc, persons)
            continue
        if not isinstance(doc, dict):
            fail(rel(path), "top level is not an object")
            continue
        check_persons(path, kind, data, doc, sc, persons)
        norm, pe, pw, schema_used = predictor.predict(doc)
        compare_predictions(path, kind, sc, pe, pw, schema_used)
        if schema_used and kind != "valid" and len(predictor.last_schema_errors) > 1:
            fail(rel(path), "one defect per fixture, but the schema reports %d violations: %s"
                 % (len(predictor.last_schema_errors), predictor.last_schema_errors))
        if kind == "valid":
            check_valid_conventions(path, doc, sc)
            if re.search("[æøåÆØÅü]", data.decode("utf-8")):
                norwegian += 1
        if VERBOSE:
            print("%-90s errors %s warnings %s" % (rel(path), sorted(pe), sorted(pw)))
    # orphan sidecars
    for kind in ("valid", "invalid"):
        for sc_path in glob.glob(os.path.join(MSG, kind, "*", "*.expect.json")):
            fam = os.path.basename(os.path.dirname(sc_path))
            if (kind, fam) not in EXCLUDED and sc_path[:-12] + ".json" not in fixture_paths:
                fail(rel(sc_path), "sidecar without fixture")
    for sc_path in glob.glob(os.path.join(MSG, "quirks", "*.expect.json")):
        if sc_path[:-12] + ".json" not in fixture_paths:
            fail(rel(sc_path), "sidecar without fixture")

    checks_run.append("parsing: strict JSON everywhere; invalid/json files really have the sidecar's defect")
    checks_run.append("sidecars: keys, spec, catalogue IDs, severities per level from specs/, lenient derived "
                      "from strict, quirk shape")
    checks_run.append("persons/organisations from persons.json (raw 11- and 9-digit scan as well), displays = "
                      "persons.json names, deliberate bad numbers only where documented and expected")
    checks_run.append("re-derived FHIR-STR (JSON Schema%s), VKP-LEN, CODE, ID, VKP-SUBJ, BDL-001/002 equal the "
                      "sidecars; none in valid fixtures" % ("" if predictor.validator else " SKIPPED"))
    checks_run.append("valid fixtures: strict-IG conventions, zoned timestamps, urn:uuid references resolve")

    n_valid = sum(v for (k, _), v in counts.items() if k == "valid")
    n_invalid = sum(v for (k, _), v in counts.items() if k == "invalid")
    n_quirks = counts.get(("quirks", "quirks"), 0)
    if n_valid < 14:
        fail("valid", "only %d valid fixtures" % n_valid)
    if n_invalid < 75:
        fail("invalid", "only %d invalid fixtures" % n_invalid)
    if n_quirks < 6:
        fail("quirks", "only %d quirk fixtures" % n_quirks)
    if norwegian < 5:
        fail("valid", "only %d valid fixtures use æøå/ü" % norwegian)
    checks_run.append("counts: %d valid (%d with æøå/ü), %d invalid, %d quirks" % (n_valid, norwegian, n_invalid,
                                                                                  n_quirks))
    # rules no fixture proves (PMD and KITH sidecars count too)
    for sc_path in glob.glob(os.path.join(MSG, "*", "*", "*.expect.json")):
        try:
            with open(sc_path, encoding="utf-8") as f:
                sc = json.load(f)
        except ValueError:
            continue
        for level in ("strict", "lenient"):
            for k in ("errors", "warnings"):
                proven |= set(sc.get(level, {}).get(k, []))
    unproven = sorted(r for r in catalogue - proven if sev.get(r, {}).get("strict") != "information")
    if unproven:
        notes.append("catalogue rules no fixture proves: %s" % ", ".join(unproven))

    for (kind, fam), n in sorted(counts.items()):
        print("fixtures: %-8s %-18s %3d" % (kind, fam, n))
    for c in checks_run:
        print("check: " + c)
    for n in notes:
        print("note: " + n)
    if problems:
        print("\n%d problem(s):" % len(problems))
        for p in problems:
            print("  " + p)
        return 1
    print("\nall fixture checks pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
