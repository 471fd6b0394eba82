import Backprop
import Testing

/// The README's example, with the output it shows.
@Suite("README example")
struct ReadmeExampleTests {
  @Test func printsWhatTheReadmeSays() {
    Tape.scope {
      let a = Value(2.0)
      let b = Value(-3.0)
      let c = (a * b + a.pow(2)).tanh() / 2 - 1
      c.backward()
      #expect("\(c.data)" == "-1.4820137900379085")
      #expect("\(a.grad)" == "0.035325412426582214")
      #expect("\(b.grad)" == "0.07065082485316443")
    }
  }
}
