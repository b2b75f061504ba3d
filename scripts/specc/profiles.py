"""vft spec compiler, national part: the published profiles of specs/upstream -> profiles.model.

Inputs: the StructureDefinitions of VKP R4, VFT-EPJ and no-basis (differentials, XML or JSON) and
of the PMD IG (the IG Publisher's JSON with snapshots), their ValueSets and CodeSystems, over the
base R4 definitions (profiles-types/-resources/-others.json).

Snapshots: a differential is applied to the snapshot of its baseDefinition (base R4, an R4 core
profile such as `bodytemp`, or another national profile, generated first): an element whose id
exists is constrained (min, max, type, fixed[x], pattern[x], binding, slicing, constraint); a new
slice is a copy of its sliced element (and its children); a child below an element the snapshot
has not expanded yet comes from the element's type, or its type profile's snapshot (so
`Patient.extension:sone.value[x]` carries what vkp-sone says). Published snapshots (PMD) are
taken as they are.

Output (docs/validation.md "Compiled profiles"): for every profile, only what it adds to base R4
- the elements whose cardinality, types, type profiles, reference targets, fixed/pattern value,
binding, slicing or invariants differ from the R4 element at the same path - and the elements
above them, so the SDK walks a small tree, and never repeats a base R4 verdict.
"""
import copy
import json
import os
import re
import xml.etree.ElementTree as ET

FORMAT = 1
NS = "{http://hl7.org/fhir}"
CORE = "http://hl7.org/fhir/StructureDefinition/"
PRIMITIVE_JSON = {"boolean": "bool", "integer": "int", "positiveInt": "int", "unsignedInt": "int",
                  "decimal": "dec"}


def esc(text):
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


# --- FHIR XML -> FHIR JSON, typed by the R4 definitions ----------------------------------------

class R4Types:
    """Element definitions of base R4 by path, for reading FHIR XML (which elements repeat, which
    type an element has)."""

    def __init__(self, sds):
        self.sd = {}  # type name -> StructureDefinition (base types and resources only)
        self.elements = {}  # path -> element
        for sd in sds:
            if sd.get("derivation") == "constraint":
                continue
            self.sd[sd["type"]] = sd
            for el in sd["snapshot"]["element"]:
                self.elements[el["path"]] = el

    def element(self, path):
        return self.elements.get(path)

    def child(self, parent_path, name):
        """(element, json name, type code) of XML child `name` below `parent_path`."""
        el = self.elements.get(parent_path + "." + name)
        if el is not None:
            types = el.get("type", [])
            return el, name, types[0]["code"] if len(types) == 1 else None
        prefix = parent_path + "."
        for path, el in self.elements.items():
            if path.startswith(prefix) and path.endswith("[x]") and "." not in path[len(prefix):]:
                stem = path[len(prefix):-3]
                if name.startswith(stem) and len(name) > len(stem):
                    suffix = name[len(stem):]
                    for t in el.get("type", []):
                        if t["code"][:1].upper() + t["code"][1:] == suffix:
                            return el, name, t["code"]
        return None, name, None


def xml_to_json(r4, node, path):
    out = {}
    if node.get("id") is not None:
        out["id"] = node.get("id")
    if node.get("url") is not None:
        out["url"] = node.get("url")
    for child in node:
        if not isinstance(child.tag, str) or not child.tag.startswith(NS):
            continue
        name = child.tag[len(NS):]
        if name == "div":
            continue
        el, jname, tcode = r4.child(path, name)
        if el is None:
            continue  # an element R4 does not have here: not ours to read
        repeats = el.get("max", "1") != "1"
        if tcode is None or tcode in ("BackboneElement", "Element") and "." in el["path"]:
            value = xml_to_json(r4, child, el["path"])
        elif tcode.startswith("http://hl7.org/fhirpath/System."):
            value = child.get("value")
        elif tcode in r4.sd and r4.sd[tcode]["kind"] == "primitive-type":
            raw = child.get("value")
            if raw is None:
                continue
            kind = PRIMITIVE_JSON.get(tcode)
            value = (raw == "true" if kind == "bool" else int(raw) if kind == "int"
                     else float(raw) if kind == "dec" and "." in raw
                     else int(raw) if kind == "dec" else raw)
        elif tcode == "Resource":
            continue
        elif tcode not in r4.sd and child.get("value") is not None:
            value = child.get("value")  # a type the definitions lack: read as its text
        else:
            value = xml_to_json(r4, child, tcode)
        if repeats:
            out.setdefault(jname, []).append(value)
        else:
            out[jname] = value
    return out


