// `backprop explain`: an expression, its forward table, its chain-rule
// ledger and its gradients checked by central differences, or its graph.

import Backprop
import Foundation

/// `backprop explain EXPRESSION --at a=2,b=-3`, or the program from
/// `--file FILE` or stdin (`-`, or no expression with stdin not a terminal).
///
/// Exit codes follow the tool's rule: a mistake on the command line (an
/// option, `--at`, an expression typed as the argument that does not parse,
/// a name with no value) is a usage mistake, 2; a program read from a file
/// or stdin that does not parse is bad data, 1, with the file's name.
enum ExplainCommand {
  static let formats = ["text", "markdown", "json", "dot", "mermaid", "svg", "html"]
  static let valued: Set<String> = ["--at", "--file", "--format", "--output", "--digits"]

  /// Where the program came from, for messages and exit codes.
  enum Origin {
    case argument
    case file(String)
    case standardInput

    var prefix: String {
      switch self {
      case .argument: "explain: "
      case .file(let path): "\(path): "
      case .standardInput: "stdin: "
      }
    }
  }

  static func run(_ arguments: [String]) throws {
    // The expression is the one argument that is not an option or an
    // option's value; it may start with "-" (`-x^2`), not with "--".
    var optionArguments: [String] = []
    var positional: [String] = []
    var i = 0
    while i < arguments.count {
      let a = arguments[i]
      if a.hasPrefix("--") {
        optionArguments.append(a)
        if !a.contains("="), valued.contains(a), i + 1 < arguments.count, !arguments[i + 1].hasPrefix("--") {
          optionArguments.append(arguments[i + 1])
          i += 1
        }
      } else {
        positional.append(a)
      }
      i += 1
    }
    let options = try Options(optionArguments, command: "explain", allowed: valued)
    guard positional.count <= 1 else {
      throw UsageError(
        description: "explain takes one expression, not \(positional.count); quote it: backprop explain \"a * b\"")
    }
    let format = try options.choice("--format", default: "text", from: formats) ?? "text"
    let digits = options["--digits"] == nil ? nil : try options.integer("--digits", default: 6, in: 0...17)
    let values = try atValues(options["--at"])
    if let output = options["--output"], output.isEmpty {
      throw options.mistake("--output", output, "give a file name")
    }

    let (source, origin) = try readSource(positional.first, file: options["--file"])
    let expression: Formula
    do {
      expression = try Formula(source)
    } catch {
      let text = origin.prefix + error.description
      if case .argument = origin { throw UsageError(description: text) }
      throw DataProblem(description: text)
    }
    for name in values.keys.sorted() where !expression.inputNames.contains(name) {
      let inputs = expression.inputNames.isEmpty ? "it has none" : "its inputs: " + expression.inputNames.joined(separator: ", ")
      throw UsageError(description: "explain: --at \(name): the expression has no input \(name); \(inputs)")
    }

    let text: String
    do {
      text = try render(expression, at: values, format: format, digits: digits)
    } catch let error as ExpressionError {
      var message = origin.prefix + error.description
      if case .unknownName(let name) = error.kind { message += "\ngive it a value with --at \(name)=NUMBER" }
      throw UsageError(description: message)
    }
    let ended = text.hasSuffix("\n") ? text : text + "\n"
    if let path = options["--output"] {
      try SVGPlot.write(ended, to: path)
    } else {
      print(ended, terminator: "")
    }
  }

  /// The explanation in `format`; a graph format pictures the output after
  /// its backward sweep, on a tape of its own (node numbers from 0), with
  /// `digits` (4 when not given, as micrograd draws them).
  static func render(_ expression: Formula, at values: [String: Double], format: String, digits: Int?) throws
    -> String
  {
    switch format {
    case "markdown": return try Explanation(expression, at: values).markdown(digits: digits ?? 6)
    case "json": return try Explanation(expression, at: values).json()
    case "dot", "mermaid", "svg", "html":
      return try Tape().withCurrent {
        let output = try expression.evaluate(at: values).output
        // The page runs the backward sweep itself, with its trace.
        if format == "html" { return output.stepThroughPage(title: "backprop explain: \(title(of: expression))") }
        output.backward()
        switch format {
        case "dot": return output.graphviz(digits: digits ?? 4)
        case "mermaid": return output.mermaid(digits: digits ?? 4)
        default: return output.svg(GraphPictureOptions(digits: digits ?? 4, title: title(of: expression)))
        }
      }
    default: return try Explanation(expression, at: values).text(digits: digits ?? 6)
    }
  }

  /// `a=2,b=-3` as a dictionary; each name once, each value a finite number.
  static func atValues(_ text: String?) throws -> [String: Double] {
    guard let text else { return [:] }
    var values: [String: Double] = [:]
    for field in text.split(separator: ",", omittingEmptySubsequences: false) {
      let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let name = parts.first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
      let number = parts.count == 2 ? Double(parts[1].trimmingCharacters(in: .whitespaces)) : nil
      guard parts.count == 2, !name.isEmpty, let x = number, x.isFinite else {
        throw UsageError(
          description: "explain: --at '\(text)' is not allowed: name=number pairs separated by commas, like a=2,b=-3 (at '\(field)')")
      }
      guard values[name] == nil else {
        throw UsageError(description: "explain: --at '\(text)' gives \(name) twice")
      }
      values[name] = x
    }
    return values
  }

  /// The program's text: the argument, the file, or stdin.
  static func readSource(_ argument: String?, file: String?) throws -> (String, Origin) {
    if let argument, file != nil {
      throw UsageError(description: "explain: give the expression '\(argument)' or --file, not both")
    }
    if let file {
      guard !file.isEmpty else { throw UsageError(description: "explain: --file '' is not allowed: give a file name") }
      if file == "-" { return (readStandardInput(), .standardInput) }
      var isFolder: ObjCBool = false
      if FileManager.default.fileExists(atPath: file, isDirectory: &isFolder), isFolder.boolValue {
        throw DataProblem(description: "\(file): a directory, not a file")
      }
      return (try String(contentsOfFile: file, encoding: .utf8), .file(file))
    }
    if let argument, argument != "-" { return (argument, .argument) }
    if argument == nil && isatty(STDIN_FILENO) != 0 {
      throw UsageError(
        description: "explain needs an expression: backprop explain \"a * b + a\" --at a=2,b=-3, --file FILE, or - for stdin")
    }
    return (readStandardInput(), .standardInput)
  }

  static func readStandardInput() -> String {
    String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
  }
}
