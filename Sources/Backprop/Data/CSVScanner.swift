// The CSV scanner: RFC 4180 over UTF-8 bytes, one record at a time, from text
// in memory or from a file a chunk at a time.

// Beyond RFC 4180: `\r` and `\n` line endings, spaces around fields and
// blank lines skipped. It keeps only the current record's fields (byte
// ranges, no String per field), so memory does not grow with the file.

/// One field of the current record.
struct CSVFieldRef {
  /// The text as read (quotes removed and doubled quotes undoubled), as a
  /// byte range in the window, or in the scratch buffer for a quoted field.
  var textStart: Int
  var textEnd: Int
  /// The text without the spaces and tabs around an unquoted field.
  var valueStart: Int
  var valueEnd: Int
  var quoted: Bool
  /// The line of the field's start, where that line starts in the window,
  /// and where the field starts (its quote, or its first byte).
  var line: Int
  var lineStart: Int
  var start: Int
}

/// Thrown inside the scanner when a record runs past the bytes read so far.
private struct NeedMoreBytes: Error {}

/// Reads records from CSV bytes.
final class CSVScanner {
  private static let quote = UInt8(ascii: "\"")
  private static let newline = UInt8(ascii: "\n")
  private static let carriageReturn = UInt8(ascii: "\r")
  private static let space = UInt8(ascii: " ")
  private static let tab = UInt8(ascii: "\t")
  /// The first chunk read from a file; it doubles for a longer record.
  static let chunkSize = 1 << 20

  let file: String
  private let separatorHead: UInt8
  private let separatorTail: [UInt8]
  private let spaceIsSeparator: Bool
  private let tabIsSeparator: Bool

  private let source: CSVFile?
  /// The bytes read: `window[0..<filled]`, owned when read from a file.
  private var window: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private var filled: Int
  private var atEnd: Bool
  private let owned: Bool
  private var startedFile = false

  /// Where the next record starts, and its line.
  private var position = 0
  private var nextLine = 1

  /// The current record: its fields, its line, and its bytes.
  private(set) var fields: [CSVFieldRef] = []
  private(set) var recordLine = 0
  private var recordStart = 0
  private var recordEnd = 0
  private var scratch: [UInt8] = []

  /// A scanner over text in memory, valid while `bytes` is.
  init(memory bytes: UnsafeBufferPointer<UInt8>, file: String, separator: Character) {
    self.file = file
    source = nil
    if let base = bytes.baseAddress {
      window = UnsafeMutablePointer(mutating: base)
      owned = false
    } else {
      window = .allocate(capacity: 1)  // empty text
      owned = true
    }
    capacity = bytes.count
    filled = bytes.count
    atEnd = true
    (separatorHead, separatorTail, spaceIsSeparator, tabIsSeparator) = Self.separatorBytes(separator)
    skipByteOrderMark()
  }

  /// A scanner over a file, read `chunkSize` bytes at a time (more for a
  /// longer record).
  init(file source: CSVFile, separator: Character, chunkSize: Int = CSVScanner.chunkSize) {
    self.file = source.path
    self.source = source
    capacity = Swift.max(1, chunkSize)
    window = .allocate(capacity: capacity)
    filled = 0
    atEnd = false
    owned = true
    (separatorHead, separatorTail, spaceIsSeparator, tabIsSeparator) = Self.separatorBytes(separator)
  }

  deinit { if owned { window.deallocate() } }

  /// The separator's first UTF-8 byte, the rest, and whether it is a space
  /// or a tab (which are then not padding).
  private static func separatorBytes(_ separator: Character) -> (UInt8, [UInt8], Bool, Bool) {
    let s = Array(String(separator).utf8)
    return (s.first ?? UInt8(ascii: ","), Array(s.dropFirst()), s == [space], s == [tab])
  }

  /// Goes back to the first record.
  func rewind() throws {
    if let source {
      guard source.rewind() else {
        throw CSVError(
          file: file, line: 0, column: 0, value: "",
          reason: "cannot read the file twice (it is a pipe); save it to a file first",
          kind: .unreadable)
      }
      filled = 0
      atEnd = false
      startedFile = false
    }
    position = 0
    nextLine = 1
    if source == nil { skipByteOrderMark() }
  }

  private func skipByteOrderMark() {
    if filled >= 3, window[0] == 0xEF, window[1] == 0xBB, window[2] == 0xBF { position = 3 }
  }