def load_resource(r4, path):
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    root = ET.parse(path).getroot()
    rt = root.tag[len(NS):]
    res = xml_to_json(r4, root, rt)
    res["resourceType"] = rt
    return res


# --- snapshots ----------------------------------------------------------------------------------

def split_id(eid):
    """Element id -> segments (slice names in the published packages contain no '.')."""
    return eid.split(".")


MERGE_KEYS = ("min", "max", "type", "binding", "slicing", "sliceName", "contentReference",
              "maxLength", "minValueInteger", "maxValueInteger", "mustSupport")


class Snapshots:
    def __init__(self, r4types, r4_sds, national):
        self.r4 = r4types
        self.by_url = {sd["url"]: sd for sd in r4_sds}
        self.national = national  # url -> (sd, file)
        self.done = {}
        self.busy = set()
        self.skipped = []  # (profile url, element id) with no base element

    def sd(self, url):
        url = url.split("|")[0]
        if url in self.national:
            return self.snapshot(url)
        return self.by_url.get(url)

    def snapshot(self, url):
        if url in self.done:
            return self.done[url]
        sd, _ = self.national[url]
        if "snapshot" in sd:  # published snapshot (IG Publisher): taken as it is
            self.done[url] = sd
            return sd
        if url in self.busy:
            raise ValueError("baseDefinition cycle at " + url)
        self.busy.add(url)
        base = self.sd(sd["baseDefinition"])
        if base is None:
            raise ValueError("%s: unknown baseDefinition %s" % (url, sd["baseDefinition"]))
        elements = copy.deepcopy(base["snapshot"]["element"])
        for el in elements:
            el.setdefault("id", el["path"])
        # what each element was before this differential: a new slice starts from it (HL7's
        # snapshot generator copies the base definition, not the constrained slicing entry)
        self.orig = {el["id"]: copy.deepcopy(el) for el in elements}
        for d in sd.get("differential", {}).get("element", []):
            self.apply(elements, d, url)
        out = dict(sd)
        out["snapshot"] = {"element": elements}
        self.busy.discard(url)
        self.done[url] = out
        return out

    @staticmethod
    def index(elements, eid):
        for i, el in enumerate(elements):
            if el["id"] == eid:
                return i
        return -1

    @staticmethod
    def subtree_end(elements, i):
        """Index after element i, its children and its slices (with their children)."""
        eid = elements[i]["id"]
        j = i + 1
        while j < len(elements):
            other = elements[j]["id"]
            if other.startswith(eid + ".") or other.startswith(eid + ":"):
                j += 1
            else:
                break
        return j

    def expand(self, elements, i, url):
        """Insert the children of element i from its type (or type profile) when it has none."""
        el = elements[i]
        eid = el["id"]
        if i + 1 < len(elements) and elements[i + 1]["id"].startswith(eid + "."):
            return True
        types = el.get("type", [])
        if len(types) != 1:
            return False
        t = types[0]
        src = None
        for p in t.get("profile", []):
            src = self.sd(p)
            if src is not None:
                break
        if src is None:
            src = self.by_url.get(CORE + t["code"])
        if src is None:
            return False
        root = src["snapshot"]["element"][0]["path"]
        kids = []
        for k in src["snapshot"]["element"][1:]:
            k = copy.deepcopy(k)
            kid_id = k.get("id", k["path"])
            k["id"] = eid + kid_id[len(root):]
            k["path"] = el["path"] + k["path"][len(root):]
            kids.append(k)
            self.orig.setdefault(k["id"], copy.deepcopy(k))
        elements[i + 1:i + 1] = kids
        return True

    def ensure(self, elements, eid, url):
        """Index of element `eid`, creating slices and expanding types as needed; -1 if none."""
        i = self.index(elements, eid)
        if i >= 0:
            return i
        segs = split_id(eid)
        if len(segs) == 1:
            return -1
        parent = ".".join(segs[:-1])
        last = segs[-1]
        pi = self.ensure(elements, parent, url)
        if pi < 0:
            return -1
        if ":" in last:
            name, _, slice_name = last.partition(":")
            bi = self.ensure(elements, parent + "." + name, url)
            if bi < 0:
                return -1
            end = self.subtree_end(elements, bi)
            base_id = elements[bi]["id"]
            block = []
            for k in elements[bi:end]:
                if k["id"] != base_id and not k["id"].startswith(base_id + "."):
                    continue
                if k["id"].startswith(base_id + ".") and ":" in k["id"][len(base_id):]:
                    continue  # slices of the children stay with the base element
                k = copy.deepcopy(self.orig.get(k["id"], k))
                k["id"] = eid + k["id"][len(base_id):]
                block.append(k)
            head = block[0]
            head.pop("slicing", None)
            head["sliceName"] = slice_name
            if name.endswith("[x]"):  # type slice value[x]:valueQuantity
                stem = name[:-3]
                tname = slice_name[len(stem):] if slice_name.startswith(stem) else ""
                kept = [t for t in head.get("type", [])
                        if t["code"][:1].upper() + t["code"][1:] == tname]
                if kept:
                    head["type"] = kept
            elements[end:end] = block
            return end
        # a renamed choice (Observation.valueQuantity): the type slice of value[x]
        pel = elements[pi]
        base_path = pel["path"]
        for el in elements:
            if el["path"].startswith(base_path + ".") and el["path"].endswith("[x]") and \
                    el["path"].count(".") == base_path.count(".") + 1 and \
                    el["id"] == pel["id"] + "." + el["path"].rsplit(".", 1)[1]:
                stem = el["path"].rsplit(".", 1)[1][:-3]
                if last.startswith(stem) and last != stem + "[x]":
                    return self.ensure(elements, parent + "." + stem + "[x]:" + last, url)
        if not self.expand(elements, pi, url):
            return -1
        return self.index(elements, eid)

    def apply(self, elements, d, url):
        eid = d.get("id") or d["path"]
        i = self.ensure(elements, eid, url)
        if i < 0:
            # e.g. CarePlan.context (an STU3 name) in a profile that says fhirVersion 4.0.1:
            # nothing in R4 to constrain; listed in the compiled file (S lines)
            self.skipped.append((url, eid))
            return
        el = elements[i]
        for k, v in d.items():
            if k in MERGE_KEYS or k.startswith("fixed") or k.startswith("pattern"):
                if k == "binding" and "valueSet" not in v and "valueSet" in el.get("binding", {}):
                    v = dict(el["binding"], **v)
                el[k] = copy.deepcopy(v)
            elif k == "constraint":
                have = {c["key"] for c in el.get("constraint", [])}
                el.setdefault("constraint", [])
                el["constraint"] = el["constraint"] + [copy.deepcopy(c) for c in v
                                                       if c["key"] not in have]


