// `train --image`'s `--layers` items (`conv6x3`, `pool2`, `avgpool2`, widths)
// and the Sequential they make, checked against the image shape before any data is read.

import Backprop

/// One item of `--layers` for an image model.
///
///     conv6x3      6 output channels, 3×3 kernels (stride 1, no padding)
///     conv6x3s2p1  the same with stride 2 and padding 1 (each suffix optional)
///     pool2        max-pool 2×2 (stride 2)
///     avgpool2     average-pool 2×2 (stride 2)
///     120          a dense layer of 120
///
/// Convolutions and pools come first, then the dense widths: a `Flatten` is
/// put before the first dense layer.
enum ImageLayerItem: Equatable {
  case conv(channels: Int, kernel: Int, stride: Int, padding: Int)
  case maxPool(Int)
  case averagePool(Int)
  case dense(Int)

  /// What `--layers` may hold with `--image`, for messages.
  static let grammar =
    "with --image, items separated by commas: convNxK (N channels, K×K kernels; "
    + "optionally sS for a stride, pP for a padding less than K, like conv8x3s2p1), "
    + "poolK (max-pool), avgpoolK, then dense widths, like conv6x3,pool2,120,84, or none"

  /// Reads one item; `nil` when it is not one.
  init?(parsing text: String) {
    let t = text.trimmingCharacters(in: .whitespaces).lowercased()
    func number(_ s: Substring, in range: ClosedRange<Int>) -> Int? {
      guard !s.isEmpty, s.allSatisfy(\.isASCII), s.allSatisfy(\.isNumber), let n = Int(s),
        range.contains(n)
      else { return nil }
      return n
    }
    if t.hasPrefix("avgpool") {
      guard let k = number(t.dropFirst(7), in: 1...256) else { return nil }
      self = .averagePool(k)
    } else if t.hasPrefix("pool") {
      guard let k = number(t.dropFirst(4), in: 1...256) else { return nil }
      self = .maxPool(k)
    } else if t.hasPrefix("conv") {
      // conv N x K [s S] [p P]
      var rest = t.dropFirst(4)
      func take(_ prefix: Character?) -> Substring? {
        if let prefix {
          guard rest.first == prefix else { return nil }
          rest = rest.dropFirst()
        }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        rest = rest.dropFirst(digits.count)
        return digits
      }
      guard let n = take(nil).flatMap({ number($0, in: 1...4096) }),
        let k = take("x").flatMap({ number($0, in: 1...256) })
      else { return nil }
      var stride = 1
      var padding = 0
      if rest.first == "s" {
        guard let s = take("s").flatMap({ number($0, in: 1...256) }) else { return nil }
        stride = s
      }
      if rest.first == "p" {
        guard let p = take("p").flatMap({ number($0, in: 0...255) }), p < k else { return nil }
        padding = p
      }
      guard rest.isEmpty else { return nil }
      self = .conv(channels: n, kernel: k, stride: stride, padding: padding)
    } else {
      guard let w = number(Substring(t), in: 1...4096) else { return nil }
      self = .dense(w)
    }
  }

  /// Whether the item is a dense layer.
  var isDense: Bool {
    if case .dense = self { return true }
    return false
  }

  /// Reads `--layers` for an image model: every item, in order, with the
  /// convolutions and pools before the dense widths.
  static func parse(_ text: String, option o: Options) throws -> [ImageLayerItem] {
    if text == "none" { return [] }
    let fields = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard fields.count <= 64 else { throw o.mistake("--layers", text, "at most 64 layers") }
    var items: [ImageLayerItem] = []
    for (k, field) in fields.enumerated() {
      guard let item = ImageLayerItem(parsing: field) else {
        throw o.mistake("--layers", text, "item \(k + 1) '\(field)' is not a layer; \(grammar)")
      }
      if !item.isDense, items.last?.isDense == true {
        throw o.mistake(
          "--layers", text,
          "item \(k + 1) '\(field)' comes after a dense width; convolutions and pools come first")
      }
      items.append(item)
    }
    return items
  }

