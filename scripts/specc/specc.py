#!/usr/bin/env python3
"""vft spec compiler: FHIR StructureDefinitions + terminology -> one compact compiled model.

Input (a directory, see scripts/update-specs.sh): the official FHIR R4 definition bundles
profiles-types.json, profiles-resources.json, valuesets.json, v3-codesystems.json,
v2-tables.json. Output: specs/compiled/fhir-r4.model, a line-based UTF-8 text file the SDK embeds
and loads once (sdk/src/fhir/model.cpp; format in docs/validation.md "Compiled model format").

Deterministic: the same input gives the same bytes (input order is the definitions' own order;
value-set codes are sorted; nothing depends on hashing or time). Python 3 standard library only.

Structure (so profiles can be added): `load_structure_definitions` yields StructureDefinitions
with snapshots; `Model.add_structure` turns any snapshot into records; national profiles will be
differentials whose snapshots `snapshot.py` (next step, docs/validation.md) generates over this
base before they are added the same way.
"""
import argparse
import json
import os
import re
import sys

FORMAT_VERSION = 1
CORE_SD = "http://hl7.org/fhir/StructureDefinition/"
FHIRPATH_SYSTEM = "http://hl7.org/fhirpath/"
REGEX_EXT = "http://hl7.org/fhir/StructureDefinition/regex"


def esc(text):
    """Free text in a field: backslash, tab, CR and newline escaped (the loader unescapes)."""
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def short_sd(url):
    return url[len(CORE_SD):] if url.startswith(CORE_SD) else url


def strip_version(url):
    return url.split("|", 1)[0]


def load_bundle(path):
    with open(path, encoding="utf-8") as f:
        return [e["resource"] for e in json.load(f).get("entry", []) if "resource" in e]


# --- terminology --------------------------------------------------------------------------------

class Terminology:
    """Code systems and value sets from the definitions; expands what can be expanded exactly."""

    def __init__(self):
        self.codesystems = {}  # url -> resource
        self.valuesets = {}  # url -> resource
        self._cs_codes = {}
        self._vs_cache = {}

    def add(self, resource):
        rt = resource.get("resourceType")
        url = resource.get("url")
        if not url:
            return
        if rt == "CodeSystem" and url not in self.codesystems:
            self.codesystems[url] = resource
        elif rt == "ValueSet" and url not in self.valuesets:
            self.valuesets[url] = resource

    def cs_codes(self, url):
        """{code: [ancestor codes]} of a complete code system, or None when vft cannot know all
        its codes (content not 'complete', or not in the definitions: LOINC, SNOMED CT, UCUM)."""
        if url in self._cs_codes:
            return self._cs_codes[url]
        cs = self.codesystems.get(url)
        result = None
        if cs is not None and cs.get("content") == "complete":
            result = {}

            def walk(concepts, parents):
                for c in concepts:
                    result.setdefault(c["code"], list(parents))
                    walk(c.get("concept", []), parents + [c["code"]])

            walk(cs.get("concept", []), [])
        self._cs_codes[url] = result
        return result

    def expand(self, url, depth=0):
        """{system: set(codes)} or None when the value set cannot be expanded exactly."""
        url = strip_version(url)
        if url in self._vs_cache:
            return self._vs_cache[url]
        self._vs_cache[url] = None  # a cycle is not expandable
        vs = self.valuesets.get(url)
        result = None
        if vs is not None and depth < 20 and "compose" in vs:
            result = self._compose(vs["compose"], depth)
        self._vs_cache[url] = result
        return result

    def _include(self, inc, depth):
        out = {}
        system = inc.get("system")
        if system:
            if "concept" in inc:
                codes = {c["code"] for c in inc["concept"]}
                known = self.cs_codes(system)
                if known is not None:
                    codes &= set(known)  # a code the system does not define cannot be valid
                out[system] = codes
            else:
                known = self.cs_codes(system)
                if known is None:
                    return None
                codes = set(known)
                for flt in inc.get("filter", []):
                    op, prop, value = flt.get("op"), flt.get("property"), flt.get("value")
                    if prop == "concept" and op in ("is-a", "descendent-of"):
                        keep = {c for c, anc in known.items() if value in anc}
                        if op == "is-a" and value in known:
                            keep.add(value)
                        codes &= keep
                    else:
                        return None
                out[system] = codes
        for vs_url in inc.get("valueSet", []):
            sub = self.expand(vs_url, depth + 1)
            if sub is None:
                return None
            if system or len(out) > 0:
                # include = intersection of the system part and each value set
                merged = {}
                for s, codes in out.items():
                    if s in sub:
                        merged[s] = codes & sub[s]
                out = merged
            else:
                out = {s: set(c) for s, c in sub.items()}
        return out

    def _compose(self, compose, depth):
        result = {}
        for inc in compose.get("include", []):
            part = self._include(inc, depth)
            if part is None:
                return None
            for s, codes in part.items():
                result.setdefault(s, set()).update(codes)
        for exc in compose.get("exclude", []):
            part = self._include(exc, depth)
            if part is None:
                return None
            for s, codes in part.items():
                if s in result:
                    result[s] -= codes
        return result


