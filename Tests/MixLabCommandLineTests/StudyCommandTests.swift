import Foundation
import MixLab
@testable import MixLabCommandLine
import Testing

/// `mixlab study`: listings, status, and several processes writing one results file.
@Suite struct StudyCommandTests {
    /// A registry with one task, so that these tests do not depend on which tasks MixLab ships.
    static let tasks: TaskRegistry = {
        let registry = TaskRegistry()
        try! registry.register(TaskRegistration(
            name: "toy", summary: "a toy task for CLI tests", labelKind: .sequence, keys: [],
            make: { _ in ToyTask() }))
        return registry
    }()

    /// Four one-token examples; the label is the token's parity.
    struct ToyTask: LearningTask {
        var name: String { "toy" }
        var settings: [String: String] { [:] }
        var labelKind: TaskLabelKind { .sequence }
        var classes: Int { 2 }
        var classNames: [String] { ["even", "odd"] }
        var vocabulary: TaskVocabulary { try! TaskVocabulary(names: ["<pad>", "1", "2"]) }
        var sequenceLength: Int { 4 }
        func count(_ split: TaskSplit) -> Int { 4 }
        func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
            TaskExample(tokens: [Int32(1 + index % 2)], label: Int32(index % 2))
        }
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mixlab-cli-study-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func study(in folder: URL) throws -> Study {
        let path = folder.appendingPathComponent("study.yaml").path
        try "name: cli\nbase: {task: toy, steps: 10, warmup: 1}\naxes:\n  - mixer: [fourier, dct]\n  - seed: [0, 1, 2]\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return try Study(contentsOf: path, tasks: tasks)
    }

