#!/usr/bin/env bash
# Builds the API reference of the Backprop library with the toolchain alone
# (no swift-docc-plugin): symbol graphs from the compiled module, then
# `docc convert` of Sources/Backprop/Backprop.docc with --warnings-as-errors.
#
#     bash Scripts/build-docs.sh      # writes .build-docs/Backprop.doccarchive
#
# Exits non-zero on any DocC warning: a symbol link in the catalog or in a
# doc comment that does not resolve, an ambiguous link, a parameter documented
# under the wrong name. The diagnostics are listed at the end, those from doc
# comments in the Swift sources apart from those in the catalog.
#
# Environment: DOCC, the docc executable to use (default: found as below);
# DOCS_SCRATCH, the scratch directory (default: .build-docs).
set -euo pipefail
cd "$(dirname "$0")/.."

scratch="${DOCS_SCRATCH:-.build-docs}"
graphs="$scratch/symbol-graphs"
archive="$scratch/Backprop.doccarchive"
log="$scratch/docc.log"
catalog="Sources/Backprop/Backprop.docc"

# docc: xcrun on macOS, then PATH, then beside `swift` in the toolchain.
find_docc() {
  if [[ -n "${DOCC:-}" ]]; then
    echo "$DOCC"
    return
  fi
  if command -v xcrun >/dev/null 2>&1 && xcrun --find docc >/dev/null 2>&1; then
    xcrun --find docc
    return
  fi
  if command -v docc >/dev/null 2>&1; then
    command -v docc
    return
  fi
  local swift_path
  swift_path="$(command -v swift)" || true
  if [[ -n "$swift_path" ]]; then
    swift_path="$(readlink -f "$swift_path" 2>/dev/null || echo "$swift_path")"
    if [[ -x "$(dirname "$swift_path")/docc" ]]; then
      echo "$(dirname "$swift_path")/docc"
      return
    fi
  fi
  echo "build-docs: docc not found (set DOCC, or use a toolchain that has it)" >&2
  exit 1
}
docc="$(find_docc)"

echo "== swift build --target Backprop"
swift build --target Backprop --scratch-path "$scratch/build"
bin="$(swift build --target Backprop --scratch-path "$scratch/build" --show-bin-path)"
triple="$(swift -print-target-info | sed -n 's/^ *"triple": "\(.*\)",*$/\1/p' | head -n 1)"

# Extracted afresh from the module on every run (an incremental build that
# compiles nothing would not re-emit graphs passed to the compiler).
echo "== symbol graphs ($triple)"
rm -rf "$graphs"
mkdir -p "$graphs"
swift symbolgraph-extract \
  -module-name Backprop \
  -target "$triple" \
  -I "$bin/Modules" -I "$bin" \
  -minimum-access-level public \
  -skip-inherited-docs \
  -output-dir "$graphs"

echo "== docc convert ($docc)"
rm -rf "$archive"
status=0
"$docc" convert "$catalog" \
  --additional-symbol-graph-dir "$graphs" \
  --fallback-display-name Backprop \
  --fallback-bundle-identifier org.backprop.Backprop \
  --output-path "$archive" \
  --warnings-as-errors 2>&1 | tee "$log" || status=$?

# The diagnostics, one a line as FILE:LINE: MESSAGE, paths from the package
# root; --warnings-as-errors reports warnings as errors.
# docc prints each location relative to the catalog.
summary="$(awk -v catalog="$catalog" '
  /^(warning|error): / { message = $0; next }
  message != "" && /^ *--> / {
    location = $0
    sub(/^ *--> */, "", location)
    sub(/:[0-9]+-[0-9]+:[0-9]+$/, "", location)
    if (location !~ /^\//) {
      dir = catalog
      while (location ~ /^\.\.\//) {
        sub(/^\.\.\//, "", location)
        sub(/\/?[^\/]*$/, "", dir)
      }
      location = (dir == "" ? "" : dir "/") location
    }
    print location ": " message
    message = ""
    next
  }
  message != "" { print message; message = "" }
' "$log")"

if [[ "$status" -ne 0 ]] || grep -qE '^(warning|error):' "$log"; then
  echo
  echo "build-docs: FAILED: docc reported these (--warnings-as-errors):" >&2
  sources="$(grep -E '^Sources/.*\.swift:' <<<"$summary" || true)"
  others="$(grep -vE '^Sources/.*\.swift:' <<<"$summary" || true)"
  if [[ -n "$sources" ]]; then
    echo "-- in doc comments of the Swift sources:" >&2
    echo "$sources" >&2
  fi
  if [[ -n "$others" ]]; then
    echo "-- in the catalog ($catalog) or elsewhere:" >&2
    echo "$others" >&2
  fi
  exit 1
fi

echo "build-docs: $archive"
