# The demo's pictures and where they go: demo-output/ by default, created if
# missing and ignored by git; axes, ticks, labels and legends in the SVGs;
# an unusable --output-dir refused before any training, exit code 1.
# Sourced by Scripts/cli-smoke.sh (see README here): $bin, $tmp and check().

pictures="$tmp/pictures"
mkdir -p "$pictures/run"
(cd "$pictures/run" && "$bin" demo) > "$pictures/demo.out"
boundary="$pictures/run/demo-output/demo-boundary.svg"
curves="$pictures/run/demo-output/demo-curves.svg"
check "demo creates demo-output/ and writes the decision boundary there" test -s "$boundary"
check "demo writes the training curves into demo-output/" test -s "$curves"
check "demo names both files it wrote" \
  grep -qx "wrote demo-output/demo-boundary.svg and demo-output/demo-curves.svg" "$pictures/demo.out"
check "demo writes nothing else into the current directory" \
  test "$(ls -A "$pictures/run")" = "demo-output"

# What the pictures say: axis labels, tick values and legends. A tick label
# is written as >VALUE</text>; the boundary's axes run from about −2 to 3 and
# −1.5 to 2, the curves' from 0 to 100 steps, 0 to 1.8 loss, 0 to 100 %.
has() { grep -qF -- "$2" "$1"; } # file, text
check "boundary: x axis label" has "$boundary" ">x₁ (first feature)</text>"
check "boundary: y axis label" has "$boundary" ">x₂ (second feature)</text>"
check "boundary: x tick labels" \
  sh -c 'for t in "−1" 0 1 2 3; do grep -qF ">$t</text>" "$1" || exit 1; done' - "$boundary"
check "boundary: y tick labels, with decimals" \
  sh -c 'for t in "−1.0" "−0.5" "0.0" "0.5" "1.5"; do grep -qF ">$t</text>" "$1" || exit 1; done' - "$boundary"
check "boundary: legend names both classes" \
  sh -c 'grep -qF ">class +1</text>" "$1" && grep -qF ">class −1</text>" "$1"' - "$boundary"
check "boundary: legend explains the shaded regions" \
  sh -c 'grep -qF ">predicted class +1</text>" "$1" && grep -qF "shaded: where the score is &gt; 0" "$1"' - "$boundary"
check "boundary: legend shows the decision boundary" has "$boundary" ">decision boundary</text>"
check "boundary: the legend's colours are the points' colours" \
  sh -c 'test "$(grep -c "fill=\"#d62728\"" "$1")" -gt 1 && test "$(grep -c "fill=\"#1f4fb4\"" "$1")" -gt 1' - "$boundary"
check "curves: epoch axis label" has "$curves" ">step (epoch: one full-batch gradient step)</text>"
check "curves: loss axis label" has "$curves" ">loss (hinge + 1e-4·Σp²)</text>"
check "curves: accuracy axis label" has "$curves" ">accuracy (%)</text>"
check "curves: step tick labels" \
  sh -c 'for t in 0 20 40 60 80 100; do grep -qF ">$t</text>" "$1" || exit 1; done' - "$curves"
check "curves: loss and accuracy tick labels" \
  sh -c 'for t in 0.0 0.4 1.0 1.8 "0%" "60%" "100%"; do grep -qF ">$t</text>" "$1" || exit 1; done' - "$curves"
check "curves: legend names both lines" \
  sh -c 'grep -qF ">loss (left axis)</text>" "$1" && grep -qF ">accuracy (right axis)</text>" "$1"' - "$curves"
check "both pictures declare SVG 1.1" \
  sh -c 'grep -q "version=\"1.1\"" "$1" && grep -q "version=\"1.1\"" "$2"' - "$boundary" "$curves"
if command -v xmllint > /dev/null; then
  check "both pictures are well-formed XML" xmllint --noout "$boundary" "$curves"
fi

# git ignores the default output folder, so a demo run leaves the tree clean.
if command -v git > /dev/null && git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  check "git ignores demo-output/" git check-ignore -q demo-output/x.svg
else
  echo "skipped: git ignores demo-output/ (not in a git work tree)"
fi

# An unusable --output-dir: one line on stderr naming the path and the
# problem, exit code 1, and no training at all (nothing on stdout: the demo
# prints its banner and progress only after the check). The demo trains in a
# fraction of a second, so a timer would prove nothing; stdout does.
refused() { # name, expected exit code, expected message, demo arguments...
  local name="$1" code="$2" message="$3"; shift 3
  set +e
  "$bin" demo "$@" > "$pictures/$name.out" 2> "$pictures/$name.err"
  local status=$?
  set -e
  check "--output-dir $name: exit code $code" test "$status" -eq "$code"
  check "--output-dir $name: nothing trained, nothing printed on stdout" test ! -s "$pictures/$name.out"
  check "--output-dir $name: one line naming the path and the problem" \
    sh -c 'test "$(wc -l < "$1")" -eq 1 && grep -qxF -- "$2" "$1"' - "$pictures/$name.err" "$message"
  check "--output-dir $name: no Foundation error text" \
    sh -c '! grep -qE "Error Domain|NSCocoaErrorDomain|NSError|UserInfo" "$1"' - "$pictures/$name.err"
}
refused "with a missing parent" 1 \
  "backprop: cannot use $pictures/missing/pictures as the output folder: its parent folder $pictures/missing does not exist" \
  --output-dir "$pictures/missing/pictures"
check "--output-dir with a missing parent: creates neither folder" test ! -e "$pictures/missing"

printf 'keep me\n' > "$pictures/a-file"
refused "naming a file" 1 \
  "backprop: cannot use $pictures/a-file as the output folder: it is a file, not a folder" \
  --output-dir "$pictures/a-file"
check "--output-dir naming a file: the file is untouched" grep -qx "keep me" "$pictures/a-file"

refused "under a file" 1 \
  "backprop: cannot use $pictures/a-file/sub as the output folder: $pictures/a-file is a file, not a folder" \
  --output-dir "$pictures/a-file/sub"

mkdir -p "$pictures/in-the-way/demo-curves.svg"
refused "holding a folder named like a picture" 1 \
  "backprop: cannot write $pictures/in-the-way/demo-curves.svg: a folder of that name is in the way (the demo replaces only files)" \
  --output-dir "$pictures/in-the-way"

# A read-only folder. root may write into it regardless of its mode, so the
# check means nothing when run as root, and is skipped then.
if [ "$(id -u)" -ne 0 ]; then
  mkdir -p "$pictures/read-only"
  chmod 555 "$pictures/read-only"
  refused "read-only" 1 \
    "backprop: cannot use $pictures/read-only as the output folder: the folder is not writable: Permission denied" \
    --output-dir "$pictures/read-only"
  chmod 755 "$pictures/read-only"
else
  echo "skipped: --output-dir read-only (running as root, who may write anywhere)"
fi

# A new folder whose parent exists is created, and the pictures go there.
"$bin" demo --output-dir "$pictures/new" > "$pictures/new.out"
check "--output-dir to a new folder: creates it and writes both pictures" \
  sh -c 'test -s "$1/demo-boundary.svg" && test -s "$1/demo-curves.svg"' - "$pictures/new"
