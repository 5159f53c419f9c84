import Foundation
import MixLabCore
import MixLabTasks
import MixLabTraining

/// How `Study.run` runs a shard.
public struct StudyRunOptions: Sendable {
    /// The cells to run (`StudyShard.all` for every cell).
    public var shard: StudyShard
    /// Worker threads for every run, overriding the cells' `threads` setting (nil keeps it). Cell IDs
    /// do not change: threads change a run's speed, not what it computes.
    public var threads: Int?
    /// Go on with the next cell when one fails (and throw at the end), instead of stopping at once.
    public var keepGoing: Bool

    /// Options from their parts.
    public init(shard: StudyShard = .all, threads: Int? = nil, keepGoing: Bool = false) {
        self.shard = shard
        self.threads = threads
        self.keepGoing = keepGoing
    }
}

/// What `Study.run` did.
public struct StudyRunSummary: Sendable, Equatable {
    /// Cells in the shard.
    public var cells = 0
    /// Cells that already had a row.
    public var alreadyDone = 0
    /// Cells run to the end and appended.
    public var ran = 0
    /// Cells whose run had finished (its `runs/<cell ID>.result.json` was written) but whose row was missing from the
    /// results file (a crash between the two): appended without running again.
    public var recovered = 0
    /// Cells skipped because another process holds their run directory's lock.
    public var busy = 0
    /// Cells that failed (with `keepGoing`), with their errors.
    public var failed: [String] = []

    /// An empty summary.
    public init() {}
}

extension Study {
    /// Runs the cells of `options.shard` that have no row yet, in grid order, appending a row to the
    /// results file as each finishes. Safe to run again after a kill (finished cells are skipped) and
    /// alongside other shards (appends are locked, each cell's directory too).
    ///
    /// First the pending cells' tasks are built and their models checked (`preflight`). Then for each
    /// cell: take its lock `runs/<cell ID>.lock` (skip the cell if another process holds it);
    /// read the results file again (another process may have finished it meanwhile); if
    /// `runs/<cell ID>.result.json` holds the row of a finished run, append it; else run the cell with
    /// `runner` in `runs/<cell ID>/`, check the record's settings, write the row to
    /// `runs/<cell ID>.result.json` atomically, then append it to the results file.
    ///
    /// - Parameters:
    ///   - options: the shard, the thread count, and whether to keep going after a failed cell.
    ///   - runner: what trains a cell.
    ///   - log: receives one line per event (progress, warnings).
    /// - Throws: the first cell's error (with `keepGoing`, a summary error after the other cells);
    ///   `ioFailure` when the results file or a run directory cannot be written.
    @discardableResult
    public func run(_ options: StudyRunOptions, runner: StudyCellRunner, log: (String) -> Void) throws -> StudyRunSummary {
        var summary = StudyRunSummary()
        let progress = try self.progress()
        grid.warnings.forEach { log("warning: \($0)") }
        progress.warnings.forEach { log("warning: \($0)") }
        let cells = grid.cells(in: options.shard)
        summary.cells = cells.count
        let pending = cells.filter { !progress.isDone($0) }
        summary.alreadyDone = cells.count - pending.count
        log("study \(specification.name), shard \(options.shard): \(cells.count) cells, \(summary.alreadyDone) done, \(pending.count) to run (runner: \(runner.name))")
        try preflight(pending)

        for (position, cell) in pending.enumerated() {
            let prefix = "[\(position + 1)/\(pending.count)] cell \(cell.index) \(cell.id) \(cell.label)"
            do {
                try runCell(cell, options: options, runner: runner, prefix: prefix, summary: &summary, log: log)
            } catch {
                let message = (error as? MixLabError).map { "\($0.what) (\($0.location))" } ?? "\(error)"
                log("\(prefix): FAILED: \(message)")
                guard options.keepGoing else {
                    if let error = error as? MixLabError {
                        throw MixLabError(error.code, what: "cell \(cell.index) (\(cell.id): \(cell.label)) failed: \(error.what)",
                                          location: error.location,
                                          fix: "\(error.fix); finished cells are kept: run the study again to resume")
                    }
                    throw error
                }
                summary.failed.append("\(cell.id) (\(cell.label)): \(message)")
            }
        }
        if !summary.failed.isEmpty {
            throw MixLabError(
                .invalidArgument, what: "\(summary.failed.count) of \(pending.count) cells failed:\n  " + summary.failed.joined(separator: "\n  "),
                location: "study \(specification.name), shard \(options.shard)",
                fix: "fix the cause and run the study again: finished cells are kept and skipped")
        }
        return summary
    }

