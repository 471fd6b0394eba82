// doc-check: runs the Swift examples of Markdown files and compares what
// they print with the output the files show.

// A guide is a transcript: a ```swift block, then a ```text block with the
// exact output of that block (no text block: it must print nothing). The
// swift blocks of one file run in order as ONE program, so later blocks see
// what earlier ones defined, as in a REPL. A block fenced ```swift no-check
// is shown but not run (and must not be followed by a text block).
//
//     swift run doc-check                 # README.md and Docs/*.md
//     swift run doc-check FILE.md …       # those files
//     swift run doc-check --expect-failure FILE.md   # exit 0 only if FILE.md is wrong
//     swift run doc-check --work-dir DIR FILE.md      # build in DIR (default .build/doc-check)
//
// It writes a package under .build/doc-check that depends on this one,
// builds it with the toolchain's `swift build`, runs each program, and
// prints every difference as file:line with the expected and actual text.
// Exit 0 when every output matches, 1 when one differs or a program does
// not build or run, 2 for a usage mistake.

import Foundation

struct Step {
  var code: String
  var codeLine: Int
  var expected: String?
  var expectedLine: Int
}

struct Document {
  var path: String
  var name: String
  var steps: [Step]
}

/// The fenced blocks of a Markdown file, in order: (info string, body, line of the fence).
func fencedBlocks(_ text: String) -> [(info: String, body: String, line: Int)] {
  var blocks: [(String, String, Int)] = []
  let lines = text.components(separatedBy: "\n")
  var i = 0
  while i < lines.count {
    let trimmed = lines[i].trimmingCharacters(in: .whitespaces)
    if trimmed.hasPrefix("```") {
      let fence = String(trimmed.prefix { $0 == "`" })
      let info = String(trimmed.dropFirst(fence.count)).trimmingCharacters(in: .whitespaces)
      let start = i
      var body: [String] = []
      i += 1
      while i < lines.count, !lines[i].trimmingCharacters(in: .whitespaces).hasPrefix(fence) {
        body.append(lines[i])
        i += 1
      }
      blocks.append((info, body.joined(separator: "\n"), start + 1))
    }
    i += 1
  }
  return blocks
}

func parse(_ path: String) throws -> Document {
  let text = try String(contentsOfFile: path, encoding: .utf8)
  var steps: [Step] = []
  for block in fencedBlocks(text) {
    let words = block.info.split(separator: " ").map(String.init)
    let language = words.first ?? ""
    if language == "swift" {
      if words.contains("no-check") { continue }
      steps.append(Step(code: block.body, codeLine: block.line, expected: nil, expectedLine: 0))
    } else if language == "text" || language == "output" {
      guard let last = steps.indices.last, steps[last].expected == nil else {
        throw Failure("\(path):\(block.line): an output block with no swift block before it")
      }
      steps[last].expected = block.body
      steps[last].expectedLine = block.line
    }
  }
  let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
  let name = "Doc_" + base.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
  return Document(path: path, name: name, steps: steps)
}

struct Failure: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}

let marker = "@@doc-check-step@@"

/// The program for one document: its blocks in order, each followed by a
/// marker line so the output can be split per block.
func program(_ doc: Document) -> String {
  var source = "import Backprop\nimport Foundation\n\n"
  for (k, step) in doc.steps.enumerated() {
    source += "// \(doc.path):\(step.codeLine)\n"
    source += step.code + "\n"
    source += "print(\"\(marker) \(k)\")\n\n"
  }
  return source
}

