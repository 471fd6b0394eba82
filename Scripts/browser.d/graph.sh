# The step-through page of seed 000 §5.1's worked example
# (`backprop worked-example --html FILE`): what its script renders, checked
# against the engine's numbers as `backprop worked-example` prints them.
# Sourced by Scripts/browser-test.sh (see README here).

graph="$tmp/graph"
mkdir -p "$graph"
"$bin" worked-example --html "$graph/page.html" > "$graph/write.out"
"$bin" worked-example > "$graph/text.out"

# graph_close ACTUAL EXPECTED: the numbers agree to 1e-10 (the text output
# has 11 digits after the point).
graph_close() {
  python3 -c 'import sys; a, e = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if abs(a - e) <= 1e-10 else 1)' "$1" "$2"
}

# graph_expected PATTERN INDEX: the INDEX-th number (from 1) on the text
# output's line starting with PATTERN.
graph_expected() {
  grep -F -- "$1" "$graph/text.out" | head -1 | sed 's/ *(j = .*//' | tr -d '[]' | sed 's/.*= *//' | awk -v k="$2" '{ print $k }'
}

engine_values="$(sed -n 's/.*: \([0-9]*\) values.*/\1/p' "$graph/write.out")"
check "worked-example --html names the file and the number of values" test "$engine_values" = 41

dump_dom "$graph/page.html" "$graph/start.html"
check "the page's status says it rendered" test "$(dom_attr "$graph/start.html" '#status' data-ready)" = true
check "the status reports as many values drawn as the engine recorded" \
  test "$(dom_attr "$graph/start.html" '#status' data-nodes)" = "$engine_values"
