#!/usr/bin/env python3
"""Consistency checks for the PMD spec data and fixtures (python3, stdlib only).

  python3 scripts/check-pmd-fixtures.py [--domain PATH]

Checks
 1. specs/pmd/vital-signs.json parses, has the documented shape, one entry per vital-sign profile
    the published IG has (specs/upstream/vkp-observation/published), with those canonicals and the
    UCUM units the published snapshots allow, and every code of the domain §2.8 table (hard-coded
    below; blood glucose and questionnaire score have no published profile and are coded on the
    general vkp-Observation; the table is also parsed from the domain fact sheet when it is found:
    --domain, $VFT_DOMAIN_DOC, or ../shared/domain/national-specs.md next to the repo).
 2. every Observation in fixtures/messages/valid/pmd/ uses the codes, value type, UCUM units,
    range and components that vital-signs.json gives for its meta.profile (the two files agree);
    PMD batch / batch-response shape of the valid fixtures.
 3. every FNR / D-nummer / orgnr in any PMD fixture comes from fixtures/persons/persons.json
    (a number from its invalid_numbers only in an invalid fixture whose sidecar expects ID-FNR-001/ID-DNR-001).
 4. every fixture has a sidecar and vice versa; sidecars parse, have the documented keys, and every
    rule ID they name is in the rule catalogue of specs/README.md.
Exit status 0 when everything holds, 1 otherwise.
"""
import argparse
import json
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VITAL = os.path.join(REPO, "specs", "pmd", "vital-signs.json")
CATALOGUE = os.path.join(REPO, "specs", "README.md")
PERSONS = os.path.join(REPO, "fixtures", "persons", "persons.json")
VALID_DIR = os.path.join(REPO, "fixtures", "messages", "valid", "pmd")
INVALID_DIR = os.path.join(REPO, "fixtures", "messages", "invalid", "pmd")

LOINC = "http://loinc.org"
SCT = "http://snomed.info/sct"
NPU = "urn:oid:2.16.578.1.12.4.1.1.7280"
UCUM = "http://unitsofmeasure.org"
FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR = "urn:oid:2.16.578.1.12.4.1.4.2"
FHN = "urn:oid:2.16.578.1.12.4.1.4.3"
ORG = "urn:oid:2.16.578.1.12.4.1.4.101"
RESH = "urn:oid:2.16.578.1.12.4.1.4.102"
ENTRY_ID_EXT = "http://hl7.no/fhir/vkpobservation/StructureDefinition/PmdBundleResponseEntryIdExtension"
PUBLISHED = os.path.join(REPO, "specs", "upstream", "vkp-observation", "published")
GENERAL = "vkp-Observation"  # the general profile: blood glucose, questionnaire score
KOMNR = "https://register.geonorge.no/sosi-kodelister/inndelinger/inndelingsbase/kommunenummer"
BUNDLE_ID = "https://www.nhn.no/komlink/bundle-identifier"
URN_UUID = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DATETIME_TZ = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")

# Domain §2.8 table (id -> codes), plus components and the UCUM unit of the brief.
TABLE = {
    "vkp-Observation-Heartrate": {(LOINC, "8867-4"), (SCT, "364075005")},
    "vkp-Observation-Bloodpressure": {(LOINC, "85354-9"), (SCT, "75367002")},
    "vkp-Observation-Oxygensat": {(LOINC, "2708-6"), (SCT, "431314004")},
    "vkp-Observation-Bodytemp": {(LOINC, "8310-5"), (SCT, "276885007")},
    "vkp-Observation-Bodyweight": {(LOINC, "29463-7"), (SCT, "27113001")},
    "vkp-Observation-Resprate": {(LOINC, "9279-1"), (SCT, "86290005")},
    "vkp-Observation-NEWS2score": {(SCT, "1104051000000101")},
    "vkp-Observation-Consciousness": {(SCT, "1104441000000107")},
    "vkp-Observation-CFSscore": {(SCT, "763264000")},
}
# Domain §2.8 rows without a published profile of their own (vkp-Observation, by code).
GENERAL_TABLE = {
    "Bloodglucose": {(LOINC, "15074-8"), (SCT, "434912009"), (NPU, "NPU02187")},
    "Questionnairescore": {(LOINC, "74465-6")},
}
BP_COMPONENTS = {
    "systolic": {(LOINC, "8480-6"), (SCT, "271649006")},
    "diastolic": {(LOINC, "8462-4"), (SCT, "271650006")},
}
# R4's required value sets the published Bodytemp/Bodyweight snapshots bind valueQuantity.code to
# (valueset-ucum-bodytemp, valueset-ucum-bodyweight of FHIR R4 4.0.1).
R4_UCUM_VALUE_SETS = {
    "http://hl7.org/fhir/ValueSet/ucum-bodytemp|4.0.1": {"Cel", "[degF]"},
    "http://hl7.org/fhir/ValueSet/ucum-bodyweight|4.0.1": {"kg", "g", "[lb_av]"},
}
VALUE_ELEMENT = {"Quantity": "valueQuantity", "integer": "valueInteger",
                 "CodeableConcept": "valueCodeableConcept", "string": "valueString",
                 "boolean": "valueBoolean"}

