# Usage mistakes: found before any file is read (the data file here does not
# exist, so a mistake found after reading would say so and exit 1), one line
# naming the option, the value as typed and what is allowed, exit code 2.
usage_case() { # expected message fragment, arguments...
  local expected="$1"; shift
  local target=(--target label)
  case " $* " in *" --target "*) target=() ;; esac
  run_status "$bin" train --data "$tmp/does-not-exist.csv" "${target[@]}" "$@" > /dev/null 2> "$tmp/usage-case.err"
  check "train $* exits 2" test "$status" -eq 2
  check "train $* says: $expected" grep -qF -- "$expected" "$tmp/usage-case.err"
  check "train $* is one line" test "$(wc -l < "$tmp/usage-case.err")" -eq 1
}
usage_case "--epochs '0' is not allowed: a whole number from 1" --epochs 0
usage_case "--batch-size '0' is not allowed: a whole number ≥ 1" --batch-size 0
usage_case "--learning-rate '0' is not allowed: a number greater than 0" --learning-rate 0
usage_case "--threads '1000' is not allowed: a whole number from 1 to 256" --threads 1000
usage_case "--shards '0' is not allowed" --shards 0
usage_case "--l2 '-1' is not allowed: a number ≥ 0" --l2 -1
usage_case "--seed '-1' is not allowed: a whole number from 0 to" --seed -1
usage_case "--test-fraction '-0.2' is not allowed" --test-fraction -0.2
usage_case "--layers '16,,16' is not allowed" --layers 16,,16
usage_case "--layers '16,' is not allowed" --layers 16,
usage_case "--learning-rate 'nan' is not allowed" --learning-rate nan
usage_case "--epochs '1e999' is not allowed" --epochs 1e999
usage_case "--layers '99999999999999999999' is not allowed" --layers 99999999999999999999
usage_case "--threads '2' is not allowed: more than 1 needs --shards 2" --threads 2 --shards 1
usage_case "--target '0' is not allowed: a column name, a position counted from 1" --target 0
usage_case "--epochs is given twice" --epochs=3 --epochs 4
usage_case "unknown option '--frobnicate'" --frobnicate 1
usage_case "--optimizer 'adamx' is not allowed: one of sgd" --optimizer adamx

# --name=value is accepted like --name value.
printf 'x,y,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n0.1,0.1,0\n0.9,0.1,1\n' > "$tmp/tiny.csv"
run_status "$bin" train --data="$tmp/tiny.csv" --target=label --epochs=3 --layers=4 > "$tmp/equals.out" 2> "$tmp/equals.err"
check "--name=value options train" test "$status" -eq 0
check "--epochs=3 runs three epochs" grep -q "epoch 3/3" "$tmp/equals.out"

# A target with one class is a data problem (exit 1), named, without the usage text.
printf 'x,label\n1,0\n2,0\n3,0\n' > "$tmp/one-class.csv"
run_status "$bin" train --data "$tmp/one-class.csv" --target label > /dev/null 2> "$tmp/one-class.err"
check "a single-class target exits 1" test "$status" -eq 1
check "a single-class target says so" grep -q "has one class only" "$tmp/one-class.err"
check "a single-class target prints no usage" test "$(grep -c "usage:" "$tmp/one-class.err")" -eq 0

# Progress is flushed line by line into a pipe, and big losses are %.6g.
"$bin" train --data "$tmp/tiny.csv" --target label --epochs 2 --layers 4 --l2 1e300 --loss mse | cat > "$tmp/piped.out"
check "progress reaches a pipe" grep -q "epoch 2/2" "$tmp/piped.out"
check "a huge loss prints in six digits" grep -qE "loss [0-9.]+e\+[0-9]+" "$tmp/piped.out"
check "no terminal escape codes in a pipe" test "$(grep -c $'\e' "$tmp/piped.out")" -eq 0
