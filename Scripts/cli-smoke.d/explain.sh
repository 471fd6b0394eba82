# backprop explain: micrograd's README expression from --at, --file and
# stdin; a parse error's caret and exit code; an unknown name's message.
explain_micrograd_checks() { # name of the output file, how it was given
  check "explain $2: g = 24.704082" grep -q "^g' = 24.704082$" "$1"
  check "explain $2: a's gradient 138.833819" grep -qE '^a +-4\.000000 +138\.833819 .* pass$' "$1"
  check "explain $2: b's gradient 645.577259" grep -qE '^b +2\.000000 +645\.577259 .* pass$' "$1"
  check "explain $2: every check passes" grep -q "every gradient agrees with its central difference" "$1"
}
# micrograd's README example, typed as its README writes it.
cp Scripts/fixtures/micrograd-readme.txt "$tmp/micrograd.txt"
# The program without its first two lines, on one line (`;` ends a
# statement): a and b are then undefined, and --at gives their values.
oneline="$(tail -n +3 "$tmp/micrograd.txt" | tr '\n' ';')"
run_status "$bin" explain "$oneline" --at a=-4,b=2 > "$tmp/explain-at.out" 2> "$tmp/explain-at.err"
check "explain EXPRESSION --at exits 0" test "$status" -eq 0
explain_micrograd_checks "$tmp/explain-at.out" "--at"
run_status "$bin" explain --file "$tmp/micrograd.txt" > "$tmp/explain-file.out"
check "explain --file exits 0" test "$status" -eq 0
explain_micrograd_checks "$tmp/explain-file.out" "--file"
run_status "$bin" explain - < "$tmp/micrograd.txt" > "$tmp/explain-stdin.out"
check "explain - (stdin) exits 0" test "$status" -eq 0
explain_micrograd_checks "$tmp/explain-stdin.out" "- (stdin)"
run_status "$bin" explain < "$tmp/micrograd.txt" > "$tmp/explain-pipe.out"
check "explain with no expression reads a piped stdin" cmp -s "$tmp/explain-pipe.out" "$tmp/explain-stdin.out"
run_status "$bin" explain --file "$tmp/micrograd.txt" --format json --output "$tmp/explain.json"
check "explain --format json --output writes the file" grep -q '"passed": true' "$tmp/explain.json"
run_status "$bin" explain "x * y" --at x=2,y=-3 --format dot > "$tmp/explain.dot"
check "explain --format dot is the output's graphviz()" grep -q 'n0 \[label="{ x | data 2.0000 | grad -3.0000 }"\];' "$tmp/explain.dot"
run_status "$bin" explain "x * y" --at x=2,y=-3 --format mermaid > "$tmp/explain.mmd"
check "explain --format mermaid is the output's mermaid()" grep -q '^flowchart LR' "$tmp/explain.mmd"

# A parse error typed on the command line: a usage mistake, exit 2, with a caret.
run_status "$bin" explain "a + * b" --at a=1,b=2 > /dev/null 2> "$tmp/explain-parse.err"
check "explain with a parse error exits 2" test "$status" -eq 2
check "explain's parse error names line and column" grep -qF 'backprop: explain: line 1, column 5: expected an operand (a number, a name, a call or "("), found "*"' "$tmp/explain-parse.err"
check "explain's parse error shows the line" grep -qxF '  a + * b' "$tmp/explain-parse.err"
check "explain's parse error puts a caret under the column" grep -qxF '      ^' "$tmp/explain-parse.err"
# In a file it is bad data: exit 1, with the file's name.
printf 'a = 1\nb = a +\n' > "$tmp/explain-bad.txt"
run_status "$bin" explain --file "$tmp/explain-bad.txt" > /dev/null 2> "$tmp/explain-bad.err"
check "explain --file with a parse error exits 1" test "$status" -eq 1
check "explain --file's parse error names the file and line 2" grep -qF "$tmp/explain-bad.txt: line 2, column 8:" "$tmp/explain-bad.err"
# A name with no value, an unknown function, an --at the expression does not use.
run_status "$bin" explain "a * z" --at a=1 > /dev/null 2> "$tmp/explain-name.err"
check "explain with an unknown name exits 2" test "$status" -eq 2
check "explain names the unknown name" grep -qF 'unknown name "z": it has no value' "$tmp/explain-name.err"
check "explain says how to give it a value" grep -qxF 'give it a value with --at z=NUMBER' "$tmp/explain-name.err"
run_status "$bin" explain "foo(a)" --at a=1 > /dev/null 2> "$tmp/explain-function.err"
check "explain names an unknown function" grep -qF 'unknown function "foo"' "$tmp/explain-function.err"
run_status "$bin" explain "a * 2" --at a=1,q=2 > /dev/null 2> "$tmp/explain-unused.err"
check "explain refuses an --at name the expression lacks" grep -qF -- "--at q: the expression has no input q; its inputs: a" "$tmp/explain-unused.err"
run_status "$bin" explain "a * 2" --at a=one > /dev/null 2> "$tmp/explain-at-bad.err"
check "explain --at a=one exits 2" test "$status" -eq 2
"$bin" explain "(a * b + a^2).tanh() / 2 - 1" --at a=2,b=-3 --format svg --output "$tmp/explain.svg"
check "explain --format svg writes a picture" grep -q "<svg" "$tmp/explain.svg"
check "explain's picture shows b's gradient as micrograd draws it" grep -qF "grad 0.0707" "$tmp/explain.svg"
"$bin" explain "(a * b + a^2).tanh() / 2 - 1" --at a=2,b=-3 --format html --output "$tmp/explain.html"
check "explain --format html writes a page with its status element" grep -q 'id="status"' "$tmp/explain.html"
check "explain's page needs no network" bash -c '! grep -Eo "(src|href)=\"https?:" "$1"' _ "$tmp/explain.html"
