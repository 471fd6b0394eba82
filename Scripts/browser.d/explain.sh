# The page of `backprop explain --format html` on micrograd's README
# expression: after the whole backward sweep the page shows micrograd's
# gradients. Sourced by Scripts/browser-test.sh (see README here).

explain="$tmp/explain"
mkdir -p "$explain"
# micrograd's README example, typed as its README writes it.
cp Scripts/fixtures/micrograd-readme.txt "$explain/micrograd.txt"
"$bin" explain --file "$explain/micrograd.txt" --format html --output "$explain/page.html"
"$bin" explain --file "$explain/micrograd.txt" --format json --output "$explain/explain.json"
dump_dom "$explain/page.html#press=all" "$explain/all.html"
check "explain's page rendered" test "$(dom_attr "$explain/all.html" '#status' data-ready)" = true
check "explain's page draws every node the engine recorded" \
  test "$(dom_attr "$explain/all.html" '#status' data-nodes)" = \
  "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["forward"]))' "$explain/explain.json")"
# rounded_is NUMBER EXPECTED: NUMBER rounded to 4 decimals, as micrograd prints it.
rounded_is() { test "$(python3 -c 'import sys; print(f"{float(sys.argv[1]):.4f}")' "$1")" = "$2"; }
check "explain's page shows a's gradient, micrograd's 138.8338" \
  rounded_is "$(dom_attr "$explain/all.html" 'a' data-shown-grad)" 138.8338
check "explain's page shows b's gradient, micrograd's 645.5773" \
  rounded_is "$(dom_attr "$explain/all.html" 'b' data-shown-grad)" 645.5773
screenshot "$explain/page.html#press=all" "$explain/all.png"
check "explain's page screenshot is not blank" not_blank "$explain/all.png"
check "explain's page: text colours of at least 4.5:1" contrast_ok "$explain/page.html"
