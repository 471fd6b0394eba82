// The training page's HTML and CSS: one self-contained file whose script
// (`TrainingPageScript*.swift`) draws the data of `TrainingPageData`.

/// The training page: a template with the run's title and JSON data put in.
///
/// The script evaluates nothing: it draws the numbers the engine computed.
/// It reads `#step=N` and `#step=N&point=P` from the address (P counts
/// points from 0 in the order of the data) and, when a state is drawn,
/// fills `<p id="status" role="status">` with `data-ready`, `data-step`,
/// `data-frame`, `data-cells`, `data-loss` (the loss as shown),
/// `data-accuracy` and, with a point selected, `data-point`,
/// `data-point-loss` (exact), `data-point-loss-shown` and
/// `data-graph-step` (the step whose graph is drawn).
enum TrainingPageHTML {
  /// The page for `title` with `json` (``TrainingPageData/json(_:)``).
  static func page(title: String, json: String) -> String {
    template
      .replacingOccurrences(of: "@SCRIPT@", with: TrainingPageScript.setup + "\n" + TrainingPageScript.drawing)
      .replacingOccurrences(of: "@TITLE@", with: SVGPlot.escape(title))
      .replacingOccurrences(of: "@DATA@", with: json)
  }

  /// The page with three places to fill: `@SCRIPT@` (``TrainingPageScript``),
  /// `@TITLE@` (escaped HTML) and `@DATA@` (JSON with `<` escaped, so it
  /// cannot end its `<script>` element).
  static let template = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>@TITLE@</title>
    <style>
    :root { color-scheme: light; }
    body { font: 15px/1.45 system-ui, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1a1a1a;
      background: #fff; margin: 0 auto; max-width: 1200px; padding: 8px 16px 32px; }
    h1 { font-size: 1.45rem; margin: 0.3em 0; }
    h2 { font-size: 1.08rem; margin: 0.7em 0 0.3em; }
    p { margin: 0.3em 0; max-width: 75em; }
    .controls { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; padding: 8px 10px;
      background: #f2f2f2; border: 1px solid #767676; border-radius: 6px; position: sticky; top: 0; z-index: 2; }
    button, input { font: inherit; color: #1a1a1a; }
    button { padding: 3px 12px; border: 1px solid #1a1a1a; background: #fff; border-radius: 4px; cursor: pointer; }
    button:hover { background: #e6e6e6; }
    input[type=range] { width: min(360px, 60vw); accent-color: #1f4fb4; }
    input[type=number] { width: 5em; border: 1px solid #1a1a1a; border-radius: 4px; padding: 2px 4px; }
    :focus-visible { outline: 3px solid #1a1a1a; outline-offset: 2px; }
    #status { font-weight: 600; margin: 8px 0; }
    .panels { display: grid; grid-template-columns: minmax(0, 600px) minmax(0, 1fr); gap: 8px 24px; }
    @media (max-width: 1000px) { .panels { grid-template-columns: minmax(0, 1fr); } }
    .plot { position: relative; }
    .plot canvas { position: absolute; image-rendering: pixelated; pointer-events: none; }
    .plot svg { position: relative; display: block; }
    svg text { fill: #1a1a1a; font-size: 12px; }
    #curves, #norms, #graph { max-width: 100%; height: auto; }
    .point { cursor: pointer; stroke: #fff; stroke-width: 1.2px; }
    .point.selected { stroke: #000; stroke-width: 3px; }
    .point:focus { outline: none; }
    .point:focus-visible { stroke: #000; stroke-width: 4px; outline: 2px solid #000; }
    .note { color: #404040; }
    .legend { display: flex; flex-wrap: wrap; gap: 4px 16px; list-style: none; padding: 0; margin: 4px 0; font-size: 14px; }
    .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 5px; border: 1px solid #1a1a1a; vertical-align: -1px; }
    .line-swatch { display: inline-block; width: 22px; height: 0; border-top: 3px solid; margin-right: 5px; vertical-align: 4px; }
    table { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
    th, td { border: 1px solid #8c8c8c; padding: 2px 8px; text-align: right; }
    th { background: #f2f2f2; text-align: left; }
    caption { text-align: left; font-weight: 600; padding: 2px 0; }
    details { margin: 8px 0; }
    summary { cursor: pointer; }
    code { background: #f2f2f2; padding: 0 3px; }
    </style>
    </head>
    <body>
    <header>
    <h1>@TITLE@</h1>
    <div id="description"></div>
    </header>
    <main>
    <div class="controls" role="group" aria-label="Training steps">
    <button type="button" id="play">Play</button>
    <button type="button" id="previous">Previous step</button>
    <button type="button" id="next">Next step</button>
    <label for="step">Step</label>
    <input type="range" id="step" min="0" max="0" value="0" step="1">
    <output id="step-output" for="step"></output>
    </div>
    <p id="status" role="status">Drawing…</p>
    <div class="panels">
    <section aria-labelledby="boundary-heading">
    <h2 id="boundary-heading">Decision boundary</h2>
    <p class="note" id="boundary-note"></p>
    <div class="plot" id="plot">
    <canvas id="grid" width="1" height="1" aria-hidden="true"></canvas>
    <svg id="boundary" role="group" aria-labelledby="boundary-heading" width="10" height="10"></svg>
    </div>
    <ul class="legend" id="boundary-legend"></ul>
    <p id="point-picker">
    <label for="point-number">Point number</label>
    <input type="number" id="point-number" min="0" value="0">
    <button type="button" id="show-point">Show its loss graph</button>
    </p>
    </section>
    <section aria-labelledby="curves-heading">
    <h2 id="curves-heading">Loss and accuracy</h2>
    <svg id="curves" role="img" aria-label="The loss and the accuracy at every step, with a marker at the current step" width="10" height="10"></svg>
    <ul class="legend" id="curves-legend"></ul>
    <h2 id="norms-heading">Gradient norm per layer</h2>
    <svg id="norms" role="img" aria-label="The norm of each layer's gradient at every step, with a marker at the current step" width="10" height="10"></svg>
    <table id="norms-table"></table>
    </section>
    </div>
    <section aria-labelledby="graph-heading">
    <h2 id="graph-heading">The selected point's loss graph</h2>
    <p class="note" id="graph-note">Select a point: click it, or move to it with Tab and press Enter or Space, or type its number above.</p>
    <svg id="graph" role="img" aria-label="No point selected" width="10" height="10"></svg>
    <details id="graph-details">
    <summary>The graph's numbers as a table</summary>
    <table id="graph-table"></table>
    </details>
    </section>
    <section aria-labelledby="help-heading">
    <h2 id="help-heading">About this page</h2>
    <p>Every number on this page was computed by Backprop's engine in Swift while (and after) the run trained and is stored in the page; the page's script only draws them. It needs no network and works opened from a file.</p>
    <p id="frames-note"></p>
    <p>Open a state directly with the address's fragment: <code>#step=50</code> shows step 50, <code>#step=50&amp;point=7</code> also shows point 7's loss graph (points are numbered from 0, in the order of the data).</p>
    </section>
    </main>
    <script type="application/json" id="run-data">@DATA@</script>
    <script>
    @SCRIPT@
    </script>
    </body>
    </html>

    """#
}
