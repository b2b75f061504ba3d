#!/usr/bin/env bash
# Validated bundle writes per second against the mock receiver on loopback, with latency
# percentiles (wrk), and the CPU time each write costs the receiver and the load generator
# (from /proc and bash's `time`): on a shared machine the rate depends on the neighbours, the CPU
# per write does not. Every request carries a new identifier, so each one is validated and
# journaled (SQLite, WAL, synchronous=NORMAL: survives a crash of the receiver process, not a
# power loss; see docs/transport.md).
# Usage: bench/receiver_bench.sh [VFT_BINARY] [SECONDS] [CONNECTIONS] [-- RECEIVER ARGS...]
# BENCH_PATH=/nowhere sends the same requests to a path that only gets a 404: the cost of HTTP
# alone (the HTTP engine, loopback TCP) without validation and journal.
# BENCH_SLOW=N first opens N slow connections (half trickle a body, half their headers, a byte
# every 2 s) and keeps them open during the run: the normal client's latency with them there.
# Also prints the receiver's memory (VmRSS) before and after they opened (docs/http-engine.md).
# Aims (issue 15): >= 20,000 writes/s with p99 < 10 ms; with 1,000 slow connections open, the
# normal client's p99 < 50 ms. The rate is a capacity: 16 connections (the default) leave the
# receiver partly idle (one request in flight each: the rate is 16 / the round trip); 64 show
# what the two cores carry (docs/http-engine.md "Fifth pass"). Build: cmake --preset release -DVFT_BUILD_BENCH=ON, then
# cmake --build --preset release --target vft. The load average is printed before and after:
# on a shared machine, say so with the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
vft=${1:-build/release/cli/vft}
seconds=${2:-10}
connections=${3:-16}
shift $(( $# < 3 ? $# : 3 ))
[[ ${1:-} == "--" ]] && shift
command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install -y wrk)" >&2; exit 2; }
echo "host: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
"$vft" mock receiver --listen 127.0.0.1:0 --db "$work/journal.db" "$@" > "$work/out" 2>/dev/null &
pid=$!
for _ in $(seq 1 100); do grep -qs "listening on" "$work/out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$work/out")
body=fixtures/messages/valid/medication/dispense-1-1-single.json
cat > "$work/post.lua" <<LUA
local f = io.open("$body", "rb"); local template = f:read("*a"); f:close()
-- The identifier occurs once: the body is split around it, and each request joins the parts
-- with a fresh identifier (cheaper for wrk than a pattern substitution over the whole body).
local first, last = template:find('urn:uuid:[0-9a-f%-]+')
local before, after = template:sub(1, first - 1), template:sub(last + 1)
local n = 0
local next_id = 0
setup = function(thread) next_id = next_id + 1; thread:set("thread_id", next_id) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/fhir+json"
request = function()
  n = n + 1
  local fresh = string.format("urn:uuid:%08x-0000-4000-8000-%012x", thread_id, n)
  return wrk.format(nil, "${BENCH_PATH:-/epj/r4/312229544/medicationdispense}", nil, before .. fresh .. after)
end
LUA
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
slow_pid=
if [[ ${BENCH_SLOW:-0} -gt 0 ]]; then
  port=${url##*:}
  rss_before=$(rss_kb)
  python3 - "$port" "$BENCH_SLOW" "$work/slow-ready" <<'PY' &
import socket, sys, time
port, n, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
conns = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    if i % 2:
        s.sendall(b"POST /epj/r4/312229544/bundle HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    else:
        s.sendall(b"POST /epj/r4/312229544/bundle HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/fhir+json\r\nContent-Length: 100000\r\n\r\n{")
    conns.append(s)
open(ready, "w").close()
while True:
    time.sleep(2)
    for s in conns:
        try:
            s.send(b" ")
        except OSError:
            pass
PY
  slow_pid=$!
  for _ in $(seq 1 400); do [[ -e "$work/slow-ready" ]] && break; sleep 0.05; done
  sleep 1
  rss_after=$(rss_kb)
  echo "slow connections: $BENCH_SLOW open; receiver VmRSS ${rss_before} kB -> ${rss_after} kB" \
       "($(( (rss_after - rss_before) * 1024 / BENCH_SLOW )) bytes per connection)"
fi
trap 'kill $pid ${slow_pid:-} 2>/dev/null || true; rm -rf "$work"' EXIT
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
split_ticks() { awk '{print "receiver user " $14 " system " $15 " ticks"}' "/proc/$pid/stat"; }
echo "receiver: $url  body: $body ($(wc -c < $body) bytes)  duration: ${seconds}s  connections: $connections"
before=$(cpu_ticks)
TIMEFORMAT="%U %S"
{ time wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/post.lua" "$url" > "$work/wrk"; } 2> "$work/wrk-cpu"
after=$(cpu_ticks)
grep -E "Requests/sec|Latency|50%|90%|99%|requests in|Non-2xx" "$work/wrk"
requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/wrk")
tick_us=$((1000000 / $(getconf CLK_TCK)))
awk -v r="$requests" -v t=$((after - before)) -v us="$tick_us" -v w="$(cat "$work/wrk-cpu")" 'BEGIN {
  split(w, c, " ");
  printf "CPU per write: receiver %.0f us, wrk %.0f us (user+system)\n", t * us / r, (c[1] + c[2]) * 1e6 / r }'
curl -s "$url/_admin/journal" | grep -o '"count"' | wc -l | xargs echo "journaled distinct messages:"
split_ticks
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
