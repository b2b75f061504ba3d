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


if __name__ == "__main__":
    unittest.main()
