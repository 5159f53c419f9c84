import Foundation
import Testing

/// The Swift code blocks of the article "Writing a mixer" are the marked regions of
/// `CausalSmoothingMixerExample.swift`, in order and character for character, so the code the article
/// shows is the code these tests compile and run.
@Suite struct ArticleCodeTests {
    /// The package root: three folders above this file (`Tests/MixLabTestKitTests/…`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The text between each ```` ```swift ```` line and the next ```` ``` ```` line of `markdown`.
    static func swiftBlocks(_ markdown: String) -> [String] {
        var blocks: [String] = [], current: [Substring]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```swift" {
                current = []
            } else if let lines = current, line == "```" {
                blocks.append(lines.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// The text between each `// article: begin …` line and the next `// article: end` line of `source`.
    static func markedRegions(_ source: String) -> [String] {
        var regions: [String] = [], current: [Substring]?
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.hasPrefix("// article: begin") {
                current = []
            } else if let lines = current, line == "// article: end" {
                regions.append(lines.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return regions
    }

    @Test func writingAMixerShowsTheTestedCode() throws {
        let article = try String(
            contentsOf: Self.root.appendingPathComponent("Sources/MixLabMixers/MixLabMixers.docc/WritingAMixer.md"), encoding: .utf8)
        let example = try String(
            contentsOf: Self.root.appendingPathComponent("Tests/MixLabTestKitTests/CausalSmoothingMixerExample.swift"),
            encoding: .utf8)
        let (blocks, regions) = (Self.swiftBlocks(article), Self.markedRegions(example))
        #expect(regions.count == 2)
        #expect(blocks.count == regions.count, "the article has \(blocks.count) Swift blocks, the example \(regions.count) regions")
        for (index, (block, region)) in zip(blocks, regions).enumerated() {
            let (blockLines, regionLines) = (block.split(separator: "\n", omittingEmptySubsequences: false),
                                             region.split(separator: "\n", omittingEmptySubsequences: false))
            let first = zip(blockLines, regionLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(blockLines.count, regionLines.count)
            let message = "Swift block \(index + 1) of WritingAMixer.md differs from region \(index + 1) of "
                + "CausalSmoothingMixerExample.swift from line \(first + 1) of the block"
            #expect(block == region, "\(message)")
        }
    }
}
