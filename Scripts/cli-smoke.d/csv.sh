# bench csv: a small generated file loads, and the figures are printed.
"$bin" bench csv --rows 2000 > "$tmp/bench-csv.out"
check "bench csv prints the file size" grep -q "file .* MB, 2000 rows, 10 features" "$tmp/bench-csv.out"
check "bench csv prints peak memory over the file size" grep -q "peak / file .*× *(budget 3×)" "$tmp/bench-csv.out"
check "bench csv types the target as regression" grep -q "target 'y': regression" "$tmp/bench-csv.out"
