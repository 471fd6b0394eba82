// `backprop explain --format svg|html`: the pictures of an explained
// expression. On this branch they are not built: the integrator replaces
// this function with the dispatch to `Value.svg()` and the HTML page.

import Backprop

extension ExplainCommand {
  /// The picture `format` ("svg" or "html") of `output`, after its backward
  /// sweep, with `explanation`'s tables for a page.
  ///
  /// - Throws: A ``UsageError``: not built on this branch.
  static func picture(_ format: String, of output: Value, explanation: Explanation) throws -> String {
    throw UsageError(description: "explain: --format \(format): svg/html: not built on this branch")
  }
}
