import Foundation
import MixLabTasks
import MixLabTraining

/// A table of text cells rendered as Markdown, LaTeX (booktabs) or CSV.
///
/// Cells are plain text; each renderer escapes what its format needs (`|` in Markdown; `& % $ # _ { }
/// ~ ^ \` in LaTeX; quotes, commas and newlines in CSV per RFC 4180). Numeric columns are right-aligned.
public struct ReportTable: Sendable, Equatable {
    /// Column titles.
    public var header: [String]
    /// Rows, each with one cell per column.
    public var rows: [[String]]
    /// Which columns hold numbers (right-aligned).
    public var numericColumns: Set<Int>

    /// A table from its parts.
    public init(header: [String], rows: [[String]], numericColumns: Set<Int> = []) {
        precondition(rows.allSatisfy { $0.count == header.count }, "every row needs one cell per column")
        self.header = header
        self.rows = rows
        self.numericColumns = numericColumns
    }

    /// GitHub-flavoured Markdown.
    public var markdown: String {
        func line(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
        }
        let rule = "|" + header.indices.map { numericColumns.contains($0) ? "---:" : "---" }.joined(separator: "|") + "|"
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// A LaTeX `tabular` with booktabs rules (`\usepackage{booktabs}`).
    public var latex: String {
        let alignment = header.indices.map { numericColumns.contains($0) ? "r" : "l" }.joined()
        func line(_ cells: [String]) -> String { cells.map(Self.latexEscaped).joined(separator: " & ") + " \\\\" }
        return (["\\begin{tabular}{\(alignment)}", "\\toprule", line(header), "\\midrule"]
            + rows.map(line) + ["\\bottomrule", "\\end{tabular}"]).joined(separator: "\n") + "\n"
    }

    /// RFC 4180 CSV with a header line.
    public var csv: String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        return ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// `text` with LaTeX's special characters escaped; `±` and `Δ` become math.
    static func latexEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\textbackslash{}"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\\(character)"
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            case "±": out += "$\\pm$"
            case "Δ": out += "$\\Delta$"
            case "−": out += "$-$"
            case "–": out += "--"
            case "…": out += "\\dots{}"
            default: out.append(character)
            }
        }
        return out
    }
}
