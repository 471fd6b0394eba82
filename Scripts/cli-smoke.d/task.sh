# Target typing in `train`: whole-number measurements are regression, labels
# are classes; one line says which and why, and --task overrides it.
awk 'BEGIN { srand(2); print "age,bmi,progression"
  for (i = 0; i < 442; i++) { a = rand(); b = rand(); printf "%.3f,%.3f,%d\n", a, b, int(25 + 321 * (a + b) / 2) } }' > "$tmp/progression.csv"
"$bin" train --data "$tmp/progression.csv" --target progression --epochs 2 --test-fraction 0.2 > "$tmp/progression.out"
check "whole-number measurements are regression" grep -q "target 'progression': regression — .* distinct whole numbers from" "$tmp/progression.out"
check "the typing line names the override" grep -q "(--task classify|regress, or --loss, to choose)" "$tmp/progression.out"
check "regression trains one output with mse" grep -q "→ 1 linear) on 354 rows .* loss mse" "$tmp/progression.out"
check "regression reports a test error, not an accuracy" grep -q "test mean squared error" "$tmp/progression.out"
"$bin" train --data "$tmp/progression.csv" --target progression --epochs 1 --task classify > "$tmp/forced.out"
check "--task classify makes classes of them" grep -q "target 'progression': classes (asked for)" "$tmp/forced.out"

awk 'BEGIN { srand(4); print "a,b,grade"
  for (i = 0; i < 90; i++) { k = i % 3; printf "%.3f,%.3f,%d\n", k + rand() / 2, rand(), k + 1 } }' > "$tmp/grades.csv"
"$bin" train --data "$tmp/grades.csv" --target grade --epochs 2 > "$tmp/grades.out"
check "labels 1…3 are classes" grep -q "target 'grade': classes" "$tmp/grades.out"
check "labels 1…3 train three outputs" grep -q "→ 3 linear)" "$tmp/grades.out"
"$bin" train --data "$tmp/grades.csv" --target grade --epochs 1 --task regress > "$tmp/grades-regress.out"
check "--task regress makes a measurement of them" grep -q "target 'grade': regression (asked for)" "$tmp/grades-regress.out"

run_status "$bin" train --data "$tmp/grades.csv" --target grade --task regress --loss cross-entropy > /dev/null 2> "$tmp/task-loss.err"
check "--task regress with a classifying loss exits 2" test "$status" -eq 2
check "--task regress with a classifying loss says why" grep -q "regress does not go with --loss cross-entropy" "$tmp/task-loss.err"
run_status "$bin" train --data "$tmp/grades.csv" --target grade --task maybe > /dev/null 2> "$tmp/task-bad.err"
check "--task maybe exits 2" test "$status" -eq 2
check "--task maybe lists the choices" grep -q "one of auto, classify, regress" "$tmp/task-bad.err"
