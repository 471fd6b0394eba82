// `backprop explain --format svg|html`: what the pictures of an explained
// expression are called.

import Backprop
import Foundation

extension ExplainCommand {
  /// The title of an expression's picture and page: its program on one line
  /// (`; ` between lines), shortened to 80 characters with an ellipsis.
  static func title(of expression: Formula) -> String {
    let lines = expression.source.split(whereSeparator: \.isNewline)
      .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    let text = lines.joined(separator: "; ")
    return text.count <= 80 ? text : String(text.prefix(79)) + "…"
  }
}
