import Backprop
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The element names and attributes of an XML document, in order.
final class XMLOutline: NSObject, XMLParserDelegate {
  var elements: [(name: String, attributes: [String: String])] = []
  var text = ""
  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String] = [:]
  ) {
    elements.append((elementName, attributes))
  }
  func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

  /// Parses `xml`; nil when it is not well-formed.
  static func parse(_ xml: String) -> XMLOutline? {
    let outline = XMLOutline()
    let parser = XMLParser(data: Data(xml.utf8))
    parser.delegate = outline
    return parser.parse() ? outline : nil
  }
}

@Suite("GraphPicture: SVG")
struct GraphPictureSVGTests {
  @Test func standaloneAccessibleSVG() throws {
    try Tape().withCurrent {
      let o = LayoutGraphs.neuron()
      o.label = "o"
      o.backward()
      let svg = o.svg()
      let outline = try #require(XMLOutline.parse(svg))
      let root = try #require(outline.elements.first)
      #expect(root.name == "svg")
      #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
      #expect(root.attributes["role"] == "img")
      #expect(root.attributes["aria-label"] == "Graph of o: 10 values")
      #expect(root.attributes["viewBox"] == "0 0 \(root.attributes["width"] ?? "?") \(root.attributes["height"] ?? "?")")
      #expect(outline.elements.dropFirst().first?.name == "title")
      #expect(outline.text.contains("data 0.7071"))
      #expect(outline.text.contains("grad -1.5000"))
      #expect(outline.elements.filter { $0.name == "path" && $0.attributes["id"] != nil }.count == 9 + 5)
      #expect(outline.elements.filter { $0.attributes["class"] == "value" }.count == 10)
    }
  }

  @Test func textIsEscaped() throws {
    try Tape().withCurrent {
      let a = Value(1.0, label: "a<b & \"c\"")
      let b = a * 2
      b.label = "</svg>"
      let svg = b.svg(.init(digits: 2, title: "x < y & 'z'"))
      let outline = try #require(XMLOutline.parse(svg))
      #expect(outline.text.contains("a<b & \"c\""))
      #expect(outline.text.contains("</svg>"))
      #expect(outline.text.contains("data 2.00"))
      #expect(outline.elements.first?.attributes["aria-label"] == "x < y & 'z'")
      #expect(!svg.contains("a<b"))
    }
  }

  @Test func collapsedMLPParsesAndDrawsOneBoxPerNeuron() throws {
    try Tape().withCurrent {
      let loss = LayoutGraphs.mlpLoss()
      loss.backward()
      let svg = loss.svg(.init(collapsesNeurons: true))
      let outline = try #require(XMLOutline.parse(svg))
      #expect(outline.elements.filter { $0.attributes["class"] == "value" }.count == 337 + 1 + 33 + 2)
      #expect(outline.text.contains("w·x+b relu"))
      let full = try #require(XMLOutline.parse(loss.svg()))
      #expect(full.elements.filter { $0.attributes["class"] == "value" }.count > 400)
    }
  }
}
