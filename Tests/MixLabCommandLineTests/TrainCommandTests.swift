import Foundation
import MixLab
import Testing

@testable import MixLabCommandLine

/// A small learnable task for the command's tests: the class is the first token's id − 1 (3 classes).
private struct FirstTokenTask: LearningTask {
    let name = "cli-first"
    let train: Int
    var settings: [String: String] { ["train": String(train)] }
    let labelKind = TaskLabelKind.sequence
    let classes = 3
    let classNames = ["a", "b", "c"]
    let vocabulary = try! TaskVocabulary(names: ["<pad>", "a", "b", "c"])
    let sequenceLength = 6

    func count(_ split: TaskSplit) -> Int { split == .train ? train : 12 }

    func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        var random = SeededRandom(seed: 9).derived(UInt64(TaskSplit.allCases.firstIndex(of: split)!)).derived(UInt64(index))
        let tokens = (0..<random.nextInteger(in: 2...6)).map { _ in Int32(random.nextInteger(in: 1...3)) }
        return TaskExample(tokens: tokens, label: tokens[0] - 1)
    }
}

@Suite struct TrainCommandTests {
    /// A private registry (the shared one is process-wide) with the test task and a task whose data is
    /// not prepared.
    static let tasks: TaskRegistry = {
        let registry = TaskRegistry()
        try! registry.register(TaskRegistration(
            name: "cli-first", summary: "the first token's class", labelKind: .sequence,
            keys: [TaskSettingKey("train", default: "48", allowed: "≥ 1", summary: "training examples")]
        ) { settings in FirstTokenTask(train: try settings.integer("train", default: 48, in: 1...100_000)) })
        try! registry.register(TaskRegistration(name: "cli-unprepared", summary: "needs data", labelKind: .sequence, keys: []) { _ in
            throw MixLabError(.ioFailure, what: "the cli-unprepared dataset is not prepared", location: "task cli-unprepared",
                              fix: "run `mixlab data fetch cli-unprepared`")
        })
        return registry
    }()

    static func folder(_ name: String) -> String {
        NSTemporaryDirectory() + "mixlab-train-command-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    static let tiny = ["--set", "hidden=8", "--set", "layers=1", "--set", "ffn=16", "--set", "batch=4", "--set", "steps=4",
                       "--set", "warmup=1", "--set", "eval-every=2", "--set", "checkpoint-every=2", "--set", "threads=\(Parallelism.threads)"]

    static func command(_ arguments: [String]) throws -> TrainCommand {
        try TrainCommand.parse(arguments)
    }