    @Test func dryRunAndStatusShowDoneCellsPerShard() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let study = try Self.study(in: folder)
        try study.run(StudyRunOptions(shard: try StudyShard(parsing: "0/2")), runner: .echo) { _ in }
        let listing = try StudyRunCommand.listing(study, shard: .all)
        #expect(listing.contains("6 of 6 cells, 3 done, 3 to run"))
        let lines = listing.split(separator: "\n")
        let firstCell = study.grid.cells[0], secondCell = study.grid.cells[1]
        #expect(lines.contains { $0.hasPrefix("0") && $0.contains(firstCell.id) && $0.contains("done") && $0.contains("mixer=fourier seed=0") })
        #expect(lines.contains { $0.hasPrefix("1") && $0.contains(secondCell.id) && $0.contains("to run") })
        let status = try StudyStatusCommand.report(study, shards: 2)
        #expect(status.contains("3 of 6 cells done"))
        #expect(status.contains("0/2       3      3") && status.contains("1/2       0      3"), "\(status)")
    }

    @Test func reportWritesTablesAndPlotsOfTheGridsRows() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let study = try Self.study(in: folder)
        var settings = StudyReportSettings()
        settings.baselineKey = "mixer"
        settings.baselineValue = "fourier"
        // Nothing has run yet: the report says how to get results.
        let empty = StudyTestSupportForCLI.error { _ = try StudyReportCommand.write(study, settings: settings, out: nil, reproduce: []) { _ in } }
        #expect(empty?.what.contains("no finished runs") == true && empty?.fix.contains("mixlab study run") == true)
        try study.run(StudyRunOptions(), runner: .echo) { _ in }
        var warnings: [String] = []
        let (report, written, files) = try StudyReportCommand.write(study, settings: settings, out: nil, reproduce: ["mixlab study run x"]) {
            warnings.append($0)
        }
        #expect(warnings.isEmpty)
        #expect(written == folder.appendingPathComponent("report").path)
        #expect(report.groups.count == 2 && report.groups.allSatisfy { $0.runs.count == 3 })
        #expect(report.table.header.contains("Δ vs mixer=fourier"))
        #expect(Set(files.map { ($0 as NSString).lastPathComponent }).isSuperset(of: ["report.md", "table.tex", "table.csv"]))
        // The same results give the same files.
        let first = try String(contentsOfFile: written + "/report.md", encoding: .utf8)
        _ = try StudyReportCommand.write(study, settings: settings, out: nil, reproduce: ["mixlab study run x"]) { _ in }
        #expect(try String(contentsOfFile: written + "/report.md", encoding: .utf8) == first)
        // A baseline the study does not have is an error naming the values it has.
        settings.baselineValue = "hadamard"
        let missing = StudyTestSupportForCLI.error { _ = try StudyReportCommand.write(study, settings: settings, out: nil, reproduce: []) { _ in } }
        #expect(missing?.fix.contains("dct, fourier") == true)
    }

    @Test func reportRejectsBadOptions() throws {
        for (arguments, phrase) in [
            (["--metric", "acc"], "no report metric 'acc'"), (["--baseline", "attention"], "not key=value"),
            (["--confidence", "1.5"], "not in (0, 1)"),
        ] {
            // An absolute path: the test does not depend on the working directory it is run from.
            let study = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Experiments/demo/study.yaml").path
            let result = try MissingLibraryTests.mixlab(["study", "report", study] + arguments, environment: [:])
            #expect(result.status != 0 && result.output.contains(phrase), "\(result.output)")
        }
    }

    @Test func badShardsAndRunnersAreRejectedBeforeAnythingRuns() throws {
        let (status, output) = try MissingLibraryTests.mixlab(["study", "run", "/nonexistent/study.yaml", "--shard", "3/3"], environment: [:])
        #expect(status != 0)
        #expect(output.contains("shard 3 is out of range for 3 shards") && output.contains("0 to 2"))
        let runner = try MissingLibraryTests.mixlab(["study", "run", "/nonexistent/study.yaml", "--runner", "magic"], environment: [:])
        #expect(runner.status != 0 && runner.output.contains("there is no runner 'magic'"))
        let missing = try MissingLibraryTests.mixlab(["study", "status", "/nonexistent/study.yaml"], environment: [:])
        #expect(missing.status != 0 && missing.output.contains("cannot read the study file /nonexistent/study.yaml"))
    }

    /// Two `mixlab study merge` processes append the same rows to one file at once: the lock must keep
    /// every row exactly once, whole.
    @Test func twoProcessesAppendingAtOnceNeitherInterleaveNorDuplicate() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let study = try Self.study(in: folder)
        try study.run(StudyRunOptions(), runner: .echo) { _ in }
        // Many rows (the six cells under many study names), in two inputs that overlap by half.
        let rows = try study.results.read().rows
        func input(_ name: String, _ names: Range<Int>) throws -> String {
            let file = StudyResultsFile(folder.appendingPathComponent(name))
            for index in names {
                try file.append(rows.map { StudyResultRow(study: "s\(index)", cell: $0.cell, record: $0.record) })
            }
            return file.url.path
        }
        let first = try input("a.jsonl", 0..<40), second = try input("b.jsonl", 20..<60)
        let output = folder.appendingPathComponent("merged.jsonl").path
        let executable = try MissingLibraryTests.executable()
        let processes = try [first, second, second, first].map { input -> Process in
            let process = Process()
            process.executableURL = executable
            process.arguments = ["study", "merge", output, input]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return process
        }
        processes.forEach { $0.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        let merged = try StudyResultsFile(URL(fileURLWithPath: output)).read()
        #expect(merged.warnings.isEmpty)
        #expect(merged.rows.count == 60 * rows.count)
        #expect(Set(merged.rows.map { "\($0.study)/\($0.cell)" }).count == merged.rows.count)
    }

    /// A study's relative paths are read from its folder: here a fine-tuning study whose cells start
    /// from the encoder of a pre-training run beside it, run from another working directory.
    @Test func relativePathsInAStudyAreRelativeToItsFolder() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = "task: majority, task.length: 16, task.validation-size: 16, task.test-size: 16, hidden: 16, ffn: 32, "
            + "layers: 1, batch: 8, steps: 6, warmup: 1, eval-every: 3, threads: 1"
        let pretrained = try MissingLibraryTests.mixlab(
            ["train", "--out", folder.appendingPathComponent("pretrained").path] + base.split(separator: ",").flatMap { pair -> [String] in
                let parts = pair.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
                return ["--set", "\(parts[0])=\(parts[1])"]
            } + ["--quiet"], environment: [:])
        #expect(pretrained.status == 0, "\(pretrained.output)")
        let path = folder.appendingPathComponent("study.yaml").path
        try "name: fine-tune\nbase: {\(base), init-from: pretrained, seed: 3}\naxes:\n  - mixer: [fourier]\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = try MissingLibraryTests.executable()
        process.arguments = ["study", "run", path, "--runner", "in-process"]
        process.currentDirectoryURL = URL(fileURLWithPath: NSTemporaryDirectory())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        let rows = try StudyResultsFile(folder.appendingPathComponent("results.jsonl")).read().rows
        #expect(rows.count == 1 && rows.first?.record.settings["init-from"] == "pretrained")
        #expect(rows.first?.record.initialization?.weightsFile == "pretrained/checkpoint-last.safetensors")
    }

    /// A study killed (SIGKILL) while training resumes: the re-run finishes it, with one row per cell.
    @Test func aKilledStudyResumesWithoutLosingOrRepeatingRows() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("study.yaml").path
        try """
            name: killed
            base: {task: majority, task.length: 16, task.validation-size: 32, task.test-size: 32, hidden: 16, ffn: 32,
                   layers: 1, batch: 8, steps: 40, warmup: 2, eval-every: 10, checkpoint-every: 5, threads: 1}
            axes:
              - mixer: [fourier, dct]
              - seed: [0, 1]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let results = folder.appendingPathComponent("results.jsonl")
        let process = Process()
        process.executableURL = try MissingLibraryTests.executable()
        process.arguments = ["study", "run", path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Kill it once the first cell is in the results file (so the second one is under way).
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.isRunning, (try? String(contentsOf: results, encoding: .utf8))?.contains("\n") != true {
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the study was still running when killed")
        let before = try StudyResultsFile(results).read().rows.count
        #expect(before >= 1 && before < 4)

        let (status, output) = try MissingLibraryTests.mixlab(["study", "run", path], environment: [:])
        #expect(status == 0, "\(output)")
        #expect(output.contains("\(before) done, \(4 - before) to run"))
        let rows = try StudyResultsFile(results).read().rows
        #expect(rows.count == 4 && Set(rows.map(\.cell)).count == 4)
        #expect(rows.allSatisfy { $0.record.steps == 40 })
    }
}

/// The default runner: every cell in a `mixlab train` process of its own.
@Suite struct ProcessCellRunnerTests {
    static let tinyStudy = """
        name: isolated
        base: {task: majority, task.length: 16, task.validation-size: 16, task.test-size: 16, hidden: 16, ffn: 32,
               layers: 1, batch: 8, steps: 6, warmup: 1, eval-every: 3, checkpoint-every: 3, threads: 1}
        axes:
          - mixer: [fourier, identity]
        """

    /// Each cell is trained by a child process; the rows hold the records the children wrote, and a
    /// second run trains nothing.
    @Test func cellsTrainInTheirOwnProcesses() throws {
        let folder = try StudyCommandTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("study.yaml").path
        try Self.tinyStudy.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try MissingLibraryTests.mixlab(["study", "run", path], environment: [:])
        #expect(status == 0, "\(output)")
        #expect(output.contains("runner: process"))
        let study = try Study(contentsOf: path)
        let rows = try study.results.read().rows
        #expect(rows.count == 2 && rows.allSatisfy { $0.record.steps == 6 && $0.record.test != nil })
        for row in rows {
            let written = try RunDirectory(study.specification.runsFolder.appendingPathComponent(row.cell).path).inspect()
            guard case .finished(_, let record?) = written else {
                Issue.record("cell \(row.cell) has no finished run folder")
                continue
            }
            #expect(record == row.record)
        }
        let again = try MissingLibraryTests.mixlab(["study", "run", path], environment: [:])
        #expect(again.status == 0 && again.output.contains("2 already done"), "\(again.output)")
    }

    /// A cell whose training process fails (here: its run folder holds a file that is not the trainer's)
    /// fails with the process's own error and the cell named; --keep-going trains the other cell.
    @Test func aFailingTrainingProcessFailsOnlyItsCell() throws {
        let folder = try StudyCommandTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("study.yaml").path
        try Self.tinyStudy.write(toFile: path, atomically: true, encoding: .utf8)
        let study = try Study(contentsOf: path)
        let blocked = study.grid.cells[0].id
        let runFolder = study.specification.runsFolder.appendingPathComponent(blocked)
        try FileManager.default.createDirectory(at: runFolder, withIntermediateDirectories: true)
        try "my notes".write(to: runFolder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)

        let (status, output) = try MissingLibraryTests.mixlab(["study", "run", path, "--keep-going"], environment: [:])
        #expect(status != 0)
        #expect(output.contains("the training process of cell \(blocked) exited with status"), "\(output)")
        #expect(output.contains("notes.txt"), "the child's own error names the foreign file: \(output)")
        let rows = try study.results.read().rows
        #expect(rows.map(\.cell) == [study.grid.cells[1].id])
        #expect(try String(contentsOf: runFolder.appendingPathComponent("notes.txt"), encoding: .utf8) == "my notes")
    }

    /// `mixlab train` started for a study whose process is gone, or with a malformed process ID, refuses to
    /// train instead of running as an orphan.
    @Test func aTrainingProcessRefusesToOutliveItsStudy() throws {
        let folder = try StudyCommandTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let arguments = ["train", "--task", "majority", "--set", "steps=2", "--out", folder.appendingPathComponent("run").path]
        // Process 1 is never this process's parent (the test runner is).
        let orphan = try MissingLibraryTests.mixlab(arguments, environment: ["MIXLAB_STUDY_PROCESS": "1"])
        #expect(orphan.status != 0 && orphan.output.contains("has already exited"), "\(orphan.output)")
        let malformed = try MissingLibraryTests.mixlab(arguments, environment: ["MIXLAB_STUDY_PROCESS": "twelve"])
        #expect(malformed.status != 0 && malformed.output.contains("is not a process ID"), "\(malformed.output)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run").path))
    }
}

/// Catches the `MixLabError` a closure throws.
enum StudyTestSupportForCLI {
    static func error(_ body: () throws -> Void) -> MixLabError? {
        do { try body() } catch let error as MixLabError { return error } catch { return nil }
        return nil
    }
}
