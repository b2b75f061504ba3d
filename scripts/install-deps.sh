#!/usr/bin/env bash
# Installs the Debian packages vft needs to build, test and run its demo.
# Idempotent and quiet when everything is already there. Never downloads anything else.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  rapidjson-dev libvalijson-dev libcli11-dev catch2 libcpp-httplib-dev libmicrohttpd-dev
  libxml2-dev libxml2-utils libssl-dev libsqlite3-dev libcurl4-openssl-dev
  clang clang-format libclang-rt-14-dev
  python3 python3-jsonschema  # python3: tests/docs/extract_blocks.py (docs.compile) too
)
# python3: the spec compiler (scripts/specc) and its tests; npm: scripts/update-specs.sh fetches
# the pinned base FHIR R4 definitions (scripts/test.sh checks the compiled model with it).
# The browser test of report.html (tests/browser): headless Chromium, and zlib to decode the
# screenshot's pixels. scripts/test.sh sets VFT_WITH_BROWSER=1; the demo does not need them.
if [[ "${VFT_WITH_BROWSER:-0}" == 1 ]]; then packages+=(chromium zlib1g-dev); fi
# npm: Debian's package only when no npm is there already (a Node.js install of its own, as on
# this project's machines, brings npm and conflicts with Debian's).
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
