import ArgumentParser
import Foundation
import MixLab

/// `mixlab study merge OUT IN…`: joins results files of shards written separately.
struct StudyMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Append to OUT the rows of results files IN… whose cells it lacks (one row per study and cell).",
        discussion: """
            For shards that wrote separate results files (clusters without a shared lockable filesystem).
            OUT may already hold rows (e.g. the study's results file); a cell already in OUT, or in an earlier
            input, is skipped. OUT is appended to under flock, like `mixlab study run` does, so merging while
            shards still run is safe; re-running a merge adds nothing twice.
            """)

    @Argument(help: "The results file to append to (created if missing).")
    var output: String

    @Argument(help: "The results files to merge, in order of preference.")
    var inputs: [String]

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one results file to merge") }
    }

    func run() throws {
        let target = StudyResultsFile(URL(fileURLWithPath: output))
        let outcome = try target.merge(from: inputs.map { StudyResultsFile(URL(fileURLWithPath: $0)) })
        outcome.warnings.forEach { printLine("warning: \($0)") }
        printLine("\(output): \(outcome.appended) row(s) appended, \(outcome.skipped) already present")
    }
}