@discardableResult
func run(_ arguments: [String], in directory: String? = nil) throws -> (status: Int32, output: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

func normalize(_ text: String) -> String {
  text.components(separatedBy: "\n").map { line in
    var l = Substring(line)
    while l.last == " " || l.last == "\t" { l = l.dropLast() }
    return String(l)
  }.joined(separator: "\n").trimmingCharacters(in: .newlines)
}

func check(_ paths: [String], root: String, work: String) throws -> Int {
  let docs = try paths.map(parse).filter { !$0.steps.isEmpty }
  guard !docs.isEmpty else { throw Failure("no swift examples in \(paths.joined(separator: ", "))") }
  try? FileManager.default.removeItem(atPath: work + "/Sources")
  for doc in docs {
    let dir = work + "/Sources/" + doc.name
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try program(doc).write(toFile: dir + "/main.swift", atomically: true, encoding: .utf8)
  }
  let identity = (root as NSString).lastPathComponent
  let targets = docs.map {
    "    .executableTarget(name: \"\($0.name)\", dependencies: [.product(name: \"Backprop\", package: \"\(identity)\")]),"
  }
  let manifest = """
    // swift-tools-version:6.0
    // Generated by doc-check: one program per Markdown file.
    import PackageDescription
    let package = Package(
      name: "DocCheck",
      dependencies: [.package(path: "\(root)")],
      targets: [
    \(targets.joined(separator: "\n"))
      ]
    )
    """
  try manifest.write(toFile: work + "/Package.swift", atomically: true, encoding: .utf8)

  let build = try run(["swift", "build", "--package-path", work])
  guard build.status == 0 else {
    print(build.output)
    throw Failure("the examples do not build (see above)")
  }
  let bin = try run(["swift", "build", "--package-path", work, "--show-bin-path"]).output
    .trimmingCharacters(in: .whitespacesAndNewlines)

  var mismatches = 0
  var checked = 0
  for doc in docs {
    let result = try run([bin + "/" + doc.name], in: NSTemporaryDirectory())
    var outputs: [String] = []
    var current: [String] = []
    for line in result.output.components(separatedBy: "\n") {
      if line.hasPrefix(marker) {
        outputs.append(current.joined(separator: "\n"))
        current = []
      } else {
        current.append(line)
      }
    }
    if result.status != 0 || outputs.count != doc.steps.count {
      let step = doc.steps[min(outputs.count, doc.steps.count - 1)]
      print("\(doc.path):\(step.codeLine): the example stopped (exit \(result.status)); it printed:")
      print(current.joined(separator: "\n"))
      mismatches += 1
      continue
    }
    for (step, actual) in zip(doc.steps, outputs) {
      checked += 1
      let expected = normalize(step.expected ?? "")
      let got = normalize(actual)
      if expected != got {
        mismatches += 1
        let line = step.expected == nil ? step.codeLine : step.expectedLine
        print("\(doc.path):\(line): the output differs from what the document shows")
        print("  expected:\n" + expected.components(separatedBy: "\n").map { "    " + $0 }.joined(separator: "\n"))
        print("  actual:\n" + got.components(separatedBy: "\n").map { "    " + $0 }.joined(separator: "\n"))
      }
    }
  }
  print("doc-check: \(checked) examples in \(docs.count) files, \(mismatches) differing")
  return mismatches
}

var arguments = Array(CommandLine.arguments.dropFirst())
var expectFailure = false
let root = FileManager.default.currentDirectoryPath
var work = root + "/.build/doc-check"
while let first = arguments.first, first.hasPrefix("--") {
  arguments.removeFirst()
  switch first {
  case "--expect-failure":
    expectFailure = true
  case "--work-dir":
    guard let dir = arguments.first else {
      print("doc-check: --work-dir needs a directory")
      exit(2)
    }
    arguments.removeFirst()
    work = dir.hasPrefix("/") ? dir : root + "/" + dir
  default:
    print("doc-check: unknown option \(first)")
    exit(2)
  }
}
if arguments.isEmpty {
  let docs = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/Docs")) ?? [])
    .filter { $0.hasSuffix(".md") }.sorted().map { root + "/Docs/" + $0 }
  arguments = [root + "/README.md"] + docs
}
do {
  let mismatches = try check(
    arguments.map { $0.hasPrefix("/") ? $0 : root + "/" + $0 }, root: root, work: work)
  if expectFailure {
    print(mismatches > 0 ? "doc-check: the broken example was caught, as expected" : "doc-check: the broken example was NOT caught")
    exit(mismatches > 0 ? 0 : 1)
  }
  exit(mismatches == 0 ? 0 : 1)
} catch {
  print("doc-check: \(error)")
  exit(1)
}
