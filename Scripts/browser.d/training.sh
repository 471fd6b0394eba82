# The training page (`backprop demo --html`, `backprop train --html FILE`):
# what its script renders at a state asked for by the address's fragment,
# checked against the numbers the engine printed and embedded, plus the
# page's self-containment and the accessible names of its controls.
# Sourced by Scripts/browser-test.sh (see README here).

training="$tmp/training"
mkdir -p "$training"
(cd "$training" && "$bin" demo --html) > "$training/demo.out"
page="$training/demo-output/demo.html"
check "demo --html names the page it wrote" grep -q "^wrote demo-output/demo.html (" "$training/demo.out"

# training_data PAGE EXPRESSION: evaluates a Python expression on the page's
# embedded data `d` (the JSON of <script id="run-data">) and prints it.
training_data() {
  python3 - "$@" <<'PY'
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
block = re.search(r'<script type="application/json" id="run-data">(.*?)</script>', text, re.S)
d = json.loads(block.group(1))
print(eval(sys.argv[2]))
PY
}

# training_same ACTUAL EXPECTED: the same number (both read as doubles).
training_same() {
  python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) == float(sys.argv[2]) else 1)' "$1" "$2"
}

# The page stands alone: no address on the network, no external script,
# style sheet, image or font; and it stays small.
training_self_contained() {
  ! grep -qiE 'https?:|<script[^>]* src=|<link[ >]|@import|url\(' "$1"
}
check "the page refers to nothing outside itself (no http(s), no external file)" training_self_contained "$page"
check "the page is under 3 MB" test "$(wc -c < "$page")" -lt 3000000
check "the page holds the demo's 100 steps" test "$(training_data "$page" 'len(d["steps"])')" = 100

# Step 50: its loss is the one the demo printed for epoch 50 (the same digits).
printed_loss="$(grep -E '^ *epoch +50/100 ' "$training/demo.out" | sed 's/.*loss \([0-9.]*\).*/\1/')"
dump_dom "$page#step=50" "$training/step50.html"
check "the page renders (status data-ready)" test "$(dom_attr "$training/step50.html" '#status' data-ready)" = true
check "#step=50 shows step 50" test "$(dom_attr "$training/step50.html" '#status' data-step)" = 50
check "step 50's loss shown is the demo's printed loss for epoch 50 ($printed_loss)" \
  test "$(dom_attr "$training/step50.html" '#status' data-loss)" = "$printed_loss"
check "the boundary is drawn with 40×40 cells" \
  test "$(dom_attr "$training/step50.html" '#status' data-cells)" = 1600
check "no point is selected without point= in the fragment" \
  sh -c '! grep -q "data-point=" "$1"' - "$training/step50.html"

# A point with a loss above 0 at step 50 (point 67 is on the wrong side):
# the status shows the loss the engine computed and embedded for it.
point=67
expected="$(training_data "$page" "d['graph']['pointLoss'][49][$point]")"
dump_dom "$page#step=50&point=$point" "$training/point.html"
check "#step=50&point=$point selects point $point" \
  test "$(dom_attr "$training/point.html" '#status' data-point)" = "$point"
check "point $point's loss at step 50 is the engine's ($expected)" \
  training_same "$(dom_attr "$training/point.html" '#status' data-point-loss)" "$expected"
check "point $point's loss at step 50 is above 0 (a point the step learns from)" \
  python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 0 else 1)' "$expected"
check "the graph drawn is step 50's" test "$(dom_attr "$training/point.html" '#status' data-graph-step)" = 50
check "the graph has a box per neuron: 2 inputs, 16, 16, 1 output and the loss" \
  test "$(grep -o '<rect [^>]*rx="4"' "$training/point.html" | wc -l)" -eq 36

screenshot "$page#step=50&point=$point" "$training/point.png"
check "the page's screenshot is not blank" not_blank "$training/point.png"
check "the training page: text colours of at least 4.5:1" contrast_ok "$page"