    @Test func trainsWritesTheRecordAndRefusesToOverwriteIt() throws {
        let out = Self.folder("record")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let arguments = ["--task", "cli-first"] + Self.tiny + ["--out", out, "--quiet"]
        let record = try Self.command(arguments).train(tasks: Self.tasks)
        #expect(record.steps == 4 && record.settings["task"] == "cli-first" && record.taskSettings == ["train": "48"])
        let saved = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/run.json")))
        #expect(saved == record)
        let summary = TrainCommand.summary(record, folder: out)
        #expect(summary.contains("test accuracy") && summary.contains("run record: \(out)/run.json"))
        #expect {
            try Self.command(arguments).train(tasks: Self.tasks)
        } throws: { ($0 as? MixLabError)?.what.contains("holds a finished run") == true }
        let again = try Self.command(arguments + ["--force"]).train(tasks: Self.tasks)
        #expect(again.test == record.test, "the same settings train the same model")
    }

    @Test func configFileThenTaskThenSetWin() throws {
        let file = Self.folder("config") + ".json"
        defer { unlink(file) }
        try Data(#"{"task": "cli-first", "hidden": 8, "lr": 0.02, "dropout": 0, "task.train": "30", "seed": 18446744073709551615}"#.utf8)
            .write(to: URL(fileURLWithPath: file))
        let values = try Self.command(["--config", file, "--set", "lr=0.01", "--out", "x"]).resolvedSettings()
        #expect(values == ["task": "cli-first", "hidden": "8", "lr": "0.01", "dropout": "0", "task.train": "30",
                           "seed": "18446744073709551615"])
        #expect(try TrainCommand.settings(fromConfigFile: file)["lr"] == "0.02")
    }

    @Test func badInputSaysWhatWhereAndHowToFix() throws {
        func error(_ arguments: [String]) -> MixLabError? {
            do {
                _ = try Self.command(arguments).train(tasks: Self.tasks)
                return nil
            } catch {
                return error as? MixLabError
            }
        }
        let out = ["--out", Self.folder("bad"), "--quiet"]
        let unknownKey = error(["--task", "cli-first", "--set", "hiden=8"] + out)
        #expect(unknownKey?.code == .unknownConfigKey && unknownKey!.what.contains("hiden") && unknownKey!.fix.contains("hidden"))
        let badValue = error(["--task", "cli-first", "--set", "lr=-1"] + out)
        #expect(badValue?.code == .invalidConfigValue && badValue!.what.contains("lr=-1"))
        let unknownTask = error(["--task", "cli-frist"] + out)
        #expect(unknownTask?.what.contains("cli-frist") == true && unknownTask!.fix.contains("cli-first"))
        let unknownTaskKey = error(["--task", "cli-first", "--set", "task.size=3"] + out)
        #expect(unknownTaskKey?.code == .unknownConfigKey && unknownTaskKey!.fix.contains("train"))
        let unprepared = error(["--task", "cli-unprepared"] + out)
        #expect(unprepared?.fix == "run `mixlab data fetch cli-unprepared`")
        let unwritable = error(["--task", "cli-first"] + Self.tiny + ["--out", "/proc/mixlab-no/run", "--quiet"])
        #expect(unwritable?.code == .ioFailure && unwritable!.what.contains("/proc/mixlab-no/run"))
        #expect(error(["--out", "x"])?.what == "no task was given")
        #expect(error(["--task", "cli-first", "--set", "task=other"] + out)?.what.contains("disagree") == true)
        #expect(error(["--config", "/nonexistent/settings.json"] + out)?.what.contains("cannot read") == true)
        let notAnObject = Self.folder("array") + ".json"
        defer { unlink(notAnObject) }
        try Data(#"["task", "cli-first"]"#.utf8).write(to: URL(fileURLWithPath: notAnObject))
        #expect(error(["--config", notAnObject] + out)?.what.contains("not a JSON object of settings") == true)
        try Data(#"{"task": {"name": "cli-first"}}"#.utf8).write(to: URL(fileURLWithPath: notAnObject))
        #expect(error(["--config", notAnObject] + out)?.what.contains("'task' is not a string, number or boolean") == true)
        #expect(error(["--resume"] + out)?.what.contains("no run to resume") == true)
        #expect(throws: (any Error).self) { try TrainCommand.parse(["--task", "cli-first", "--out", "x", "--resume", "--force"]) }
        #expect(throws: (any Error).self) { try TrainCommand.parse(["--task", "cli-first"]) }
        let listing = TrainCommand.settingsListing
        #expect(listing.hasPrefix("key ") && listing.contains("log-every") && listing.contains("task.KEY"))
        #expect(throws: Never.self) { try TrainCommand.parse(["--list-settings"]) }
    }

    @Test func resumeContinuesAnInterruptedRunWithItsSavedSettings() throws {
        let out = Self.folder("resume")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let arguments = ["--task", "cli-first"] + Self.tiny + ["--set", "steps=6", "--out", out, "--quiet"]
        let configuration = try RunConfiguration(settings: try Self.command(arguments).resolvedSettings())
        struct Interrupted: Error {}
        do {
            let trainer = try Trainer(configuration: configuration, task: try Self.tasks.make("cli-first"), directory: out) { event in
                if case .step(let report) = event, report.step == 3 { throw Interrupted() }
            }
            #expect(throws: Interrupted.self) { try trainer.run() }
        }
        #expect {
            try Self.command(["--task", "cli-first"] + Self.tiny + ["--set", "steps=7", "--out", out, "--quiet"]).train(tasks: Self.tasks)
        } throws: { ($0 as? MixLabError)?.what.contains("steps: 6 → 7") == true }
        let record = try Self.command(["--out", out, "--resume", "--quiet"]).train(tasks: Self.tasks)
        #expect(record.resumedAtSteps == [2] && record.steps == 6)
        let straight = try Trainer(configuration: configuration, task: try Self.tasks.make("cli-first")).run()
        #expect(record.test == straight.test && record.curve == straight.curve)
    }
}

