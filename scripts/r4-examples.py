#!/usr/bin/env python3
"""`vft validate --spec r4` against the FHIR R4 specification's own examples (issue 20).

  r4-examples.py fhirpath-input --vft VFT   the 29 R4 examples of the FHIRPath suite
                                            (specs/upstream/fhirpath/input) against
                                            tests/r4-examples/fhirpath-input.expected; when the
                                            official examples package is in the cache, the
                                            file's origin column is checked too
  r4-examples.py package --vft VFT          every example of hl7.fhir.r4.examples@4.0.1 (fetched
                                            by scripts/update-specs.sh into its cache) against
                                            tests/r4-examples/package.expected; exit 77 (CTest:
                                            skipped, printed loudly) when the package is absent
  r4-examples.py origins                    where each FHIRPath input file comes from

An issue's signature: for the FHIRPath input files RULE[:key]@path
(`FHIR-INV-001:que-5@Questionnaire.item[0].item[16].item[0]`, `FHIR-STR-002@Observation.code`);
for the package RULE@WHERE, WHERE the invariant key for FHIR-INV-001 (`FHIR-INV-001@que-2`),
else the issue's `source` without `fhir-r4:` (the element definition,
`FHIR-STR-002@Questionnaire.item.linkId`), else its path without indexes; `SIG*N` is N times
the same. Only errors and fatals count: a file with
none is valid. The comparison is exact (a missing expected error fails as an unexpected one).
Standard library only.
"""
import argparse
import base64
import collections
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP = 77  # CTest SKIP_RETURN_CODE


def pinned_examples():
    """(tarball name, integrity) of the examples package, as scripts/update-specs.sh pins it."""
    text = open(os.path.join(ROOT, "scripts", "update-specs.sh"), encoding="utf-8").read()
    get = lambda k: re.search(r'^%s="([^"]*)"' % k, text, re.M).group(1)
    return "%s-%s.tgz" % (get("EXAMPLES_PACKAGE"), get("EXAMPLES_VERSION")), get("EXAMPLES_INTEGRITY")


def cache_dir():
    if os.environ.get("VFT_SPEC_CACHE"):
        return os.environ["VFT_SPEC_CACHE"]
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "vft", "specs")


def examples_tarball():
    """The cached package's path, or (None, why) when it is absent or not the pinned bytes."""
    name, integrity = pinned_examples()
    path = os.path.join(cache_dir(), name)
    if not os.path.isfile(path):
        return None, "%s is not in the cache (%s); run scripts/update-specs.sh" % (name, cache_dir())
    got = "sha512-" + base64.b64encode(hashlib.sha512(open(path, "rb").read()).digest()).decode()
    if got != integrity:
        return None, "%s has integrity %s, pinned %s" % (path, got, integrity)
    return path, ""


def extract(tarball, into, types=None):
    """The examples (package/Type-id.json), only those of `types` when given."""
    with tarfile.open(tarball) as t:
        members = [m for m in t.getmembers()
                   if m.isfile() and re.fullmatch(r"package/[^/]+\.json", m.name)
                   and m.name not in ("package/package.json", "package/ig-r4.json")
                   and (types is None or os.path.basename(m.name).split("-")[0] in types)]
        for m in members:  # names are plain file names: nothing escapes `into`
            m.name = os.path.basename(m.name)
            t.extract(m, into)
    return sorted(os.path.join(into, os.path.basename(m.name)) for m in members)


def signature(issue, by_path):
    rule, source = issue["rule"], issue.get("source", "")
    if by_path:  # RULE[:key]@path
        key = ":" + source[len("fhir-r4:"):] if rule == "FHIR-INV-001" else ""
        return "%s%s@%s" % (rule, key, issue.get("path", ""))
    if source.startswith("fhir-r4:"):
        return "%s@%s" % (rule, source[len("fhir-r4:"):])
    return "%s@%s" % (rule, re.sub(r"\[\d+\]", "", issue.get("path", "")))


def validate(vft, files, by_path=False):
    """file name -> sorted list of error signatures."""
    out = {}
    for i in range(0, len(files), 200):
        r = subprocess.run([vft, "validate", "--spec", "r4", "--format", "json"] + files[i:i + 200],
                           capture_output=True, text=True)
        if r.returncode not in (0, 1):
            sys.exit("vft validate failed (exit %d): %s" % (r.returncode, r.stderr[:2000]))
        for f in json.loads(r.stdout)["files"]:
            out[os.path.basename(f["file"])] = sorted(
                signature(x, by_path) for x in f.get("issues", []) if x["severity"] in ("error", "fatal"))
    return out


