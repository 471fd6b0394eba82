// The training page's script, second half: the decision boundary, the
// curves with their marker, the point graph, the address's fragment, and the
// rendering of one state with its status element.

extension TrainingPageScript {
  /// The script's end: the drawing, the fragment and ``render()``.
  static let drawing = #"""
    // The decision boundary: the grid on a canvas under an SVG with the axes and the points.
    var B = D.boundary, P = D.points;
    var box = null, bx = null, by = null, cells = 0;
    if (!B) {
      byId("boundary-note").textContent = D.boundaryNote || "";
      byId("plot").hidden = true;
      byId("point-picker").hidden = true;
      byId("graph-note").textContent = D.boundaryNote || "";
      byId("graph").style.display = "none";
      byId("graph-details").hidden = true;
    } else {
      var plotW = 480, plotH = Math.round(Math.max(240, Math.min(560, plotW * (B.y1 - B.y0) / (B.x1 - B.x0))));
      box = { l: 56, t: 8, w: plotW, h: plotH };
      var bsvg = byId("boundary");
      bsvg.setAttribute("width", box.l + plotW + 12); bsvg.setAttribute("height", box.t + plotH + 46);
      var canvas = byId("grid");
      canvas.width = B.nx; canvas.height = B.ny;
      canvas.style.left = box.l + "px"; canvas.style.top = box.t + "px";
      canvas.style.width = plotW + "px"; canvas.style.height = plotH + "px";
      bx = scale(B.x0, B.x1, box.l, box.l + plotW);
      by = scale(B.y0, B.y1, box.t + plotH, box.t);
      var edges = svg("path", { fill: "none", stroke: "#1a1a1a", "stroke-width": 1.5, "aria-hidden": "true" }, bsvg);
      var axisGroup = svg("g", { "aria-hidden": "true" }, bsvg);
      axes(axisGroup, box, bx, { lo: B.y0, hi: B.y1, px: by.px }, "x\u2081 (first feature)", "x\u2082 (second feature)");
      var regionColours = B.classes.map(function (_, c) {
        return levels.map(function (t) { return tint(palette[c % palette.length], t); });
      });
      B.classes.forEach(function (name, c) {
        legendItem(byId("boundary-legend"), palette[c % palette.length], name);
      });
      legendItem(byId("boundary-legend"), "#1a1a1a", "decision boundary", true);
      var shading = document.createElement("li");
      shading.textContent = "shaded: the class the model predicts there (darker: more confident)";
      byId("boundary-legend").appendChild(shading);
      var pointGroup = svg("g", {}, bsvg);
      var circles = [];
      for (var k = 0; k < P.count; k++) {
        var c = svg("circle", {
          cx: bx.px(P.x[k]).toFixed(1), cy: by.px(P.y[k]).toFixed(1), r: 5, fill: palette[P.classIndex[k] % palette.length],
          "class": "point", tabindex: "0", role: "button", "aria-pressed": "false",
          "aria-label": "point " + k + ": x\u2081 " + num(P.x[k]) + ", x\u2082 " + num(P.y[k]) + ", " + B.classes[P.classIndex[k]]
        }, pointGroup);
        (function (index) {
          c.addEventListener("click", function () { selectPoint(index, true); });
          c.addEventListener("keydown", function (e) {
            if (e.key === "Enter" || e.key === " " || e.key === "Spacebar") { e.preventDefault(); selectPoint(index, true); }
          });
        })(k);
        circles.push(c);
      }
      if (P.count < P.of) {
        byId("boundary-note").textContent = "The page shows the first " + P.count + " of the data's " + P.of + " rows.";
      }
      var pointNumber = byId("point-number");
      pointNumber.max = String(P.count - 1);
      byId("show-point").addEventListener("click", function () {
        var p = parseInt(pointNumber.value, 10);
        if (p >= 0 && p < P.count) { selectPoint(p, true); }
      });
      pointNumber.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); byId("show-point").click(); }
      });
      if (!D.graph) {
        byId("graph-note").textContent = D.graphNote || "";
        byId("graph").style.display = "none";
        byId("graph-details").hidden = true;
      }
    }
    function drawGrid(f) {
      var ctx = byId("grid").getContext("2d"), image = ctx.createImageData(B.nx, B.ny), row = B.cells[f], n = 0;
      var classOf = [];
      for (var j = 0; j < B.ny; j++) {
        classOf.push([]);
        for (var i = 0; i < B.nx; i++) {
          var v = B.alphabet.indexOf(row.charAt(j * B.nx + i)), colour = regionColours[v >> 2][v & 3];
          var o = ((B.ny - 1 - j) * B.nx + i) * 4;
          image.data[o] = colour[0]; image.data[o + 1] = colour[1]; image.data[o + 2] = colour[2]; image.data[o + 3] = 255;
          classOf[j].push(v >> 2); n += 1;
        }
      }
      ctx.putImageData(image, 0, 0);
      var d = "", cw = box.w / B.nx, ch = box.h / B.ny;
      for (j = 0; j < B.ny; j++) {
        for (i = 0; i < B.nx; i++) {
          var x = box.l + i * cw, y = box.t + box.h - j * ch;
          if (i + 1 < B.nx && classOf[j][i] !== classOf[j][i + 1]) { d += "M" + (x + cw).toFixed(1) + " " + y.toFixed(1) + "V" + (y - ch).toFixed(1); }
          if (j + 1 < B.ny && classOf[j][i] !== classOf[j + 1][i]) { d += "M" + x.toFixed(1) + " " + (y - ch).toFixed(1) + "H" + (x + cw).toFixed(1); }
        }
      }
      edges.setAttribute("d", d);
      return n;
    }

    // Loss and accuracy, and the gradient norms: curves over the steps with a marker.
    var first = D.steps[0], last = D.steps[F - 1];
    function chart(id, height, series, yLabel, rightAxis) {
      var s = byId(id), b = { l: 64, t: 10, w: 470, h: height };
      var cw = b.l + b.w + (rightAxis ? 64 : 16), chh = b.t + b.h + 46;
      s.setAttribute("width", cw); s.setAttribute("height", chh); s.setAttribute("viewBox", "0 0 " + cw + " " + chh);
      var top = 0;
      series.forEach(function (line) { if (!line.right) { line.values.forEach(function (v) { if (v > top) { top = v; } }); } });
      top = top > 0 ? top * 1.05 : 1;
      var xs = scale(first, last, b.l, b.l + b.w), ys = scale(0, top, b.t + b.h, b.t), ya = scale(0, 1.05, b.t + b.h, b.t);
      axes(s, b, xs, ys, D.stepName, yLabel);
      if (rightAxis) {
        [0, 0.2, 0.4, 0.6, 0.8, 1].forEach(function (v) {
          var y = ya.px(v);
          svg("line", { x1: b.l + b.w, x2: b.l + b.w + 5, y1: y, y2: y, stroke: "#1a1a1a" }, s);
          text(s, b.l + b.w + 8, y + 4, Math.round(v * 100) + "%");
        });
        var rl = text(s, 0, 0, rightAxis, { "text-anchor": "middle" });
        rl.setAttribute("transform", "translate(" + (b.l + b.w + 50) + "," + (b.t + b.h / 2) + ") rotate(90)");
      }
      var marks = [];
      series.forEach(function (line) {
        var y = line.right ? ya : ys;
        var pts = line.values.map(function (v, f) { return xs.px(D.steps[f]).toFixed(1) + "," + y.px(v).toFixed(1); });
        svg("polyline", { points: pts.join(" "), fill: "none", stroke: line.colour, "stroke-width": 2, "stroke-dasharray": line.dash || "none" }, s);
        marks.push({ dot: svg("circle", { r: 4.5, fill: line.colour, stroke: "#fff", "stroke-width": 1 }, s), y: y, values: line.values });
      });
      var marker = svg("line", { y1: b.t, y2: b.t + b.h, stroke: "#404040", "stroke-width": 1.5, "stroke-dasharray": "4 3" }, s);
      return function (f) {
        var x = xs.px(D.steps[f]);
        marker.setAttribute("x1", x); marker.setAttribute("x2", x);
        marks.forEach(function (m) { m.dot.setAttribute("cx", x); m.dot.setAttribute("cy", m.y.px(m.values[f])); });
      };
    }
    var lossSeries = [{ values: D.loss, colour: "#1a1a1a" }];
    legendItem(byId("curves-legend"), "#1a1a1a", "loss (left axis)", true);
    if (D.accuracy) {
      lossSeries.push({ values: D.accuracy, colour: "#a34700", dash: "6 3", right: true });
      legendItem(byId("curves-legend"), "#a34700", "accuracy (right axis)", true);
    }
    var markCurves = chart("curves", 230, lossSeries, D.lossLabel, D.accuracy ? "accuracy (%)" : null);
    var normColours = ["#1f4fb4", "#a34700", "#1b7a36", "#7b3fa8", "#b0124f", "#00727d", "#6d4c41", "#1a1a1a"];
    var normSeries = D.layerNames.map(function (name, l) {
      return { values: D.layerNorms.map(function (r) { return r[l]; }), colour: normColours[l % normColours.length], name: name };
    });
    var markNorms = chart("norms", 170, normSeries, "\u2016\u2202loss/\u2202parameters\u2016");
    function drawNormsTable(f) {
      var t = byId("norms-table");
      clear(t);
      var cap = document.createElement("caption"); cap.textContent = "Gradient norms at " + stepLabel(f); t.appendChild(cap);
      var head = t.insertRow(); ["layer", "norm of its gradient"].forEach(function (h) {
        var th = document.createElement("th"); th.scope = "col"; th.textContent = h; head.appendChild(th);
      });
      normSeries.forEach(function (line) {
        var r = t.insertRow(), th = document.createElement("th");
        th.scope = "row";
        var sw = document.createElement("span"); sw.className = "line-swatch"; sw.style.borderTopColor = line.colour;
        th.appendChild(sw); th.appendChild(document.createTextNode(line.name)); r.appendChild(th);
        r.insertCell().textContent = num(line.values[f]);
      });
    }

    // The selected point's loss graph, collapsed per neuron.
    function graphIndex(f) {
      var G = D.graph, best = 0;
      for (var i = 0; i < G.frames.length; i++) { if (G.frames[i] <= f) { best = i; } }
      return best;
    }
    function nodeNames() {
      var names = [];
      D.graph.columns.forEach(function (col, c) {
        for (var r = 0; r < col.size; r++) {
          if (c === 0) { names.push({ col: c, row: r, short: "x" + (r + 1), long: col.name + ": x" + (r + 1) }); }
          else if (c === D.graph.columns.length - 1) { names.push({ col: c, row: r, short: "loss", long: "the point's loss" }); }
          else { names.push({ col: c, row: r, short: "n" + (r + 1), long: col.name + ", neuron " + (r + 1) }); }
        }
      });
      return names;
    }
    function drawGraph(f, p) {
      var G = D.graph, gi = graphIndex(f), values = G.values[gi][p], n = values.length / 2;
      var data = values.slice(0, n), grad = values.slice(n), names = nodeNames();
      var s = byId("graph");
      clear(s);
      var cols = G.columns, tallest = Math.max.apply(null, cols.map(function (c) { return c.size; }));
      var bw = 112, bh = 30, gap = 5, W = 1150, H = 40 + tallest * (bh + gap);
      s.setAttribute("width", W); s.setAttribute("height", H); s.setAttribute("viewBox", "0 0 " + W + " " + H);
      var colX = cols.map(function (_, c) { return 10 + c * (W - 20 - bw) / Math.max(1, cols.length - 1); });
      var pos = [], k = 0;
      cols.forEach(function (col, c) {
        var anchor = c === 0 ? "start" : c === cols.length - 1 ? "end" : "middle";
        var hx = c === 0 ? colX[c] : c === cols.length - 1 ? colX[c] + bw : colX[c] + bw / 2;
        text(s, hx, 16, col.name, { "text-anchor": anchor, "font-weight": "600" });
        for (var r = 0; r < col.size; r++) {
          pos.push({ x: colX[c], y: 28 + (tallest - col.size) * (bh + gap) / 2 + r * (bh + gap), col: c });
          k += 1;
        }
      });
      var edgeGroup = svg("g", { stroke: "#8c8c8c", "stroke-width": 0.6, "stroke-opacity": 0.5 }, s);
      for (var a = 0; a < pos.length; a++) {
        for (var b = 0; b < pos.length; b++) {
          if (pos[b].col === pos[a].col + 1) {
            svg("line", { x1: pos[a].x + bw, y1: pos[a].y + bh / 2, x2: pos[b].x, y2: pos[b].y + bh / 2 }, edgeGroup);
          }
        }
      }
      var biggest = 0;
      for (var i = 0; i < n - 1; i++) { biggest = Math.max(biggest, Math.abs(grad[i])); }
      for (i = 0; i < n; i++) {
        var g = grad[i], t = biggest > 0 ? Math.min(1, Math.abs(g) / biggest) * 0.5 : 0;
        var fill = g > 0 ? css(tint("#b52020", t)) : g < 0 ? css(tint("#1f4fb4", t)) : "#fff";
        var node = svg("g", {}, s);
        svg("rect", { x: pos[i].x, y: pos[i].y, width: bw, height: bh, rx: 4, fill: fill, stroke: "#1a1a1a" }, node);
        var value = i === n - 1 ? num6(G.pointLoss[gi][p]) : num(data[i]);
        text(node, pos[i].x + 6, pos[i].y + 12, names[i].short + "  data " + value, { "font-size": "11px" });
        text(node, pos[i].x + 6, pos[i].y + 25, "grad " + num(g), { "font-size": "11px" });
      }
      s.setAttribute("aria-label", "Point " + p + "'s loss graph at " + D.stepName + " " + D.steps[G.frames[gi]] +
        ": loss " + num6(G.pointLoss[gi][p]) + "; the table below lists every node");
      var table = byId("graph-table");
      clear(table);
      var cap = document.createElement("caption");
      cap.textContent = "Point " + p + " at " + D.stepName + " " + D.steps[G.frames[gi]] + ": data and grad of every node";
      table.appendChild(cap);
      var head = table.insertRow();
      ["node", "data", "grad (\u2202 point loss / \u2202 node)"].forEach(function (h) {
        var th = document.createElement("th"); th.scope = "col"; th.textContent = h; head.appendChild(th);
      });
      for (i = 0; i < n; i++) {
        var row = table.insertRow(), th = document.createElement("th");
        th.scope = "row"; th.textContent = names[i].long; row.appendChild(th);
        row.insertCell().textContent = i === n - 1 ? num6(G.pointLoss[gi][p]) : num(data[i]);
        row.insertCell().textContent = num(grad[i]);
      }
      var note = "Point " + p + " (" + B.classes[P.classIndex[p]] + ") at " + D.stepName + " " + D.steps[G.frames[gi]];
      if (G.frames[gi] !== f) { note += " (the latest stored graph; graphs are stored every " + G.every + " frames)"; }
      note += ". Each box is a neuron, collapsed: its data is the neuron's output for this point, " +
        "its grad the derivative of this point's own loss with respect to it " +
        "(red: positive, blue: negative, stronger: larger). The lines stand for the weights between layers. " +
        "The loss box holds the point's own loss term; the step's loss is the mean over all points " +
        "plus the L2 penalty.";
      byId("graph-note").textContent = note;
      return { loss: G.pointLoss[gi][p], frame: G.frames[gi] };
    }
    function selectPoint(p, fromUser) {
      if (!D.graph && !B) { return; }
      state.point = p;
      byId("point-number").value = String(p);
      render();
      if (fromUser) { writeHash(); }
    }

    // The address's fragment: #step=N and #step=N&point=P.
    function frameForStep(s) {
      var best = 0;
      for (var f = 0; f < F; f++) { if (Math.abs(D.steps[f] - s) < Math.abs(D.steps[best] - s)) { best = f; } }
      return best;
    }
    function readHash() {
      var params = {};
      location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
        var i = kv.indexOf("=");
        if (i > 0) { params[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1)); }
      });
      var s = parseInt(params.step, 10);
      if (!isNaN(s)) { state.frame = frameForStep(s); }
      var p = parseInt(params.point, 10);
      if (!isNaN(p) && P && p >= 0 && p < P.count) { state.point = p; byId("point-number").value = String(p); }
    }
    function writeHash() {
      var h = "#step=" + D.steps[state.frame] + (state.point !== null ? "&point=" + state.point : "");
      try { history.replaceState(null, "", h); } catch (e) { /* some file:// setups refuse it */ }
    }
    window.addEventListener("hashchange", function () { stop(); readHash(); render(); });

    function render() {
      var f = state.frame;
      slider.value = String(f);
      slider.setAttribute("aria-valuetext", stepLabel(f));
      var accuracy = D.accuracy ? ", accuracy " + percent(D.accuracy[f]) : "";
      byId("step-output").textContent = stepLabel(f) + ": loss " + D.lossText[f] + accuracy +
        ", learning rate " + num(D.learningRate[f]);
      cells = B ? drawGrid(f) : 0;
      markCurves(f); markNorms(f); drawNormsTable(f);
      var chosen = null;
      if (B && state.point !== null) {
        circles.forEach(function (c, k) {
          c.setAttribute("aria-pressed", k === state.point ? "true" : "false");
          c.setAttribute("class", k === state.point ? "point selected" : "point");
          c.setAttribute("r", k === state.point ? 7 : 5);
        });
        if (D.graph) { chosen = drawGraph(f, state.point); }
      }
      var st = byId("status");
      st.dataset.step = String(D.steps[f]);
      st.dataset.frame = String(f);
      st.dataset.cells = String(cells);
      st.dataset.loss = D.lossText[f];
      if (D.accuracy) { st.dataset.accuracy = String(D.accuracy[f]); }
      var message = "Showing " + stepLabel(f) + ": loss " + D.lossText[f] + accuracy + ".";
      if (chosen) {
        st.dataset.point = String(state.point);
        st.dataset.pointLoss = String(chosen.loss);
        st.dataset.pointLossShown = num6(chosen.loss);
        st.dataset.graphStep = String(D.steps[chosen.frame]);
        message += " Point " + state.point + "'s loss at " + D.stepName + " " + D.steps[chosen.frame] + ": " + num6(chosen.loss) + ".";
      } else {
        delete st.dataset.point; delete st.dataset.pointLoss; delete st.dataset.pointLossShown; delete st.dataset.graphStep;
      }
      st.textContent = message;
      st.dataset.ready = "true";
    }

    readHash();
    render();
    })();
    """#
}
