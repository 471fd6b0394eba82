import Backprop
import Testing

@Suite("Smoke")
struct SmokeTests {
  @Test func micrograd_readme_example() {
    let a = Value(-4.0)
    let b = Value(2.0)
    var c = a + b
    var d = a * b + b.pow(3)
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    let e = c - d
    let f = e.pow(2)
    var g = f / 2.0
    g += 10.0 / f
    g.backward()
    #expect(abs(g.data - 24.70408163265306) < 1e-12)
    #expect(abs(a.grad - 138.83381924198252) < 1e-10)
    #expect(abs(b.grad - 645.5772594752186) < 1e-10)
  }

  @Test func staleValueTraps() async {
    await #expect(processExitsWith: .failure) {
      let v = Tape.scope { Value(1.0) }
      _ = v.data
    }
  }
}