# --- structure ---------------------------------------------------------------------------------

def encode_type(t):
    code = t["code"]
    if code.startswith(FHIRPATH_SYSTEM):
        code = code[len(FHIRPATH_SYSTEM):]  # System.String, ... (the value of a primitive)
    out = code
    if t.get("profile"):
        out += "{" + "|".join(short_sd(p) for p in t["profile"]) + "}"
    if t.get("targetProfile"):
        out += "(" + "|".join(short_sd(p) for p in t["targetProfile"]) + ")"
    return out


class Model:
    def __init__(self, terminology):
        self.term = terminology
        self.constraints = []  # (key, severity, human, expression)
        self._constraint_index = {}
        self.valuesets = {}  # url -> {system: codes} for every bound, expandable value set
        self.unexpandable = set()
        self.types = []  # lines per type
        self.extensions = []  # X lines, each followed by its Y lines
        self.n_extensions = 0

    def constraint(self, c):
        rec = (c["key"], c.get("severity", "error"), c.get("human", ""), c.get("expression", ""))
        idx = self._constraint_index.get(rec)
        if idx is None:
            # value sets an invariant tests with memberOf('url'): expanded for the FHIRPath engine
            for url in re.findall(r"memberOf\('([^']+)'\)", rec[3]):
                self.binding({"strength": "required", "valueSet": url})
            idx = len(self.constraints)
            self.constraints.append(rec)
            self._constraint_index[rec] = idx
        return idx

    def binding(self, b):
        strength = b.get("strength", "")
        url = strip_version(b.get("valueSet", ""))
        if not url:
            return ""
        if strength in ("required", "extensible") and url not in self.valuesets:
            exp = self.term.expand(url)
            if exp is None:
                self.unexpandable.add(url)
            else:
                self.valuesets[url] = exp
        return strength + " " + url

    def add_structure(self, sd):
        kind = {"primitive-type": "p", "complex-type": "c", "resource": "r",
                "logical": "l"}[sd["kind"]]
        name = sd["type"] if sd.get("derivation") != "constraint" else sd["id"]
        base = short_sd(sd.get("baseDefinition", ""))
        regex = ""
        lines = []
        for el in sd["snapshot"]["element"]:
            path = el["path"]
            if kind == "p" and path.endswith(".value"):
                for t in el.get("type", []):
                    for ext in t.get("extension", []):
                        if ext["url"] == REGEX_EXT:
                            regex = ext["valueString"]
            types = ";".join(encode_type(t) for t in el.get("type", []))
            cref = el.get("contentReference", "")
            if cref.startswith("#"):
                cref = cref[1:]
            binding = self.binding(el["binding"]) if "binding" in el else ""
            cons = ",".join(str(self.constraint(c)) for c in el.get("constraint", []))
            fp = {k: v for k, v in el.items() if k.startswith("fixed") or k.startswith("pattern")}
            fixed = json.dumps(fp, ensure_ascii=False, separators=(",", ":"),
                               sort_keys=True) if fp else ""
            lines.append("\t".join(["E", path, str(el.get("min", 0)), str(el.get("max", "*")),
                                    types, cref, binding, cons, fixed]))
        header = "\t".join(["T", name, kind, "1" if sd.get("abstract") else "0", base, sd["url"],
                            esc(regex)])
        self.types.append([header] + lines)

    def add_extension(self, sd):
        """An extension definition (R4 extensibility.html): its URL, the types its value may have
        (none: a complex extension, whose value[x] is 0..0), where it may be used (`context`
        expressions of type element), whether it is a modifier, the binding of its value, and its
        parts (sub-extensions, `Y` records: slice path, min, max, value types, binding)."""
        els = sd["snapshot"]["element"]
        by_id = {e["id"]: e for e in els}

        def value_of(prefix):
            value = by_id.get(prefix + ".value[x]")
            types = "" if value is None or value.get("max") == "0" else ";".join(
                encode_type(t) for t in value.get("type", []))
            binding = ""
            if value is not None and value.get("max") != "0" and "binding" in value:
                b = value["binding"]
                if b.get("strength") in ("required", "extensible"):
                    binding = self.binding(b)
            return types, binding

        types, binding = value_of("Extension")
        context = "|".join(c["expression"] for c in sd.get("context", [])
                           if c.get("type") == "element")
        modifier = "1" if els[0].get("isModifier") else "0"
        self.extensions.append("\t".join(["X", sd["url"], types, context, modifier, binding]))
        self.n_extensions += 1
        # sub-extensions: slices of Extension.extension (and of their .extension, nested)
        for e in els:
            m = re.fullmatch(r"Extension((?:\.extension:[^.]+)+)", e["id"])
            if not m:
                continue
            names = [p[len(".extension:"):] for p in re.findall(r"\.extension:[^.]+", m.group(1))]
            url_el = by_id.get(e["id"] + ".url", {})
            url = url_el.get("fixedUri", names[-1])
            sub_types, sub_binding = value_of(e["id"])
            self.extensions.append("\t".join(
                ["Y", "/".join(names[:-1] + [url]), str(e.get("min", 0)), str(e.get("max", "*")),
                 sub_types, sub_binding]))

    def write(self, out, source):
        out.write("vft-fhir-model\t%d\t%s\n" % (FORMAT_VERSION, source))
        out.write("# C key severity human expression | V valueset system codes... | "
                  "U valueset | X extension-url value-types context modifier binding | "
                  "Y sub-extension-path min max value-types binding | "
                  "T name kind abstract base url regex | "
                  "E path min max types contentRef binding constraints fixed/pattern\n")
        for key, sev, human, expr in self.constraints:
            out.write("\t".join(["C", key, sev, esc(human), esc(expr)]) + "\n")
        for url in sorted(self.valuesets):
            exp = self.valuesets[url]
            if not exp:
                out.write("V\t%s\t\n" % url)  # expandable and empty
            for system in sorted(exp):
                out.write("\t".join(["V", url, system] + sorted(exp[system])) + "\n")
        for url in sorted(self.unexpandable):
            out.write("U\t%s\n" % url)  # bound, not expandable from the definitions
        for line in self.extensions:
            out.write(line + "\n")
        for block in self.types:
            for line in block:
                out.write(line + "\n")


