// The step-through page's HTML, CSS and script (GraphPage.swift fills in
// the title, the SVG and the data). Everything is inline: no network, no
// external script or font, so the page works from file://.

enum GraphPageTemplate {
  /// The page; `title` is already escaped, `svg` and `data` are trusted
  /// (made by GraphSVG and GraphPageData, which escape their text).
  static func page(title: String, svg: String, data: String) -> String {
    head(title) + svg + middle + data + tail
  }

  static func head(_ title: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(title)</title>
    <style>
    body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #111111; background: #ffffff;
      margin: 1rem 1.5rem; line-height: 1.4; }
    h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
    .controls { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0; }
    button { font: inherit; padding: .35rem .8rem; color: #ffffff; background: #0b4f9c;
      border: 2px solid #0b4f9c; border-radius: 4px; cursor: pointer; }
    button:hover { background: #083a73; }
    button:disabled { color: #333333; background: #e4e4e4; border-color: #767676; cursor: default; }
    :focus-visible { outline: 3px solid #b35900; outline-offset: 2px; }
    #rule, #formula { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9rem;
      background: #f4f4f4; border-left: 4px solid #0b4f9c; padding: .4rem .6rem; margin: .4rem 0;
      min-height: 1.4em; white-space: pre-wrap; }
    #formula { border-left-color: #b35900; }
    #graph { overflow: auto; border: 1px solid #767676; max-height: 75vh; }
    #graph svg { display: block; }
    g.value { cursor: pointer; }
    g.value:focus { outline: none; }
    g.value:focus rect, g.value:hover rect { stroke: #b35900; stroke-width: 3; }
    g.value.current rect { fill: #fff1a8; }
    g.value.upstream rect { fill: #dcefd6; }
    path.active { stroke: #c2185b; stroke-width: 3.5; }
    .help { font-size: .9rem; color: #333333; }
    </style>
    </head>
    <body>
    <h1>\(title)</h1>
    <p class="help">Forward step computes the values in creation order; Backward step applies the chain rule
    in the order of the backward sweep, one edge at a time. Hover over or focus (Tab) a value to see its formula.
    Links may ask for a state: <code>#forward=3</code>, <code>#backward=5</code>.</p>
    <div class="controls" role="group" aria-label="Step through the sweeps">
    <button type="button" id="reset">Reset</button>
    <button type="button" id="previous">Previous step</button>
    <button type="button" id="forward">Forward step</button>
    <button type="button" id="backward">Backward step</button>
    <button type="button" id="all">Show all</button>
    </div>
    <p id="status" role="status">Loading…</p>
    <p id="rule" aria-live="polite"></p>
    <p id="formula" aria-live="polite">Hover over or focus a value to see its formula.</p>
    <noscript><p>The script is off: the picture shows every value and gradient at once.</p></noscript>
    <div id="graph">

    """
  }

  static let middle = """
    </div>
    <script type="application/json" id="graph-data">

    """

  static let tail = #"""

    </script>
    <script>
    (function () {
      "use strict";
      var data = JSON.parse(document.getElementById("graph-data").textContent);
      var nodes = data.nodes, steps = data.steps;
      var N = nodes.length, B = steps.length;
      var f = 0, b = 0;
      function el(id) { return document.getElementById(id); }
      var status = el("status"), rule = el("rule"), formula = el("formula");
      var byId = {};
      nodes.forEach(function (n) { byId[n.id] = n; });

      function render() {
        var shown = {};
        for (var k = 0; k < b; k++) { shown[steps[k].input] = steps[k]; }
        var current = b > 0 ? steps[b - 1].input : (f > 0 ? nodes[f - 1].id : null);
        var upstream = b > 1 ? steps[b - 1].node : null;
        var drawn = 0;
        nodes.forEach(function (n, i) {
          var g = el("n" + n.id);
          if (!g) { return; }
          drawn += 1;
          var hasData = i < f, s = shown[n.id];
          var d = el("n" + n.id + "-data"), gr = el("n" + n.id + "-grad");
          if (d) { d.textContent = hasData ? n.dataText : "data ?"; }
          if (gr) { gr.textContent = s ? s.gradText : "grad ?"; }
          g.setAttribute("data-shown-data", hasData ? n.data : "");
          g.setAttribute("data-shown-grad", s ? s.grad : "");
          g.setAttribute("aria-label", n.name + ": " + (hasData ? n.dataText : "data not computed yet") + ", " +
            (s ? s.gradText : "grad not computed yet"));
          g.classList.toggle("current", n.id === current);
          g.classList.toggle("upstream", n.id === upstream);
        });
        var active = document.querySelectorAll("path.active");
        for (var a = 0; a < active.length; a++) { active[a].classList.remove("active"); }
        if (b > 0) {
          var step = steps[b - 1];
          rule.textContent = "Backward step " + b + " of " + B + ": " + step.line;
          var edge = step.edge ? el(step.edge) : null;
          if (edge) { edge.classList.add("active"); }
        } else if (f > 0) {
          rule.textContent = "Forward step " + f + " of " + N + ": " + nodes[f - 1].formula;
        } else {
          rule.textContent = "Nothing computed yet: press Forward step.";
        }
        status.setAttribute("data-nodes", String(drawn));
        status.setAttribute("data-forward-steps", String(N));
        status.setAttribute("data-backward-steps", String(B));
        status.setAttribute("data-forward", String(f));
        status.setAttribute("data-backward", String(b));
        var c = current === null ? null : byId[current];
        status.setAttribute("data-node", c ? String(c.id) : "");
        status.setAttribute("data-node-name", c ? c.name : "");
        status.setAttribute("data-node-data", c && f > 0 ? c.data : "");
        status.setAttribute("data-node-grad", c && shown[c.id] ? shown[c.id].grad : "");
        var record = c ? el("n" + c.id) : null;
        if (record && record.scrollIntoView) { record.scrollIntoView({ block: "nearest", inline: "center" }); }
        status.setAttribute("data-ready", "true");
        status.textContent = drawn + " values drawn; forward: " + f + " of " + N + " values computed; backward: " +
          b + " of " + B + " steps.";
        el("reset").disabled = f === 0 && b === 0;
        el("previous").disabled = f === 0 && b === 0;
        el("forward").disabled = f === N;
        el("backward").disabled = b === B;
        el("all").disabled = f === N && b === B;
      }

      function readState() {
        var text = (location.hash || "").replace(/^#/, "") + "&" + (location.search || "").replace(/^\?/, "");
        var params = {};
        text.split("&").forEach(function (pair) {
          var kv = pair.split("=");
          if (kv.length === 2 && /^[0-9]+$/.test(kv[1])) { params[kv[0]] = parseInt(kv[1], 10); }
        });
        f = 0; b = 0;
        if (params.forward !== undefined) { f = Math.min(params.forward, N); }
        if (params.backward !== undefined) { f = N; b = Math.min(params.backward, B); }
      }

      el("reset").addEventListener("click", function () { f = 0; b = 0; render(); });
      el("previous").addEventListener("click", function () {
        if (b > 0) { b -= 1; } else if (f > 0) { f -= 1; }
        render();
      });
      el("forward").addEventListener("click", function () { if (f < N) { f += 1; } render(); });
      el("backward").addEventListener("click", function () {
        f = N;
        if (b < B) { b += 1; }
        render();
      });
      el("all").addEventListener("click", function () { f = N; b = B; render(); });
      window.addEventListener("hashchange", function () { readState(); render(); });

      var records = document.querySelectorAll("g.value");
      for (var r = 0; r < records.length; r++) {
        (function (g) {
          var n = byId[parseInt(g.getAttribute("data-index"), 10)];
          if (!n) { return; }
          function show() { formula.textContent = n.formula; }
          g.addEventListener("mouseenter", show);
          g.addEventListener("focus", show);
        })(records[r]);
      }
      readState();
      render();
      // #focus=ID moves the focus to the value with that id (its formula shows).
      var focus = /(?:^#|&)focus=([0-9]+)/.exec(location.hash || "");
      if (focus && el("n" + focus[1])) { el("n" + focus[1]).focus(); }
      // #press=forward.forward.backward clicks those buttons in turn (for tests of the buttons themselves).
      var press = /(?:^#|&)press=([a-z.]+)/.exec(location.hash || "");
      if (press) {
        press[1].split(".").forEach(function (name) {
          var button = el(name);
          if (button && button.tagName === "BUTTON") { button.click(); }
        });
      }
    })();
    </script>
    </body>
    </html>

    """#
}
