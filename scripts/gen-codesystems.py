#!/usr/bin/env python3
"""Generates vft's code-system data from the published CodeSystems (python3, stdlib only).

  python3 scripts/gen-codesystems.py           # (re)write specs/<package>/codesystems/
  python3 scripts/gen-codesystems.py --check   # fail (exit 1) if a byte differs

Every CodeSystem of specs/upstream/vkp-r4/CodeSystem (FHIR XML) and of
specs/upstream/vkp-observation/published (FHIR JSON) becomes specs/<package>/codesystems/<id>.json:
the published resource's own elements (id included), in FHIR's JSON form, with every code,
display and definition and the hierarchy exactly as published (nested only where the published
one nests), nothing added (no caseSensitive, no description of vft's). <id> is the upstream file
name without ".codesystem.xml" / "CodeSystem-" and ".codesystem.json". Deterministic: the same
inputs give the same bytes. The codes vft needs that no published CodeSystem has (vkp-service-codes, the KITH lists)
are vft's own files and are not touched.
"""
import argparse
import json
import os
import sys
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FHIR = "{http://hl7.org/fhir}"
SOURCES = [
    # (upstream folder, format, package whose codesystems/ receives them)
    ("specs/upstream/vkp-r4/CodeSystem", "xml", "vkp-r4"),
    ("specs/upstream/vkp-observation/published", "json", "pmd"),
]
# Elements of a CodeSystem kept, in FHIR's order (R4 CodeSystem); meta and text are not data.
TOP = ["resourceType", "id", "url", "identifier", "version", "name", "title", "status",
       "experimental", "date", "publisher", "description", "caseSensitive", "valueSet",
       "hierarchyMeaning", "compositional", "versionNeeded", "content", "supplements", "count",
       "property", "concept"]
CONCEPT = ["code", "display", "definition", "designation", "property", "concept"]
BOOLEAN = {"experimental", "caseSensitive", "compositional", "versionNeeded"}
INTEGER = {"count"}


def file_stem(name):
    for prefix in ("CodeSystem-",):
        if name.startswith(prefix):
            name = name[len(prefix):]
    for suffix in (".codesystem.xml", ".codesystem.json", ".json"):
        if name.endswith(suffix):
            return name[:-len(suffix)]
    return name


def concept_from_xml(el):
    out = {}
    for name in CONCEPT:
        if name == "concept":
            kids = [concept_from_xml(c) for c in el.findall(FHIR + "concept")]
            if kids:
                out["concept"] = kids
        elif name in ("designation", "property"):
            continue  # none of the published VKP CodeSystems uses them
        else:
            c = el.find(FHIR + name)
            if c is not None:
                out[name] = c.get("value")
    return out


def from_xml(path):
    root = ET.parse(path).getroot()
    if root.tag != FHIR + "CodeSystem":
        return None
    cs = {"resourceType": "CodeSystem"}
    for name in TOP[1:]:
        if name == "concept":
            concepts = [concept_from_xml(c) for c in root.findall(FHIR + "concept")]
            if concepts:
                cs["concept"] = concepts
            continue
        el = root.find(FHIR + name)
        if el is None or el.get("value") is None:
            continue
        v = el.get("value")
        cs[name] = (v == "true") if name in BOOLEAN else int(v) if name in INTEGER else v
    return cs


def concept_from_json(c):
    out = {k: c[k] for k in CONCEPT if k in c and k != "concept"}
    if "concept" in c:
        out["concept"] = [concept_from_json(k) for k in c["concept"]]
    return {k: out[k] for k in CONCEPT if k in out}


def from_json(path):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    if d.get("resourceType") != "CodeSystem":
        return None
    cs = {k: d[k] for k in TOP if k in d and k != "concept"}
    if "concept" in d:
        cs["concept"] = [concept_from_json(c) for c in d["concept"]]
    return {k: cs[k] for k in TOP if k in cs}


def generate():
    """{path relative to the repo: bytes} of every generated file."""
    out = {}
    for folder, fmt, package in SOURCES:
        src = os.path.join(REPO, folder)
        for name in sorted(os.listdir(src)):
            path = os.path.join(src, name)
            if fmt == "xml" and not name.endswith(".codesystem.xml"):
                continue
            if fmt == "json" and not (name.startswith("CodeSystem-") and name.endswith(".json")):
                continue
            cs = from_xml(path) if fmt == "xml" else from_json(path)
            if cs is None:
                continue
            rel = os.path.join("specs", package, "codesystems", file_stem(name) + ".json")
            if rel in out:
                sys.exit("gen-codesystems: two CodeSystems named %s" % rel)
            out[rel] = (json.dumps(cs, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare, write nothing")
    args = ap.parse_args()
    files = generate()
    # Files of a generated package folder that no published CodeSystem produces: vft's own
    # (they say so in their description) or stale.
    stale = []
    for _, _, package in SOURCES:
        folder = os.path.join(REPO, "specs", package, "codesystems")
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            rel = os.path.join("specs", package, "codesystems", name)
            if rel in files:
                continue
            with open(os.path.join(REPO, rel), encoding="utf-8") as f:
                own = json.load(f)
            if "vft's own" not in own.get("description", ""):
                stale.append(rel)
    bad = 0
    for rel, data in sorted(files.items()):
        path = os.path.join(REPO, rel)
        try:
            with open(path, "rb") as f:
                current = f.read()
        except OSError:
            current = None
        if current == data:
            continue
        if args.check:
            print("gen-codesystems: %s differs from what %s generates" % (rel, os.path.basename(__file__)))
            bad += 1
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            print("gen-codesystems: wrote %s" % rel)
    for rel in stale:
        print("gen-codesystems: %s is neither generated nor marked \"vft's own\"" % rel)
        bad += 1
    if args.check:
        print("gen-codesystems: %d generated code systems, %s" % (len(files), "ok" if not bad else "%d problem(s)" % bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