/// `mixlab train` killed with SIGKILL after a checkpoint, then run again: it resumes, and its record and
/// final weights equal those of an uninterrupted run bit for bit. Runs the built executable; needs the
/// built-in `parity` task.
@Suite struct TrainKillTests {
    static let arguments = [
        "train", "--task", "parity", "--set", "task.length=16", "--set", "task.train-size=256", "--set", "task.validation-size=32",
        "--set", "task.test-size=32", "--set", "hidden=16", "--set", "layers=1", "--set", "ffn=32", "--set", "batch=8",
        "--set", "steps=40", "--set", "warmup=4", "--set", "log-every=1", "--set", "eval-every=10", "--set", "checkpoint-every=3",
        "--set", "dropout=0.1", "--set", "threads=1", "--quiet", "--json",
    ]
    /// FFTW plans chosen without timing, so that separate processes compute bit for bit the same.
    static let environment = ["MIXLAB_FFTW_EFFORT": "estimate"]

    static func record(_ output: String) throws -> RunRecord {
        let line = try #require(output.split(separator: "\n").last { $0.hasPrefix("{") }, "no JSON record in: \(output)")
        return try JSONDecoder().decode(RunRecord.self, from: Data(line.utf8))
    }

    @Test(.enabled(if: TaskRegistry.shared.names.contains("parity"), "needs the built-in parity task"))
    func aKilledRunResumesExactly() throws {
        let (straightFolder, killedFolder) = (TrainCommandTests.folder("kill-straight"), TrainCommandTests.folder("kill-killed"))
        defer {
            try? FileManager.default.removeItem(atPath: straightFolder)
            try? FileManager.default.removeItem(atPath: killedFolder)
        }
        let straight = try MissingLibraryTests.mixlab(Self.arguments + ["--out", straightFolder], environment: Self.environment)
        #expect(straight.status == 0, "\(straight.output)")
        let straightRecord = try Self.record(straight.output)

        // Start the run, wait for its first checkpoint, and kill it.
        let process = Process()
        process.executableURL = try MissingLibraryTests.executable()
        process.arguments = Self.arguments + ["--out", killedFolder]
        process.environment = ProcessInfo.processInfo.environment.merging(Self.environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let checkpoint = RunDirectory(killedFolder).file(RunDirectory.lastCheckpointFile)
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint), process.isRunning, Date() < deadline { usleep(2_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
        #expect(!FileManager.default.fileExists(atPath: RunDirectory(killedFolder).file(RunDirectory.recordFile)),
                "the run was killed before it finished")
        guard case .unfinished(_, let step?) = try RunDirectory(killedFolder).inspect() else {
            Issue.record("the killed run left no checkpoint")
            return
        }

        let resumed = try MissingLibraryTests.mixlab(Self.arguments + ["--out", killedFolder], environment: Self.environment)
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("resuming parity from the checkpoint of step \(step)/40"))
        let resumedRecord = try Self.record(resumed.output)
        #expect(resumedRecord.resumedAtSteps == [step] && step >= 3 && step < 40)
        #expect(resumedRecord.curve.count == 40)
        #expect(resumedRecord.curve == straightRecord.curve, "every step's loss, the learning rates and the evaluations")
        #expect(resumedRecord.test == straightRecord.test && resumedRecord.bestStep == straightRecord.bestStep)
        let weights = try SafeTensors.read(RunDirectory(killedFolder).file(RunDirectory.lastCheckpointFile)).tensors
        let straightWeights = try SafeTensors.read(RunDirectory(straightFolder).file(RunDirectory.lastCheckpointFile)).tensors
        #expect(weights.mapValues { $0.values.map(\.bitPattern) } == straightWeights.mapValues { $0.values.map(\.bitPattern) },
                "final weights and optimiser state, bit for bit")
    }
}
