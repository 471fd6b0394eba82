import Foundation

// A small CSV reader for the rows a saved model is applied to.

/// The records of a CSV file as the loader reads them (RFC 4180 quotes,
/// `\n`, `\r\n` or `\r` line ends, blank lines skipped, spaces around
/// unquoted fields ignored, a UTF-8 byte-order mark ignored), each field
/// with its line and column (from 1, counting Unicode scalars). Kept apart
/// from the data set loader's internals so that prediction depends only on
/// the public ``CSVError``.
enum InputTable {
  struct Field {
    /// The text, quotes removed and doubled quotes undoubled; spaces around
    /// an unquoted field removed.
    var value: String
    /// The text as it stands in the file, for messages.
    var text: String
    var line: Int
    var column: Int
    var number: Double? { Double(value) }
    var isName: Bool { !value.isEmpty && number == nil }
  }

  struct Record {
    var fields: [Field]
    var line: Int
    var text: String
  }

  static func read(_ path: String, separator: Character) throws -> [Record] {
    // The loader's checks: missing, a folder, no permission, compressed,
    // binary or not UTF-8, each said as such.
    let text = try CSVFile.readText(path)
    return try records(in: text, file: path, separator: separator)
  }

  static func records(in text: String, file: String, separator: Character) throws -> [Record] {
    var scalars = Array(text.unicodeScalars)
    if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
    let sep = String(separator).unicodeScalars.first ?? ","
    var records: [Record] = []
    var fields: [Field] = []
    var i = 0
    var line = 1
    var column = 1
    var recordLine = 1
    var recordStart = 0
    func isBreak(_ c: Unicode.Scalar) -> Bool { c == "\n" || c == "\r" }
    func endRecord(at end: Int) {
      let blank = fields.count == 1 && fields[0].value.isEmpty && fields[0].text.allSatisfy { $0 == " " || $0 == "\t" }
      if !blank {
        var rowText = ""
        rowText.unicodeScalars.append(contentsOf: scalars[recordStart..<end])
        records.append(Record(fields: fields, line: recordLine, text: rowText))
      }
      fields = []
    }
    while i <= scalars.count {
      // One field.
      let fieldLine = line
      let fieldColumn = column
      let start = i
      var value = ""
      var quoted = false
      while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" {
        i += 1
        column += 1
      }
      if i < scalars.count, scalars[i] == "\"" {
        quoted = true
        i += 1
        column += 1
        while true {
          guard i < scalars.count else {
            throw CSVError(
              file: file, line: fieldLine, column: fieldColumn, value: "",
              reason: "a quote that is not closed")
          }
          let c = scalars[i]
          if c == "\"" {
            if i + 1 < scalars.count, scalars[i + 1] == "\"" {
              value.unicodeScalars.append("\"")
              i += 2
              column += 2
              continue
            }
            i += 1
            column += 1
            break
          }
          value.unicodeScalars.append(c)
          if c == "\n" || (c == "\r" && !(i + 1 < scalars.count && scalars[i + 1] == "\n")) {
            line += 1
            column = 1
          } else if c != "\r" {
            column += 1
          }
          i += 1
        }
        while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" {
          i += 1
          column += 1
        }
        if i < scalars.count, scalars[i] != sep, !isBreak(scalars[i]) {
          throw CSVError(
            file: file, line: line, column: column, value: String(scalars[i]),
            reason: "text after a closing quote")
        }
      } else {
        while i < scalars.count, scalars[i] != sep, !isBreak(scalars[i]) {
          value.unicodeScalars.append(scalars[i])
          i += 1
          column += 1
        }
        value = value.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
      }
      var raw = ""
      raw.unicodeScalars.append(contentsOf: scalars[start..<i])
      fields.append(
        Field(value: value, text: quoted ? value : raw.trimmingCharacters(in: .whitespaces),
          line: fieldLine, column: fieldColumn))
      if i < scalars.count, scalars[i] == sep {
        i += 1
        column += 1
        continue
      }
      // The end of a record: a line break or the end of the text.
      endRecord(at: i)
      if i >= scalars.count { break }
      if scalars[i] == "\r", i + 1 < scalars.count, scalars[i + 1] == "\n" { i += 1 }
      i += 1
      line += 1
      column = 1
      recordLine = line
      recordStart = i
    }
    return records
  }

  static func finiteNumber(_ field: Field, file: String, column: String) throws -> Double {
    guard let x = field.number else {
      let what = field.value.isEmpty ? "an empty field, not a number" : "not a number"
      throw CSVError(
        file: file, line: field.line, column: field.column, value: field.text,
        reason: "\(what) (\(column))")
    }
    guard x.isFinite else {
      throw CSVError(
        file: file, line: field.line, column: field.column, value: field.text,
        reason: "not a finite number (\(column))")
    }
    return x
  }

  static func requireWidth(_ record: Record, _ width: Int, against: String, file: String) throws {
    let fields = record.fields
    guard fields.count != width else { return }
    let reason = "\(fields.count) fields where \(against) has \(width)"
    if fields.count > width {
      let extra = fields[width]
      throw CSVError(
        file: file, line: extra.line, column: extra.column, value: extra.text, reason: reason)
    }
    throw CSVError(file: file, line: record.line, column: 0, value: record.text, reason: reason)
  }
}
