#!/usr/bin/env bash
# Opens the pages the command-line tool writes in a headless Chromium and
# checks what their scripts render (the DOM after they ran, screenshots).
# Needs chromium (Debian: apt-get install -y chromium) and python3; it fails,
# never skips, when chromium is missing. The checks live in
# Scripts/browser.d/*.sh (see the README there), sourced in name order.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=""
for candidate in "${CHROMIUM:-}" chromium chromium-browser google-chrome; do
  if [ -n "$candidate" ] && command -v "$candidate" > /dev/null 2>&1; then
    chromium="$(command -v "$candidate")"
    break
  fi
done
if [ -z "$chromium" ]; then
  echo "chromium is not installed: apt-get install -y chromium" >&2
  exit 1
fi
if ! command -v python3 > /dev/null 2>&1; then
  echo "python3 is not installed: apt-get install -y python3" >&2
  exit 1
fi

swift build --product backprop
bin="$(swift build --show-bin-path)/backprop"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

check() { # description, command...
  local what="$1"; shift
  checks=$((checks + 1))
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}

# Chromium's own profile and crash files go into $tmp, never into $HOME.
browser() { # arguments...: runs headless chromium, its noise on stderr dropped
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$tmp/chromium-profile" --virtual-time-budget=3000 "$@" 2> /dev/null
}

# A page argument may carry a fragment: page.html#backward=3.
page_url() { # PAGE[#FRAGMENT]
  local page="${1%%#*}" fragment=""
  case "$1" in *'#'*) fragment="#${1#*#}" ;; esac
  echo "file://$(cd "$(dirname "$page")" && pwd)/$(basename "$page")$fragment"
}

dump_dom() { # PAGE.html[#FRAGMENT] OUT.html: the DOM after the page's scripts ran
  browser --dump-dom "$(page_url "$1")" > "$2"
  test -s "$2"
}

screenshot() { # PAGE.html[#FRAGMENT] OUT.png: a 1200×900 screenshot
  rm -f "$2"
  browser --screenshot="$2" --window-size=1200,900 "$(page_url "$1")" > /dev/null
  test -s "$2"
}

not_blank() { # OUT.png: fails when the picture is one colour, or under 1% of it differs from the background
  python3 - "$1" <<'PY'
import struct, sys, zlib
from collections import Counter

def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG file")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    if depth != 8 or interlace != 0:
        sys.exit(f"{path}: only 8-bit, non-interlaced PNG files are read here")
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous, i = [], bytearray(stride), 0
    for _ in range(height):
        kind = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = previous[x]
            c = previous[x - channels] if x >= channels else 0
            if kind == 1: line[x] = (line[x] + a) & 255
            elif kind == 2: line[x] = (line[x] + b) & 255
            elif kind == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line)); previous = line
    return [row[x:x + channels] for row in rows for x in range(0, stride, channels)]

px = pixels(sys.argv[1])
counts = Counter(px)
background, same = counts.most_common(1)[0]
differ = len(px) - same
if len(counts) == 1 or differ < 0.01 * len(px):
    sys.exit(f"{sys.argv[1]}: blank ({differ} of {len(px)} pixels differ from the background)")
PY
}

dom_attr() { # DOM SELECTOR ATTRIBUTE: prints an attribute of the first element
# matching #ID or [data-name=NAME] (html.parser from python3's stdlib).
  python3 - "$@" <<'PY'
import sys
from html.parser import HTMLParser
path, selector, attribute = sys.argv[1:4]
class Find(HTMLParser):
    found = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        key, want = ("id", selector[1:]) if selector.startswith("#") else ("data-name", selector)
        if self.found is None and a.get(key) == want:
            self.found = a.get(attribute)
f = Find(); f.feed(open(path, encoding="utf-8").read())
if f.found is None:
    sys.exit(f"{path}: no {attribute} on {selector}")
print(f.found)
PY
}

contrast_ok() { # PAGE.html: every text colour of the page's CSS against its background (the rule's, else body's) is at least 4.5:1 (WCAG AA)
  python3 - "$1" <<'PY'
import re, sys
css = "".join(re.findall(r"<style>(.*?)</style>", open(sys.argv[1], encoding="utf-8").read(), re.S))
def rgb(text):
    h = text.strip().lstrip("#")
    if len(h) == 3: h = "".join(c * 2 for c in h)
    return [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
def luminance(c):
    r, g, b = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
def prop(body, name):
    m = re.search(r"(?:^|[;{\s])" + name + r"\s*:\s*(#[0-9a-fA-F]{3,6})\b", body)
    return m.group(1) if m else None
rules = re.findall(r"([^{}]+)\{([^}]*)\}", css)
page = "#ffffff"
for selector, body in rules:
    if selector.strip() == "body":
        page = prop(body, "background(?:-color)?") or page
bad = []
for selector, body in rules:
    colour = prop(body, "color")
    if colour is None: continue
    background = prop(body, "background(?:-color)?") or page
    a, b = sorted([luminance(rgb(colour)), luminance(rgb(background))])
    ratio = (b + 0.05) / (a + 0.05)
    if ratio < 4.5: bad.append(f"{selector.strip()}: {colour} on {background} is {ratio:.2f}:1")
if bad: sys.exit("contrast below 4.5:1: " + "; ".join(bad))
PY
}

for part in Scripts/browser.d/*.sh; do
  [ -e "$part" ] || continue
  echo "-- $part"
  # shellcheck source=/dev/null
  source "$part"
done

echo "browser checks: $(( checks - failures )) of $checks as expected"
test "$failures" -eq 0
