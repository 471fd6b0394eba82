// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "Backprop",
  products: [
    // The library: the engine, neural networks, training.
    .library(name: "Backprop", targets: ["Backprop"]),
    // The command-line tool: `swift run backprop help`.
    .executable(name: "backprop", targets: ["BackpropCLI"]),
    // The documentation checker: `swift run doc-check`.
    .executable(name: "doc-check", targets: ["DocCheck"]),
  ],
  dependencies: [],
  targets: [
    .target(
      name: "Backprop",
      dependencies: ["CThreadPointer", "DigitsFixtures"],
      swiftSettings: [.swiftLanguageMode(.v6)]),
    // The current thread's identity in one instruction, for the check that a
    // tape is used on its own thread (C: Swift cannot read the thread pointer).
    .target(name: "CThreadPointer"),
    // micrograd's demo data, weights and loss curve, as Swift source, for the
    // number-for-number test and `backprop bench mlp`. Not a product.
    .target(
      name: "MicrogradFixtures",
      swiftSettings: [.swiftLanguageMode(.v6)]),
    // The 8×8 handwritten digits (1,797 images), the CSV text compiled in and
    // parsed at first use: the library's `Dataset.digits()`, `backprop bench
    // mlp` and the tests. A regular target the library depends on (so it is
    // built for every package that uses Backprop), not a product.
    .target(
      name: "DigitsFixtures",
      exclude: ["README.md"],
      swiftSettings: [.swiftLanguageMode(.v6)]),
    .executableTarget(
      name: "BackpropCLI",
      dependencies: ["Backprop", "MicrogradFixtures", "DigitsFixtures"],
      swiftSettings: [.swiftLanguageMode(.v6)]),
    // Runs the Swift examples of README.md and Docs/*.md and compares their
    // output with the documents: `swift run doc-check`.
    .executableTarget(
      name: "DocCheck",
      swiftSettings: [.swiftLanguageMode(.v6)]),
    // Makes one programming mistake by name, for the test that the library's
    // stops print their messages in release builds. Not a product.
    .executableTarget(
      name: "Mistakes",
      dependencies: ["Backprop"],
      swiftSettings: [.swiftLanguageMode(.v6)]),
    .testTarget(
      name: "BackpropTests",
      dependencies: ["Backprop", "MicrogradFixtures", "DigitsFixtures"],
      swiftSettings: [.swiftLanguageMode(.v6)]),
  ]
)