  /// Reads the next record that is not blank; false at the end.
  func next() throws -> Bool {
    if let source, !startedFile {
      startedFile = true
      try fill(source)
      while filled < 3 && !atEnd { try fill(source) }
      skipByteOrderMark()
    }
    while true {
      do {
        if try scanRecord() { return true }
        if position >= filled && atEnd { return false }
      } catch is NeedMoreBytes {
        guard let source else { return false }  // memory is never short
        try fill(source)
      }
    }
  }

  /// Moves the unread bytes to the front and reads more after them.
  private func fill(_ source: CSVFile) throws {
    if position > 0 {
      let left = filled - position
      if left > 0 { window.update(from: window + position, count: left) }
      filled = left
      position = 0
    }
    if filled == capacity {
      let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
      larger.update(from: window, count: filled)
      window.deallocate()
      window = larger
      capacity *= 2
    }
    let n = try source.readBytes(into: window + filled, count: capacity - filled)
    if n == 0 { atEnd = true }
    filled += n
  }

  // MARK: Scanning

  private func byte(_ k: Int) throws -> UInt8? {
    if k < filled { return window[k] }
    if atEnd { return nil }
    throw NeedMoreBytes()
  }

  private func isSeparator(at k: Int) throws -> Bool {
    guard window[k] == separatorHead else { return false }
    if separatorTail.isEmpty { return true }
    for (offset, expected) in separatorTail.enumerated() {
      guard let b = try byte(k + 1 + offset), b == expected else { return false }
    }
    return true
  }

  private func isBlank(_ c: UInt8) -> Bool {
    (c == Self.space && !spaceIsSeparator) || (c == Self.tab && !tabIsSeparator)
  }

  private func isEndOfField(_ k: Int) throws -> Bool {
    guard let c = try byte(k) else { return true }
    if c == Self.newline || c == Self.carriageReturn { return true }
    return try isSeparator(at: k)
  }

  /// Scans one record at `position`; true if it has text, false if blank.
  /// Commits the position only when the whole record was there.
  private func scanRecord() throws -> Bool {
    var i = position
    var line = nextLine
    var lineStart = position
    fields.removeAll(keepingCapacity: true)
    scratch.removeAll(keepingCapacity: true)
    var blankOnly = true
    while true {
      var k = i
      while let c = try byte(k), isBlank(c) { k += 1 }
      if let c = try byte(k), c == Self.quote {
        let field = try quotedField(from: &k, line: &line, lineStart: &lineStart)
        fields.append(field)
        blankOnly = false
      } else {
        while !(try isEndOfField(k)) { k += 1 }
        var low = i
        var high = k
        while low < high && isBlank(window[low]) { low += 1 }
        while high > low && isBlank(window[high - 1]) { high -= 1 }
        fields.append(
          CSVFieldRef(
            textStart: i, textEnd: k, valueStart: low, valueEnd: high, quoted: false,
            line: line, lineStart: lineStart, start: i))
        if low < high { blankOnly = false }
      }
      i = k
      if i < filled, try isSeparator(at: i) {
        i += 1 + separatorTail.count
        blankOnly = false
        continue
      }
      break
    }
    // At a line break or the end of the text.
    let end = i
    if let c = try byte(i) {
      if c == Self.carriageReturn, let d = try byte(i + 1), d == Self.newline {
        i += 2
      } else {
        i += 1
      }
      line += 1
    }
    recordLine = nextLine
    recordStart = position
    recordEnd = end
    position = i
    nextLine = line
    return !blankOnly
  }

  /// Reads a quoted field whose opening quote is at `k`, and the padding
  /// after it; leaves `k` at the separator, line break or end that follows.
  private func quotedField(
    from k: inout Int, line: inout Int, lineStart: inout Int
  ) throws -> CSVFieldRef {
    let quoteAt = k
    let quoteLine = line
    let quoteLineStart = lineStart
    let first = scratch.count
    k += 1
    while true {
      guard let c = try byte(k) else {
        let text = scratch[first...].prefix { $0 != Self.newline && $0 != Self.carriageReturn }
        throw CSVError(
          file: file, line: quoteLine, column: column(lineStart: quoteLineStart, at: quoteAt),
          value: "\"" + String(decoding: text, as: UTF8.self),
          reason: "a quoted field is not closed")
      }
      k += 1
      if c == Self.quote {
        guard let d = try byte(k), d == Self.quote else { break }  // the closing quote
        k += 1  // a doubled quote
      }
      scratch.append(c)
      if c == Self.carriageReturn {
        if let d = try byte(k), d == Self.newline {
          scratch.append(d)
          k += 1
        }
        line += 1
        lineStart = k
      } else if c == Self.newline {
        line += 1
        lineStart = k
      }
    }
    while let c = try byte(k), isBlank(c) { k += 1 }
    guard try isEndOfField(k) else {
      var end = k
      while !(try isEndOfField(end)) { end += 1 }
      throw CSVError(
        file: file, line: line, column: column(lineStart: lineStart, at: k),
        value: String(decoding: UnsafeBufferPointer(start: window + k, count: end - k), as: UTF8.self),
        reason: "text after the closing quote of a field")
    }
    return CSVFieldRef(
      textStart: first, textEnd: scratch.count, valueStart: first, valueEnd: scratch.count,
      quoted: true, line: quoteLine, lineStart: quoteLineStart, start: quoteAt)
  }

