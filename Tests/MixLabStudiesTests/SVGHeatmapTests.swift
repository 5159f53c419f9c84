import Foundation
import MixLabTasks
import MixLabTraining
@testable import MixLabStudies
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct SVGHeatmapTests {
    @Test func coloursRunFromBlueThroughWhiteToRedOnASymmetricScale() {
        let heatmap = SVGHeatmap(title: "m", values: [-2, -1, 0, 1, 2, .nan], rows: 2, columns: 3)
        #expect(heatmap.resolvedScale == 2)
        #expect(heatmap.colour(-2) == "#2166AC" && heatmap.colour(0) == "#FFFFFF" && heatmap.colour(2) == "#B2182B")
        #expect(heatmap.colour(1) == "#D98C95")  // halfway from white to red
        #expect(heatmap.colour(5) == heatmap.colour(2) && heatmap.colour(.nan) == "#999999")
        var shared = heatmap
        shared.scale = 4
        #expect(shared.colour(2) == heatmap.colour(1))
        #expect(SVGHeatmap(title: "zero", values: [0, 0], rows: 1, columns: 2).resolvedScale == 1)
    }

    @Test func drawsOneCellPerEntryRowZeroAtTheTopAsWellFormedXML() throws {
        let heatmap = SVGHeatmap(title: "A <&> \"B\"", values: [1, 0, 0, -1], rows: 2, columns: 2, cellSize: 10)
        let svg = heatmap.svg
        #expect(svg == heatmap.svg)
        let cells = svg.components(separatedBy: "\n").filter { $0.hasPrefix("<rect x=") && $0.contains("fill=\"#") }
        #expect(cells.count == 4)
        #expect(cells[0].contains("x=\"6.0\" y=\"34.0\"") && cells[0].contains("#B2182B"))
        #expect(cells[3].contains("x=\"16.0\" y=\"44.0\"") && cells[3].contains("#2166AC"))
        #expect(svg.contains("A &lt;&amp;&gt; &quot;B&quot;") && svg.contains("±1"))
        _ = try XMLDocument(data: Data(svg.utf8))
    }
}
