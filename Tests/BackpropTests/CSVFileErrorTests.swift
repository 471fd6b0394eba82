import Backprop
import Foundation
import Testing

/// A new empty folder under the temporary directory, passed to `body` and
/// removed afterwards.
func withTemporaryFolder<R>(_ body: (URL) throws -> R) throws -> R {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("backprop-csv-files-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: url) }
  return try body(url)
}

/// The error both CSV readers throw for the file at `path`; both must throw
/// the same one.
func csvFileError(_ path: String) throws -> CSVError {
  let error = try #require(throws: CSVError.self) {
    try Dataset.loadCSV(from: path, target: .last)
  }
  let featuresError = try #require(throws: CSVError.self) {
    try Dataset.loadCSVFeatures(from: path)
  }
  #expect(featuresError == error)
  return error
}

@Suite("CSV: files that cannot be read as CSV text")
struct CSVFileErrorTests {
  @Test func missingFile() throws {
    try withTemporaryFolder { folder in
      let path = folder.appendingPathComponent("absent.csv").path
      let error = try csvFileError(path)
      #expect(error.kind == .fileNotFound)
      #expect(error.description == "\(path): no such file")
      // A path through a file is missing too, not a raw system error.
      let file = folder.appendingPathComponent("plain.csv")
      try Data("x,y\n1,2\n".utf8).write(to: file)
      #expect(try csvFileError(file.path + "/inner.csv").kind == .fileNotFound)
    }
  }

  @Test func directory() throws {
    try withTemporaryFolder { folder in
      let error = try csvFileError(folder.path)
      #expect(error.kind == .isDirectory)
      #expect(error.description == "\(folder.path): a directory, not a CSV file")
    }
  }

