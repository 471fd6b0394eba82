#!/usr/bin/env bash
# Checks that the graph pictures in Docs/images/ are what the code draws
# now: regenerates them into a scratch folder with the hidden command
# `backprop doc-pictures DIR` and compares them byte for byte. Exits 1 and
# names each file that differs (or is missing); to update them, run
#   swift run backprop doc-pictures Docs/images
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product backprop
bin="$(swift build --show-bin-path)/backprop"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$bin" doc-pictures "$tmp"

status=0
for made in "$tmp"/*.svg; do
  name="$(basename "$made")"
  if [ ! -e "Docs/images/$name" ]; then
    echo "Docs/images/$name is missing" >&2
    status=1
  elif ! cmp -s "$made" "Docs/images/$name"; then
    echo "Docs/images/$name differs from what the code draws now" >&2
    status=1
  fi
done
if [ "$status" -ne 0 ]; then
  echo "regenerate the pictures with: swift run backprop doc-pictures Docs/images" >&2
  exit 1
fi
echo "doc pictures: $(ls "$tmp"/*.svg | wc -l) files as the code draws them"