# Accessibility on the rendered DOM: every control has an accessible name,
# no positive tabindex, the status is a live region, the language is set.
training_accessible() {
  python3 - "$1" <<'PY'
import sys
from html.parser import HTMLParser
class Scan(HTMLParser):
    def __init__(self):
        super().__init__()
        self.labels, self.controls, self.problems, self.stack, self.lang = set(), [], [], [], None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html": self.lang = a.get("lang")
        if tag == "label" and a.get("for"): self.labels.add(a["for"])
        t = a.get("tabindex")
        if t is not None and t.strip().lstrip("-").isdigit() and int(t) > 0:
            self.problems.append(f"<{tag} id={a.get('id')}> has tabindex {t}")
        if tag in ("button", "input", "select", "textarea") or a.get("role") == "button":
            self.controls.append([tag, a, ""])
            if tag != "input": self.stack.append(self.controls[-1])
    def handle_endtag(self, tag):
        if self.stack and self.stack[-1][0] == tag: self.stack.pop()
    def handle_data(self, data):
        for c in self.stack: c[2] += data
s = Scan(); s.feed(open(sys.argv[1], encoding="utf-8").read())
for tag, a, text in s.controls:
    named = a.get("aria-label") or a.get("aria-labelledby") or a.get("id") in s.labels or text.strip()
    if not named: s.problems.append(f"<{tag} id={a.get('id')}> has no accessible name")
if not s.lang: s.problems.append("<html> has no lang")
if 'id="status" role="status"' not in open(sys.argv[1], encoding="utf-8").read():
    s.problems.append("no status element with role=status")
if len(s.controls) < 100: s.problems.append(f"only {len(s.controls)} controls (the points should be focusable)")
for p in s.problems: print(p, file=sys.stderr)
sys.exit(1 if s.problems else 0)
PY
}
check "every control and point has an accessible name; no positive tabindex" training_accessible "$training/point.html"

# train --html: a 2-feature CSV gets the boundary, 3 features only the curves.
awk 'BEGIN { srand(3); print "x,y,kind"
  for (i = 0; i < 60; i++) { k = i % 3
    printf "%.4f,%.4f,%s\n", (k == 1 ? 3 : 0) + rand() - 0.5, (k == 2 ? 3 : 0) + rand() - 0.5, substr("abc", k + 1, 1) } }' \
  > "$training/blobs.csv"
"$bin" train --data "$training/blobs.csv" --target kind --layers 8 --epochs 40 --seed 1 \
  --html "$training/blobs.html" > "$training/blobs.out"
printed_last="$(grep -E '^ *epoch 40/40 ' "$training/blobs.out" | sed 's/.*loss \([^ ]*\).*/\1/')"
dump_dom "$training/blobs.html#step=40&point=4" "$training/blobs-dom.html"
check "train --html: epoch 40's loss shown is the printed one ($printed_last)" \
  test "$(dom_attr "$training/blobs-dom.html" '#status' data-loss)" = "$printed_last"
check "train --html: a 2-feature run draws the boundary" \
  test "$(dom_attr "$training/blobs-dom.html" '#status' data-cells)" = 1600
check "train --html: a point's graph is drawn" \
  test "$(dom_attr "$training/blobs-dom.html" '#status' data-point)" = 4

awk 'BEGIN { srand(5); print "a,b,c,label"
  for (i = 0; i < 40; i++) { k = i % 2; printf "%.3f,%.3f,%.3f,%d\n", k + rand(), rand(), rand(), k } }' \
  > "$training/three.csv"
"$bin" train --data "$training/three.csv" --target label --epochs 10 --html "$training/three.html" > /dev/null
dump_dom "$training/three.html" "$training/three-dom.html"
check "train --html on 3 features: no boundary cells, the curves still drawn" \
  sh -c 'test "$(grep -o "data-cells=\"[0-9]*\"" "$1")" = "data-cells=\"0\"" && grep -q "<polyline" "$1"' - "$training/three-dom.html"
check "train --html on 3 features: the page says the boundary needs 2 features" \
  grep -q "The decision boundary needs 2 features; this data has 3." "$training/three-dom.html"
