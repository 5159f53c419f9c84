import Foundation

/// What one block produced, and how it is written under the block.
///
/// The region holds, separated by blank lines: the block's standard output (in a fenced `text` block whose
/// fence is longer than any backtick run in the output, or as Markdown with `output=markdown`), then one
/// image link per figure the block wrote into the assets folder:
///
///     <!-- output -->
///     ```text
///     fourier  2.31 ms
///     ```
///
///     ![fourier](03-transforms-side-by-side.assets/fourier.svg)
///     <!-- /output -->
///
/// A block with no output and no figures gets no region.
struct NotebookOutput: Sendable, Equatable {
    /// The normalised standard output.
    var text: String
    /// How `text` is written.
    var format: NotebookBlockAttributes.OutputFormat
    /// The figures, as paths relative to the notebook's folder, in name order.
    var images: [String]

    /// The output as written between the markers (without them), or no lines when there is nothing.
    var regionContent: [String] {
        var parts: [[String]] = []
        if !text.isEmpty {
            let lines = text.components(separatedBy: "\n")
            switch format {
            case .text:
                let fence = String(repeating: "`", count: max(3, Self.longestBacktickRun(in: text) + 1))
                parts.append([fence + "text"] + lines + [fence])
            case .markdown:
                parts.append(lines)
            case .none:
                break
            }
        }
        if !images.isEmpty {
            // One paragraph: small figures flow side by side.
            parts.append(images.map { "![\(((($0 as NSString).lastPathComponent) as NSString).deletingPathExtension)](\($0))" })
        }
        var content = Array(parts.joined(separator: [""]))
        // A Markdown table would swallow the end marker without a blank line before it.
        if format == .markdown, !text.isEmpty, images.isEmpty { content.append("") }
        return content
    }

    /// The length of the longest run of backticks in `text`.
    static func longestBacktickRun(in text: String) -> Int {
        var (longest, current) = (0, 0)
        for character in text {
            current = character == "`" ? current + 1 : 0
            longest = max(longest, current)
        }
        return longest
    }

    /// Output bytes as notebook text: UTF-8 (invalid bytes replaced), terminal colour codes removed, each
    /// line reduced to what follows its last carriage return (progress bars), trailing blanks removed from
    /// every line, and blank lines removed at both ends.
    static func normalised(_ data: Data) -> String {
        var text = String(decoding: data, as: UTF8.self)
        text = text.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[ -/]*[@-~]", with: "", options: .regularExpression)
        // Unicode scalars, not characters: "\r\n" is one Character in Swift.
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let segments = line.split(separator: "\r", omittingEmptySubsequences: false)
            var shown = segments.last { !$0.isEmpty } ?? Substring.UnicodeScalarView()
            while let last = shown.last, last == " " || last == "\t" { shown.removeLast() }
            return String(shown)
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}

extension NotebookDocument {
    /// The notebook's text with each block's output region replaced by `outputs[block.number]` (a block
    /// missing from `outputs` keeps its region). Everything outside the regions is kept byte for byte.
    func replacingOutputs(_ outputs: [Int: NotebookOutput]) -> String {
        var result: [String] = []
        var next = 0
        for block in blocks {
            guard let output = outputs[block.number] else { continue }
            result.append(contentsOf: lines[next...block.closingLine])
            next = (block.output?.endLine ?? block.closingLine) + 1
            let content = output.regionContent
            guard !content.isEmpty else { continue }
            let indented = ([NotebookParser.outputStart] + content + [NotebookParser.outputEnd])
                .map { $0.isEmpty ? "" : block.indentation + $0 }
            result.append("")
            result.append(contentsOf: indented)
        }
        result.append(contentsOf: lines[next...])
        return result.joined(separator: "\n")
    }
}
