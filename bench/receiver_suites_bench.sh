#!/usr/bin/env bash
# Wall time of the full jft, pmd and kith receiver suites (`vft run`) against the local mock
# receiver, with --jobs 1 and --jobs 4, each repeated RUNS times (median and min reported). MODE
# none: SUT without auth (auth tests omitted); MODE helseid: the mock token service and token
# checks too, so every test runs (DPoP-bound tokens for jft and pmd, Bearer for kith). A fresh
# receiver and SQLite journal per run; the time is `vft run` alone (validator compilation, tokens,
# the 10 MiB body of the jft oversize test included). On a shared machine the times depend on the
# neighbours.
# Usage: bench/receiver_suites_bench.sh [VFT_BINARY] [RUNS] [none|helseid]
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
  "scopes": ["nhn:jft/api", "nhn:kith/api"],
  "vkp_id": "trygghet-test", "orgnr_parent": "312229544"}]}
JSON
    "$vft" mock token-service --listen 127.0.0.1:0 --clients "$work/clients.json" --allow-test-tokens \
        > "$work/ts.out" 2>/dev/null &
    pids+=($!)
    ts=$(wait_url "$work/ts.out")
    ts_args=(--auth "$ts")
fi

sut() {  # suite base_url -> SUT file text
    local modules dpop=true
    case $1 in
        jft) modules='"alarm","medication","supervision","dho"' ;;
        pmd) modules='"pmd"' ;;
        kith) modules='"kith"'; dpop=false ;;
    esac
    local auth='{"type":"none"}'
    if [[ $mode == helseid ]]; then
        [[ $1 != kith ]] && modules="$modules,\"auth\""
        auth="{\"type\":\"helseid\",\"token_url\":\"$ts/connect/token\",\"client_id\":\"vft-conformance\",
          \"private_key\":\"$work/client.key\",\"dpop\":$dpop,\"test_token_url\":\"$ts/_admin/issue\"}"
    fi
    cat <<JSON
{"name":"vft mock receiver","vendor":"vft","version":"0.1.0","base_url":"$2","orgnr":"312229544",
 "service_codes":["TA","MD","DHO"],"auth":$auth,"modules":[$modules],
 "test_patients":[{"fnr":"12854812341","name":"Kåre Nordmann Testesen","service_codes":["TA","MD","DHO"]}]}
JSON
}

for suite in jft pmd kith; do
    for jobs in 1 4; do
        times=()
        for i in $(seq 1 "$runs"); do
            "$vft" mock receiver --listen 127.0.0.1:0 --db "$work/journal-$suite-$jobs-$i.db" \
                "${ts_args[@]}" > "$work/rc.out" 2>/dev/null &
            rc=$!
            url=$(wait_url "$work/rc.out")
            sut "$suite" "$url" > "$work/sut.json"
            start=$(date +%s%N)
            # Exit 1 is a verdict (jft's optional _lastUpdated test fails against the mock);
            # only exit 2 (could not run) stops the benchmark.
            "$vft" run --suite "$suite" --role receiver --sut "$work/sut.json" --out "$work/out" \
                --jobs "$jobs" > "$work/run.out" 2>&1 || [[ $? -eq 1 ]] || { cat "$work/run.out" >&2; exit 1; }
            end=$(date +%s%N)
            kill "$rc"; wait "$rc" 2>/dev/null || true
            times+=($(( (end - start) / 1000000 )))
        done
        sorted=($(printf '%s\n' "${times[@]}" | sort -n))
        tests=$(grep -o 'verdict: [a-z]*  (pass [0-9]*, fail [0-9]*, skip [0-9]*, omit [0-9]*' "$work/run.out")
        echo "$suite receiver ($mode) --jobs $jobs: median ${sorted[$((runs / 2))]} ms, min ${sorted[0]} ms over $runs runs ($tests)"
    done
done
