#!/usr/bin/env python3
"""Unit tests of the spec compiler (CTest specs.compiler): value-set expansion, records, determinism.
Runs offline on small synthetic definitions; the real R4 output is checked by
scripts/update-specs.sh --check."""
import json
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import specc  # noqa: E402


def cs(url, codes, content="complete"):
    def concept(c):
        if isinstance(c, tuple):
            return {"code": c[0], "concept": [concept(x) for x in c[1]]}
        return {"code": c}
    return {"resourceType": "CodeSystem", "url": url, "content": content,
            "concept": [concept(c) for c in codes]}


def vs(url, include=None, exclude=None):
    compose = {"include": include or []}
    if exclude:
        compose["exclude"] = exclude
    return {"resourceType": "ValueSet", "url": url, "compose": compose}


class Expansion(unittest.TestCase):
    def setUp(self):
        t = specc.Terminology()
        t.add(cs("http://s/a", ["x", ("g", ["g1", ("g2", ["g21"])]), "y"]))
        t.add(cs("http://s/frag", ["p"], content="fragment"))
        t.add(vs("http://v/all", [{"system": "http://s/a"}]))
        t.add(vs("http://v/some", [{"system": "http://s/a", "concept": [{"code": "x"},
                                                                         {"code": "nope"}]}]))
        t.add(vs("http://v/isa", [{"system": "http://s/a",
                                   "filter": [{"property": "concept", "op": "is-a", "value": "g"}]}]))
        t.add(vs("http://v/desc", [{"system": "http://s/a", "filter": [
            {"property": "concept", "op": "descendent-of", "value": "g"}]}]))
        t.add(vs("http://v/regex", [{"system": "http://s/a", "filter": [
            {"property": "concept", "op": "regex", "value": "g.*"}]}]))
        t.add(vs("http://v/minus", [{"valueSet": ["http://v/all"]}],
                 exclude=[{"system": "http://s/a", "concept": [{"code": "y"}]}]))
        t.add(vs("http://v/external", [{"system": "http://loinc.org"}]))
        t.add(vs("http://v/external-listed", [{"system": "http://loinc.org",
                                               "concept": [{"code": "8310-5"}]}]))
        t.add(vs("http://v/fragment", [{"system": "http://s/frag"}]))
        t.add(vs("http://v/loop", [{"valueSet": ["http://v/loop"]}]))
        self.t = t

    def codes(self, url):
        e = self.t.expand(url)
        return None if e is None else {s: sorted(c) for s, c in e.items()}

    def test_whole_system_flattens_the_hierarchy(self):
        self.assertEqual(self.codes("http://v/all"),
                         {"http://s/a": ["g", "g1", "g2", "g21", "x", "y"]})

    def test_listed_codes_the_system_does_not_define_are_dropped(self):
        self.assertEqual(self.codes("http://v/some"), {"http://s/a": ["x"]})

    def test_is_a_and_descendent_of(self):
        self.assertEqual(self.codes("http://v/isa"), {"http://s/a": ["g", "g1", "g2", "g21"]})
        self.assertEqual(self.codes("http://v/desc"), {"http://s/a": ["g1", "g2", "g21"]})

    def test_other_filters_are_not_expandable(self):
        self.assertIsNone(self.codes("http://v/regex"))

    def test_nested_value_set_and_exclude(self):
        self.assertEqual(self.codes("http://v/minus"), {"http://s/a": ["g", "g1", "g2", "g21", "x"]})

    def test_systems_vft_cannot_know_are_not_expandable(self):
        self.assertIsNone(self.codes("http://v/external"))
        self.assertIsNone(self.codes("http://v/fragment"))
        self.assertIsNone(self.codes("http://v/loop"))
        self.assertIsNone(self.codes("http://v/unknown"))

    def test_listed_codes_of_an_external_system_are_exact(self):
        self.assertEqual(self.codes("http://v/external-listed"), {"http://loinc.org": ["8310-5"]})

    def test_version_suffix_is_ignored(self):
        self.assertEqual(self.codes("http://v/some|4.0.1"), {"http://s/a": ["x"]})


