#!/usr/bin/env bash
# Wall time of the full vkp-r4 receiver suite (`vft run`) against the local mock receiver, with
# --jobs 1 and --jobs 4, each repeated RUNS times (median and min reported). MODE none runs the SUT
# file fixtures/sut/mock-receiver-auth-none.json (auth tests omitted); MODE helseid also starts the
# mock token service and token checks, so every test runs, tokens included. The mock journals to
# a fresh SQLite file per run. On a shared machine the times depend on the neighbours.
# Usage: bench/suite_bench.sh [VFT_BINARY] [RUNS] [none|helseid]
set -euo pipefail
cd "$(dirname "$0")/.."
vft=${1:-build/release/cli/vft}
runs=${2:-5}
mode=${3:-none}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

wait_url() {  # file -> the URL printed on its "listening on" line
    for _ in $(seq 1 200); do grep -q "listening on" "$1" && break; sleep 0.05; done
    sed -n 's/^listening on //p' "$1"
}

ts_args=()
if [[ $mode == helseid ]]; then
    openssl genpkey -algorithm ed25519 -out "$work/client.key" 2>/dev/null
    openssl pkey -in "$work/client.key" -pubout -out "$work/client.pub.pem"
    cat > "$work/clients.json" <<JSON
{"clients": [{"client_id": "vft-conformance", "public_key_pem": "client.pub.pem",
  "scopes": ["nhn:vkp/api/user/bundle.write", "nhn:vkp/api/user/composition.write",
             "nhn:vkp/api/user/medicationdispense.write", "nhn:vkp/api/user/patient.read",
             "nhn:vkp/api/user/episodeofcare.read", "nhn:vkp/api/user/careplan.read",
             "nhn:vkp/api/user/composition.read"],
  "vkp_id": "trygghet-test", "orgnr_parent": "312229544"}]}
JSON
    "$vft" mock token-service --listen 127.0.0.1:0 --clients "$work/clients.json" --allow-test-tokens \
        > "$work/ts.out" 2>/dev/null &
    pids+=($!)
    ts=$(wait_url "$work/ts.out")
    ts_args=(--auth "$ts" --authz fixtures/auth/authz.json)
fi

for jobs in 1 4; do
    times=()
    for i in $(seq 1 "$runs"); do
        "$vft" mock receiver --listen 127.0.0.1:0 --db "$work/journal-$jobs-$i.db" "${ts_args[@]}" \
            > "$work/rc.out" 2>/dev/null &
        rc=$!
        url=$(wait_url "$work/rc.out")
        if [[ $mode == helseid ]]; then
            sed "s|http://127.0.0.1:8080|$url|; s|http://127.0.0.1:8081|$ts|g; s|conformance-client.key|client.key|" \
                fixtures/sut/mock-receiver-helseid.json > "$work/sut.json"
        else
            sed "s|http://127.0.0.1:8080|$url|" fixtures/sut/mock-receiver-auth-none.json > "$work/sut.json"
        fi
        start=$(date +%s%N)
        "$vft" run --suite vkp-r4 --role receiver --sut "$work/sut.json" --out "$work/out" \
            --jobs "$jobs" > "$work/run.out" 2>&1 || { cat "$work/run.out" >&2; exit 1; }
        end=$(date +%s%N)
        kill "$rc"; wait "$rc" 2>/dev/null || true
        times+=($(( (end - start) / 1000000 )))
    done
    sorted=($(printf '%s\n' "${times[@]}" | sort -n))
    tests=$(grep -o 'pass [0-9]*, fail [0-9]*, skip [0-9]*, omit [0-9]*' "$work/run.out")
    echo "vkp-r4 receiver ($mode) --jobs $jobs: median ${sorted[$((runs / 2))]} ms, min ${sorted[0]} ms over $runs runs ($tests)"
done
