// One JSON string escaper for every JSON text the package writes (the
// explanation, the graph page, the training page).

/// A JSON string literal of `s`, safe to embed in an HTML `<script>`
/// element as well: besides what JSON requires (`"`, `\` and the control
/// characters), `<`, `>` and `&` are written as `\u003c`, `\u003e` and
/// `\u0026`, so the text can never close the element (`</script>`), and
/// U+2028 and U+2029 as escapes, which older JavaScript does not accept raw
/// in a string. Any JSON reader gives back `s` exactly.
///
///     jsonStringLiteral("a<b \"c\"")  // "a\u003cb \"c\""
package func jsonStringLiteral(_ s: String) -> String {
  var out = "\""
  for scalar in s.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case "<": out += "\\u003c"
    case ">": out += "\\u003e"
    case "&": out += "\\u0026"
    case "\u{2028}": out += "\\u2028"
    case "\u{2029}": out += "\\u2029"
    default:
      if scalar.value < 0x20 {
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out + "\""
}