  /// The layers of a Sequential for images of `inputShape`, as settings
  /// (no parameters are made): each item (an activation after each
  /// convolution and hidden dense layer), a flatten before the first dense
  /// layer, and a linear output layer of `outputSize`.
  ///
  /// - Throws: ``ImageLayerMisfit`` for the first item that does not fit
  ///   the shape it is given.
  static func plan(
    _ items: [ImageLayerItem], inputShape: Shape, activation: Activation, outputSize: Int
  ) throws(ImageLayerMisfit) -> [LayerArchitecture] {
    var plan: [LayerArchitecture] = []
    var shape = inputShape
    func add(_ layer: LayerArchitecture, item: Int) throws(ImageLayerMisfit) {
      do {
        shape = try layer.outputShape(for: shape)
      } catch {
        throw ImageLayerMisfit(item: item, error: error)
      }
      plan.append(layer)
    }
    func dense(_ width: Int, _ activation: Activation, item: Int) throws(ImageLayerMisfit) {
      if plan.last.map({ if case .dense = $0 { true } else { false } }) != true {
        try add(.flatten, item: item)
      }
      try add(.dense(inputs: shape.count, outputs: width, activation: activation), item: item)
    }
    for (k, item) in items.enumerated() {
      switch item {
      case .conv(let n, let kernel, let stride, let padding):
        try add(
          .conv2D(
            inputChannels: shape.channels, outputChannels: n, kernelSize: kernel, stride: stride,
            padding: padding),
          item: k + 1)
        if activation != .linear { try add(.activation(activation), item: k + 1) }
      case .maxPool(let size): try add(.maxPool2D(size: size, stride: size), item: k + 1)
      case .averagePool(let size): try add(.averagePool2D(size: size, stride: size), item: k + 1)
      case .dense(let width): try dense(width, activation, item: k + 1)
      }
    }
    try dense(outputSize, .linear, item: items.count + 1)
    return plan
  }

  /// The Sequential of `items` for images of `inputShape`, its weights
  /// drawn by `initialization` from `generator`, layer after layer.
  ///
  /// - Throws: ``ImageLayerMisfit`` as ``plan(_:inputShape:activation:outputSize:)``;
  ///   the library's ``ShapeError`` if the layers made do not fit.
  static func model(
    _ items: [ImageLayerItem], inputShape: Shape, activation: Activation, outputSize: Int,
    initialization: WeightInitialization, using generator: inout some RandomNumberGenerator
  ) throws -> Sequential {
    let layers: [any SequentialLayer] = try plan(
      items, inputShape: inputShape, activation: activation, outputSize: outputSize
    ).map { layer in
      switch layer {
      case .conv2D(let i, let o, let k, let s, let p):
        Conv2D(
          inputChannels: i, outputChannels: o, kernelSize: k, stride: s, padding: p,
          initialization: initialization, using: &generator)
      case .dense(let inputs, let outputs, let activation):
        Layer(
          inputSize: inputs, outputSize: outputs, activation: activation,
          initialization: initialization, using: &generator)
      default:
        layer.makeLayer()
      }
    }
    // The Sequential stops on layers that do not fit: checked first.
    _ = try Sequential.outputShapes(inputShape: inputShape, layers: layers)
    return Sequential(inputShape: inputShape, layers)
  }

  /// Checks that `items` fit images of `shape` before any data is read
  /// (no parameter is made).
  static func check(
    _ items: [ImageLayerItem], inputShape: Shape, activation: Activation, option o: Options
  ) throws {
    do {
      _ = try plan(items, inputShape: inputShape, activation: activation, outputSize: 1)
    } catch {
      throw o.mistake(
        "--layers", o["--layers"] ?? "",
        "item \(error.item) does not fit --image \(inputShape): \(error.error)")
    }
  }
}

/// An item of `--layers` that does not fit the shape it is given: its
/// position (from 1) and the library's ``ShapeError``.
struct ImageLayerMisfit: Error, CustomStringConvertible {
  let item: Int
  let error: ShapeError

  var description: String { "--layers item \(item) does not fit: \(error)" }
}