    private func runCell(
        _ cell: StudyCell, options: StudyRunOptions, runner: StudyCellRunner, prefix: String,
        summary: inout StudyRunSummary, log: (String) -> Void
    ) throws {
        let directory = specification.runDirectory(for: cell.id)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw MixLabError(.ioFailure, what: "cannot create the run directory \(directory.path)", location: specification.path,
                              fix: "check that the study folder is writable")
        }
        // A cell's lock (`runs/<cell ID>.lock`) keeps two processes off one cell: a shard started twice, a
        // requeued Slurm task whose first attempt still runs.
        let lockPath = specification.cellLockFile(for: cell.id).path
        guard let lock = try FileLock(path: lockPath, location: specification.path) else {
            summary.busy += 1
            let holder = FileLock.holder(of: lockPath)
            let elsewhere = holder?.isThisProcess == true ? "in another thread of this process" : "in another process" + (holder.map { " (\($0))" } ?? "")
            log("\(prefix): running \(elsewhere), skipped")
            return
        }
        defer { withExtendedLifetime(lock) {} }
        let key = StudyResultsFile.key(study: specification.name, cell: cell.id)
        if try results.read().keys.contains(key) {
            summary.alreadyDone += 1
            log("\(prefix): finished by another process meanwhile")
            return
        }

        let resultPath = specification.cellResultFile(for: cell.id)
        if let saved = FileManager.default.contents(atPath: resultPath.path) {
            let line = saved.last == 0x0A ? saved.dropLast() : saved
            let row = try StudyResultRow(jsonLine: Data(line), location: resultPath.path)
            guard row.cell == cell.id, row.study == specification.name else {
                throw MixLabError(.invalidArgument, what: "\(resultPath.path) holds the row of study \(row.study), cell \(row.cell)",
                                  location: resultPath.path, fix: "remove the file to run the cell again")
            }
            if (row.record.environment.build == StudyCellRunner.echoBuild) != (runner.name == StudyCellRunner.echo.name) {
                let kind = runner.name == StudyCellRunner.echo.name ? "a trained run" : "an echo run (no training)"
                throw MixLabError(
                    .invalidArgument, what: "\(resultPath.path) holds the row of \(kind), and this study runs its cells with the \(runner.name) runner",
                    location: resultPath.path,
                    fix: "remove \(resultPath.lastPathComponent) and the folder \(cell.id)/ beside it to run the cell again "
                        + "(an echo run leaves both in the study's runs/ folder, whatever --results says)")
            }
            let outcome = try results.append([row])
            outcome.warnings.forEach(log)
            summary.recovered += 1
            log("\(prefix): recovered the finished run from \(resultPath.lastPathComponent)")
            return
        }

        var configuration = cell.configuration
        if let threads = options.threads { configuration.threads = threads }
        log("\(prefix): running")
        let record = try runner.run(configuration, cell.id, directory)
        guard record.settings == configuration.settings else {
            let differing = Set(record.settings.keys).union(configuration.settings.keys).sorted()
                .filter { record.settings[$0] != configuration.settings[$0] }
                .map { "\($0): \(configuration.settings[$0] ?? "—") → \(record.settings[$0] ?? "—")" }
            throw MixLabError(
                .invalidArgument, what: "the runner '\(runner.name)' returned a record for other settings (\(differing.joined(separator: ", ")))",
                location: "cell \(cell.id)", fix: "the runner must train the configuration it is given")
        }
        let row = StudyResultRow(study: specification.name, cell: cell.id, record: record)
        try AtomicFile.write(try row.jsonLine(), to: resultPath.path)
        let outcome = try results.append([row])
        outcome.warnings.forEach(log)
        if outcome.removedBytes > 0 { log("removed an unfinished last line (\(outcome.removedBytes) bytes) from \(results.url.path)") }
        summary.ran += 1
        let accuracy = record.test.map { String(format: "test accuracy %.4f", $0.accuracy) } ?? "no test metrics"
        log("\(prefix): done in \(String(format: "%.1f", record.wallSeconds)) s, \(accuracy)")
    }
}
