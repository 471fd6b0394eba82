# The training page's files and mistakes: `demo --html` writes demo.html
# beside the SVGs, `train --html FILE` writes FILE; a page that cannot be
# written is refused before any training. (What the page shows is checked in
# a browser by Scripts/browser.d/training.sh.) Sourced by Scripts/cli-smoke.sh.

page_dir="$tmp/page"
mkdir -p "$page_dir"
"$bin" demo --html --output-dir "$page_dir/out" > "$page_dir/demo.out"
check "demo --html writes demo.html beside the two SVGs" \
  sh -c 'test -s "$1/demo.html" && test -s "$1/demo-boundary.svg" && test -s "$1/demo-curves.svg"' - "$page_dir/out"
check "demo --html names the page and its size" grep -qE "^wrote $page_dir/out/demo.html \([0-9.]+ (MB|kB)\)" "$page_dir/demo.out"
check "demo --html: the page is under 3 MB" test "$(wc -c < "$page_dir/out/demo.html")" -lt 3000000

run_status "$bin" demo --html=yes > /dev/null 2> "$page_dir/flag.err"
check "demo --html takes no value: exit 2" test "$status" -eq 2
check "demo --html=yes says so" grep -qF "demo: --html takes no value, not 'yes'" "$page_dir/flag.err"

mkdir -p "$page_dir/blocked/demo.html"
run_status "$bin" demo --html --output-dir "$page_dir/blocked" > "$page_dir/blocked.out" 2> "$page_dir/blocked.err"
check "demo --html with a folder named demo.html in the way: exit 1" test "$status" -eq 1
check "demo --html with a folder in the way: refused before training" test ! -s "$page_dir/blocked.out"
check "demo --html with a folder in the way: named" \
  grep -qxF "backprop: cannot write $page_dir/blocked/demo.html: a folder of that name is in the way (the demo replaces only files)" "$page_dir/blocked.err"

printf 'x,y,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n' > "$page_dir/tiny.csv"
run_status "$bin" train --data "$page_dir/tiny.csv" --target label --epochs 3 --html "$page_dir/missing/page.html" \
  > "$page_dir/missing.out" 2> "$page_dir/missing.err"
check "train --html into a missing folder: exit 1" test "$status" -eq 1
check "train --html into a missing folder: refused before training" test ! -s "$page_dir/missing.out"
check "train --html into a missing folder: named" \
  grep -qxF "backprop: cannot write $page_dir/missing/page.html: $page_dir/missing is not a folder" "$page_dir/missing.err"
run_status "$bin" train --data "$page_dir/tiny.csv" --target label --html > /dev/null 2> "$page_dir/novalue.err"
check "train --html without a file: exit 2" test "$status" -eq 2
"$bin" train --data "$page_dir/tiny.csv" --target label --epochs 3 --html "$page_dir/tiny.html" > "$page_dir/tiny.out"
check "train --html FILE writes the page and names it" \
  sh -c 'test -s "$1" && grep -q "^wrote $1 (" "$2"' - "$page_dir/tiny.html" "$page_dir/tiny.out"