  // MARK: The current record

  /// The column (Unicode scalars, from 1) of the byte at `position`.
  private func column(lineStart: Int, at position: Int) -> Int {
    var column = 1
    var k = lineStart
    while k < position {
      if window[k] & 0xC0 != 0x80 { column += 1 }  // not a continuation byte
      k += 1
    }
    return column
  }

  /// The column of the field's start, from 1.
  func column(_ field: CSVFieldRef) -> Int {
    column(lineStart: field.lineStart, at: field.start)
  }

  /// Calls `body` with the field's value (or text) bytes.
  func withBytes<R>(
    _ field: CSVFieldRef, value: Bool = true, _ body: (UnsafeBufferPointer<UInt8>) throws -> R
  ) rethrows -> R {
    let (start, end) = value ? (field.valueStart, field.valueEnd) : (field.textStart, field.textEnd)
    if field.quoted {
      return try scratch.withUnsafeBufferPointer {
        try body(UnsafeBufferPointer(rebasing: $0[start..<end]))
      }
    }
    return try body(UnsafeBufferPointer(start: window + start, count: end - start))
  }

  /// The value: the text without padding.
  func value(_ field: CSVFieldRef) -> String {
    withBytes(field) { String(decoding: $0, as: UTF8.self) }
  }

  /// The text as read, padding included.
  func text(_ field: CSVFieldRef) -> String {
    withBytes(field, value: false) { String(decoding: $0, as: UTF8.self) }
  }

  /// Whether the value is empty.
  func isEmpty(_ field: CSVFieldRef) -> Bool { field.valueEnd == field.valueStart }

  /// The value as a number, if it is one (as `Double(String)` reads it).
  func number(_ field: CSVFieldRef) -> Double? {
    withBytes(field) { CSVNumber.parse($0) }
  }

  /// Text that is not a number: a name. Empty fields are neither.
  func isName(_ field: CSVFieldRef) -> Bool {
    !isEmpty(field) && number(field) == nil
  }

  /// The current record's text, without its line break.
  func recordText() -> String {
    String(
      decoding: UnsafeBufferPointer(start: window + recordStart, count: recordEnd - recordStart),
      as: UTF8.self)
  }
}

/// Numbers read from bytes as `Double(String)` reads them, with a fast path
/// for plain decimals that gives the same bits.
enum CSVNumber {
  private static let powersOfTen: [Double] = (0...22).map { k in
    var x = 1.0
    for _ in 0..<k { x *= 10 }
    return x
  }

  /// The number, or nil when `bytes` is not one.
  static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
    if let x = plainDecimal(bytes) { return x }
    guard !bytes.isEmpty else { return nil }
    return Double(String(decoding: bytes, as: UTF8.self))
  }

  /// `[+-]digits[.digits]` with at most 15 digits in all: the digits as an
  /// integer (exact below 2⁵³) divided by an exact power of ten, which IEEE
  /// division rounds once, correctly, as strtod does. Nil for anything else.
  static func plainDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
    let n = bytes.count
    var i = 0
    var negative = false
    if n > 0, bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
      negative = bytes[0] == UInt8(ascii: "-")
      i = 1
    }
    var mantissa: UInt64 = 0
    var digits = 0
    var fractionDigits = 0
    var sawPoint = false
    while i < n {
      let c = bytes[i]
      if c >= 0x30 && c <= 0x39 {
        digits += 1
        if digits > 15 { return nil }
        mantissa = mantissa * 10 + UInt64(c - 0x30)
        if sawPoint { fractionDigits += 1 }
      } else if c == UInt8(ascii: "."), !sawPoint {
        sawPoint = true
      } else {
        return nil
      }
      i += 1
    }
    guard digits > 0 else { return nil }
    let x = Double(mantissa) / powersOfTen[fractionDigits]
    return negative ? -x : x
  }
}
