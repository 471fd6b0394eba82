#!/usr/bin/env bash
# The peers on micrograd's demo workload, beside Backprop, in one table.
#
#   bash Benchmarks/peers/run.sh                 # micrograd (100 steps, ~3 min), PyTorch, JAX
#   MICROGRAD_STEPS=10 bash Benchmarks/peers/run.sh   # micrograd timed on 10 steps, scaled to 100
#
# Installs micrograd, torch and jax from PyPI into .build/peers-venv (a peer
# that cannot be installed or run is skipped with a message), runs each on
# the same fixtures as `backprop bench mlp` (workload.py), then runs
# `backprop bench mlp` and prints one table: seconds for 100 steps, the ratio
# to the hand-written Swift of Backprop's run, and the loss at the last step
# (all should agree to ~1e-12 with micrograd's printed 0.010978370135492717).
# Not part of CI: it downloads large packages.
set -uo pipefail
cd "$(dirname "$0")/../.."
here=Benchmarks/peers
venv=.build/peers-venv
micrograd_steps=${MICROGRAD_STEPS:-100}
results=$(mktemp)
trap 'rm -f "$results"' EXIT

if [ ! -x "$venv/bin/python" ] && ! python3 -m venv "$venv"; then
  echo "peers: cannot create a Python virtual environment; skipping every peer"
fi
if [ -x "$venv/bin/python" ]; then
  for package in micrograd torch jax; do
    if ! "$venv/bin/pip" install -q "$package" > /dev/null 2>&1; then
      echo "peers: could not install $package from PyPI; skipping it"
    fi
  done
  run_peer() { # name steps
    if ! "$venv/bin/python" "$here/workload.py" "$1" "$2" >> "$results" 2> "$results.err"; then
      echo "peers: $1 did not run; skipping it ($(tail -n 1 "$results.err"))"
    fi
    rm -f "$results.err"
  }
  echo "peers: running micrograd for $micrograd_steps steps (about 1.8 s a step)..."
  run_peer micrograd "$micrograd_steps"
  run_peer torch 100
  run_peer jax 100
fi

swift build -c release --product backprop > /dev/null
bench=$(swift run -c release backprop bench mlp --runs 5 2>/dev/null)
echo "$bench"
median() { echo "$bench" | grep -m 1 "$1" | sed -E 's/.*median ([0-9.]+) (ms|s|µs).*/\1 \2/' \
  | awk '{ if ($2 == "ms") print $1 / 1000; else if ($2 == "µs") print $1 / 1e6; else print $1 }'; }
hand=$(median "hand-written back-propagation")
replayed=$(median "engine, recorded once and replayed")
recorded=$(median "engine, recorded again at each step")
parallel=$(median "engine, 8 shards, 2 threads")

echo
printf '%-46s %14s %14s  %s\n' "system (micrograd's demo workload)" "100 steps (s)" "× hand Swift" "loss at last step"
while IFS=$'\t' read -r name seconds steps first last; do
  scaled=$(awk -v s="$seconds" -v n="$steps" 'BEGIN { print s * 100 / n }')
  label="$name"
  [ "$steps" != 100 ] && label="$name (from $steps steps)"
  printf '%-46s %14.6f %14.2f  %s\n' "$label" "$scaled" "$(awk -v a="$scaled" -v b="$hand" 'BEGIN { print a / b }')" \
    "$([ "$steps" = 100 ] && echo "$last" || echo "(step $((steps - 1)): $last)")"
done < "$results"
printf '%-46s %14.6f %14.2f\n' "Backprop, recorded once and replayed" "$replayed" "$(awk -v a="$replayed" -v b="$hand" 'BEGIN { print a / b }')"
printf '%-46s %14.6f %14.2f\n' "Backprop, recorded again at each step" "$recorded" "$(awk -v a="$recorded" -v b="$hand" 'BEGIN { print a / b }')"
printf '%-46s %14.6f %14.2f\n' "Backprop, replayed, 8 shards on 2 threads" "$parallel" "$(awk -v a="$parallel" -v b="$hand" 'BEGIN { print a / b }')"
printf '%-46s %14.6f %14.2f\n' "hand-written back-propagation in Swift" "$hand" 1
