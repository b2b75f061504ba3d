#!/usr/bin/env bash
# Wall time of each sender-role suite (`vft run --role sender`: vkp-r4, jft, pmd, kith) against the SDK's
# example sender, with --jobs 1 and --jobs 4, each repeated RUNS times (median and min reported).
# The SUT file is fixtures/sut/example-sender.json with a fresh key and the given example_sender;
# every test starts its own mock receiver and token service, runs the example sender as a process
# (HelseID token, outbox in SQLite) and, in the fault tests, waits out the backoff the faults ask
# for (one test waits Retry-After: 1 s), so the times are dominated by those waits.
# Usage: bench/sender_suite_bench.sh [VFT_BINARY] [EXAMPLE_SENDER] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
vft=$(realpath "${1:-build/release/cli/vft}")
sender=$(realpath "${2:-build/release/sdk/examples/example_sender}")
runs=${3:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/example-sender.key.pem" 2>/dev/null
sed "s|\"example_sender --instruction|\"$sender --instruction|" fixtures/sut/example-sender.json > "$work/sut.json"

printf '%-8s %-8s %s\n' suite jobs "median ms (min ms) over $runs runs"
for suite in vkp-r4 jft pmd kith; do
    for jobs in 1 4; do
        times=()
        for i in $(seq 1 "$runs"); do
            start=$(date +%s%N)
            "$vft" run --suite "$suite" --role sender --sut "$work/sut.json" --out "$work/out" \
                --jobs "$jobs" > "$work/run.out" 2>&1 || { cat "$work/run.out" >&2; exit 1; }
            end=$(date +%s%N)
            times+=($(( (end - start) / 1000000 )))
        done
        sorted=($(printf '%s\n' "${times[@]}" | sort -n))
        printf '%-8s %-8s %s (%s)\n' "$suite" "$jobs" "${sorted[$(( runs / 2 ))]}" "${sorted[0]}"
    done
done
