#!/usr/bin/env python3
"""vft's verdicts beside Medplum's on the same files (docs/validation.md, "Compared with other
validators").

    bench/medplum/compare-verdicts.py [--vft PATH] [--out FILE] [SET...]

SET is any of: fhirpath (the R4 examples of the FHIRPath test suite, specs/upstream/fhirpath/input),
fixtures (vft's valid, quirk and invalid FHIR JSON message fixtures), examples (the official R4
examples, hl7.fhir.r4.examples@4.0.1, fetched by bench/medplum/fetch.sh --examples). Default:
fhirpath fixtures.

vft runs as `vft validate --spec r4 --format json` (base R4 alone, what Medplum checks); Medplum as
validateResource after indexing the R4 StructureDefinitions (medplum_verdicts.mjs). A file's
verdict is its number of errors (severity error or fatal; a file Medplum cannot parse or that makes
it throw counts as one). "agree" means both find errors or neither does; the table lists every
file, the disagreements first, with vft's rules and paths and Medplum's expressions and texts.
Writes Markdown to --out (default: stdout). Needs the vft binary (release or dev build) and node
with the packages bench/medplum/fetch.sh installs.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def cache_dir():
    if os.environ.get("VFT_MEDPLUM_CACHE"):
        return os.environ["VFT_MEDPLUM_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "vft", "medplum")


def files_of(which):
    if which == "fhirpath":
        return sorted(glob.glob(os.path.join(ROOT, "specs/upstream/fhirpath/input/*.json")))
    if which == "fixtures":
        out = []
        for sub in ("valid", "quirks", "invalid"):
            for p in sorted(glob.glob(os.path.join(ROOT, "fixtures/messages", sub, "**/*.json"),
                                      recursive=True)):
                if ".expect." not in os.path.basename(p):
                    out.append(p)
        return out
    if which == "examples":
        d = os.path.join(cache_dir(), "examples", "package")
        if not os.path.isdir(d):
            sys.exit(f"compare-verdicts: {d} is missing: run bench/medplum/fetch.sh --examples")
        return sorted(p for p in glob.glob(os.path.join(d, "*.json"))
                      if os.path.basename(p) not in ("package.json", ".index.json"))
    sys.exit(f"compare-verdicts: unknown set {which}")


def run_vft(vft, files):
    out = {}
    for k in range(0, len(files), 400):
        chunk = files[k:k + 400]
        p = subprocess.run([vft, "validate", "--spec", "r4", "--format", "json", *chunk],
                           capture_output=True, text=True)
        if p.returncode not in (0, 1):
            sys.exit(f"compare-verdicts: vft exited {p.returncode}: {p.stderr.strip()}")
        for f in json.loads(p.stdout)["files"]:
            errs = [i for i in f["issues"] if i["severity"] in ("error", "fatal")]
            out[f["file"]] = errs
    return out


def run_medplum(files):
    p = subprocess.run(["node", "--experimental-websocket", os.path.join(HERE, "medplum_verdicts.mjs")],
                       input="\n".join(files) + "\n", capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"compare-verdicts: node exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    out = {}
    for line in p.stdout.splitlines():
        r = json.loads(line)
        errs = [i for i in r["issues"] if i["severity"] in ("error", "fatal")]
        if r["parse"]:
            errs.append({"expression": "", "text": "JSON.parse: " + r["parse"]})
        if r["exception"]:
            errs.append({"expression": "", "text": "exception: " + r["exception"]})
        out[r["file"]] = errs
    return out


def vft_issue(i):
    # An invariant's key leads its message ("que-5: Only 'choice' …"); show it beside the rule.
    rule = i["rule"]
    if rule == "FHIR-INV-001":
        rule += " " + i["message"].split(":", 1)[0]
    return f"{rule} {i['path']}".strip()


def cell(s, limit=400):
    s = s.replace("|", "\\|").replace("\n", " ")
    return s if len(s) <= limit else s[:limit] + " …"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vft", default=None, help="the vft binary (default: build/release/cli/vft, then build/dev/cli/vft)")
    ap.add_argument("--out", default=None)
    ap.add_argument("sets", nargs="*", default=["fhirpath", "fixtures"])
    a = ap.parse_args()
    vft = a.vft
    if vft is None:
        for cand in ("build/release/cli/vft", "build/dev/cli/vft"):
            if os.access(os.path.join(ROOT, cand), os.X_OK):
                vft = os.path.join(ROOT, cand)
                break
    if vft is None:
        sys.exit("compare-verdicts: no vft binary; build it or pass --vft")

    lines = []
    totals = []
    for which in a.sets:
        files = files_of(which)
        v = run_vft(vft, files)
        m = run_medplum(files)
        rows = []
        for f in files:
            ve, me = v.get(f, []), m.get(f, [])
            agree = (len(ve) > 0) == (len(me) > 0)
            rows.append((agree, os.path.relpath(f, ROOT) if f.startswith(ROOT) else os.path.basename(f), ve, me))
        rows.sort(key=lambda r: (r[0], r[1]))
        n_agree = sum(1 for r in rows if r[0])
        both_valid = sum(1 for r in rows if not r[2] and not r[3])
        only_vft = sum(1 for r in rows if r[2] and not r[3])
        only_med = sum(1 for r in rows if not r[2] and r[3])
        totals.append((which, len(rows), n_agree, both_valid, only_vft, only_med))
        lines.append(f"## {which}: {len(rows)} files, {n_agree} agree "
                     f"({both_valid} valid for both), {only_vft} errors only in vft, {only_med} only in Medplum\n")
        lines.append("| file | vft errors | Medplum errors | agree? |")
        lines.append("|---|---|---|---|")
        for agree, name, ve, me in rows:
            vtxt = f"{len(ve)}" + (": " + "; ".join(vft_issue(i) for i in ve[:6]) if ve else "")
            mtxt = f"{len(me)}" + (": " + "; ".join(f"{i['expression']} {i['text']}" for i in me[:4]) if me else "")
            lines.append(f"| {cell(name, 120)} | {cell(vtxt)} | {cell(mtxt)} | {'yes' if agree else '**no**'} |")
        lines.append("")
    head = ["# vft `--spec r4` beside Medplum `validateResource`", "",
            f"vft: {vft}; Medplum: @medplum/core from {cache_dir()} (bench/medplum/package-lock.json)", "",
            "| set | files | agree | valid for both | errors only in vft | errors only in Medplum |",
            "|---|---|---|---|---|---|"]
    head += [f"| {w} | {n} | {ag} | {bv} | {ov} | {om} |" for w, n, ag, bv, ov, om in totals]
    text = "\n".join(head + [""] + lines) + "\n"
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w", encoding="utf-8") as fh:
            fh.write(text)
        for w, n, ag, bv, ov, om in totals:
            print(f"{w}: {n} files, {ag} agree ({bv} valid for both), {ov} errors only in vft, {om} only in Medplum")
        print(f"table: {a.out}")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
