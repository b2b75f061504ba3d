#!/usr/bin/env bash
# The main job of vft on a fresh machine: installs what it needs, builds the release tool, and
# validates every shipped message fixture at both levels, printing a summary.
# (When the mocks and suites land this becomes `vft demo`: mocks up, suites run, reports written.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target vft >/dev/null
vft=build/release/cli/vft
out=${1:-out/demo}
mkdir -p "$out"
# Each fixture is judged by the spec package its sidecar names (JFT rules apply only to what is
# posted to JFT); the others by the package detected from the document.
for level in strict lenient; do
  python3 - "$vft" "$level" > "$out/validate-$level.json" <<'PY'
import glob, json, os, subprocess, sys, collections
vft, level = sys.argv[1], sys.argv[2]
groups = collections.defaultdict(list)
for f in sorted(glob.glob("fixtures/messages/**/*", recursive=True)):
    if not f.endswith((".json", ".xml")) or f.endswith(".expect.json"):
        continue
    side = f.rsplit(".", 1)[0] + ".expect.json"
    spec = json.load(open(side)).get("spec", "") if os.path.exists(side) else ""
    groups[spec].append(f)
files = []
for spec, names in groups.items():
    args = [vft, "validate", "--level", level, "--format", "json"] + (["--spec", spec] if spec else []) + names
    files += json.loads(subprocess.run(args, capture_output=True, text=True).stdout)["files"]
json.dump({"files": files}, sys.stdout, ensure_ascii=False)
PY
done
python3 - "$out" <<'PY' 2>/dev/null || head -c 400 "$out/validate-strict.json"
import json, sys, collections
out = sys.argv[1]
for level in ("strict", "lenient"):
    files = json.load(open(f"{out}/validate-{level}.json"))["files"]
    groups = collections.defaultdict(collections.Counter)
    for f in files:
        group = f["file"].split("/")[2]  # valid | invalid | quirks
        sev = {i["severity"] for i in f["issues"]}
        verdict = "rejected" if not f["valid"] else ("accepted with warnings" if "warning" in sev else "accepted")
        groups[group][verdict] += 1
    parts = []
    for g in ("valid", "invalid", "quirks"):
        c = groups[g]
        parts.append(f"{g} {sum(c.values())}: " + ", ".join(f"{n} {v}" for v, n in sorted(c.items())))
    print(f"{level:8s} " + " | ".join(parts))
print("(invalid fixtures accepted with warnings are those whose sidecars expect warnings only;")
print(" every expectation is checked by the tests: scripts/test.sh)")
print(f"reports: {out}/validate-strict.json, {out}/validate-lenient.json")
PY
