import Backprop

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.starts(with: ["bench", "phases"]) {
  EngineBenchmark.chainPhases()
} else if arguments.starts(with: ["bench", "engine"]) {
  EngineBenchmark.run()
} else {
  print("usage: backprop bench engine")
}
