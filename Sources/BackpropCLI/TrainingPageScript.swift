// The training page's script, first half: reading the data, the helpers
// (SVG elements, number formats, axes), the page's notes and the controls.

/// The training page's script, in two parts put one after the other into
/// its `<script>` element: it draws the embedded data and computes nothing.
enum TrainingPageScript {
  /// The script's start: it opens the function that ``drawing`` closes.
  static let setup = #"""
    (function () {
    "use strict";
    var D = JSON.parse(document.getElementById("run-data").textContent);
    var F = D.steps.length;
    function byId(id) { return document.getElementById(id); }
    var NS = byId("curves").namespaceURI;
    var state = { frame: F - 1, point: null, timer: null };
    var palette = ["#1f4fb4", "#b52020", "#1b7a36", "#7b3fa8", "#a34700", "#00727d", "#6d4c41", "#b0124f",
      "#3d5a80", "#7a6a00", "#5b2c83", "#2f6b2f", "#8c2d04", "#005f73", "#6a040f", "#33415c"];
    var levels = [0.16, 0.26, 0.36, 0.46];

    function svg(tag, attrs, parent) {
      var e = document.createElementNS(NS, tag);
      for (var k in attrs) { e.setAttribute(k, attrs[k]); }
      if (parent) { parent.appendChild(e); }
      return e;
    }
    function text(parent, x, y, s, attrs) {
      var t = svg("text", attrs || {}, parent);
      t.setAttribute("x", x); t.setAttribute("y", y); t.textContent = s;
      return t;
    }
    function clear(e) { while (e.firstChild) { e.removeChild(e.firstChild); } }
    function rgb(hex) { var n = parseInt(hex.slice(1), 16); return [n >> 16, (n >> 8) & 255, n & 255]; }
    function tint(hex, t) {
      var c = rgb(hex);
      return c.map(function (v) { return Math.round(255 - (255 - v) * t); });
    }
    function css(c) { return "rgb(" + c[0] + "," + c[1] + "," + c[2] + ")"; }
    function minus(s) { return s.replace(/-/g, "\u2212"); }
    function num(x) {
      if (x === null || x === undefined) { return "n/a"; }
      if (x === 0) { return "0"; }
      var a = Math.abs(x);
      return minus(a < 1e-3 || a >= 1e5 ? x.toExponential(2) : String(Number(x.toPrecision(3))));
    }
    function num6(x) { return minus(String(Number(x.toPrecision(6)))); }
    function percent(x) { return (100 * x).toFixed(1) + "%"; }
    function stepLabel(f) { return D.stepName + " " + D.steps[f] + " of " + D.totalSteps; }
    function niceStep(range, count) {
      var raw = range / count, p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
      return (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
    }
    function ticks(lo, hi, count) {
      if (!(hi > lo)) { return [lo]; }
      var s = niceStep(hi - lo, count), out = [];
      for (var v = Math.ceil(lo / s - 1e-9) * s; v <= hi + 1e-9 * s; v += s) { out.push(Math.abs(v) < 1e-12 ? 0 : v); }
      return out;
    }
    function tickLabel(v, s) {
      var digits = Math.max(0, -Math.floor(Math.log10(s) + 1e-9));
      return minus(v.toFixed(digits));
    }
    function axes(g, box, xs, ys, xLabel, yLabel) {
      svg("rect", { x: box.l, y: box.t, width: box.w, height: box.h, fill: "none", stroke: "#1a1a1a" }, g);
      var xt = ticks(xs.lo, xs.hi, 6), yt = ticks(ys.lo, ys.hi, 5);
      var xstep = xt.length > 1 ? xt[1] - xt[0] : 1, ystep = yt.length > 1 ? yt[1] - yt[0] : 1;
      xt.forEach(function (v) {
        var x = xs.px(v);
        svg("line", { x1: x, x2: x, y1: box.t + box.h, y2: box.t + box.h + 5, stroke: "#1a1a1a" }, g);
        text(g, x, box.t + box.h + 18, tickLabel(v, xstep), { "text-anchor": "middle" });
      });
      yt.forEach(function (v) {
        var y = ys.px(v);
        svg("line", { x1: box.l - 5, x2: box.l, y1: y, y2: y, stroke: "#1a1a1a" }, g);
        text(g, box.l - 8, y + 4, tickLabel(v, ystep), { "text-anchor": "end" });
      });
      text(g, box.l + box.w / 2, box.t + box.h + 34, xLabel, { "text-anchor": "middle" });
      var yl = text(g, 0, 0, yLabel, { "text-anchor": "middle" });
      yl.setAttribute("transform", "translate(" + (box.l - 40) + "," + (box.t + box.h / 2) + ") rotate(-90)");
    }
    function scale(lo, hi, a, b) {
      var span = hi > lo ? hi - lo : 1;
      return { lo: lo, hi: hi, px: function (v) { return a + (v - lo) / span * (b - a); } };
    }
    function legendItem(list, colour, label, line) {
      var li = document.createElement("li"), s = document.createElement("span");
      s.className = line ? "line-swatch" : "swatch";
      if (line) { s.style.borderTopColor = colour; } else { s.style.background = colour; }
      li.appendChild(s); li.appendChild(document.createTextNode(label)); list.appendChild(li);
    }

    D.description.forEach(function (line) {
      var p = document.createElement("p"); p.textContent = line; byId("description").appendChild(p);
    });
    var framesNote = "The page has " + F + " " + D.stepName + "s. " + D.stepName.charAt(0).toUpperCase() +
      D.stepName.slice(1) + " k shows the model as " + D.stepName + " k of training saw it, before that " + D.stepName +
      "'s update (" + D.stepName + " 1: the initial weights): its loss, accuracy and gradient norms are the ones the command printed for " +
      D.stepName + " k, and each point's graph holds the gradients of that point's own loss there.";
    if (D.steps.length > 1 && D.steps[1] - D.steps[0] > 1) {
      framesNote += " The run had " + D.totalSteps + " " + D.stepName + "s; the page keeps one in " + (D.steps[1] - D.steps[0]) + " and the last.";
    }
    if (D.graph && D.graph.every > 1) {
      framesNote += " Point graphs are stored every " + D.graph.every + " frames (to keep the page small); between them the page shows the latest stored one and says which.";
    }
    byId("frames-note").textContent = framesNote;

    // Controls, named after what a frame is (a step of the demo, an epoch of train).
    var Step = D.stepName.charAt(0).toUpperCase() + D.stepName.slice(1);
    document.querySelector("label[for=step]").textContent = Step;
    byId("previous").textContent = "Previous " + D.stepName;
    byId("next").textContent = "Next " + D.stepName;
    var slider = byId("step");
    slider.max = String(F - 1);
    function setFrame(f, fromUser) {
      state.frame = Math.max(0, Math.min(F - 1, f));
      render();
      if (fromUser) { writeHash(); }
    }
    slider.addEventListener("input", function () { stop(); setFrame(parseInt(slider.value, 10), true); });
    byId("previous").addEventListener("click", function () { stop(); setFrame(state.frame - 1, true); });
    byId("next").addEventListener("click", function () { stop(); setFrame(state.frame + 1, true); });
    function stop() {
      if (state.timer !== null) { clearInterval(state.timer); state.timer = null; }
      byId("play").textContent = "Play";
      byId("status").removeAttribute("aria-busy");
    }
    byId("play").addEventListener("click", function () {
      if (state.timer !== null) { stop(); render(); writeHash(); return; }
      if (state.frame >= F - 1) { state.frame = 0; }
      byId("play").textContent = "Pause";
      byId("status").setAttribute("aria-busy", "true");
      render();
      state.timer = setInterval(function () {
        if (state.frame >= F - 1) { stop(); render(); writeHash(); return; }
        state.frame += 1; render();
      }, 120);
    });

    """#
}