check "the DOM holds one record per value" \
  test "$(grep -o 'class="value[^"]*"' "$graph/start.html" | wc -l)" -eq "$engine_values"
check "nothing is shown before the first step" \
  test -z "$(dom_attr "$graph/start.html" 'x₁' data-shown-data)"

# Creation order: the 15 weights, the 6 biases, x₁ x₂ x₃, then the products.
dump_dom "$graph/page.html#forward=24" "$graph/forward.html"
check "#forward=24 shows x₁'s value, 2" graph_close "$(dom_attr "$graph/forward.html" 'x₁' data-shown-data)" 2
check "#forward=24 does not yet show Z¹₁" test -z "$(dom_attr "$graph/forward.html" 'Z¹₁' data-shown-data)"

dump_dom "$graph/page.html#backward=3" "$graph/b3.html"
check "#backward=3 is reported by the status" test "$(dom_attr "$graph/b3.html" '#status' data-backward)" = 3
check "#backward=3 shows every value: Z¹₁ = Z^1's first entry" \
  graph_close "$(dom_attr "$graph/b3.html" 'Z¹₁' data-shown-data)" "$(graph_expected 'Z^1 =' 1)"
check "#backward=3 shows ŷ as the engine computes it" \
  graph_close "$(dom_attr "$graph/b3.html" 'ŷ' data-shown-data)" "$(graph_expected 'ŷ   =' 1)"
check "step 3 reaches b²₁ (the status names it)" test "$(dom_attr "$graph/b3.html" '#status' data-node-name)" = "b²₁"
check "after 3 steps b²₁'s grad is the engine's D_B^2 ŷ" \
  graph_close "$(dom_attr "$graph/b3.html" '#status' data-node-grad)" "$(graph_expected 'D_B^2' 1)"
check "after 3 steps w⁰₁₁ has no grad yet" test -z "$(dom_attr "$graph/b3.html" 'w⁰₁₁' data-shown-grad)"
check "step 3 highlights the edge from b²₁" grep -q 'class="active"' "$graph/b3.html"

steps="$(dom_attr "$graph/b3.html" '#status' data-backward-steps)"
dump_dom "$graph/page.html#backward=$steps" "$graph/end.html"
check "after every step w⁰₁₁'s grad is the engine's D_w^0_11 ŷ" \
  graph_close "$(dom_attr "$graph/end.html" 'w⁰₁₁' data-shown-grad)" "$(graph_expected 'D_w^0_1j' 1)"
check "after every step w⁰₁₂'s grad is the engine's D_w^0_12 ŷ" \
  graph_close "$(dom_attr "$graph/end.html" 'w⁰₁₂' data-shown-grad)" "$(graph_expected 'D_w^0_1j' 2)"
check "after every step Z²₃'s grad is the engine's D_Z^2 ŷ" \
  graph_close "$(dom_attr "$graph/end.html" 'Z²₃' data-shown-grad)" "$(graph_expected 'D_Z^2' 3)"
check "after every step b¹₂'s grad is the engine's D_B^1 ŷ" \
  graph_close "$(dom_attr "$graph/end.html" 'b¹₂' data-shown-grad)" "$(graph_expected 'D_B^1' 2)"

# The buttons themselves: #press= clicks them in turn.
dump_dom "$graph/page.html#press=forward.forward.forward.previous" "$graph/press.html"
check "Forward step three times and Previous step once show two values" \
  test "$(dom_attr "$graph/press.html" '#status' data-forward)" = 2
dump_dom "$graph/page.html#press=backward.backward.backward" "$graph/press-b.html"
check "Backward step computes every value first, then steps: three steps reach b²₁" \
  test "$(dom_attr "$graph/press-b.html" '#status' data-forward)/$(dom_attr "$graph/press-b.html" '#status' data-node-name)" = "41/b²₁"
dump_dom "$graph/page.html#press=all.reset" "$graph/press-r.html"
check "Show all, then Reset, shows nothing" \
  test "$(dom_attr "$graph/press-r.html" '#status' data-forward)/$(dom_attr "$graph/press-r.html" '#status' data-backward)" = "0/0"
check "Reset is disabled when nothing is shown" grep -q '<button type="button" id="reset" disabled' "$graph/press-r.html"

# Focusing a value shows its formula, in the notes' notation for a neuron.
z11="$(dom_attr "$graph/start.html" 'Z¹₁' data-index)"
dump_dom "$graph/page.html#focus=$z11" "$graph/focus.html"
check "focusing Z¹₁ shows its formula with δ = D_Z¹₁ ŷ" \
  grep -q '<p id="formula"[^>]*>Z¹₁ = (W⁰A⁰)₁ + b⁰₁ = 9.0000\..*δ = D_Z¹₁ ŷ' "$graph/focus.html"
w011="$(dom_attr "$graph/start.html" 'w⁰₁₁' data-index)"
dump_dom "$graph/page.html#focus=$w011" "$graph/focus-w.html"
check "focusing w⁰₁₁ shows BP2's D_W" grep -q '<p id="formula"[^>]*>w⁰₁₁ = .*BP2: D_W = A ⊙ D_Z' "$graph/focus-w.html"

screenshot "$graph/page.html#backward=9" "$graph/shot.png"
check "a screenshot of the page is not blank" not_blank "$graph/shot.png"
check "the page: text colours of at least 4.5:1" contrast_ok "$graph/page.html"
screenshot Docs/images/worked-example-neurons.svg "$graph/picture.png"
check "the guide's picture of the network renders and is not blank" not_blank "$graph/picture.png"

# Accessibility, in the dumped DOM: named buttons, labelled focusable
# records, no positive tabindex, a status region, a language, no network.
graph_a11y() {
  python3 - "$1" <<'PY'
import sys
from html.parser import HTMLParser
class Audit(HTMLParser):
    def __init__(self):
        super().__init__(); self.problems = []; self.button = None; self.buttons = 0
        self.status = False; self.lang = False; self.focusable = 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html" and a.get("lang"): self.lang = True
        if tag == "button": self.button = a; self.text = ""; self.buttons += 1
        if a.get("id") == "status" and a.get("role") == "status": self.status = True
        t = a.get("tabindex")
        if t is not None:
            self.focusable += 1
            if int(t) > 0: self.problems.append(f"positive tabindex on <{tag} id={a.get('id')}>")
            if not a.get("aria-label"): self.problems.append(f"focusable <{tag} id={a.get('id')}> without aria-label")
        for k, v in attrs:
            if v and ("http://" in v or "https://" in v) and v != "http://www.w3.org/2000/svg":
                self.problems.append(f"a network reference: {k}={v}")
    def handle_data(self, data):
        if self.button is not None: self.text += data
    def handle_endtag(self, tag):
        if tag == "button":
            if not (self.text.strip() or self.button.get("aria-label")): self.problems.append("a button without a name")
            self.button = None
audit = Audit(); audit.feed(open(sys.argv[1], encoding="utf-8").read())
if not audit.lang: audit.problems.append("no lang on <html>")
if not audit.status: audit.problems.append('no <p id="status" role="status">')
if audit.buttons < 4: audit.problems.append(f"only {audit.buttons} buttons")
if audit.focusable == 0: audit.problems.append("no focusable record")
for p in audit.problems: print(p, file=sys.stderr)
sys.exit(1 if audit.problems else 0)
PY
}
check "accessibility: named buttons, labelled focusable records, no positive tabindex, no network" \
  graph_a11y "$graph/end.html"
