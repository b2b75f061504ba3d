#!/usr/bin/env bash
# vft's validator beside Medplum's validateResource, on the same files in the same run (issue 20:
# "at least 20x Medplum's validateResource"). Never run by the build or the tests.
#   bench/validator_compare.sh [--seconds S] [--runs N] [--build DIR]
# Needs the release bench (cmake --preset release -DVFT_BUILD_BENCH=ON;
# cmake --build --preset release --target vft_bench_validator_compare) and, for Medplum, node + npm
# (bench/medplum/fetch.sh installs the pinned packages into a cache outside the repository).
# Without node only vft is measured, and the script says so.
#
# Two file sets, each measured by both validators one after the other (never at the same time):
#   typical  the typical VKP alarm bundle the SDK builds (4.5 KB; the one vft_bench_validator times)
#   alarms   the valid VKP alarm fixtures, fixtures/messages/valid/alarm/*.json (7 bundles, 9-11 KB
#            pretty-printed)
# vft is timed at strict with the detected spec (the national profiles + base R4, invariants
# included) and at --spec r4 (base R4 alone: what Medplum checks, the like-for-like ratio).
# Medplum is timed from the text (JSON.parse + validateResource: vft validates text too) and from
# pre-parsed objects. Rates are the median of N runs, wall clock and CPU time; the ratios are
# computed on both.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=2 runs=5 build=build/release
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    *) echo "usage: bench/validator_compare.sh [--seconds S] [--runs N] [--build DIR]" >&2; exit 2 ;;
  esac
done
bench="$build/bench/vft_bench_validator_compare"
[[ -x "$bench" ]] || { echo "validator_compare: $bench is missing: cmake --preset release -DVFT_BUILD_BENCH=ON && cmake --build --preset release --target vft_bench_validator_compare" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bench" --write-typical "$work/typical-alarm.json"
typical=("$work/typical-alarm.json")
alarms=()
for f in fixtures/messages/valid/alarm/*.json; do
  [[ "$f" == *.expect.* ]] || alarms+=("$f")
done

medplum=1
if ! command -v node >/dev/null; then
  medplum=0
  echo "validator_compare: node is not present: Medplum is not measured, only vft"
elif ! bench/medplum/fetch.sh >/dev/null; then
  medplum=0
  echo "validator_compare: bench/medplum/fetch.sh failed: Medplum is not measured, only vft"
fi

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start ($(date -u +%H:%M:%SZ))"
rate_of() { sed -n "s/^RATE $1 .*$2=\([0-9]*\).*/\1/p" "$3"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else printf "n/a" }'; }

for set in typical alarms; do
  declare -n files="$set"
  echo
  echo "== $set: ${#files[@]} file(s)"
  "$bench" --seconds "$seconds" --runs "$runs" "${files[@]}" | tee "$work/vft-$set.txt"
  if [[ $medplum == 1 ]]; then
    node --experimental-websocket bench/medplum/medplum_bench.mjs --seconds "$seconds" --runs "$runs" "${files[@]}" |
      tee "$work/medplum-$set.txt"
    if grep -qE ', [1-9][0-9]* errors' "$work/vft-$set.txt" "$work/medplum-$set.txt"; then
      echo "validator_compare: a validator found errors in the $set files: the rates below compare unequal work"
    fi
    for clock in wall_median cpu_median; do
      vs=$(rate_of vft-strict "$clock" "$work/vft-$set.txt")
      vr=$(rate_of vft-r4 "$clock" "$work/vft-$set.txt")
      mt=$(rate_of medplum-text "$clock" "$work/medplum-$set.txt")
      mp=$(rate_of medplum-parsed "$clock" "$work/medplum-$set.txt")
      echo "RATIO $set $clock: vft strict (national + R4) / Medplum (text) = $(ratio "$vs" "$mt")x;" \
        "vft --spec r4 / Medplum (text) = $(ratio "$vr" "$mt")x;" \
        "vft --spec r4 / Medplum (parsed objects) = $(ratio "$vr" "$mp")x"
    done
  fi
  unset -n files
done
echo
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) at end ($(date -u +%H:%M:%SZ))"