def structure(name, kind, elements, base="Element", url=None):
    return {"resourceType": "StructureDefinition", "type": name, "id": name, "kind": kind,
            "url": url or specc.CORE_SD + name, "baseDefinition": specc.CORE_SD + base,
            "derivation": "specialization", "snapshot": {"element": elements}}


class Records(unittest.TestCase):
    def build(self):
        t = specc.Terminology()
        t.add(cs("http://s/st", ["on", "off"]))
        t.add(vs("http://v/st", [{"system": "http://s/st"}]))
        m = specc.Model(t)
        m.add_structure(structure("Thing", "resource", [
            {"path": "Thing", "min": 0, "max": "*",
             "constraint": [{"key": "thg-1", "severity": "error", "human": "a\tb\nc",
                             "expression": "x.exists()"}]},
            {"path": "Thing.status", "min": 1, "max": "1", "type": [{"code": "code"}],
             "binding": {"strength": "required", "valueSet": "http://v/st|4.0.1"}},
            {"path": "Thing.who", "min": 0, "max": "1", "type": [
                {"code": "Reference", "targetProfile": [specc.CORE_SD + "Patient",
                                                        "http://other/Profile"]}]},
            {"path": "Thing.value[x]", "min": 0, "max": "1",
             "type": [{"code": "Quantity", "profile": [specc.CORE_SD + "SimpleQuantity"]},
                      {"code": "string"}]},
            {"path": "Thing.part", "min": 0, "max": "*", "contentReference": "#Thing",
             "fixedString": "z"},
        ], base="DomainResource"))
        return m

    def text(self, m):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "out.model")
            with open(path, "w", encoding="utf-8", newline="\n") as out:
                m.write(out, "test")
            with open(path, encoding="utf-8") as f:
                return f.read()

    def test_records(self):
        lines = self.text(self.build()).splitlines()
        self.assertEqual(lines[0], "vft-fhir-model\t1\ttest")
        self.assertIn("C\tthg-1\terror\ta\\tb\\nc\tx.exists()", lines)
        self.assertIn("V\thttp://v/st\thttp://s/st\toff\ton", lines)
        self.assertIn("T\tThing\tr\t0\tDomainResource\t" + specc.CORE_SD + "Thing\t", lines)
        self.assertIn("E\tThing.status\t1\t1\tcode\t\trequired http://v/st\t\t", lines)
        self.assertIn("E\tThing.who\t0\t1\tReference(Patient|http://other/Profile)\t\t\t\t", lines)
        self.assertIn("E\tThing.value[x]\t0\t1\tQuantity{SimpleQuantity};string\t\t\t\t", lines)
        self.assertIn('E\tThing.part\t0\t*\t\tThing\t\t\t{"fixedString":"z"}', lines)
        self.assertIn("E\tThing\t0\t*\t\t\t\t0\t", lines)

    def test_deterministic(self):
        self.assertEqual(self.text(self.build()), self.text(self.build()))


import profiles  # noqa: E402  (scripts/specc/profiles.py)


def sd(url, type_, elements, base=None, kind="resource", derivation="specialization",
       snapshot=True):
    r = {"resourceType": "StructureDefinition", "url": url, "type": type_, "kind": kind,
         "derivation": derivation, "name": url.rsplit("/", 1)[1]}
    if base:
        r["baseDefinition"] = base
    r["snapshot" if snapshot else "differential"] = {"element": elements}
    return r


def el(path, min_=0, max_="*", types=(), **kw):
    e = {"id": kw.pop("id", path), "path": path, "min": min_, "max": max_}
    if types:
        e["type"] = [{"code": t} for t in types]
    e.update(kw)
    return e


