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
mapfile -t files < <(find fixtures/messages -type f \( -name '*.json' -o -name '*.xml' \) ! -name '*.expect.json' | sort)
for level in strict lenient; do
  "$vft" validate --level "$level" --format json "${files[@]}" > "$out/validate-$level.json" || true
done
python3 - "$out" <<'PY' 2>/dev/null || cat "$out/validate-strict.json" | head -c 400
import json, sys, collections
out = sys.argv[1]
for level in ("strict", "lenient"):
    files = json.load(open(f"{out}/validate-{level}.json"))["files"]
    by = collections.Counter()
    for f in files:
        group = f["file"].split("/")[2]  # valid | invalid | quirks
        by[(group, f["valid"])] += 1
    print(f"{level:8s}: " + ", ".join(f"{g} {'valid' if v else 'invalid'}: {n}" for (g, v), n in sorted(by.items())))
print(f"reports: {out}/validate-strict.json, {out}/validate-lenient.json")
PY
