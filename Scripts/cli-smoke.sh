#!/usr/bin/env bash
# Runs the command-line tool as a user would and checks what it prints, the
# files it writes and its exit codes. Called by .ci/run after `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product backprop
bin="$(swift build --show-bin-path)/backprop"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0
run_status() { # command...: runs it (its redirections apply) and leaves its exit code in $status
  set +e
  "$@"
  status=$?
  set -e
}
check() { # description, command...
  local what="$1"; shift
  checks=$((checks + 1))
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}

# demo: trains micrograd's demo, prints the final accuracy, writes two SVGs
# into demo-output/.
(cd "$tmp" && "$bin" demo) > "$tmp/demo.out"
check "demo reaches micrograd's final accuracy" grep -q "final accuracy 100.0%" "$tmp/demo.out"
check "demo writes the decision boundary" grep -q "<svg" "$tmp/demo-output/demo-boundary.svg"
check "demo writes the training curves" grep -q "<polyline" "$tmp/demo-output/demo-curves.svg"

# train and predict on a CSV file with class names.
awk 'BEGIN {
  srand(3); print "x,y,kind"
  for (i = 0; i < 90; i++) {
    k = i % 3
    printf "%.4f,%.4f,%s\n", (k == 1 ? 3 : 0) + rand() - 0.5, (k == 2 ? 3 : 0) + rand() - 0.5, substr("abc", k + 1, 1)
  }
}' > "$tmp/blobs.csv"
"$bin" train --data "$tmp/blobs.csv" --target kind --layers 8 --epochs 80 --seed 1 --save "$tmp/model.json" > "$tmp/train.out"
check "train reports a final accuracy" grep -q "training accuracy" "$tmp/train.out"
check "train saves a checkpoint" test -s "$tmp/model.json"
"$bin" predict --model "$tmp/model.json" --data "$tmp/blobs.csv" > "$tmp/predict.out" 2> "$tmp/predict.err"
check "predict prints one line per row" test "$(wc -l < "$tmp/predict.out")" -eq 90
check "predict prints class names" grep -qx "b" "$tmp/predict.out"
check "predict scores the known targets" grep -q "accuracy 100.0% on 90 rows" "$tmp/predict.err"
"$bin" train --data "$tmp/blobs.csv" --target kind --layers 8 --epochs 80 --seed 1 --threads 2 --save "$tmp/model-threads.json" > /dev/null
check "train with --threads 2 saves the same model, bit for bit" cmp -s "$tmp/model.json" "$tmp/model-threads.json"

# errors: a message on stderr and a non-zero exit code.
printf 'x,y,label\n1,2,0\n3,oops,1\n' > "$tmp/bad.csv"
set +e
"$bin" train --data "$tmp/bad.csv" --target label > /dev/null 2> "$tmp/bad.err"; status=$?
set -e
check "bad data exits with 1" test "$status" -eq 1
check "bad data names file, line and column" grep -q "bad.csv:3:3: not a number" "$tmp/bad.err"
set +e
"$bin" frobnicate > /dev/null 2> "$tmp/usage.err"; status=$?
set -e
check "an unknown command exits with 2" test "$status" -eq 2
check "an unknown command prints the usage" grep -q "usage: backprop" "$tmp/usage.err"
cp "$tmp/model.json" "$tmp/model.before"
head -c 100 "$tmp/model.json" > "$tmp/truncated.json"
set +e
"$bin" predict --model "$tmp/truncated.json" --data "$tmp/blobs.csv" > /dev/null 2> "$tmp/ckpt.err"; status=$?
set -e
check "a truncated checkpoint exits with 1" test "$status" -eq 1
check "a truncated checkpoint is reported" grep -q "truncated.json" "$tmp/ckpt.err"

# More checks, one file per topic (target typing, saving, usage, predict,
# messages, progress, pictures): each is sourced here with $bin, $tmp and
# check() defined, and adds to $failures and $checks.
for part in Scripts/cli-smoke.d/*.sh; do
  [ -e "$part" ] || continue
  echo "-- $part"
  # shellcheck source=/dev/null
  source "$part"
done

echo "command-line checks: $(( checks - failures )) of $checks as expected"
test "$failures" -eq 0
