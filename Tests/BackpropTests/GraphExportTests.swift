import Backprop
import Testing

@Suite("Graph export: DOT and Mermaid")
struct GraphExportTests {
  @Test func dotShowsLabelsOpsDataAndGrad() {
    Tape.scope {
      let a = Value(2.0, label: "a")
      let b = Value(-3.0, label: "b")
      let c = a * b
      c.label = "c"
      let half = 0.5  // a Double: `c * half` records one node, no leaf
      let d = (c * half).tanh()
      d.backward()
      let expectedGradA = 0.5 * (1 - d.data * d.data) * -3
      #expect(a.grad == expectedGradA)
      let dot = d.graphviz()
      let expected = """
        digraph {
          rankdir=LR;
          node [shape=record];
          n\(a.id) [label="{ a | data 2.0000 | grad -0.0148 }"];
          n\(b.id) [label="{ b | data -3.0000 | grad 0.0099 }"];
          n\(c.id) [label="{ c | data -6.0000 | grad 0.0049 }"];
          n\(c.id)op [label="*", shape=circle];
          n\(c.id)op -> n\(c.id);
          n\(a.id) -> n\(c.id)op;
          n\(b.id) -> n\(c.id)op;
          n\(c.id + 1) [label="{ data -3.0000 | grad 0.0099 }"];
          n\(c.id + 1)op [label="* 0.5", shape=circle];
          n\(c.id + 1)op -> n\(c.id + 1);
          n\(c.id) -> n\(c.id + 1)op;
          n\(d.id) [label="{ data -0.9951 | grad 1.0000 }"];
          n\(d.id)op [label="tanh", shape=circle];
          n\(d.id)op -> n\(d.id);
          n\(c.id + 1) -> n\(d.id)op;
        }

        """
      #expect(dot == expected)
    }
  }

  @Test func mermaidHasTheSameGraph() {
    Tape.scope {
      let x = Value(1.5, label: "x")
      let y = x.pow(2) + x
      y.backward()
      let text = y.mermaid(digits: 2)
      let lines = text.split(separator: "\n").map(String.init)
      #expect(lines.first == "flowchart LR")
      #expect(lines.contains("  n\(x.id)[\"x | data 1.50 | grad 4.00\"]"))
      #expect(lines.contains("  n\(x.id + 1)op((\"pow 2.0\"))"))
      #expect(lines.contains("  n\(y.id)[\"data 3.75 | grad 1.00\"]"))
      #expect(lines.contains("  n\(x.id) --> n\(y.id)op"))
      #expect(lines.contains("  n\(x.id + 1) --> n\(y.id)op"))
    }
  }

  @Test func onlyTheGraphBelowTheValueIsExported() {
    Tape.scope {
      let a = Value(1.0, label: "a")
      let unrelated = Value(5.0, label: "unrelated")
      _ = unrelated * 2
      let b = a.exp()
      #expect(!b.graphviz().contains("unrelated"))
      #expect(!b.mermaid().contains("unrelated"))
      #expect(b.graphviz().contains("exp"))
    }
  }

  @Test func labelsAreEscaped() {
    Tape.scope {
      let a = Value(1.0, label: "a|{\"b\"}<c>")
      let dot = a.graphviz()
      #expect(dot.contains(#"a\|\{\"b\"\}\<c\>"#))
      let mermaid = a.mermaid()
      #expect(mermaid.contains("a|{#quot;b#quot;}<c>"))
    }
  }

  @Test func naryNodesListEveryOperand() {
    Tape.scope {
      let xs = (0..<4).map { Value(Double($0)) }
      let s = Value.sum(xs)
      let d = Value.dot(xs, [1, 2, 3, 4])
      let dot = (s + d).graphviz()
      for x in xs {
        #expect(dot.contains("n\(x.id) -> n\(s.id)op;"))
        #expect(dot.contains("n\(x.id) -> n\(d.id)op;"))
      }
      #expect(dot.contains("[label=\"sum\", shape=circle]"))
      #expect(dot.contains("[label=\"dot c\", shape=circle]"))
    }
  }

  @Test func deepGraphsExportWithoutRecursion() {
    Tape.scope {
      var x = Value(0.1)
      let one = 1.0  // a Double, not a literal: no leaf per step
      for _ in 0..<100_000 { x = x * one }
      let text = x.mermaid()
      #expect(text.split(separator: "\n").count == 1 + 1 + 100_000 * 4)
    }
  }
}
