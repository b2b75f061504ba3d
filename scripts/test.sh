#!/usr/bin/env bash
# Builds vft and runs every test: the dev build (warnings are errors) with the full CTest suite,
# the AddressSanitizer/UBSan build with the unit tests, and a short libFuzzer run per parser.
# Installs what it needs first. Usage: scripts/test.sh [--quick]  (--quick: dev build only)
set -euo pipefail
cd "$(dirname "$0")/.."
VFT_WITH_BROWSER=1 scripts/install-deps.sh  # chromium for the browser test of report.html
jobs=$(nproc)
phase() { echo "== [$(date +%T), ${SECONDS}s] $*"; }  # elapsed time per phase, for CI's log

phase "compiled FHIR model = what the spec compiler generates (npm; fails if unreachable)"
scripts/update-specs.sh --check

phase "formatting (clang-format --dry-run -Werror on every tracked C++ file)"
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror

phase "dev build (Werror) + all tests"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"
ctest --preset dev -j "$jobs"

[[ "${1:-}" == "--quick" ]] && { phase "done"; exit 0; }

phase "asan/ubsan build + unit tests"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs" --target vft_unit_tests  # only the unit tests run here
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan -j "$jobs" -L unit

fuzz_targets=(fuzz_validate fuzz_kith_readers fuzz_fhir_readers fuzz_jwt fuzz_receiver_router fuzz_fhirpath)
phase "libFuzzer (clang), ${VFT_FUZZ_SECONDS:-10}s per target"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target "${fuzz_targets[@]}"
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
mkdir "$seeds/fixtures"
find fixtures/messages -name '*.json' ! -name '*.expect.json' -exec cp {} "$seeds/fixtures"/ \;
find fixtures/messages -name '*.xml' -exec cp {} "$seeds/fixtures"/ \;
for target in "${fuzz_targets[@]}"; do
  # libFuzzer adds what it finds to the corpus directory: one copy per target.
  cp -r "$seeds/fixtures" "$seeds/$target"
  if [[ $target == fuzz_receiver_router ]]; then
    # Its input is a request (request line, headers, body): wrap each fixture in one.
    for f in "$seeds/$target"/*; do
      case "$f" in
        *.xml) printf 'POST /kith/messages\nContent-Type: application/xml\n\n' ;;
        *) printf 'POST /epj/r4/312229544/bundle\nContent-Type: application/fhir+json\n\n' ;;
      esac | cat - "$f" > "$f.req" && mv "$f.req" "$f"
    done
  fi
  # a target's own seeds (tests/fuzz/corpus/TARGET: FHIRPath expressions from the suite)
  if [ -d "tests/fuzz/corpus/$target" ]; then cp tests/fuzz/corpus/"$target"/* "$seeds/$target"/; fi
  echo "-- $target"
  if ! build/fuzz/tests/fuzz/"$target" -max_total_time="${VFT_FUZZ_SECONDS:-10}" -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$seeds/$target-" "$seeds/$target" > "$seeds/$target.log" 2>&1; then
    cat "$seeds/$target.log"  # the whole trace: a crash must be readable from CI's log
    echo "fuzz: $target failed; the input that crashed it is printed above (base64 by libFuzzer)" >&2
    exit 1
  fi
  tail -n 6 "$seeds/$target.log"
done
echo "fuzz: no crash"
phase "done"
