# train --image: a convolutional network on a CSV of 4×4 images (horizontal
# and vertical bars), saved, applied by predict, resumed; its usage mistakes.
awk 'BEGIN {
  srand(7); printf "p0"; for (i = 1; i < 16; i++) printf ",p%d", i; print ",bar"
  for (n = 0; n < 80; n++) {
    k = n % 2; line = int(rand() * 4); sep = ""
    for (y = 0; y < 4; y++) for (x = 0; x < 4; x++) {
      on = (k == 0 ? y : x) == line
      printf "%s%.3f", sep, on + 0.2 * rand() - 0.1; sep = ","
    }
    print "," (k == 0 ? "across" : "down")
  }
}' > "$tmp/bars.csv"
conv=(--data "$tmp/bars.csv" --target bar --image 1x4x4 --layers conv4x3,pool2,8 --epochs 40 --seed 1)
"$bin" train "${conv[@]}" --save "$tmp/conv.json" > "$tmp/conv.out"
check "conv: train describes the Sequential" grep -q "training Sequential(1×4×4 → conv 1 → 4 3×3 → 4×2×2 → relu" "$tmp/conv.out"
check "conv: train reaches a training accuracy over 90%" grep -Eq "training accuracy (9[0-9]|100)\.[0-9]%" "$tmp/conv.out"
check "conv: train saves a Sequential checkpoint" grep -q '"sequential"' "$tmp/conv.json"
run_status "$bin" predict --model "$tmp/conv.json" --data "$tmp/bars.csv" > "$tmp/conv-predict.out" 2> "$tmp/conv-predict.err"
check "conv: predict exits 0" test "$status" -eq 0
check "conv: predict prints one class name per row" test "$(grep -cxE 'across|down' "$tmp/conv-predict.out")" -eq 80
check "conv: predict scores the rows over 90%" grep -Eq "^accuracy (9[0-9]|100)\.[0-9]% on 80 rows" "$tmp/conv-predict.err"
"$bin" train "${conv[@]}" --batch-size 16 --checkpoint-every 5 --threads 2 --save "$tmp/conv-2.json" > /dev/null
"$bin" train "${conv[@]}" --batch-size 16 --checkpoint-every 5 --save "$tmp/conv-1.json" > /dev/null
check "conv: --threads 2 saves the same model, bit for bit" cmp -s "$tmp/conv-1.json" "$tmp/conv-2.json"
run_status env BACKPROP_INTERRUPT_AFTER_EPOCH=7 "$bin" train "${conv[@]}" --batch-size 16 --checkpoint-every 5 --save "$tmp/conv-part.json" > /dev/null
check "conv: an interrupted run exits 130" test "$status" -eq 130
"$bin" train --resume "$tmp/conv-part.json" > "$tmp/conv-resume.out"
check "conv: resumed = left alone, byte for byte" cmp -s "$tmp/conv-1.json" "$tmp/conv-part.json"
run_status "$bin" train --resume "$tmp/conv-part.json" --image 1x2x8 > /dev/null 2> "$tmp/conv-resume.err"
check "conv: --resume with --image exits 2" test "$status" -eq 2
check "conv: --resume with --image says why" grep -q "a resumed run keeps the settings it started with" "$tmp/conv-resume.err"

# Mistakes, found before the data is read (the file does not exist), one line
# each, exit code 2; an existing --save file is left as it was.
cp "$tmp/conv.json" "$tmp/conv.before"
conv_case() { # expected message fragment, arguments...
  local expected="$1"; shift
  run_status "$bin" train --data "$tmp/no-such.csv" --target bar --save "$tmp/conv.json" "$@" > /dev/null 2> "$tmp/conv-case.err"
  check "train $* exits 2" test "$status" -eq 2
  check "train $* says: $expected" grep -qF -- "$expected" "$tmp/conv-case.err"
  check "train $* is one line" test "$(wc -l < "$tmp/conv-case.err")" -eq 1
}
conv_case "--layers 'conv4x3,bogus,8' is not allowed: item 2 'bogus' is not a layer" --image 1x4x4 --layers conv4x3,bogus,8
conv_case "--layers '8,pool2' is not allowed: item 2 'pool2' comes after a dense width" --image 1x4x4 --layers 8,pool2
conv_case "item 1 'conv4x3p3' is not a layer" --image 1x4x4 --layers conv4x3p3
conv_case "--layers 'pool2' is not allowed: item 1 does not fit --image 1×1×1: max-pool 2×2 needs an input of at least 2×2, not the 1×1" --image 1x1x1 --layers pool2
conv_case "item 3 does not fit --image 1×4×4: max-pool 2×2 needs an input of at least 2×2" --image 1x4x4 --layers conv4x3,pool2,pool2
conv_case "--image '4x4' is not allowed: channels, height and width" --image 4x4
check "conv: the mistakes leave the saved model as it was" cmp -s "$tmp/conv.json" "$tmp/conv.before"
run_status "$bin" train --data "$tmp/bars.csv" --target bar --image 1x5x5 --layers conv4x3 --save "$tmp/conv.json" > /dev/null 2> "$tmp/conv-count.err"
check "conv: --image of another count exits 1" test "$status" -eq 1
check "conv: --image of another count is the loader's error" grep -qF "bars.csv:1: 16 feature columns (17 columns less the target), but an image of shape 1×5×5 needs 1·5·5 = 25" "$tmp/conv-count.err"
check "conv: and leaves the saved model as it was" cmp -s "$tmp/conv.json" "$tmp/conv.before"
