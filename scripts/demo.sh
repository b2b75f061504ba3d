#!/usr/bin/env bash
# The main job of vft on a fresh machine: installs what it needs, builds the release `vft` and the
# SDK's example sender and reader, and runs `vft demo` — the reference mock receiver and token service start
# in-process, every receiver-role suite runs against the mock receiver and every sender-role
# suite against the example sender, and the jft reader role against the SDK's example EPJ reader;
# the reports land under out/demo/<suite>-<role>/.
# Usage: scripts/demo.sh [OUT_DIR]     (exit code: that of vft demo — 0 when every verdict passes)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "building the release vft and the SDK's example sender (a few minutes on a fresh machine)..."
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target vft example_sender example_reader >/dev/null
exec build/release/cli/vft demo --out "${1:-out/demo}" \
  --example-sender build/release/sdk/examples/example_sender