def expand(spec):
    """'A*2 B' -> ['A', 'A', 'B'] (sorted); 'valid' -> []."""
    if spec == "valid":
        return []
    got = []
    for item in spec.split():
        sig, _, n = item.partition("*")
        got += [sig] * (int(n) if n else 1)
    return sorted(got)


def read_expected(path, columns):
    rows = {}
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.rstrip("\n").split("\t")
        if len(cells) != columns or not cells[-1].strip():
            sys.exit("%s:%d: want %d tab-separated columns, the last the reason" % (path, n, columns))
        if cells[0] in rows:
            sys.exit("%s:%d: %s listed twice" % (path, n, cells[0]))
        rows[cells[0]] = cells[1:]
    return rows


def shown(sigs):
    c = collections.Counter(sigs)
    return " ".join(s if c[s] == 1 else "%s*%d" % (s, c[s]) for s in sorted(c)) or "valid"


# --- origins: is a file one of the official examples? ------------------------------------------

def normal_div(s):
    s = html.unescape(s)
    return re.sub(r"\s+", " ", re.sub(r">\s+", ">", re.sub(r"\s+<", "<", s))).strip()


def normalized(v, key=""):
    """The narrative's XHTML compared by content: entities and white space between tags are
    serialization (the npm package and hl7.org/fhir/R4 serialize the same narrative differently)."""
    if isinstance(v, dict):
        return {k: normalized(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [normalized(x) for x in v]
    return normal_div(v) if key == "div" and isinstance(v, str) else v


def without_stamps(d):
    """What the npm package's build adds to a canonical example: its working-group extension,
    meta.lastUpdated and `version` 4.0.1."""
    d = json.loads(json.dumps(d))
    ext = [e for e in d.get("extension", [])
           if e.get("url") != "http://hl7.org/fhir/StructureDefinition/structuredefinition-wg"]
    d.pop("extension", None)
    if ext:
        d["extension"] = ext
    if isinstance(d.get("meta"), dict):
        d["meta"].pop("lastUpdated", None)
        if not d["meta"]:
            d.pop("meta")
    d.pop("version", None)
    return d


def origins(input_files, official_files):
    same, stamped, by_id = {}, {}, {}
    for f in official_files:
        d = json.load(open(f, encoding="utf-8"))
        same.setdefault(json.dumps(normalized(d), sort_keys=True), os.path.basename(f))
        stamped.setdefault(json.dumps(normalized(without_stamps(d)), sort_keys=True),
                           os.path.basename(f))
        by_id.setdefault((d.get("resourceType"), d.get("id")), os.path.basename(f))
    out = {}
    for f in input_files:
        try:
            d = json.load(open(f, encoding="utf-8"))
        except ValueError:
            out[os.path.basename(f)] = "no-example-with-this-id"
            continue
        k = json.dumps(normalized(d), sort_keys=True)
        ks = json.dumps(normalized(without_stamps(d)), sort_keys=True) if isinstance(d, dict) else k
        rid = (d.get("resourceType"), d.get("id")) if isinstance(d, dict) else None
        if k in same:
            out[os.path.basename(f)] = "identical " + same[k]
        elif ks in stamped:
            out[os.path.basename(f)] = "identical-but-package-stamps " + stamped[ks]
        elif rid in by_id and rid[1]:
            out[os.path.basename(f)] = "modified " + by_id[rid]
        else:
            out[os.path.basename(f)] = "no-example-with-this-id"
    return out


# --- commands -----------------------------------------------------------------------------------

def compare(got, want, where, say=print):
    """The files whose errors differ: got and want map file -> sorted signatures (want: None for
    a file the expectations do not list)."""
    bad = 0
    for name in sorted(set(got) | set(want)):
        if name not in got:
            say("MISSING  %s: listed but not in %s" % (name, where))
        elif want.get(name) is None:
            say("UNLISTED %s: vft says %s" % (name, shown(got[name])))
        elif got[name] != want[name]:
            say("DIFFERS  %s\n  expected %s\n  vft says %s" % (name, shown(want[name]), shown(got[name])))
        else:
            continue
        bad += 1
    return bad


def self_check(got, want, where):
    """The comparison itself can fail: one file's expectation made wrong each way (an error
    expected that vft does not give, an error vft gives that is not expected) is caught."""
    invalid = next((n for n in sorted(got) if got[n] and want.get(n) == got[n]), None)
    valid = next((n for n in sorted(got) if not got[n] and want.get(n) == []), None)
    if invalid is None or valid is None:
        print("self-check: no file agrees with its expectation both ways; nothing to mutate")
        return False
    pair = {n: got[n] for n in (invalid, valid)}
    mutant = {invalid: [], valid: ["FHIR-STR-002@self-check"]}
    caught = compare(pair, mutant, where, say=lambda _: None)
    print("self-check: %s expected valid and %s expected invalid: %d of 2 differences caught" %
          (invalid, valid, caught))
    return caught == 2


def cmd_fhirpath_input(a):
    d = a.dir or os.path.join(ROOT, "specs", "upstream", "fhirpath", "input")
    files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".json"))
    expected = read_expected(a.expected, 4)  # file, origin, errors, reason
    got = validate(a.vft, files, by_path=True)
    want = {name: expand(row[1]) for name, row in expected.items()}
    bad = compare(got, want, d)
    tarball, why = examples_tarball()
    if tarball:
        with tempfile.TemporaryDirectory() as tmp:
            o = origins(files, extract(tarball, tmp, resource_types(files)))
        for name in sorted(o):
            if name in expected and expected[name][0] != o[name]:
                print("ORIGIN   %s: expected '%s', the package says '%s'" % (name, expected[name][0], o[name]))
                bad += 1
    else:
        print("NOTE: origins not checked: " + why)
    valid = sum(1 for v in got.values() if not v)
    print("%d files, %d valid, %d with errors; %d differ from %s" %
          (len(got), valid, len(got) - valid, bad, os.path.relpath(a.expected, ROOT)))
    if not self_check(got, want, d):
        return 1
    return 1 if bad else 0


