// Conv2D's nodes are the documented formula's: each output pixel
// `Value.dot(patch weights, patch inputs) + bias`, built here from handles,
// bit for bit in values and gradients (the layer writes them straight into
// the operand table).

import Backprop
import Testing

@Suite("Conv2D against its formula")
struct Conv2DFormulaTests {
  @Test("the layer's nodes equal Value.dot of each patch plus the bias", arguments: ConvCase.all)
  func nodesAreTheFormula(_ c: ConvCase) {
    Tape.scope {
      let conv = Conv2D(
        inputChannels: c.inputChannels, outputChannels: c.outputChannels, kernelSize: c.kernelSize,
        stride: c.stride, padding: c.padding, seed: 9)
      var rng = SeededGenerator(seed: 10)
      let pixels = (0..<c.input.count).map { _ in rng.nextUniform(in: -1, 1) }
      let x = Image(shape: c.input, pixels: pixels)
      let y = conv(x)
      let parameters = conv.parameterGroups.flatMap(\.parameters)
      let k = c.kernelSize
      var formula: [Value] = []
      for o in 0..<c.outputChannels {
        for oy in 0..<c.outputHeight {
          for ox in 0..<c.outputWidth {
            var w: [Value] = []
            var v: [Value] = []
            for ch in 0..<c.inputChannels {
              for ky in 0..<k {
                for kx in 0..<k {
                  let row = oy * c.stride - c.padding + ky
                  let column = ox * c.stride - c.padding + kx
                  guard row >= 0, row < c.height, column >= 0, column < c.width else { continue }
                  w.append(conv.kernels[o][(ch * k + ky) * k + kx])
                  v.append(x[ch, row, column])
                }
              }
            }
            formula.append(Value.dot(w, v) + conv.biases[o])
          }
        }
      }
      #expect(y.values.map(\.data.bitPattern) == formula.map(\.data.bitPattern))
      // The same gradients, bit for bit, for a weighted upstream.
      let weights = (0..<formula.count).map { Double($0 % 5) - 1.5 }
      for p in parameters { p.zeroGrad() }
      for p in x.values { p.zeroGrad() }
      Value.dot(y.values, weights).backward()
      let layerGradients = parameters.map(\.grad) + x.values.map(\.grad)
      for p in parameters { p.zeroGrad() }
      for p in x.values { p.zeroGrad() }
      Value.dot(formula, weights).backward()
      let formulaGradients = parameters.map(\.grad) + x.values.map(\.grad)
      #expect(layerGradients.map(\.bitPattern) == formulaGradients.map(\.bitPattern))
    }
  }
}
