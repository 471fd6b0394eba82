// The `backprop` command-line tool's entry point: it dispatches to a command
// and turns usage errors into a message on stderr and a non-zero exit code.

// Each command lives in its own file; this file does nothing else.

import Backprop
import Foundation

let usage = """
  usage: backprop <command> [options]

  commands:
    demo [--output-dir DIR] [--html]
                    train micrograd's two-moons demo (MLP 2-16-16-1, 100 steps)
                    with a live progress line; writes demo-boundary.svg and
                    demo-curves.svg into DIR (default: demo-output, created
                    if missing; a folder that cannot be used exits with 1
                    before training); --html also writes DIR/demo.html, a
                    page to watch the training step by step (open it in a
                    browser; #step=50&point=7 opens a state)
    train --data FILE.csv --target COLUMN [options]
                    train an MLP (with --image, a conv net) on a CSV file;
                    COLUMN is a header name, a position counted from 1, or
                    last. Options:
                      --layers 16,16         hidden layer widths
                      --image 1x8x8          rows are images, channels x height x
                                             width, pixels in CHW order; --layers
                                             then starts with convNxK (N channels,
                                             K×K kernels; sS stride, pP padding:
                                             conv8x3s2p1), poolK (max), avgpoolK:
                                             conv6x3,pool2,conv16x3,pool2,120,84
                      --activation relu      linear step sigmoid tanh relu
                                             leakyReLU elu softplus gelu swish
                      --task auto            classify or regress: what the target
                                             is (auto: classes when it holds names,
                                             or few whole numbers from 0 or 1)
                      --loss LOSS            mse half-mse sse bce bce-logits
                                             cross-entropy hinge (default: from
                                             the target column)
                      --optimizer adam       sgd momentum nesterov adagrad adam adamw
                      --learning-rate LR     (default: 0.1 for sgd, 0.01 for adam)
                      --epochs 100  --batch-size B (default: all rows)
                      --l2 0  --seed 0  --test-fraction 0  --standardize yes
                      --shards 8             pieces of each batch's gradient; the
                                             result depends on it, never on --threads
                      --threads 1            threads computing the pieces
                      --save model.json      (atomic; --checkpoint-every N saves
                                             every N epochs, and Ctrl-C saves the
                                             last completed epoch and exits 130)
                      --force                let --save replace a read-only file
                      --resume model.json    continue an interrupted run with its
                                             own settings, to the same result
                      --html FILE.html       also write a page to watch the run
                                             epoch by epoch (the decision
                                             boundary needs 2 features)
                    options may also be written --name=value
    predict --model model.json --data FILE.csv [--target COLUMN]
                    one prediction per row on stdout; with a target column,
                    the accuracy or mean squared error on stderr
    explain EXPRESSION [--at a=2,b=-3] [--format text] [--output FILE]
                    the forward table, the chain-rule ledger and the gradients
                    (checked by central differences) of an expression such as
                    "(a * b + b^3).relu()"; the program may also come from
                    --file FILE or stdin (-), with let lines (let a = -4.0).
                    --format text markdown json dot mermaid svg html;
                    --digits 6. Exit 2 for a mistake on the command line (the
                    expression argument included, with a caret under it),
                    1 for a file or stdin that does not parse
    worked-example [--html FILE]
                    back-propagate through the worked example of the lecture
                    notes (seed 000, §5.1) and print every derivative; with
                    --html, write a self-contained page that steps through
                    the forward and backward sweeps instead
    bench engine    time the engine against hand-written derivatives
                    (build with -c release: swift run -c release backprop bench engine)
    bench mlp       time micrograd's demo workload, engine vs hand-written
    bench scale     the chain at 10^3 … 10^7 nodes: cost per node in steady state
    bench phases    the 10^6-node chain's forward and backward timed apart
    bench digits [--epochs 15]
                    the digits: an MLP, and seed 004's Net at 32×32 (epochs),
                    engine vs hand-written
    bench csv [--rows 1000000]
                    load a generated CSV file: time, peak memory over file size
    help            print this message
  """

func runCommand(_ arguments: [String]) throws {
  guard let command = arguments.first else {
    print(usage)
    return
  }
  let rest = Array(arguments.dropFirst())
  switch command {
  case "help", "--help", "-h":
    print(usage)
  case "demo":
    let options = try Options(rest, command: "demo", allowed: ["--output-dir"], flags: ["--html"])
    try Demo.run(
      outputDirectory: options["--output-dir"] ?? Demo.defaultOutputDirectory, html: options.isSet("--html"))
  case "train":
    try TrainCommand.run(rest)
  case "predict":
    try PredictCommand.run(rest)
  case "explain":
    try ExplainCommand.run(rest)
  case "worked-example":
    let options = try parseOptions(rest, allowed: ["--html"], command: "worked-example")
    if let path = options["--html"] {
      try WorkedExampleDemo.writePage(to: path)
    } else {
      WorkedExampleDemo.run()
    }
  case "doc-pictures":  // not in the usage: regenerates Docs/images (Scripts/doc-pictures.sh)
    try DocPictures.run(rest)
  case "bench":
    guard let what = rest.first else {
      throw UsageError(description: "bench needs a workload: bench engine")
    }
    switch what {
    case "engine":
      let runs = try integerOption("--runs", in: Array(rest.dropFirst()), default: 7)
      guard runs >= 5 else { throw UsageError(description: "--runs must be at least 5") }
      EngineBenchmark.run(runs: runs)
    case "mlp":
      let runs = try integerOption("--runs", in: Array(rest.dropFirst()), default: 7)
      guard runs >= 5 else { throw UsageError(description: "--runs must be at least 5") }
      try MLPBenchmark.run(runs: runs)
    case "scale":
      let runs = try integerOption("--runs", in: Array(rest.dropFirst()), default: 5)
      guard runs >= 5 else { throw UsageError(description: "--runs must be at least 5") }
      EngineBenchmark.scale(runs: runs)
    case "phases":
      EngineBenchmark.chainPhases()
    case "digits", "conv":
      let epochs = try integerOption("--epochs", in: Array(rest.dropFirst()), default: 15)
      guard epochs >= 1 else { throw UsageError(description: "--epochs must be at least 1") }
      try DigitsBenchmark.run(epochs: epochs)
    case "csv": try CSVBenchmark.run(rows: try integerOption("--rows", in: Array(rest.dropFirst()), default: 1_000_000))
    default:
      throw UsageError(description: "unknown benchmark '\(what)'; available: engine, mlp, scale, phases, digits, csv")
    }
  default:
    throw UsageError(description: "unknown command '\(command)'", showsUsage: true)
  }
}

do {
  try runCommand(Array(CommandLine.arguments.dropFirst()))
} catch let error as UsageError {
  writeError("backprop: \(error)" + (error.showsUsage ? "\n\n\(usage)" : ""))
  exit(2)
} catch {
  writeError("backprop: \(describe(error))")
  exit(1)
}