def cmd_package(a):
    tarball, why = examples_tarball()
    if not tarball:
        print("*" * 78)
        print("SKIPPED: the R4 examples package is not checked: " + why)
        print("*" * 78)
        return SKIP
    expected = read_expected(a.expected, 3)  # file, errors, reason
    with tempfile.TemporaryDirectory() as tmp:
        files = extract(tarball, tmp)
        got = validate(a.vft, files)
    # a file the expectations do not list must be valid
    want = {name: [] for name in got}
    want.update({name: expand(row[0]) for name, row in expected.items()})
    bad = compare(got, want, "the package")
    with_errors = [n for n in got if got[n]]
    print("%d examples, %d without errors (%.1f%%), %d with errors; %d differ from %s" %
          (len(got), len(got) - len(with_errors), 100.0 * (len(got) - len(with_errors)) / len(got),
           len(with_errors), bad, os.path.relpath(a.expected, ROOT)))
    if a.report:
        groups = collections.Counter(s for n in with_errors for s in set(got[n]))
        for s, n in groups.most_common():
            print("  %4d files  %s" % (n, s))
    if not self_check(got, want, "the package"):
        return 1
    return 1 if bad else 0


def resource_types(files):
    types = set()
    for f in files:
        try:
            d = json.load(open(f, encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(d, dict) and isinstance(d.get("resourceType"), str):
            types.add(d["resourceType"])
    return types


def cmd_origins(a):
    tarball, why = examples_tarball()
    if not tarball:
        print("SKIPPED: " + why)
        return SKIP
    d = os.path.join(ROOT, "specs", "upstream", "fhirpath", "input")
    files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".json"))
    with tempfile.TemporaryDirectory() as tmp:
        for name, o in sorted(origins(files, extract(tarball, tmp, resource_types(files))).items()):
            print("%s\t%s" % (name, o))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fhirpath-input")
    f.add_argument("--vft", required=True)
    f.add_argument("--dir")
    f.add_argument("--expected", default=os.path.join(ROOT, "tests", "r4-examples", "fhirpath-input.expected"))
    k = sub.add_parser("package")
    k.add_argument("--vft", required=True)
    k.add_argument("--expected", default=os.path.join(ROOT, "tests", "r4-examples", "package.expected"))
    k.add_argument("--report", action="store_true", help="print the error groups")
    sub.add_parser("origins")
    a = p.parse_args()
    return {"fhirpath-input": cmd_fhirpath_input, "package": cmd_package, "origins": cmd_origins}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
