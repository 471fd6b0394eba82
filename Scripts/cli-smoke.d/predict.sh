# predict cannot answer wrong silently: columns matched by name (any order),
# missing and unknown columns named, unseen classes named with their line, a
# target column nobody asked to score pointed out, old checkpoints by
# position. Exit code 1 for data problems, 2 for usage.

awk 'BEGIN {
  srand(5); print "a,b,c,species"
  for (i = 0; i < 60; i++) {
    k = i % 3
    printf "%.4f,%.4f,%.4f,%s\n", (k == 1 ? 3 : 0) + rand() - 0.5, (k == 2 ? 3 : 0) + rand() - 0.5, rand(), substr("xyz", k + 1, 1)
  }
}' > "$tmp/predict-data.csv"
"$bin" train --data "$tmp/predict-data.csv" --target last --layers 8 --epochs 60 --seed 1 --save "$tmp/predict-model.json" > /dev/null
check "predict: train --target last saves a checkpoint" test -s "$tmp/predict-model.json"

# A checkpoint with names. Until `train` stores them itself, they are added
# by hand (without the checksum, which a hand edit would not match).
if grep -q '"featureNames"' "$tmp/predict-model.json"; then
  cp "$tmp/predict-model.json" "$tmp/predict-named.json"
else
  sed -e '/"checksum"/d' \
    -e 's/^  "formatVersion" : 2,/  "formatVersion" : 2, "featureNames" : ["a", "b", "c"], "classNames" : ["x", "y", "z"], "targetName" : "species",/' \
    "$tmp/predict-model.json" > "$tmp/predict-named.json"
fi
check "predict: the named checkpoint has feature names" grep -q '"featureNames"' "$tmp/predict-named.json"

# predict_run NAME MODEL DATA [OPTIONS...]: stdout to $tmp/NAME.out, stderr to
# $tmp/NAME.err, the exit code in $status.
predict_run() {
  local name="$1" model="$2" data="$3"; shift 3
  set +e
  "$bin" predict --model "$model" --data "$data" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"; status=$?
  set -e
}

predict_run predict-ok "$tmp/predict-named.json" "$tmp/predict-data.csv" --target species
check "predict: scores the named target" grep -q "accuracy 100.0% on 60 rows" "$tmp/predict-ok.err"
check "predict: prints class names" grep -qx "z" "$tmp/predict-ok.out"

awk -F, 'BEGIN { OFS = "," } { print $3, $1, $4, $2 }' "$tmp/predict-data.csv" > "$tmp/predict-shuffled.csv"
predict_run predict-shuffled "$tmp/predict-named.json" "$tmp/predict-shuffled.csv" --target species
check "predict: columns in another order are matched by name (exit 0)" test "$status" -eq 0
check "predict: columns in another order score as the original" grep -q "accuracy 100.0% on 60 rows" "$tmp/predict-shuffled.err"
check "predict: columns in another order give the same predictions" cmp -s "$tmp/predict-ok.out" "$tmp/predict-shuffled.out"

cut -d, -f1,2,4 "$tmp/predict-data.csv" > "$tmp/predict-missing.csv"
predict_run predict-missing "$tmp/predict-named.json" "$tmp/predict-missing.csv" --target species
check "predict: a missing column exits with 1" test "$status" -eq 1
check "predict: a missing column is named" grep -q "predict-missing.csv:1: column 'c' is missing; the model takes a, b, c (in any order)" "$tmp/predict-missing.err"
check "predict: a missing column prints no predictions" test ! -s "$tmp/predict-missing.out"

awk -F, 'BEGIN { OFS = "," } { print (NR == 1 ? "id" : NR), $0 }' "$tmp/predict-data.csv" > "$tmp/predict-extra.csv"
predict_run predict-extra "$tmp/predict-named.json" "$tmp/predict-extra.csv" --target species
check "predict: an extra column exits with 1" test "$status" -eq 1
check "predict: an extra column is named" grep -q "column 'id' (column 1) was not in the training data; remove it" "$tmp/predict-extra.err"

sed '17s/,x$/,"x "/' "$tmp/predict-data.csv" > "$tmp/predict-unseen.csv"
predict_run predict-unseen "$tmp/predict-named.json" "$tmp/predict-unseen.csv" --target species
check "predict: an unseen class exits with 1" test "$status" -eq 1
check "predict: an unseen class is named with its line" grep -q "predict-unseen.csv:17:23: class 'x ' in line 17 was not seen in training; known: x, y, z" "$tmp/predict-unseen.err"

predict_run predict-untargeted "$tmp/predict-named.json" "$tmp/predict-data.csv"
check "predict: a target column without --target exits with 1" test "$status" -eq 1
check "predict: a target column without --target is pointed out" grep -q "the file has column 'species' (column 4), which the model predicts; pass --target species to score it, or remove it" "$tmp/predict-untargeted.err"

cut -d, -f1-3 "$tmp/predict-data.csv" > "$tmp/predict-features.csv"
predict_run predict-features "$tmp/predict-named.json" "$tmp/predict-features.csv"
check "predict: features only, by name, exit 0" test "$status" -eq 0
check "predict: features only gives the same predictions" cmp -s "$tmp/predict-ok.out" "$tmp/predict-features.out"

# Without names (as a version 1 checkpoint): by position, with a hint. The
# same model, trained on the rows without their header (so no feature or
# target names), made version 1 by removing its class names and checksum.
tail -n +2 "$tmp/predict-data.csv" > "$tmp/predict-nohead.csv"
"$bin" train --data "$tmp/predict-nohead.csv" --target last --layers 8 --epochs 60 --seed 1 --save "$tmp/predict-nohead.json" > /dev/null
awk '/^  "classNames" : \[$/ { skip = 1; next } skip && /^  \],?$/ { skip = 0; next } !skip' "$tmp/predict-nohead.json" \
  | sed -e '/"checksum"/d' -e 's/"formatVersion" : 2/"formatVersion" : 1/' > "$tmp/predict-v1.json"
check "predict: the version 1 checkpoint has no names" test "$(grep -c '"featureNames"\|"targetName"\|^  "classNames"' "$tmp/predict-v1.json")" -eq 0
predict_run predict-v1-hint "$tmp/predict-v1.json" "$tmp/predict-data.csv"
check "predict: old checkpoint, target column not asked for, exits with 1" test "$status" -eq 1
check "predict: old checkpoint suggests --target last" grep -q "the rows have 4 columns but the model takes 3 inputs; if one of them is the target (the model was trained with --target last), pass --target last to score it, or remove it" "$tmp/predict-v1-hint.err"
predict_run predict-v1 "$tmp/predict-v1.json" "$tmp/predict-data.csv" --target last
check "predict: old checkpoint by position scores" grep -q "accuracy 100.0% on 60 rows" "$tmp/predict-v1.err"
check "predict: old checkpoint gives the same predictions" cmp -s "$tmp/predict-ok.out" "$tmp/predict-v1.out"

predict_run predict-usage "$tmp/predict-named.json" "$tmp/predict-data.csv" --frobnicate 1
check "predict: an unknown option exits with 2" test "$status" -eq 2
set +e
"$bin" predict --data "$tmp/predict-data.csv" > /dev/null 2> "$tmp/predict-nomodel.err"; status=$?
set -e
check "predict: no --model exits with 2" test "$status" -eq 2
check "predict: no --model says so" grep -q "predict needs --model FILE" "$tmp/predict-nomodel.err"
