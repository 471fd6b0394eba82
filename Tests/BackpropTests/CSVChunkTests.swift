@testable import Backprop
import Foundation
import Testing

/// Loads a file as `loadCSV` does, but reading `chunk` bytes at a time.
func loadInChunks(
  _ path: String, chunk: Int, target: TargetColumn = .last, separator: Character = ","
) throws -> Dataset {
  let file = try CSVFile.openText(path, chunkSize: chunk)
  let scanner = CSVScanner(file: file, separator: separator, chunkSize: chunk)
  return try CSVTable.dataset(scanner, target: target, hasHeader: nil, task: .automatic)
}

@Suite("CSV: reading a file a chunk at a time")
struct CSVChunkTests {
  static let chunks = [1, 2, 3, 5, 7, 16, 64, 1 << 20]

  @Test(arguments: chunks)
  func recordsCutAnywhereReadTheSame(chunk: Int) throws {
    // A byte-order mark, quotes with line breaks and doubled quotes, CRLF,
    // multi-byte characters and a multi-byte separator.
    let text =
      "\u{FEFF}x¦\"é, \"\"y\"\"\"¦c\r\n1.5¦-2¦\"two\r\nlines\"\r\n\r\n 3 ¦ 4e1 ¦ü😀\r\n5¦6¦\"two\r\nlines\""
    let expected = try Dataset.parseCSV(text, target: .last, separator: "¦")
    #expect(expected.features == [[1.5, -2], [3, 40], [5, 6]])
    #expect(expected.classNames == ["two\r\nlines", "ü😀"])
    try withTemporaryCSV(text) { path in
      let data = try loadInChunks(path, chunk: chunk, separator: "¦")
      #expect(data == expected)
    }
  }

  @Test(arguments: chunks)
  func errorsCutAnywhereSayTheSame(chunk: Int) throws {
    let cases = [
      "x,y\n1,2\n\"3\n\",oops\n",  // a bad target after a quoted line break
      "x,y\n1,2\n3,é\nü,4\n",  // a bad feature after multi-byte text
      "x,y\n1,\"2\n",  // an unclosed quote at the end
      "x,y\n1,\"2\"z\n",  // text after a closing quote
      "x,y\n1,2,3\n",  // a long row
    ]
    for text in cases {
      let expected = try #require(throws: CSVError.self) {
        try Dataset.parseCSV(text, file: "f", target: .index(0))
      }
      try withTemporaryCSV(text) { path in
        let error = try #require(throws: CSVError.self) {
          try loadInChunks(path, chunk: chunk, target: .index(0))
        }
        #expect(error.line == expected.line && error.column == expected.column, "\(text)")
        #expect(error.value == expected.value && error.reason == expected.reason, "\(text)")
      }
    }
  }

  @Test(arguments: [1, 2, 3, 4, 5])
  func utf8CheckAcrossChunks(chunk: Int) throws {
    // Characters of 2, 3 and 4 bytes cut by every chunk size, then a bad byte.
    let good = "x,c\n1,é€😀\n"
    try withTemporaryCSV(good) { path in
      let data = try loadInChunks(path, chunk: chunk)
      #expect(data.classNames == ["é€😀"])
    }
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("backprop-chunks-\(UUID().uuidString).csv")
    try Data(Array("x,c\n1,é€".utf8) + [0xF0, 0x9F, 0x98] + Array("\n".utf8)).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let error = try #require(throws: CSVError.self) { try loadInChunks(url.path, chunk: chunk) }
    #expect(error.kind == .notUTF8(byteOffset: 11))
    #expect(error.line == 2 && error.column == 5)
  }

  @Test func numbersReadAsDoubleReadsThem() {
    let texts = [
      "0", "-0", "+5", "5.", ".5", "-.5", "0.1", "0.123456", "-0.999999", "123456789012345",
      "1234567890123456", "0.30000000000000004", "1e5", "1E-3", "0x1p3", "inf", "-Infinity",
      "nan", "1_0", ".", "-", "", "1.2.3", "12a", "00012.50", "9007199254740993", "1e400",
    ]
    for text in texts {
      let bytes = Array(text.utf8)
      let parsed = bytes.withUnsafeBufferPointer { CSVNumber.parse($0) }
      let expected = Double(text)
      #expect(
        parsed?.bitPattern == expected?.bitPattern || (parsed?.isNaN == true && expected?.isNaN == true),
        "\(text)")
    }
    // Random decimals of up to 15 digits: the fast path gives strtod's bits.
    var rng = SeededGenerator(seed: 7)
    for _ in 0..<2000 {
      let digits = Int(rng.next() % 15) + 1
      var text = String(rng.next() % 2 == 0 ? "" : "-")
      let point = Int(rng.next() % UInt64(digits + 1))
      for k in 0..<digits {
        if k == point { text += "." }
        text += String(rng.next() % 10)
      }
      let parsed = Array(text.utf8).withUnsafeBufferPointer { CSVNumber.parse($0) }
      #expect(parsed?.bitPattern == Double(text)?.bitPattern, "\(text)")
    }
  }

  @Test func systemErrorsBecomeKinds() {
    // The permission case cannot be produced as root (the tests may run as
    // root), so the mapping from the system's error codes is checked here.
    #expect(CSVFile.openError("p.csv", EACCES).kind == .permissionDenied)
    #expect(CSVFile.openError("p.csv", EACCES).description == "p.csv: permission denied: this user may not read the file")
    #expect(CSVFile.openError("p.csv", EPERM).kind == .permissionDenied)
    #expect(CSVFile.openError("p.csv", ENOENT).kind == .fileNotFound)
    #expect(CSVFile.openError("p.csv", ENOTDIR).kind == .fileNotFound)
    #expect(CSVFile.openError("p.csv", EISDIR).kind == .isDirectory)
    #expect(CSVFile.readError("p.csv", EISDIR).kind == .isDirectory)
    let other = CSVFile.readError("p.csv", EIO)
    #expect(other.kind == .unreadable)
    #expect(other.description == "p.csv: cannot read the file: \(String(cString: strerror(EIO)))")
  }
}
