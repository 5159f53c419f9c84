import ArgumentParser
import Foundation
import MixLab

/// `mixlab study run FILE`: runs the cells of a study (or of one shard) that have no result yet.
struct StudyRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the cells of a study that have no result yet (resumable; --shard i/n runs one part).",
        discussion: """
            Cells run one after another in grid order, each in runs/<cell ID>/ beside the study file, and append
            one JSON line to the results file when they finish. Kill it at any time: a re-run skips the
            finished cells and the trainer resumes the interrupted one from its checkpoint. Several shards
            (processes or machines) may run at once on the same results file: appends are locked with flock.
            Shards are 0-based: --shard 0/3, 1/3, 2/3 hold the cells whose index mod 3 is 0, 1, 2.
            Paths in the study file (init-from, task.tokenizer) are relative to its folder, where the cells run.
            """)

    @Argument(help: "The study file (Experiments/<study>/study.yaml).")
    var file: String

    @Option(help: "Run only shard INDEX/COUNT (0-based), e.g. 0/4.")
    var shard: String?

    @Flag(help: "List the cells (of the shard) and whether each is done; run nothing.")
    var dryRun = false

    @Option(help: "Threads of every run, overriding the study's threads setting (0: every core). Cell IDs do not change.")
    var threads: Int?

    @Option(help: "A results file to use instead of the study's (e.g. one per shard; join them with `mixlab study merge`).")
    var results: String?

    @Option(help: """
        What runs a cell: process (the default: a `mixlab train` process per cell, so each run's peak memory is its own and a \
        crash ends only its cell), in-process (trains in this process), or echo (trains nothing: a deterministic record \
        from the settings, to test the study machinery).
        """)
    var runner: String = "process"

    @Flag(help: "Go on with the other cells when one fails (exit with an error at the end).")
    var keepGoing = false

    func validate() throws {
        if let threads, threads < 0 { throw ValidationError("--threads must be 0 (every core) or more (got \(threads))") }
    }

    func run() throws {
        let shard = try shard.map { try StudyShard(parsing: $0) } ?? .all
        let runner = try StudyRunners.named(self.runner)
        let studyFile = URL(fileURLWithPath: file).standardizedFileURL
        let resultsFile = results.map { URL(fileURLWithPath: $0).standardizedFileURL }
        // Paths in a study file (init-from, task.tokenizer) are relative to its folder: the cells run there.
        let folder = studyFile.deletingLastPathComponent().path
        if FileManager.default.fileExists(atPath: studyFile.path), !FileManager.default.changeCurrentDirectoryPath(folder) {
            throw MixLabError(.ioFailure, what: "cannot enter the study's folder \(folder)", location: "mixlab study run",
                              fix: "check that the folder exists and that you may enter it")
        }
        let study = try Study(contentsOf: studyFile.path, resultsFile: resultsFile)
        if dryRun {
            printLine(try Self.listing(study, shard: shard))
            return
        }
        let summary = try study.run(StudyRunOptions(shard: shard, threads: threads, keepGoing: keepGoing), runner: runner, log: printLine)
        printLine("study \(study.specification.name), shard \(shard): \(summary.ran) ran, \(summary.recovered) recovered, "
                  + "\(summary.alreadyDone) already done, \(summary.busy) running elsewhere; results in \(study.results.url.path)")
    }

    /// The cells of `shard` with their IDs, settings and state.
    static func listing(_ study: Study, shard: StudyShard) throws -> String {
        let progress = try study.progress()
        let cells = study.grid.cells(in: shard)
        var table = TextTable(["cell", "id", "state"])
        for cell in cells {
            table.add(["\(cell.index)", cell.id, progress.isDone(cell) ? "done" : "to run"])
        }
        // The settings column, left-aligned after the others.
        let rendered = zip(table.rendered.split(separator: "\n"), ["settings", "--------"] + cells.map(\.label))
            .map { "\($0)  \($1)" }.joined(separator: "\n")
        let done = cells.filter(progress.isDone).count
        var lines = (study.grid.warnings + progress.warnings).map { "warning: \($0)" }
        lines.append("study \(study.specification.name) (\(study.specification.path)), shard \(shard): "
                     + "\(cells.count) of \(study.grid.cells.count) cells, \(done) done, \(cells.count - done) to run")
        lines.append("results: \(study.results.url.path); run directories: \(study.specification.runsFolder.path)/<id>")
        lines.append("")
        lines.append(rendered)
        return lines.joined(separator: "\n")
    }
}
