#!/usr/bin/env bash
# Validated bundle writes per second against the mock receiver on loopback, with latency
# percentiles (wrk). Every request carries a new identifier, so each one is validated and
# journaled (SQLite, WAL, synchronous=FULL). Usage: bench/receiver_bench.sh [VFT_BINARY] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
vft=${1:-build/release/cli/vft}
seconds=${2:-10}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
"$vft" mock receiver --listen 127.0.0.1:0 --db "$work/journal.db" > "$work/out" 2>/dev/null &
pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$work/out")
body=fixtures/messages/valid/medication/dispense-1-1-single.json
cat > "$work/post.lua" <<LUA
local f = io.open("$body", "rb"); local template = f:read("*a"); f:close()
local id = template:match('"value": "(urn:uuid:[0-9a-f%-]+)"')
local n = 0
local next_id = 0
setup = function(thread) next_id = next_id + 1; thread:set("thread_id", next_id) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/fhir+json"
request = function()
  n = n + 1
  local fresh = string.format("urn:uuid:%08x-0000-4000-8000-%012x", thread_id, n)
  return wrk.format(nil, "/epj/r4/312229544/medicationdispense", nil, (template:gsub(id:gsub("%-", "%%-"), fresh)))
end
LUA
echo "receiver: $url  body: $body ($(wc -c < $body) bytes)  duration: ${seconds}s"
wrk -t2 -c16 -d"${seconds}s" --latency -s "$work/post.lua" "$url" | grep -E "Requests/sec|Latency|50%|99%|requests in|Non-2xx"
curl -s "$url/_admin/journal" | grep -o '"count"' | wc -l | xargs echo "journaled distinct messages:"
