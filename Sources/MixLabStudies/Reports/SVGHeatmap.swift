import Foundation
import MixLabTasks
import MixLabTraining

/// A matrix drawn as a heatmap in a self-contained SVG file: one square cell per entry, row 0 at the top,
/// with a diverging colour scale symmetric around zero.
///
/// Entry `v` is coloured by `v / m`, where `m` is the largest magnitude in the matrix (or `scale` when
/// given, for several heatmaps on one scale): −1 is blue (`#2166AC`), 0 white, +1 red (`#B2182B`), linearly
/// in sRGB between them (the end colours of ColorBrewer's RdBu). Non-finite entries are grey. The title and
/// the scale (`±m`) are written above the cells. Optional row labels (left of the rows), column labels
/// (above the columns, vertical) and cell texts (centred in each cell, white on dark cells) make it a
/// labelled table such as a confusion matrix (at least as wide as its title); without them the layout is
/// the plain grid. Output is a pure
/// function of the heatmap (fixed layout, colours rounded to 8 bits, coordinates with fixed precision),
/// so the same matrix gives the same bytes.
public struct SVGHeatmap: Sendable {
    /// The title above the cells.
    public var title: String
    /// The entries, row-major: `rows × columns`.
    public var values: [Double]
    /// The number of rows.
    public var rows: Int
    /// The number of columns.
    public var columns: Int
    /// The magnitude drawn at full colour (nil: the largest finite magnitude).
    public var scale: Double?
    /// The side of one cell, in pixels.
    public var cellSize: Double
    /// A label written left of each row (`rows` of them), or nil.
    public var rowLabels: [String]?
    /// A label written above each column (`columns` of them), or nil.
    public var columnLabels: [String]?
    /// A text written in each cell, row-major (`rows × columns` of them), or nil.
    public var cellTexts: [String]?

    /// A heatmap of a `rows × columns` matrix given row-major.
    public init(title: String, values: [Double], rows: Int, columns: Int, scale: Double? = nil, cellSize: Double = 12) {
        precondition(rows >= 1 && columns >= 1 && values.count == rows * columns, "values must hold rows × columns entries")
        self.title = title
        self.values = values
        self.rows = rows
        self.columns = columns
        self.scale = scale
        self.cellSize = cellSize
    }

    /// The magnitude at full colour.
    public var resolvedScale: Double {
        if let scale, scale > 0, scale.isFinite { return scale }
        let largest = values.filter(\.isFinite).map(abs).max() ?? 0
        return largest > 0 ? largest : 1
    }

    /// The colour of `value` as `#RRGGBB`.
    public func colour(_ value: Double) -> String {
        guard value.isFinite else { return "#999999" }
        let t = max(-1, min(1, value / resolvedScale))
        let (end, white) = (t < 0 ? (0x21, 0x66, 0xAC) : (0xB2, 0x18, 0x2B), 255.0)
        let fraction = abs(t)
        func channel(_ target: Int) -> Int { Int((white + (Double(target) - white) * fraction).rounded()) }
        return String(format: "#%02X%02X%02X", channel(end.0), channel(end.1), channel(end.2))
    }

    /// The width a label of `text` takes at the 11-pixel font: 6.5 pixels a character, a fixed estimate
    /// (an SVG file cannot measure its text) that is wide enough for Helvetica's widest common letters.
    static func labelWidth(_ text: String) -> Double { Double(text.count) * 6.5 }

    /// The SVG document.
    public var svg: String {
        let margin = 6.0
        precondition(rowLabels.map { $0.count == rows } ?? true, "rowLabels must hold one label per row")
        precondition(columnLabels.map { $0.count == columns } ?? true, "columnLabels must hold one label per column")
        precondition(cellTexts.map { $0.count == rows * columns } ?? true, "cellTexts must hold one text per cell")
        let left = margin + (rowLabels.map { $0.map(Self.labelWidth).max()! + 6 } ?? 0)
        let header = 34.0 + (columnLabels.map { $0.map(Self.labelWidth).max()! + 6 } ?? 0)
        let isLabelled = rowLabels != nil || columnLabels != nil || cellTexts != nil
        // A labelled heatmap is at least as wide as its title (a plain one keeps the grid's width).
        let width = max(left + Double(columns) * cellSize + margin, isLabelled ? Self.labelWidth(title) + 2 * margin : 0)
        let height = Double(rows) * cellSize + header + margin
        let middle = width / 2
        var out = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
                + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(f(middle))\" y=\"14\" text-anchor=\"middle\">\(escaped(title))</text>",
            "<text x=\"\(f(middle))\" y=\"27\" text-anchor=\"middle\" fill=\"#555\">±\(String(format: "%.3g", resolvedScale))</text>",
        ]
        for row in 0..<rows {
            for column in 0..<columns {
                let x = left + Double(column) * cellSize
                let y = header + Double(row) * cellSize
                out.append("<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cellSize))\" height=\"\(f(cellSize))\" "
                    + "fill=\"\(colour(values[row * columns + column]))\"/>")
            }
        }
        out.append("<rect x=\"\(f(left))\" y=\"\(f(header))\" width=\"\(f(Double(columns) * cellSize))\" "
            + "height=\"\(f(Double(rows) * cellSize))\" fill=\"none\" stroke=\"#333\"/>")
        for (row, label) in (rowLabels ?? []).enumerated() {
            out.append("<text x=\"\(f(left - 4))\" y=\"\(f(header + (Double(row) + 0.5) * cellSize + 4))\" "
                + "text-anchor=\"end\">\(escaped(label))</text>")
        }
        for (column, label) in (columnLabels ?? []).enumerated() {
            let x = left + (Double(column) + 0.5) * cellSize + 4
            out.append("<text transform=\"translate(\(f(x)),\(f(header - 4))) rotate(-90)\">\(escaped(label))</text>")
        }
        for (index, text) in (cellTexts ?? []).enumerated() {
            let (row, column) = index.quotientAndRemainder(dividingBy: columns)
            let strong = abs(values[index] / resolvedScale) > 0.6
            out.append("<text x=\"\(f(left + (Double(column) + 0.5) * cellSize))\" y=\"\(f(header + (Double(row) + 0.5) * cellSize + 4))\" "
                + "text-anchor=\"middle\"\(strong ? " fill=\"white\"" : "")>\(escaped(text))</text>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
