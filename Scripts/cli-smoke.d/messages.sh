# File problems, said as such with the path, from train and predict alike;
# columns counted from 1; never a raw Foundation error.
printf 'x,y,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n' > "$tmp/msg-ok.csv"
"$bin" train --data "$tmp/msg-ok.csv" --target label --layers 2 --epochs 1 --save "$tmp/msg-model.json" > /dev/null
mkdir "$tmp/msg-folder.csv"
printf '\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03binary' > "$tmp/msg-gzip.csv"
printf 'x,y,label\n1,2,\x00\x01\n' > "$tmp/msg-binary.csv"
printf 'x,caf\xe9,label\n1,2,0\n' > "$tmp/msg-latin1.csv"
file_case() { # name, file, expected fragment
  for command in train predict; do
    if [ "$command" = train ]; then
      run_status "$bin" train --data "$2" --target label > /dev/null 2> "$tmp/msg.err"
    else
      run_status "$bin" predict --model "$tmp/msg-model.json" --data "$2" > /dev/null 2> "$tmp/msg.err"
    fi
    check "$command on $1 exits 1" test "$status" -eq 1
    check "$command on $1 says: $3" grep -qF -- "$3" "$tmp/msg.err"
    check "$command on $1 names the path" grep -qF -- "$2" "$tmp/msg.err"
    check "$command on $1: no Foundation error" test "$(grep -c 'Error Domain\|NSCocoaErrorDomain\|The file .* couldn’t' "$tmp/msg.err")" -eq 0
  done
}
file_case "a missing file" "$tmp/msg-missing.csv" "no such file"
file_case "a folder" "$tmp/msg-folder.csv" "a directory, not a CSV file"
file_case "a gzip file" "$tmp/msg-gzip.csv" "gzip-compressed, not CSV text; decompress it first"
file_case "a binary file" "$tmp/msg-binary.csv" "a binary file, not CSV text"
file_case "Latin-1 text" "$tmp/msg-latin1.csv" "not UTF-8 text"

run_status "$bin" train --data "$tmp/msg-ok.csv" --target 99 > /dev/null 2> "$tmp/msg-target.err"
check "--target 99 on 3 columns exits 1" test "$status" -eq 1
check "--target 99 is counted from 1" grep -qF "the target is column 99 (counted from 1), but the first row has only 3 columns" "$tmp/msg-target.err"
run_status "$bin" train --data "$tmp/msg-ok.csv" --target label --test-fraction 0.99 > /dev/null 2> "$tmp/msg-fraction.err"
check "--test-fraction 0.99 of 4 rows exits 1" test "$status" -eq 1
check "--test-fraction 0.99 of 4 rows says so in the option's name" grep -qF -- "--test-fraction 0.99 of 4 rows leaves no rows to train on" "$tmp/msg-fraction.err"
check "no API names in messages" test "$(grep -c testFraction "$tmp/msg-fraction.err")" -eq 0
