// Reading checkpoint files: the readable reasons for a file that cannot be
// read or decoded.

import Foundation

// MARK: - Helpers

/// Any key of a JSON object, to list them all.
struct AnyCodingKey: CodingKey {
  let stringValue: String
  let intValue: Int?
  init(stringValue: String) {
    self.stringValue = stringValue
    intValue = nil
  }
  init?(intValue: Int) {
    stringValue = "\(intValue)"
    self.intValue = intValue
  }
}

/// Reads only the format version of a file.
struct VersionProbe: Decodable {
  let formatVersion: Int?
}


/// A readable reason for a Foundation file error.
func describeFileError(_ error: any Error) -> String {
  let nsError = error as NSError
  if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError {
    return "\(nsError.localizedDescription) (\(underlying.localizedDescription))"
  }
  return nsError.localizedDescription
}

/// A readable reason for a failure to decode, with the location of a JSON
/// syntax error (which `JSONDecoder` does not report on every platform, so
/// it is asked of `JSONSerialization`).
func describeDecodingFailure(_ error: any Error, data: Data) -> String {
  guard let error = error as? DecodingError else { return "\(error)" }
  func keyPath(_ path: [any CodingKey]) -> String {
    var text = ""
    for key in path {
      if let index = key.intValue {
        text += "[\(index)]"
      } else {
        text += (text.isEmpty ? "" : ".") + key.stringValue
      }
    }
    return text.isEmpty ? "the top level" : "\"\(text)\""
  }
  switch error {
  case .typeMismatch(let type, let context):
    return "at \(keyPath(context.codingPath)): expected \(type): \(context.debugDescription)"
  case .valueNotFound(let type, let context):
    return "at \(keyPath(context.codingPath)): expected \(type), found null"
  case .keyNotFound(let key, let context):
    return "the key \"\(key.stringValue)\" is missing at \(keyPath(context.codingPath))"
  case .dataCorrupted(let context):
    if context.codingPath.isEmpty {
      if let syntax = jsonSyntaxError(in: data) { return "not valid JSON: \(syntax)" }
      return "\(context.debugDescription) The JSON is well formed, so a value has the wrong "
        + "form: a fractional or out-of-range number where an integer belongs, or a number "
        + "too large for a Double"
    }
    return "at \(keyPath(context.codingPath)): \(context.debugDescription)"
  @unknown default:
    return "\(error)"
  }
}

/// The JSON syntax error in `data`, with its byte offset, line and column
/// (from 1) when the parser gives a position; `nil` if the JSON is valid.
func jsonSyntaxError(in data: Data) -> String? {
  do {
    _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    return nil
  } catch {
    let message =
      ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String)
      ?? (error as NSError).localizedDescription
    if message.contains("end of file") {
      return "\(message) (the file ends after \(data.count) bytes: it may be truncated)"
    }
    guard let range = message.range(of: "character ") else { return message }
    let digits = message[range.upperBound...].prefix(while: \.isNumber)
    guard let offset = Int(digits), offset >= 0, offset <= data.count else { return message }
    var line = 1
    var column = 1
    for byte in data.prefix(offset) {
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {  // count characters, not UTF-8 continuation bytes
        column += 1
      }
    }
    return "\(message) (byte \(offset), line \(line), column \(column))"
  }
}