# --- output -------------------------------------------------------------------------------------

def type_text(t):
    t = dict(t)
    for k in ("profile", "targetProfile"):
        if k in t:
            t[k] = [p.split("|")[0] for p in t[k]]
    out = t["code"]
    if out.startswith("http://hl7.org/fhirpath/"):
        out = out[len("http://hl7.org/fhirpath/"):]
    if t.get("profile"):
        out += "{" + "|".join(t["profile"]) + "}"
    if t.get("targetProfile"):
        out += "(" + "|".join(t["targetProfile"]) + ")"
    return out


def max_num(m):
    return 1 << 31 if m in (None, "*") else int(m)


class ProfileCompiler:
    def __init__(self, model, r4types):
        self.model = model  # the R4 Model: its terminology expands the bindings
        self.r4 = r4types
        self.constraints = []
        self._cidx = {}
        self.valuesets = {}
        self.unexpandable = set()
        self.blocks = []

    def constraint(self, c):
        rec = (c["key"], c.get("severity", "error"), c.get("human", ""), c.get("expression", ""))
        if rec not in self._cidx:
            for vs in re.findall(r"memberOf\('([^']+)'\)", rec[3]):
                self.binding({"strength": "required", "valueSet": vs})
            self._cidx[rec] = len(self.constraints)
            self.constraints.append(rec)
        return self._cidx[rec]

    def binding(self, b):
        url = b.get("valueSet", "").split("|")[0]
        if not url:
            return ""
        strength = b.get("strength", "")
        if strength in ("required", "extensible") and url not in self.valuesets:
            exp = self.model.term.expand(url)
            if exp is None:
                self.unexpandable.add(url)
            else:
                self.valuesets[url] = exp
        return strength + " " + url

    def base_of(self, el, by_id=None):
        """The base R4 element at the same path (through types: Patient.identifier.system is
        Identifier.system; through type slices: value[x]:valueQuantity.code is Quantity.code)."""
        path = el["path"]
        if path in self.r4.elements:
            return self.r4.elements[path]
        segs = path.split(".")
        ids = split_id(el.get("id", path))
        if len(ids) != len(segs):
            ids = segs
        cur = segs[0]
        for n, s in enumerate(segs[1:], start=1):
            nxt = cur + "." + s
            if nxt in self.r4.elements:
                cur = nxt
                continue
            el0 = self.r4.elements.get(cur)
            if el0 is None:
                return None
            types = el0.get("type", [])
            if el0.get("contentReference"):
                cur = el0["contentReference"].lstrip("#") + "." + s
            elif len(types) == 1:
                cur = types[0]["code"] + "." + s
            elif by_id and len(by_id.get(".".join(ids[:n]), {}).get("type", [])) == 1:
                # a choice the profile restricts to one type (value[x] as Quantity)
                cur = by_id[".".join(ids[:n])]["type"][0]["code"] + "." + s
            elif cur.endswith("[x]") and ":" in ids[n - 1]:
                stem = cur.rsplit(".", 1)[1][:-3]
                tname = ids[n - 1].split(":", 1)[1][len(stem):]
                if tname not in self.r4.sd:
                    tname = tname[:1].lower() + tname[1:]
                cur = tname + "." + s
            else:
                return None
            if cur not in self.r4.elements:
                return None
        return self.r4.elements.get(cur)

    def differs(self, el, by_id=None):
        base = self.base_of(el, by_id)
        if base is None:
            return True
        if el.get("sliceName"):
            return True
        if el.get("slicing") and el["slicing"] != base.get("slicing"):
            return True
        if el.get("min", 0) > base.get("min", 0) or max_num(el.get("max")) < max_num(
                base.get("max")):
            return True
        if [type_text(t) for t in el.get("type", [])] != [type_text(t) for t in
                                                           base.get("type", [])]:
            return True
        if any(k.startswith("fixed") or k.startswith("pattern") for k in el):
            return True
        b, bb = el.get("binding", {}), base.get("binding", {})
        if (b.get("valueSet", "").split("|")[0], b.get("strength")) != \
                (bb.get("valueSet", "").split("|")[0], bb.get("strength")):
            return True
        keys = {c["key"] for c in base.get("constraint", [])}
        return any(c["key"] not in keys for c in el.get("constraint", []))

    def add(self, sd, file):
        elements = sd["snapshot"]["element"]
        by_id = {el.get("id", el["path"]): el for el in elements}
        keep = {elements[0].get("id", elements[0]["path"])}  # the root, always
        for el in elements:
            eid = el.get("id", el["path"])
            if self.differs(el, by_id):
                segs = split_id(eid)
                for n in range(1, len(segs) + 1):
                    keep.add(".".join(segs[:n]))
                    # the sliced element of a slice is kept with it
                    if ":" in segs[n - 1]:
                        keep.add(".".join(segs[:n - 1] + [segs[n - 1].split(":")[0]]))
        # by the type (vkp-Address-v090 says kind "resource" for an Address)
        r4kind = self.r4.sd.get(sd["type"], {}).get("kind")
        kind = "x" if sd["type"] == "Extension" else ("r" if r4kind == "resource" else "c")
        lines = ["\t".join(["P", sd["url"], sd["type"], kind, sd.get("baseDefinition", ""), file,
                            sd.get("name", sd.get("id", "")), sd.get("version", "")])]
        for el in elements:
            eid = el.get("id", el["path"])
            if eid not in keep:
                continue
            base = self.base_of(el, by_id) or {}
            base_keys = {c["key"] for c in base.get("constraint", [])}
            cons = ",".join(str(self.constraint(c)) for c in el.get("constraint", [])
                            if c["key"] not in base_keys)
            fp = {k: v for k, v in el.items() if k.startswith("fixed") or k.startswith("pattern")}
            fixed = json.dumps(fp, ensure_ascii=False, separators=(",", ":"),
                               sort_keys=True) if fp else ""
            sl = el.get("slicing")
            slicing = ""
            if sl:
                slicing = ",".join(d["type"] + "@" + d["path"] for d in
                                   sl.get("discriminator", [])) + ";" + sl.get("rules", "open")
            binding = self.binding(el["binding"]) if "binding" in el else ""
            if binding and base.get("binding") and \
                    base["binding"].get("valueSet", "").split("|")[0] == binding.split(" ", 1)[1] \
                    and base["binding"].get("strength") == binding.split(" ", 1)[0]:
                binding = ""  # base R4 judges it already
            types = ";".join(type_text(t) for t in el.get("type", []))
            lines.append("\t".join(["N", eid, el["path"], str(el.get("min", 0)),
                                    str(el.get("max", "*")), types, binding, slicing, cons, fixed,
                                    str(base.get("min", 0)), str(base.get("max", "*"))]))
        self.blocks.append(lines)

    def write(self, out, source, skipped):
        out.write("vft-fhir-profiles\t%d\t%s\n" % (FORMAT, source))
        out.write("# C key severity human expression | V valueset system codes... | U valueset | "
                  "P url type kind(r/c/x) base file name version | N id path min max types binding "
                  "slicing(disc@path,...;rules) constraints fixed/pattern base-min base-max | "
                  "S profile element-id (a differential element R4 does not have: not applied)\n")
        for url, eid in skipped:
            out.write("S\t%s\t%s\n" % (url, eid))
        for key, sev, human, expr in self.constraints:
            out.write("\t".join(["C", key, sev, esc(human), esc(expr)]) + "\n")
        for url in sorted(self.valuesets):
            exp = self.valuesets[url]
            if not exp:
                out.write("V\t%s\t\n" % url)
            for system in sorted(exp):
                out.write("\t".join(["V", url, system] + sorted(exp[system])) + "\n")
        for url in sorted(self.unexpandable - set(self.valuesets)):
            out.write("U\t%s\n" % url)
        for block in self.blocks:
            for line in block:
                out.write(line + "\n")