def load_structure_definitions(paths):
    for p in paths:
        for r in load_bundle(p):
            if r.get("resourceType") == "StructureDefinition" and "snapshot" in r:
                yield r


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--r4", required=True, help="directory with the FHIR R4 definition bundles")
    ap.add_argument("--out", required=True, help="output directory (specs/compiled)")
    ap.add_argument("--source", default="", help="what the input is, written in the header")
    ap.add_argument("--upstream", help="specs/upstream: also compile the national profiles "
                    "into profiles.model")
    args = ap.parse_args(argv)

    term = Terminology()
    for name in ("valuesets.json", "v3-codesystems.json", "v2-tables.json"):
        for r in load_bundle(os.path.join(args.r4, name)):
            term.add(r)
    model = Model(term)
    for sd in load_structure_definitions([os.path.join(args.r4, "profiles-types.json"),
                                          os.path.join(args.r4, "profiles-resources.json")]):
        model.add_structure(sd)
    for sd in load_structure_definitions([os.path.join(args.r4, "extension-definitions.json")]):
        if sd.get("type") == "Extension" and sd.get("derivation") == "constraint":
            model.add_extension(sd)
    os.makedirs(args.out, exist_ok=True)
    if args.upstream:
        import profiles  # scripts/specc/profiles.py
        r4_sds = list(load_structure_definitions(
            [os.path.join(args.r4, n) for n in ("profiles-types.json", "profiles-resources.json",
                                                "profiles-others.json")]))
        n_prof, n_cons = profiles.compile_profiles(model, r4_sds, args.upstream,
                                                   os.path.join(args.out, "profiles.model"),
                                                   args.source)
        print("specc: %d national profiles, %d profile constraints -> profiles.model" %
              (n_prof, n_cons), file=sys.stderr)
    target = os.path.join(args.out, "fhir-r4.model")
    with open(target + ".tmp", "w", encoding="utf-8", newline="\n") as out:
        model.write(out, args.source)
    os.replace(target + ".tmp", target)
    print("specc: %d types, %d constraints, %d value sets expanded, %d not expandable, "
          "%d extensions -> %s" % (len(model.types), len(model.constraints), len(model.valuesets),
                                   len(model.unexpandable), model.n_extensions, target),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