  @Test func noPermission() throws {
    try withTemporaryFolder { folder in
      let url = folder.appendingPathComponent("secret.csv")
      try Data("x,y\n1,2\n".utf8).write(to: url)
      try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: url.path)
      defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path) }
      // Root reads any file whatever its mode, so the check cannot fail there:
      // the file then loads, which is asserted instead.
      if geteuid() == 0 {
        #expect(try Dataset.loadCSV(from: url.path, target: .last).features == [[1]])
        return
      }
      let error = try csvFileError(url.path)
      #expect(error.kind == .permissionDenied)
      #expect(
        error.description == "\(url.path): permission denied: this user may not read the file")
    }
  }

  @Test func latin1SaysWhereAndWhatToDo() throws {
    try withTemporaryFolder { folder in
      let url = folder.appendingPathComponent("latin1.csv")
      // "x,name\n1,café\n" with é as Latin-1's single byte 0xE9.
      try Data(Array("x,name\n1,caf".utf8) + [0xE9] + Array("\n".utf8)).write(to: url)
      let error = try csvFileError(url.path)
      #expect(error.kind == .notUTF8(byteOffset: 12))
      #expect(error.line == 2 && error.column == 6)
      #expect(
        error.description
          == "\(url.path):2:6: not UTF-8 text: byte 0xE9 at offset 12 is not UTF-8; "
          + "re-save the file as UTF-8 (it may be Latin-1 or Windows-1252)")
    }
  }

  @Test func badUTF8IsFoundBeforeBadContent() throws {
    // A non-number on line 2 comes before the bad byte on line 3, but a
    // file that is not text is said to be so first.
    try withTemporaryFolder { folder in
      let url = folder.appendingPathComponent("mixed.csv")
      try Data(Array("x,y\nabc,1\n".utf8) + [0x31, 0x2C, 0xFF, 0x0A]).write(to: url)
      let error = try csvFileError(url.path)
      #expect(error.kind == .notUTF8(byteOffset: 12))
      #expect(error.line == 3 && error.column == 3)
    }
  }

  @Test func overlongAndSurrogateBytesAreNotUTF8() throws {
    try withTemporaryFolder { folder in
      let bytes: [[UInt8]] = [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]]
      for (k, bad) in bytes.enumerated() {
        let url = folder.appendingPathComponent("bad\(k).csv")
        try Data(Array("x,y\n1,".utf8) + bad).write(to: url)
        #expect(try csvFileError(url.path).kind == .notUTF8(byteOffset: 6), "case \(k)")
      }
      // Valid multi-byte characters are fine.
      let good = folder.appendingPathComponent("good.csv")
      try Data("x,名前\n1,é€😀\n".utf8).write(to: good)
      #expect(try Dataset.loadCSV(from: good.path, target: .last).classNames == ["é€😀"])
    }
  }

  @Test func utf16SaysSo() throws {
    try withTemporaryFolder { folder in
      let url = folder.appendingPathComponent("excel.csv")
      try Data([0xFF, 0xFE] + Array("x,y\n".utf8).flatMap { [$0, 0] }).write(to: url)
      let error = try csvFileError(url.path)
      #expect(error.kind == .notUTF8(byteOffset: 0))
      #expect(error.reason.hasPrefix("UTF-16 text"))
    }
  }

  @Test(arguments: [
    ("gzip", [0x1F, 0x8B, 0x08, 0x00] as [UInt8], "gunzip"),
    ("zip", [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00], "unzip"),
    ("bzip2", Array("BZh91AY&SY".utf8) + [0x00, 0x01], "bunzip2"),
    ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0x00], "unxz"),
    ("zstd", [0x28, 0xB5, 0x2F, 0xFD, 0x04, 0x00], "unzstd"),
  ])
  func compressedFileSaysDecompressFirst(format: String, magic: [UInt8], tool: String) throws {
    try withTemporaryFolder { folder in
      let url = folder.appendingPathComponent("data.csv.\(format)")
      try Data(magic + [0x00, 0x13, 0x37, 0xFF, 0x00, 0x42]).write(to: url)
      let error = try csvFileError(url.path)
      #expect(error.kind == .compressed(format: format))
      #expect(
        error.description
          == "\(url.path): \(format)-compressed, not CSV text; decompress it first (\(tool))")
    }
  }

  @Test func textStartingLikeBzip2IsText() throws {
    // "BZh" alone is not bzip2's magic: a header may start so.
    try withTemporaryCSV("BZh,y\n1,2\n") { path in
      let data = try Dataset.loadCSV(from: path, target: .last)
      #expect(data.features == [[1]])
    }
  }

  @Test func nulByteMeansBinary() throws {
    try withTemporaryFolder { folder in
      let url = folder.appendingPathComponent("image.csv")
      // Not UTF-8 at offset 0 either (a PNG-like start): binary wins.
      try Data([0x89] + Array("PNG\r\n".utf8) + [0x1A, 0x0A, 0x00, 0x00]).write(to: url)
      let error = try csvFileError(url.path)
      #expect(error.kind == .binary(byteOffset: 8))
      #expect(error.description == "\(url.path):3:1: a binary file, not CSV text: a NUL byte at offset 8")
    }
  }

  @Test func nulByteInTextInMemory() throws {
    let error = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("x,y\n1,\u{0}2\n", file: "t.csv", target: .last)
    }
    #expect(error.kind == .binary(byteOffset: 6))
    #expect(error.line == 2 && error.column == 3)
  }

  @Test func contentErrorsAreContent() throws {
    try withTemporaryCSV("x,y\n1,2\n3,oops\n") { path in
      let error = try #require(throws: CSVError.self) {
        try Dataset.loadCSV(from: path, target: .index(0))
      }
      #expect(error.kind == .content)
    }
  }

  @Test func readsFromAPipe() throws {
    // A named pipe cannot seek: it is read once, then from memory.
    try withTemporaryFolder { folder in
      let path = folder.appendingPathComponent("fifo.csv").path
      guard mkfifo(path, 0o600) == 0 else { return }
      let writer = Thread {
        if let handle = FileHandle(forWritingAtPath: path) {
          handle.write(Data("x,c\n1,a\n2,b\n".utf8))
          try? handle.close()
        }
      }
      writer.start()
      let data = try Dataset.loadCSV(from: path, target: .last)
      #expect(data.classNames == ["a", "b"])
      #expect(data.features == [[1], [2]])
    }
  }
}
