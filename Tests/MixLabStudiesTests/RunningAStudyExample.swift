// The example of the article "Running a study" (Sources/MixLabStudies/MixLabStudies.docc/RunningAStudy.md).
// The lines between `// article: begin` and `// article: end` are the article's Swift block, character
// for character; `RunningAStudyExampleTests` runs them and fails when the two differ.

// article: begin
import Foundation
import MixLabStudies

/// Runs the cells of `shard` that have no result yet, then reports every result of the study so far
/// into `report/` beside the study file.
func runAndReport(studyFile path: String, shard: StudyShard = .all, runner: StudyCellRunner = .trainer()) throws -> StudyReport {
    let study = try Study(contentsOf: path)                  // reads and checks every cell first
    let summary = try study.run(StudyRunOptions(shard: shard), runner: runner) { line in print(line) }
    print("\(summary.ran) ran, \(summary.alreadyDone) already done, \(summary.failed.count) failed")

    let cells = Set(study.grid.cells.map(\.id))
    let records = try study.results.read().rows
        .filter { $0.study == study.specification.name && cells.contains($0.cell) }
        .map(\.record)
    let options = study.specification.report.options(keyOrder: study.specification.axes.map(\.key))
    let report = try StudyReport(records: records, options: options)
    let folder = study.specification.folder.appendingPathComponent("report").path
    _ = try report.write(to: folder, title: "Study \(study.specification.name)", reproduce: ["mixlab study run \(path)"])
    return report
}
// article: end

import Testing

@Suite struct RunningAStudyExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `Experiments/tiny-slurm` (three mixers × two seeds) in a scratch folder, run in two shards with
    /// the echo runner (no training), then once more: nothing is run twice and the report has a group
    /// per mixer.
    @Test func runsShardsAndReports() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mixlab-article-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("study.yaml").path
        try FileManager.default.copyItem(atPath: Self.root.appendingPathComponent("Experiments/tiny-slurm/study.yaml").path, toPath: path)

        _ = try runAndReport(studyFile: path, shard: try StudyShard(index: 0, count: 2), runner: .echo)
        let report = try runAndReport(studyFile: path, shard: try StudyShard(index: 1, count: 2), runner: .echo)
        #expect(report.groups.count == 3)
        #expect(report.groups.allSatisfy { $0.runs.count == 2 })
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report/report.md").path))
        let again = try Study(contentsOf: path).run(StudyRunOptions(), runner: .echo) { _ in }
        #expect(again.ran == 0 && again.alreadyDone == 6)
    }

    /// The article's Swift block is the marked region of this file.
    @Test func theArticleShowsThisCode() throws {
        func between(_ text: String, _ start: (Substring) -> Bool, _ end: Substring) -> [String] {
            var found: [String] = [], current: [Substring]?
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if current == nil, start(line) { current = [] }
                else if let lines = current, line == end { found.append(lines.joined(separator: "\n")); current = nil }
                else { current?.append(line) }
            }
            return found
        }
        let article = try String(contentsOf: Self.root.appendingPathComponent(
            "Sources/MixLabStudies/MixLabStudies.docc/RunningAStudy.md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let blocks = between(article, { $0 == "```swift" }, "```")
        let regions = between(source, { $0 == "// article: begin" }, "// article: end")
        #expect(regions.count == 1 && blocks == regions, "RunningAStudy.md's Swift block differs from RunningAStudyExample.swift")
    }
}
