#!/usr/bin/env bash
# The peers on the digits workloads (W3, an MLP; W4, seed 004's Net at
# 32×32) beside Backprop's `bench digits`, in one table.
#
#   bash Benchmarks/peers/digits.sh
#
# Installs torch and scikit-learn from PyPI into .build/peers-venv (a peer
# that cannot be installed or run is skipped with a message), runs
# digits.py (one thread), then `backprop bench digits`, and prints the
# seconds per epoch, the ratio to Backprop's hand-written Swift of the same
# run and the test accuracy. The peers split the data with numpy, Backprop
# with its own generator: the accuracies compare recipes, not test images.
# Not part of CI: it downloads large packages.
set -uo pipefail
cd "$(dirname "$0")/../.."
here=Benchmarks/peers
venv=.build/peers-venv
results=$(mktemp)
trap 'rm -f "$results"' EXIT

if [ ! -x "$venv/bin/python" ] && ! python3 -m venv "$venv"; then
  echo "peers: cannot create a Python virtual environment; skipping every peer"
fi
if [ -x "$venv/bin/python" ]; then
  for package in numpy torch scikit-learn; do
    if ! "$venv/bin/pip" install -q "$package" > /dev/null 2>&1; then
      echo "peers: could not install $package from PyPI; skipping it"
    fi
  done
  if ! "$venv/bin/python" "$here/digits.py" > "$results" 2> "$results.err"; then
    echo "peers: digits.py did not finish ($(tail -n 1 "$results.err"))"
  fi
  rm -f "$results.err"
fi

swift build -c release --product backprop > /dev/null
bench=$(swift run -c release backprop bench digits 2>/dev/null)
echo "$bench"
# The per-epoch column of a configuration in the W3 or W4 block.
epoch() { # block configuration
  echo "$bench" | awk -v b="$1" -v c="$2" '
    /^W3/ { block = "W3" } /^W4/ { block = "W4" }
    block == b && index($0, c) { for (i = 1; i <= NF; i++) if ($i == "ms" && !found) { print $(i - 1) / 1000; found = 1 } }'
}
accuracy() { # block configuration
  echo "$bench" | awk -v b="$1" -v c="$2" '
    /^W3/ { block = "W3" } /^W4/ { block = "W4" }
    block == b && index($0, c) { for (i = 1; i <= NF; i++) if ($i == "%" && !found) { print $(i - 1); found = 1 } }'
}

echo
printf '%-52s %14s %12s %10s\n' "system" "s an epoch" "× hand Swift" "test acc."
for block in W3 W4; do
  hand=$(epoch "$block" "written by hand")
  while IFS=$'\t' read -r name seconds per acc; do
    case "$name" in "$block"*)
      printf '%-52s %14.4f %12.2f %9s %%\n' "$name" "$per" "$(awk -v a="$per" -v b="$hand" 'BEGIN { print a / b }')" "$acc";;
    esac
  done < "$results"
  for configuration in "train's defaults, 1 thread" "every batch recorded, 1 thread" \
    "train's defaults, 2 shards, 2 threads" "written by hand"; do
    per=$(epoch "$block" "$configuration")
    printf '%-52s %14.4f %12.2f %9s %%\n' "$block Backprop, $configuration" "$per" \
      "$(awk -v a="$per" -v b="$hand" 'BEGIN { print a / b }')" "$(accuracy "$block" "$configuration")"
  done
done