problems = []
checks_run = []


def fail(where, msg):
    problems.append("%s: %s" % (where, msg))


def rel(path):
    return os.path.relpath(path, REPO)


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail(rel(path), "does not parse: %s" % e)
        return None


def codings(cc):
    return {(c.get("system"), c.get("code")) for c in (cc or {}).get("coding", []) if isinstance(c, dict)}


# ------------------------------------------------------------------ 1. vital-signs.json
def domain_table_codes(path):
    """All codes in the §2.8 table of the domain fact sheet."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^### 2\.8 .*?$(.*?)^### ", text, re.S | re.M)
    if not m:
        return None
    codes = set()
    for line in m.group(1).splitlines():
        if not line.startswith("|") or line.startswith("|---") or "LOINC | SNOMED" in line:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3:
            continue
        codes.update(re.findall(r"\b\d{1,7}-\d\b", cells[1]))
        codes.update(re.findall(r"\bNPU\d+\b", cells[1]))
        codes.update(re.findall(r"\b\d{6,18}\b", cells[2]))
    return codes


def check_vital_signs(domain_path):
    vs = load_json(VITAL)
    checks_run.append("vital-signs.json parses and has the documented shape")
    if vs is None:
        return None
    where = rel(VITAL)
    for k in ("source", "profileBase", "vitalSigns"):
        if k not in vs:
            fail(where, "missing top-level key %r" % k)
    if set(vs) - {"source", "profileBase", "vitalSigns"}:
        fail(where, "unexpected top-level keys %s" % sorted(set(vs) - {"source", "profileBase", "vitalSigns"}))
    if vs.get("profileBase") != "http://hl7.no/fhir/vkpobservation/StructureDefinition/":
        fail(where, "profileBase is %r" % vs.get("profileBase"))
    by_id = {}
    for i, sign in enumerate(vs.get("vitalSigns", [])):
        w = "%s vitalSigns[%d]" % (where, i)
        extra = set(sign) - {"id", "name", "codes", "value", "components", "r4VitalSign"}
        if extra:
            fail(w, "unexpected keys %s" % sorted(extra))
        sid = sign.get("id")
        if sid in by_id:
            fail(w, "duplicate id %r" % sid)
        by_id[sid] = sign
        if not sign.get("name"):
            fail(w, "no name")
        check_value_spec(w, sign.get("value"), sid)
        for c in sign.get("codes", []):
            if set(c) != {"system", "code", "display"}:
                fail(w, "code entry keys %s" % sorted(c))
        if not isinstance(sign.get("components"), list):
            fail(w, "components must be a list")
        for j, comp in enumerate(sign.get("components") or []):
            cw = "%s components[%d]" % (w, j)
            if set(comp) != {"name", "codes", "value"}:
                fail(cw, "keys %s" % sorted(comp))
            check_value_spec(cw, comp.get("value"), None)

    checks_run.append("vital-signs.json has exactly the vital-sign profiles of the published IG")
    published = published_profiles()
    if published and set(by_id) != set(published):
        fail(where, "ids %s, the published IG has %s" % (sorted(by_id), sorted(published)))
    if set(by_id) != set(TABLE):
        fail(where, "ids %s, expected %s" % (sorted(by_id), sorted(TABLE)))

    checks_run.append("every code of the domain §2.8 table is in vital-signs.json, on the right vital sign")
    for sid, expected in TABLE.items():
        sign = by_id.get(sid)
        if not sign:
            continue
        got = {(c.get("system"), c.get("code")) for c in sign.get("codes", [])}
        if got != expected:
            fail(where, "%s codes %s, expected %s" % (sid, sorted(got), sorted(expected)))
        units = {u.get("code") for u in sign.get("value", {}).get("units", [])}
        pub = published.get(sid)
        if pub is not None and sid != "vkp-Observation-Bloodpressure":
            if units != pub["units"]:
                fail(where, "%s units %s, the published profile allows %s"
                     % (sid, sorted(units), sorted(pub["units"])))
            if bool(sign.get("r4VitalSign")) != pub["r4"]:
                fail(where, "%s r4VitalSign must be %s (its published base)" % (sid, pub["r4"]))
        if sign.get("value", {}).get("range") is not None:
            fail(where, "%s has a range, but no published profile defines one" % sid)
    bp = by_id.get("vkp-Observation-Bloodpressure")
    if bp:
        if bp.get("value", {}).get("types") != ["none"]:
            fail(where, "vkp-Observation-Bloodpressure value types must be ['none'] (panel: components only)")
        comps = {c.get("name"): c for c in bp.get("components", [])}
        if set(comps) != set(BP_COMPONENTS):
            fail(where, "vkp-Observation-Bloodpressure components %s" % sorted(comps))
        for name, expected in BP_COMPONENTS.items():
            comp = comps.get(name)
            if not comp:
                continue
            got = {(c.get("system"), c.get("code")) for c in comp.get("codes", [])}
            if got != expected:
                fail(where, "vkp-Observation-Bloodpressure %s codes %s" % (name, sorted(got)))
            units = {(u.get("system"), u.get("code")) for u in comp.get("value", {}).get("units", [])}
            if units != {(UCUM, "mm[Hg]")}:
                fail(where, "vkp-Observation-Bloodpressure %s units %s" % (name, sorted(units)))
    for sid, sign in by_id.items():
        if sid != "vkp-Observation-Bloodpressure" and sign.get("components"):
            fail(where, "%s has components" % sid)

    all_codes = {code for codes in TABLE.values() for _, code in codes}
    all_codes |= {code for codes in GENERAL_TABLE.values() for _, code in codes}
    all_codes |= {code for codes in BP_COMPONENTS.values() for _, code in codes}
    if domain_path and os.path.exists(domain_path):
        checks_run.append("hard-coded §2.8 table equals the table parsed from %s" % domain_path)
        parsed = domain_table_codes(domain_path)
        if parsed is None:
            fail(domain_path, "§2.8 table not found")
        elif parsed != all_codes:
            fail(domain_path, "§2.8 table codes differ from this script: only in domain %s, only here %s"
                 % (sorted(parsed - all_codes), sorted(all_codes - parsed)))
    else:
        checks_run.append("(domain fact sheet not found; §2.8 checked against the hard-coded table only)")
    return vs


def published_profiles():
    """Vital-sign profiles of the published IG: id -> {units: UCUM codes of valueQuantity.code,
    r4: based on one of R4's vital-signs profiles}."""
    out = {}
    if not os.path.isdir(PUBLISHED):
        return out
    for name in sorted(os.listdir(PUBLISHED)):
        m = re.match(r"^StructureDefinition-(vkp-Observation-.+)\.json$", name)
        if not m:
            continue
        sd = load_json(os.path.join(PUBLISHED, name))
        if sd is None:
            continue
        sid = sd.get("url", "").rsplit("/", 1)[-1]
        if sid != m.group(1):
            fail(rel(os.path.join(PUBLISHED, name)), "url %r" % sd.get("url"))
        units = set()
        for e in sd.get("snapshot", {}).get("element", []):
            if e.get("id") == "Observation.value[x]:valueQuantity.code":
                if "fixedCode" in e:
                    units.add(e["fixedCode"])
                vset = e.get("binding", {}).get("valueSet")
                if e.get("binding", {}).get("strength") == "required" and vset:
                    units |= R4_UCUM_VALUE_SETS.get(vset, set())
        base = sd.get("baseDefinition", "")
        out[sid] = {"units": units, "r4": base.startswith("http://hl7.org/fhir/StructureDefinition/")
                    and base != "http://hl7.org/fhir/StructureDefinition/Observation"}
    return out


def check_value_spec(where, value, sid):
    if not isinstance(value, dict):
        fail(where, "value must be an object")
        return
    if "type" in value:
        fail(where, "use 'types' (list), not 'type'")
    extra = set(value) - {"types", "units", "range", "answers"}
    if extra:
        fail(where, "value has unexpected keys %s" % sorted(extra))
    if not value:
        return  # the profile constrains no value (the score profiles)
    types = value.get("types")
    if not isinstance(types, list) or not types:
        fail(where, "value.types must be a non-empty list")
        return
    for t in types:
        if t != "none" and t not in VALUE_ELEMENT:
            fail(where, "unknown value type %r" % t)
    if "none" in types and len(types) != 1:
        fail(where, "'none' cannot be combined with other types")
    if ("Quantity" in types) != ("units" in value):
        fail(where, "units must be given exactly when Quantity is an accepted type")
    for u in value.get("units", []):
        if set(u) != {"system", "code", "unit"} or u.get("system") != UCUM:
            fail(where, "unit %r must be {system: UCUM, code, unit}" % u)
    if "answers" in value and "CodeableConcept" not in types:
        fail(where, "answers without CodeableConcept")


# ------------------------------------------------------------------ 2. valid fixtures vs vital-signs.json
def check_observation(where, obs, vs_by_id, base):
    profiles = obs.get("meta", {}).get("profile", [])
    ids = [p[len(base):] for p in profiles if p.startswith(base)]
    if ids == [GENERAL]:
        # No published profile of its own: one of the domain §2.8 rows coded on vkp-Observation.
        got = codings(obs.get("code"))
        rows = [k for k, codes in GENERAL_TABLE.items() if codes <= got]
        if len(rows) != 1:
            fail(where, "vkp-Observation entry whose code is none of %s" % sorted(GENERAL_TABLE))
            return None
        sid = rows[0]
        sign = {"codes": [{"system": s_, "code": c_} for s_, c_ in GENERAL_TABLE[sid]],
                "value": {}, "components": []}
    elif len(ids) != 1 or ids[0] not in vs_by_id:
        fail(where, "meta.profile %r does not name exactly one vital sign of vital-signs.json" % profiles)
        return None
    else:
        sid = ids[0]
        sign = vs_by_id[sid]
    w = "%s (%s)" % (where, sid)
    if obs.get("status") != "final":
        fail(w, "status %r" % obs.get("status"))
    cat = {c for cc in obs.get("category", []) for c in codings(cc)}
    want_cat = "survey" if sid == "Questionnairescore" else "vital-signs"
    if ("http://terminology.hl7.org/CodeSystem/observation-category", want_cat) not in cat:
        fail(w, "category %s, expected %s" % (sorted(cat), want_cat))
    got = codings(obs.get("code"))
    for c in sign["codes"]:
        if (c["system"], c["code"]) not in got:
            fail(w, "code.coding lacks %s|%s" % (c["system"], c["code"]))
    if not DATETIME_TZ.match(obs.get("effectiveDateTime", "")):
        fail(w, "effectiveDateTime %r is not a dateTime with zone" % obs.get("effectiveDateTime"))
    check_value(w, obs, sign["value"])
    comps = obs.get("component", [])
    if len(comps) != len(sign["components"]):
        fail(w, "%d components, vital-signs.json has %d" % (len(comps), len(sign["components"])))
    for cspec in sign["components"]:
        match = [c for c in comps if {(x["system"], x["code"]) for x in cspec["codes"]} <= codings(c.get("code"))]
        if len(match) != 1:
            fail(w, "component %s: %d matches" % (cspec["name"], len(match)))
        else:
            check_value("%s component %s" % (w, cspec["name"]), match[0], cspec["value"])
    return sid


def check_value(where, elem, vspec):
    present = [k for k in elem if k.startswith("value") and k[5:6].isupper()]
    if not vspec:
        return  # the profile constrains no value
    types = vspec["types"]
    if types == ["none"]:
        if present:
            fail(where, "has %s but vital-signs.json says no value" % present)
        return
    allowed = {VALUE_ELEMENT[t] for t in types}
    if len(present) != 1 or present[0] not in allowed:
        fail(where, "value elements %s, allowed one of %s" % (present, sorted(allowed)))
        return
    v = elem[present[0]]
    num = None
    if present[0] == "valueQuantity":
        units = {(u["system"], u["code"]): u["unit"] for u in vspec["units"]}
        key = (v.get("system"), v.get("code"))
        if key not in units:
            fail(where, "valueQuantity unit %s|%s not in vital-signs.json %s" % (key + (sorted(units),)))
        elif v.get("unit") != units[key]:
            fail(where, "valueQuantity.unit %r, vital-signs.json says %r" % (v.get("unit"), units[key]))
        num = v.get("value")
        if not isinstance(num, (int, float)) or isinstance(num, bool):
            fail(where, "valueQuantity.value is not a JSON number")
            num = None
    elif present[0] == "valueInteger":
        num = v
        if not isinstance(v, int) or isinstance(v, bool):
            fail(where, "valueInteger is not an integer")
            num = None
    elif present[0] == "valueCodeableConcept":
        answers = vspec.get("answers")
        if answers is not None and not codings(v) & {(a["system"], a["code"]) for a in answers}:
            fail(where, "valueCodeableConcept not among the answers")
        if not codings(v):
            fail(where, "valueCodeableConcept without coding")
    rng = vspec.get("range")
    if rng and num is not None and not rng["min"] <= num <= rng["max"]:
        fail(where, "value %r outside %r" % (num, rng))


def check_valid_fixtures(vs, persons):
    checks_run.append("valid PMD fixtures: batch shape, and every Observation uses the codes/value type/"
                      "units/range/components of vital-signs.json for its meta.profile")
    by_id = {s["id"]: s for s in vs.get("vitalSigns", [])}
    base = vs.get("profileBase", "")
    names = {p["fnr"]: p["name"] for p in persons["persons"]}
    orgs = {o["orgnr"]: o["name"] for o in persons["organisations"]}
    seen_ids = {}
    for name in sorted(os.listdir(VALID_DIR)):
        if not name.endswith(".json") or name.endswith(".expect.json"):
            continue
        path = os.path.join(VALID_DIR, name)
        doc = load_json(path)
        if doc is None:
            continue
        where = rel(path)
        # A valid fixture may carry what the published profiles allow but vft warns about; its
        # sidecar lists the warning, and the check it stands for is not made here.
        side = load_json(path[:-len(".json")] + ".expect.json") if os.path.exists(
            path[:-len(".json")] + ".expect.json") else {}
        warned = set((side or {}).get("strict", {}).get("warnings", []))
        if doc.get("resourceType") != "Bundle":
            fail(where, "not a Bundle")
            continue
        if doc.get("type") == "batch-response":
            check_response(where, doc)
            continue
        if doc.get("type") != "batch":
            fail(where, "type %r" % doc.get("type"))
        ident = doc.get("identifier", {})
        if ident.get("system") != BUNDLE_ID or not URN_UUID.match(ident.get("value", "")):
            fail(where, "identifier %r" % ident)
        if not any(t.get("system") == KOMNR and re.match(r"^\d{4}$", t.get("code", ""))
                   for t in doc.get("meta", {}).get("tag", [])):
            fail(where, "no kommunenummer meta.tag")
        full_urls = [e.get("fullUrl") for e in doc.get("entry", [])]
        if len(set(full_urls)) != len(full_urls):
            fail(where, "fullUrl not unique")
        sids = []
        for i, e in enumerate(doc.get("entry", [])):
            w = "%s entry[%d]" % (where, i)
            if not URN_UUID.match(e.get("fullUrl", "")):
                fail(w, "fullUrl %r" % e.get("fullUrl"))
            if e.get("request", {}).get("method") not in ("POST", "PUT") or not e.get("request", {}).get("url"):
                fail(w, "request %r" % e.get("request"))
            r = e.get("resource", {})
            if r.get("resourceType") != "Observation":
                fail(w, "resource is %r" % r.get("resourceType"))
                continue
            subj = r.get("subject", {})
            si = subj.get("identifier", {})
            if si.get("system") not in (FNR, DNR, FHN):
                fail(w, "subject system %r" % si.get("system"))
            if "PMD-012" not in warned and subj.get("display") != names.get(si.get("value")):
                fail(w, "subject display %r is not persons.json's name" % subj.get("display"))
            perf = r.get("performer", []) if "PMD-006" not in warned else []
            kinds = [p.get("identifier", {}).get("system") for p in perf] if perf else [FNR, ORG]
            if FNR not in kinds or not ({ORG, RESH} & set(kinds)):
                fail(w, "performer must be person (FNR) + organisation (ORG/RESH): %s" % kinds)
            for p in perf:
                pi = p.get("identifier", {})
                want = names.get(pi.get("value")) if pi.get("system") == FNR else orgs.get(pi.get("value"))
                if not p.get("display") or p.get("display") != want:
                    fail(w, "performer display %r, persons.json says %r" % (p.get("display"), want))
            sid = check_observation(w, r, by_id, base)
            if sid:
                sids.append(sid)
        seen_ids[name] = sids
    want_all = set(by_id) | set(GENERAL_TABLE)
    if set(seen_ids.get("batch-all-vital-signs.json", [])) != want_all or \
            len(seen_ids.get("batch-all-vital-signs.json", [])) != len(want_all):
        fail("batch-all-vital-signs.json", "does not hold exactly one Observation per vital sign: %s"
             % seen_ids.get("batch-all-vital-signs.json"))
    checks_run.append("batch-all-vital-signs.json holds exactly one Observation per vital sign (the 9 "
                      "published profiles, blood glucose and questionnaire score)")
    single = seen_ids.get("batch-single-heartrate.json")
    if single != ["vkp-Observation-Heartrate"]:
        fail("batch-single-heartrate.json", "expected one Heartrate entry, got %s" % single)


def check_response(where, doc):
    entries = doc.get("entry", [])
    statuses = []
    for i, e in enumerate(entries):
        w = "%s entry[%d]" % (where, i)
        resp = e.get("response", {})
        status = resp.get("status", "")
        statuses.append(status.split(" ")[0])
        ext = [x for x in resp.get("extension", []) if x.get("url") == ENTRY_ID_EXT]
        if len(ext) != 1 or ext[0].get("valueUri") != e.get("fullUrl") or not URN_UUID.match(e.get("fullUrl", "")):
            fail(w, "needs fullUrl urn:uuid and one PmdBundleResponseEntryId extension with valueUri = fullUrl")
        if not re.match(r"^\d{3}( .+)?$", status):
            fail(w, "response.status %r" % status)
        failed = status[:1] in ("4", "5")
        outcome = resp.get("outcome")
        if failed and (not outcome or outcome.get("resourceType") != "OperationOutcome" or not outcome.get("issue")):
            fail(w, "failed entry without OperationOutcome")
        if not failed and outcome:
            fail(w, "successful entry with an outcome")
        if "resource" in e or "request" in e:
            fail(w, "a batch-response entry carries neither resource nor request here")
    if not ({"201"} <= set(statuses) and {"400"} <= set(statuses)):
        fail(where, "partial response should mix 201 and 400: %s" % statuses)
    checks_run.append("batch-response-partial.json: PmdBundleResponseEntryId = fullUrl on every entry, "
                      "OperationOutcome exactly on failed entries")


# ------------------------------------------------------------------ 3. identifiers come from persons.json
def walk_identifiers(node, out):
    if isinstance(node, dict):
        if isinstance(node.get("system"), str) and "value" in node and node["system"] in (FNR, DNR, FHN, ORG):
            out.append((node["system"], node["value"]))
        for v in node.values():
            walk_identifiers(v, out)
    elif isinstance(node, list):
        for v in node:
            walk_identifiers(v, out)


def check_identifiers(persons, sidecars):
    checks_run.append("every FNR/DNR/orgnr in the PMD fixtures comes from persons.json "
                      "(invalid_numbers only where the sidecar expects ID-FNR-001/ID-DNR-001)")
    kinds = {p["fnr"]: p["kind"] for p in persons["persons"]}
    bad = set(persons.get("invalid_numbers", {}).values())
    orgs = {o["orgnr"] for o in persons["organisations"]}
    for d in (VALID_DIR, INVALID_DIR):
        for name in sorted(os.listdir(d)):
            if not name.endswith(".json") or name.endswith(".expect.json"):
                continue
            path = os.path.join(d, name)
            doc = load_json(path)
            if doc is None:
                continue
            found = []
            walk_identifiers(doc, found)
            expected = sidecars.get(path, {})
            expects_id_error = {"ID-FNR-001", "ID-DNR-001"} & set(expected.get("strict", {}).get("errors", []))
            for system, value in found:
                where = "%s %s|%s" % (rel(path), system, value)
                if system == ORG:
                    if value not in orgs:
                        fail(where, "orgnr not in persons.json organisations")
                elif value in kinds:
                    want = {"FNR": FNR, "DNR": DNR}.get(kinds[value])
                    if system != want:
                        fail(where, "persons.json says this is a %s" % kinds[value])
                elif value in bad and d == INVALID_DIR and expects_id_error:
                    pass
                else:
                    fail(where, "person number not in persons.json")


# ------------------------------------------------------------------ 4. sidecars
def catalogue_ids():
    ids = set()
    with open(CATALOGUE, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\|\s*([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d{3})\s*\|", line)
            if m:
                ids.add(m.group(1))
    return ids


def check_sidecars():
    checks_run.append("every PMD fixture has a sidecar and vice versa; sidecars parse, have the documented "
                      "keys, spec 'pmd', and name only rule IDs of the specs/README.md catalogue")
    ids = catalogue_ids()
    if not ids:
        fail(rel(CATALOGUE), "no rule IDs found")
    sidecars = {}
    for d, valid in ((VALID_DIR, True), (INVALID_DIR, False)):
        files = set(os.listdir(d))
        for name in sorted(files):
            if name.endswith(".expect.json"):
                if name[:-len(".expect.json")] + ".json" not in files:
                    fail(rel(os.path.join(d, name)), "sidecar without fixture")
                continue
            if not name.endswith(".json"):
                fail(rel(os.path.join(d, name)), "unexpected file")
                continue
            sc_path = os.path.join(d, name[:-5] + ".expect.json")
            where = rel(sc_path)
            if not os.path.exists(sc_path):
                fail(rel(os.path.join(d, name)), "no sidecar")
                continue
            sc = load_json(sc_path)
            if sc is None:
                continue
            sidecars[os.path.join(d, name)] = sc
            extra = set(sc) - {"description", "spec", "strict", "lenient"}
            if extra:
                fail(where, "unexpected keys %s" % sorted(extra))
            if not sc.get("description"):
                fail(where, "no description")
            if sc.get("spec") != "pmd":
                fail(where, "spec %r" % sc.get("spec"))
            for level in ("strict", "lenient"):
                if level not in sc:
                    continue
                lv = sc[level]
                if set(lv) - {"errors", "warnings"} or not isinstance(lv.get("errors"), list):
                    fail(where, "%s must be {errors: [...], warnings?: [...]}" % level)
                    continue
                for rid in lv.get("errors", []) + lv.get("warnings", []):
                    if rid not in ids:
                        fail(where, "%s: rule %r is not in the catalogue" % (level, rid))
            if valid:
                if sc.get("strict", {}).get("errors") != []:
                    fail(where, "a valid fixture must expect zero strict errors")
            else:
                if not sc.get("strict", {}).get("errors"):
                    fail(where, "an invalid fixture must expect at least one strict error")
                if "lenient" not in sc:
                    fail(where, "invalid fixture sidecar should give the lenient level too")
    n_invalid = len([n for n in os.listdir(INVALID_DIR) if n.endswith(".json") and not n.endswith(".expect.json")])
    if n_invalid < 16:
        fail(rel(INVALID_DIR), "only %d invalid fixtures (want >= 16)" % n_invalid)
    return sidecars


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--domain", default=os.environ.get("VFT_DOMAIN_DOC",
                    os.path.join(os.path.dirname(REPO), "shared", "domain", "national-specs.md")))
    args = ap.parse_args()
    persons = load_json(PERSONS)
    vs = check_vital_signs(args.domain)
    sidecars = check_sidecars()
    if vs is not None and persons is not None:
        check_valid_fixtures(vs, persons)
        check_identifiers(persons, sidecars)
    for c in checks_run:
        print("check: " + c)
    if problems:
        print("\n%d problem(s):" % len(problems))
        for p in problems:
            print("  " + p)
        return 1
    print("\nall PMD checks pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