class Profiles(unittest.TestCase):
    """Snapshot generation over a tiny base: Thing with a repeating Ident (system, value)."""

    def base(self):
        ident = sd(specc.CORE_SD + "Ident", "Ident", [
            el("Ident", 0, "*"), el("Ident.system", 0, "1", ["uri"]),
            el("Ident.value", 0, "1", ["string"])], kind="complex-type")
        uri = sd(specc.CORE_SD + "uri", "uri", [el("uri")], kind="primitive-type")
        string = sd(specc.CORE_SD + "string", "string", [el("string")], kind="primitive-type")
        thing = sd(specc.CORE_SD + "Thing", "Thing", [
            el("Thing", 0, "*"), el("Thing.ident", 0, "*", ["Ident"]),
            el("Thing.status", 0, "1", ["code"])])
        return [ident, uri, string, thing]

    def compile(self, diff):
        sds = self.base()
        r4 = profiles.R4Types(sds)
        prof = sd("http://x/P", "Thing", diff, base=specc.CORE_SD + "Thing",
                  derivation="constraint", snapshot=False)
        snaps = profiles.Snapshots(r4, sds, {"http://x/P": (prof, "p.xml")})
        return r4, snaps, snaps.snapshot("http://x/P")

    def test_slices_start_from_the_base_element(self):
        _, _, snap = self.compile([
            el("Thing.ident", 1, "1", slicing={"discriminator": [{"type": "value",
                                                                   "path": "system"}],
                                               "rules": "closed"}),
            el("Thing.ident", id="Thing.ident:A", sliceName="A"),
            el("Thing.ident.system", 1, "1", id="Thing.ident:A.system", fixedUri="urn:a")])
        by_id = {e["id"]: e for e in snap["snapshot"]["element"]}
        self.assertEqual(by_id["Thing.ident"]["min"], 1)
        # the slice is a copy of the base definition (0..*), not of the constrained entry (1..1)
        self.assertEqual((by_id["Thing.ident:A"]["min"], by_id["Thing.ident:A"]["max"]), (0, "*"))
        self.assertNotIn("slicing", by_id["Thing.ident:A"])
        # the slice's children come from its type, re-rooted
        self.assertEqual(by_id["Thing.ident:A.system"]["fixedUri"], "urn:a")
        self.assertEqual(by_id["Thing.ident:A.system"]["path"], "Thing.ident.system")
        self.assertIn("Thing.ident:A.value", by_id)

    def test_unknown_elements_are_listed_not_applied(self):
        _, snaps, _ = self.compile([el("Thing.context", 1, "1")])
        self.assertEqual(snaps.skipped, [("http://x/P", "Thing.context")])

    def test_output_keeps_what_differs_and_its_ancestors(self):
        r4, snaps, snap = self.compile([
            el("Thing.ident.system", 1, "1", fixedUri="urn:a"),
            el("Thing.status", 0, "1", binding={"strength": "required",
                                                "valueSet": "http://v/st"})])
        term = specc.Terminology()
        term.add(cs("http://s/st", ["on", "off"]))
        term.add(vs("http://v/st", [{"system": "http://s/st"}]))
        pc = profiles.ProfileCompiler(specc.Model(term), r4)
        pc.add(snap, "specs/upstream/p.xml")
        lines = pc.blocks[0]
        self.assertTrue(lines[0].startswith("P\thttp://x/P\tThing\tr\t"))
        ids = [ln.split("\t")[1] for ln in lines[1:]]
        # the root, the binding, the fixed system and the element above it; not Ident.value
        self.assertEqual(ids, ["Thing", "Thing.ident", "Thing.ident.system", "Thing.status"])
        self.assertIn('{"fixedUri":"urn:a"}', lines[3])
        self.assertIn("required http://v/st", lines[4])
        self.assertIn("http://v/st", pc.valuesets)

    def test_fhir_xml_is_read_with_r4_types(self):
        r4 = profiles.R4Types(self.base())
        import xml.etree.ElementTree as ET
        node = ET.fromstring('<Thing xmlns="http://hl7.org/fhir"><ident><system value="urn:a"/>'
                             '</ident><ident><value value="1"/></ident>'
                             '<status value="on"/></Thing>')
        self.assertEqual(profiles.xml_to_json(r4, node, "Thing"),
                         {"ident": [{"system": "urn:a"}, {"value": "1"}], "status": "on"})


if __name__ == "__main__":
    unittest.main()
