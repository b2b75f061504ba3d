#!/usr/bin/env bash
# Builds vft and runs every test: the dev build (warnings are errors) with the full CTest suite,
# the AddressSanitizer/UBSan build with the unit tests, and a short libFuzzer run per parser.
# Installs what it needs first. Usage: scripts/test.sh [--quick]  (--quick: dev build only)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

echo "== dev build (Werror) + all tests"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"
ctest --preset dev -j "$jobs"

[[ "${1:-}" == "--quick" ]] && exit 0

echo "== asan/ubsan build + tests"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan -j "$jobs" -L unit

echo "== libFuzzer (clang), ${VFT_FUZZ_SECONDS:-20}s per target"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target fuzz_validate
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
find fixtures/messages -name '*.json' ! -name '*.expect.json' -exec cp {} "$corpus"/ \;
find fixtures/messages -name '*.xml' -exec cp {} "$corpus"/ \;
build/fuzz/tests/fuzz/fuzz_validate -max_total_time="${VFT_FUZZ_SECONDS:-20}" -max_len=65536 \
  -print_final_stats=1 "$corpus" 2>&1 | tail -n 12
echo "fuzz: no crash"
