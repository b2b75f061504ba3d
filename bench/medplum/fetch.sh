#!/usr/bin/env bash
# Fetches Medplum's validator for the side-by-side bench and verdict comparison (bench/README.md).
# Never run by the build. The packages come from the npm registry, pinned by the committed
# package-lock.json (version + sha512 integrity; npm ci refuses any other tarball), and are
# installed into a cache outside the repository:
#   ${VFT_MEDPLUM_CACHE:-~/.cache/vft/medplum}/node_modules
# With --examples it also fetches the official R4 examples (hl7.fhir.r4.examples@4.0.1, pinned
# below) into the same cache, unpacked under examples/.
# Prints the cache directory on success.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${VFT_MEDPLUM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vft/medplum}"

EXAMPLES="hl7.fhir.r4.examples"
EXAMPLES_VERSION="4.0.1"
EXAMPLES_INTEGRITY="sha512-DXBdIZOeQaSKIgCU7w6HOC7sw/6BzylmipLkBW4f//pT+Bc94x+8LImwTdvaNThPJoOzpBzvxAzNqjeu3X/zLw=="

die() { echo "medplum/fetch: $*" >&2; exit 1; }
integrity_of() { echo "sha512-$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }

examples=0
case "${1:-}" in
  --examples) examples=1 ;;
  "") ;;
  *) echo "usage: bench/medplum/fetch.sh [--examples]" >&2; exit 2 ;;
esac
command -v node >/dev/null || die "node is needed (apt-get install nodejs npm)"
command -v npm >/dev/null || die "npm is needed (apt-get install npm)"
mkdir -p "$cache"

# The lock file decides: reinstall only when the committed lock differs from the installed one.
stamp="$cache/package-lock.json"
if [[ ! -d "$cache/node_modules/@medplum/core" ]] || ! cmp -s "$here/package-lock.json" "$stamp"; then
  cp "$here/package.json" "$here/package-lock.json" "$cache/"
  # Medplum 5.x declares node >= 22.18; the validator runs on node 20 (the bench says which node).
  (cd "$cache" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --engine-strict=false) ||
    die "npm ci failed in $cache"
fi

if [[ $examples == 1 ]]; then
  tarball="$cache/${EXAMPLES}-${EXAMPLES_VERSION}.tgz"
  if [[ ! -f "$tarball" || "$(integrity_of "$tarball")" != "$EXAMPLES_INTEGRITY" ]]; then
    rm -f "$tarball"
    npm pack "${EXAMPLES}@${EXAMPLES_VERSION}" --pack-destination "$cache" --silent >/dev/null ||
      die "npm could not fetch ${EXAMPLES}@${EXAMPLES_VERSION}"
  fi
  got="$(integrity_of "$tarball")"
  [[ "$got" == "$EXAMPLES_INTEGRITY" ]] || die "integrity mismatch for $tarball: got $got"
  if [[ ! -f "$cache/examples/.integrity" || "$(cat "$cache/examples/.integrity")" != "$got" ]]; then
    rm -rf "$cache/examples" && mkdir -p "$cache/examples"
    tar -xzf "$tarball" -C "$cache/examples" || die "cannot unpack $tarball"
    echo "$got" >"$cache/examples/.integrity"
  fi
fi
echo "$cache"