UPSTREAM_DIRS = ("vkp-r4", "vft-epj", "no-basis", "vkp-observation/published")


def upstream_files(upstream, kind):
    out = []
    for d in UPSTREAM_DIRS:
        base = os.path.join(upstream, d)
        for root, _, files in os.walk(base):
            for f in files:
                if not (f.endswith(".json") or f.endswith(".xml")):
                    continue
                full = os.path.join(root, f)
                rel = os.path.relpath(full, upstream)
                if kind == "StructureDefinition" and ("StructureDefinition" in rel or
                                                      os.path.basename(f).startswith(
                                                          "StructureDefinition-")):
                    out.append(full)
                elif kind == "terminology" and re.search(r"(ValueSet|CodeSystem)", rel):
                    out.append(full)
    return sorted(out)


def compile_profiles(model, r4_sds, upstream, out_path, source):
    r4 = R4Types(r4_sds)
    for f in upstream_files(upstream, "terminology"):
        res = load_resource(r4, f)
        if res.get("resourceType") in ("ValueSet", "CodeSystem"):
            model.term.add(res)
    national = {}
    for f in upstream_files(upstream, "StructureDefinition"):
        res = load_resource(r4, f)
        if res.get("resourceType") != "StructureDefinition" or "type" not in res:
            continue
        if res.get("derivation") != "constraint":
            continue  # logical models and the like: nothing to validate against
        national[res["url"]] = (res, os.path.relpath(f, upstream))
    snaps = Snapshots(r4, r4_sds, national)
    pc = ProfileCompiler(model, r4)
    for url in sorted(national):
        pc.add(snaps.snapshot(url), "specs/upstream/" + national[url][1])
    with open(out_path + ".tmp", "w", encoding="utf-8", newline="\n") as out:
        pc.write(out, source, snaps.skipped)
    os.replace(out_path + ".tmp", out_path)
    return len(pc.blocks), len(pc.constraints)
