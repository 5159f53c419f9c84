import ArgumentParser
import Foundation
import MixLab

/// `mixlab study status FILE`: done/total cells, per shard.
struct StudyStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show how many cells of a study are done, per shard.")

    @Argument(help: "The study file.")
    var file: String

    @Option(help: "Count per shard for this many shards.")
    var shards: Int = 1

    @Option(help: "A results file to read instead of the study's.")
    var results: String?

    func validate() throws {
        guard shards >= 1 else { throw ValidationError("--shards must be at least 1 (got \(shards))") }
    }

    func run() throws {
        let study = try Study(contentsOf: file, resultsFile: results.map { URL(fileURLWithPath: $0) })
        printLine(try Self.report(study, shards: shards))
    }

    /// The status table of `study` over `shards` shards.
    static func report(_ study: Study, shards: Int) throws -> String {
        let progress = try study.progress()
        var table = TextTable(["shard", "done", "total"])
        for count in progress.counts(shards: shards) {
            table.add([count.shard.description, "\(count.done)", "\(count.total)"])
        }
        var lines = (study.grid.warnings + progress.warnings).map { "warning: \($0)" }
        lines.append("study \(study.specification.name): \(progress.done.count) of \(study.grid.cells.count) cells done "
                     + "(results: \(study.results.url.path))")
        if progress.otherRows > 0 {
            lines.append("\(progress.otherRows) row(s) of the results file belong to no cell of this grid (another study name, or cells the file no longer has)")
        }
        lines.append("")
        lines.append(table.rendered)
        return lines.joined(separator: "\n")
    }
}
