import Foundation
import MixLabCore
import MixLabKernels
import MixLabModels
import Testing

import MixLabTasks
@testable import MixLabTraining

/// Shared pieces of the trainer tests: a tiny configuration and temporary run folders.
enum TrainerTestSupport {
    /// A tiny model and a short run; `threads` is the process's current count, so no test changes it.
    static func configuration(_ task: any LearningTask, _ extra: [String: String] = [:]) throws -> RunConfiguration {
        var settings = [
            "task": task.name, "hidden": "16", "layers": "1", "ffn": "32", "batch": "8", "steps": "12", "lr": "1e-2",
            "warmup": "2", "eval-every": "4", "log-every": "2", "checkpoint-every": "4", "dropout": "0",
            "threads": String(Parallelism.threads),
        ]
        settings.merge(extra) { $1 }
        return try RunConfiguration(settings: settings)
    }

    /// A fresh path under the temporary folder (nothing is created).
    static func temporaryFolder(_ name: String) -> String {
        NSTemporaryDirectory() + "mixlab-trainer-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Removes a folder made by a test.
    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Every training loss reported, by step.
    final class LossLog: @unchecked Sendable {
        var losses: [Int: Float] = [:]
        var resumedFrom: Int?
        var events: [String] = []
    }

    /// An observer that logs losses and throws (like a crash) once step `crashAfter` is done.
    static func observer(_ log: LossLog, crashAfter: Int? = nil) -> TrainingObserver {
        { event in
            switch event {
            case .started(let start): log.resumedFrom = start.resumedFromStep
            case .step(let report):
                log.losses[report.step] = report.loss
                if report.step == crashAfter { throw SimulatedCrash() }
            case .checkpointed(let step, _): log.events.append("checkpoint \(step)")
            case .evaluated(let step, let split, _, _): log.events.append("\(split.rawValue) \(step)")
            case .stoppedEarly(let step, _): log.events.append("stopped \(step)")
            case .finished: log.events.append("finished")
            }
        }
    }

    struct SimulatedCrash: Error {}

    /// The bit patterns of a model's weights, by name.
    static func weights(_ model: any TaskModel) -> [String: [UInt32]] {
        Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter.value.values.map(\.bitPattern)) })
    }
}

@Suite struct TrainerTests {
    typealias Support = TrainerTestSupport

    @Test func learnsTheMarkerTaskAndFillsTheRecord() throws {
        let task = LearnableTestTask(.marker, train: 256, validation: 64, test: 64)
        let configuration = try Support.configuration(task, ["steps": "80", "batch": "16", "eval-every": "40", "log-every": "10", "warmup": "8"])
        let trainer = try Trainer(configuration: configuration, task: task)
        #expect(trainer.modelKind == .sequenceClassifier)
        let record = try trainer.run()
        let validation = try #require(record.validation)
        let test = try #require(record.test)
        #expect(validation.accuracy >= 0.9, "validation accuracy \(validation.accuracy)")
        #expect(test.accuracy >= 0.85, "test accuracy \(test.accuracy)")
        #expect(test.count == 64 && validation.count == 64)
        #expect(record.curve.map(\.step) == [10, 20, 30, 40, 50, 60, 70, 80])
        #expect(record.curve.filter { $0.validation != nil }.map(\.step) == [40, 80])
        #expect(record.curve.last!.trainLoss < record.curve.first!.trainLoss)
        #expect(record.status == .completed && record.steps == 80)
        #expect(record.bestStep != nil && record.bestValidation!.accuracy >= validation.accuracy)
        let expectedParameters = trainer.model.namedParameters.reduce(0) { $0 + $1.parameter.value.count }
        #expect(record.parameterCount == expectedParameters)
        #expect(record.medianStepMilliseconds > 0 && record.tokensPerSecond > 0 && record.wallSeconds > 0 && record.peakMemoryMiB > 0)
        #expect(abs(record.tokensPerSecond - 16 * 8 / (record.medianStepMilliseconds / 1000)) < 1e-6 * record.tokensPerSecond)
        #expect(record.settings == configuration.settings && record.taskSettings == task.settings)
        #expect(record.splitSizes == ["train": 256, "validation": 64, "test": 64])
        #expect(record.model == "sequence-classifier" && record.resumedAtSteps == [])
        #expect(record.environment.threads == Parallelism.threads && record.environment.mixlabVersion == MixLabVersion.current)
        #expect(!record.environment.cpu.isEmpty && record.environment.fftwVersion.hasPrefix("fftw-"))
        #expect(record.environment.build == "debug" || record.environment.build == "release")
        #expect(record.environment.kernels == KernelInstructionSets.current.summary)
        #expect(!record.startedAt.isEmpty && record.finishedAt >= record.startedAt)
        #expect(throws: MixLabError.self) { try trainer.run() }
    }

    @Test(arguments: [LearnableTestTask.Kind.tokenClass, .pattern])
    func tokenTasksTrainTheirModels(_ kind: LearnableTestTask.Kind) throws {
        let task = LearnableTestTask(kind, train: 128, validation: 32, test: 32)
        let trainer = try Trainer(
            configuration: try Support.configuration(task, ["steps": "100", "layers": "2", "batch": "16", "eval-every": "100", "log-every": "20", "warmup": "6"]),
            task: task)
        #expect(trainer.modelKind == (kind == .pattern ? .maskedLanguageModel : .tokenClassifier))
        let record = try trainer.run()
        let validation = try #require(record.validation)
        // Chance is 1/3 (token classes) and about 1/4 (the masked pattern ids).
        #expect(validation.accuracy > 0.9, "\(kind): validation accuracy \(validation.accuracy)")
        #expect(record.curve.last!.trainLoss < record.curve.first!.trainLoss)
        if kind == .tokenClass {
            // Only scored tokens count: every fourth position is ignored, and padding too.
            let scored = try (0..<32).reduce(0) { total, index in
                total + (try task.example(in: .validation, at: index).labels.filter { $0 != TaskExample.ignoredLabel }.count)
            }
            #expect(validation.count == scored)
        }
    }

    /// The pair path end to end (pair batches of 2B rows, the two-tower model, pair labels in training
    /// and evaluation): a task whose answer is in the pair, not in either sequence alone, is learned.
    @Test func aPairTaskTrainsThePairClassifier() throws {
        let task = LearnableTestTask(.sameToken, train: 256, validation: 64, test: 64)
        let trainer = try Trainer(
            configuration: try Support.configuration(task, ["steps": "300", "batch": "16", "eval-every": "300", "log-every": "50", "warmup": "10"]),
            task: task)
        #expect(trainer.modelKind == .pairClassifier)
        let record = try trainer.run()
        let validation = try #require(record.validation)
        let test = try #require(record.test)
        // Chance is 1/2 (a sequence alone says nothing about the label); 55 of 64 right by chance has
        // probability below 1e-8.
        #expect(validation.accuracy >= 0.85 && test.accuracy >= 0.85, "validation \(validation.accuracy), test \(test.accuracy)")
        #expect(validation.count == 64 && test.count == 64)
        #expect(record.curve.last!.trainLoss < 0.5 * record.curve.first!.trainLoss)
        #expect(record.model == "pair-classifier")
    }

    @Test func environmentsOfEarlierRecordsDecodeWithUnknownKernels() throws {
        let environment = RunRecord.Environment(
            commit: "c", mixlabVersion: "0.1.0", swiftVersion: "6.3", cpu: "cpu", cores: 2, threads: 2,
            blasCore: "Haswell", fftwVersion: "fftw-3.3.10", system: "Linux", build: "release",
            kernels: "Swift loops: x86-64 baseline (SSE2); C kernels: AVX2+FMA (run-time dispatch)")
        let encoded = try JSONEncoder().encode(environment)
        #expect(try JSONDecoder().decode(RunRecord.Environment.self, from: encoded) == environment)
        var fields = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        fields["kernels"] = nil
        let earlier = try JSONDecoder().decode(
            RunRecord.Environment.self, from: try JSONSerialization.data(withJSONObject: fields))
        #expect(earlier.kernels == "unknown" && earlier.blasCore == "Haswell")
    }

    @Test func modelChoiceFollowsTheLabelsAndTheVocabulary() {
        #expect(TaskModelKind.choose(for: LearnableTestTask(.marker)) == .sequenceClassifier)
        #expect(TaskModelKind.choose(for: LearnableTestTask(.tokenClass)) == .tokenClassifier)
        #expect(TaskModelKind.choose(for: LearnableTestTask(.pattern)) == .maskedLanguageModel)
    }

    /// A task that redraws its training examples gets draw p for stream position p, so a run interrupted
    /// and resumed sees the same examples as an uninterrupted one and ends with the same weights.
    @Test func redrawnTrainingExamplesFollowTheStreamAndResumeExactly() throws {
        let straightTask = RedrawnPatternTask(train: 23, validation: 10, test: 10)
        let configuration = try Support.configuration(straightTask, ["batch": "5"])
        let (straightFolder, crashFolder) = (Support.temporaryFolder("redrawn"), Support.temporaryFolder("redrawn-crash"))
        defer { Support.remove(straightFolder); Support.remove(crashFolder) }
        let straight = try Trainer(configuration: configuration, task: straightTask, directory: straightFolder)
        let straightRecord = try straight.run()
        #expect(straightTask.draws == Array(0..<60), "12 steps of 5 examples: draws 0 ..< 60, in order")

        let crashTask = RedrawnPatternTask(train: 23, validation: 10, test: 10)
        do {
            let crashing = try Trainer(configuration: configuration, task: crashTask, directory: crashFolder,
                                       observer: Support.observer(Support.LossLog(), crashAfter: 6))
            #expect(throws: Support.SimulatedCrash.self) { try crashing.run() }
        }
        let resumed = try Trainer(configuration: configuration, task: crashTask, directory: crashFolder)
        let resumedRecord = try resumed.run()
        #expect(crashTask.draws == Array(0..<30) + Array(20..<60), "steps 1–6, then 5–12 after resuming from step 4")
        #expect(Support.weights(resumed.model) == Support.weights(straight.model))
        #expect(resumedRecord.curve == straightRecord.curve)
        // Redrawing changes what is learned from: the fixed examples give other weights.
        let fixed = try Trainer(configuration: try Support.configuration(straightTask.base, ["batch": "5"]), task: straightTask.base).run()
        #expect(fixed.curve != straightRecord.curve)
    }

    /// Resume is exact: a run interrupted after a checkpoint and resumed reproduces every loss, the
    /// curve, the metrics and the final weights of an uninterrupted run bit for bit.
    @Test(arguments: [(LearnableTestTask.Kind.marker, "adamw"), (.tokenClass, "sgd"), (.pattern, "adamw")])
    func resumeAfterACrashIsExact(_ kind: LearnableTestTask.Kind, _ optimizer: String) throws {
        // 23 training examples in batches of 5: batches straddle epochs; dropout on.
        let task = LearnableTestTask(kind, train: 23, validation: 10, test: 10)
        let configuration = try Support.configuration(task, ["batch": "5", "dropout": "0.1", "optimizer": optimizer, "eval-every": "3"])
        let (straightFolder, crashFolder) = (Support.temporaryFolder("straight"), Support.temporaryFolder("crash"))
        defer { Support.remove(straightFolder); Support.remove(crashFolder) }

        let straightLog = Support.LossLog()
        let straight = try Trainer(configuration: configuration, task: task, directory: straightFolder,
                                   observer: Support.observer(straightLog))
        let straightRecord = try straight.run()
        let straightWeights = Support.weights(straight.model)

        let crashLog = Support.LossLog()
        do {
            let crashing = try Trainer(configuration: configuration, task: task, directory: crashFolder,
                                       observer: Support.observer(crashLog, crashAfter: 6))
            #expect(throws: Support.SimulatedCrash.self) { try crashing.run() }
        }
        #expect(crashLog.events.contains("checkpoint 4") && !crashLog.events.contains("checkpoint 8"))
        let resumedLog = Support.LossLog()
        let resumed = try Trainer(configuration: configuration, task: task, directory: crashFolder, observer: Support.observer(resumedLog))
        let resumedRecord = try resumed.run()

        #expect(resumedLog.resumedFrom == 4)
        #expect(Array(resumedLog.losses.keys).sorted() == Array(5...12))
        for step in 1...12 {
            let interrupted = step <= 4 ? crashLog.losses[step] : resumedLog.losses[step]
            #expect(interrupted?.bitPattern == straightLog.losses[step]?.bitPattern, "\(kind): loss of step \(step)")
        }
        #expect(crashLog.losses[5]?.bitPattern == straightLog.losses[5]?.bitPattern)
        #expect(Support.weights(resumed.model) == straightWeights, "\(kind): final weights")
        #expect(resumedRecord.curve == straightRecord.curve)
        #expect(resumedRecord.validation == straightRecord.validation && resumedRecord.test == straightRecord.test)
        #expect(resumedRecord.bestValidation == straightRecord.bestValidation && resumedRecord.bestStep == straightRecord.bestStep)
        #expect(resumedRecord.resumedAtSteps == [4] && straightRecord.resumedAtSteps == [])
        for file in [RunDirectory.curveFile] {
            let a = try String(contentsOfFile: RunDirectory(straightFolder).file(file), encoding: .utf8)
            let b = try String(contentsOfFile: RunDirectory(crashFolder).file(file), encoding: .utf8)
            #expect(a == b && a.split(separator: "\n").count == straightRecord.curve.count)
        }
        let bestA = try SafeTensors.read(RunDirectory(straightFolder).file(RunDirectory.bestCheckpointFile))
        let bestB = try SafeTensors.read(RunDirectory(crashFolder).file(RunDirectory.bestCheckpointFile))
        #expect(bestA.tensors.mapValues { $0.values.map(\.bitPattern) } == bestB.tensors.mapValues { $0.values.map(\.bitPattern) })
        #expect(bestA.metadata["mixlab.step"] == bestB.metadata["mixlab.step"])
    }

    @Test func sameSeedSameLossesOtherSeedOtherLosses() throws {
        let task = LearnableTestTask(.marker)
        func losses(seed: String) throws -> [Float] {
            let log = Support.LossLog()
            let configuration = try Support.configuration(task, ["seed": seed, "dropout": "0.1", "steps": "6"])
            _ = try Trainer(configuration: configuration, task: task, observer: Support.observer(log)).run()
            return (1...6).map { log.losses[$0]! }
        }
        let first = try losses(seed: "5")
        #expect(first.map(\.bitPattern) == (try losses(seed: "5")).map(\.bitPattern))
        #expect(first != (try losses(seed: "6")))
    }

    @Test func aNonFiniteLossStopsWithTheStepAndKeepsTheLastGoodCheckpoint() throws {
        let task = LearnableTestTask(.marker)
        let folder = Support.temporaryFolder("nan")
        defer { Support.remove(folder) }
        let configuration = try Support.configuration(task, ["checkpoint-every": "2"])
        var trainer: Trainer?
        trainer = try Trainer(configuration: configuration, task: task, directory: folder) { event in
            // Poison one weight once the checkpoint of step 2 is on disk: step 3's loss is then NaN.
            if case .checkpointed(2, _) = event, let model = trainer?.model {
                model.namedParameters.first { $0.name == "classifier.bias" }!.parameter.value[flat: 0] = .nan
            }
        }
        #expect {
            try trainer!.run()
        } throws: { error in
            let e = error as? MixLabError
            return e?.code == .nonFiniteValue && e!.what.contains("step 3") && e!.location.contains("training step 3")
                && e!.fix.contains("lower the learning rate") && e!.fix.contains("checkpoint (step 2)")
        }
        trainer = nil
        let saved = try SafeTensors.read(RunDirectory(folder).file(RunDirectory.lastCheckpointFile))
        #expect(try TrainerState.decode(metadata: saved.metadata, source: "test").step == 2)
        #expect(saved.tensors.values.allSatisfy { $0.firstNonFiniteIndex() == nil })
    }

    @Test func nonFiniteWeightsAreNeverCheckpointed() throws {
        let task = LearnableTestTask(.marker)
        let folder = Support.temporaryFolder("nan-weights")
        defer { Support.remove(folder) }
        var trainer: Trainer?
        trainer = try Trainer(configuration: try Support.configuration(task, ["eval-every": "3"]), task: task, directory: folder) { event in
            // After the update of step 8, before its checkpoint (no evaluation at step 8).
            if case .step(let report) = event, report.step == 8, let model = trainer?.model {
                model.namedParameters.first { $0.name == "classifier.weight" }!.parameter.value[flat: 0] = .infinity
            }
        }
        #expect {
            try trainer!.run()
        } throws: { error in
            let e = error as? MixLabError
            return e?.code == .nonFiniteValue && e!.what.contains("after step 8") && e!.fix.contains("not replaced")
        }
        trainer = nil
        let saved = try SafeTensors.read(RunDirectory(folder).file(RunDirectory.lastCheckpointFile))
        #expect(try TrainerState.decode(metadata: saved.metadata, source: "test").step == 4)
    }

    @Test func earlyStoppingEndsTheRunAndStillEvaluatesTheTestSplit() throws {
        let task = LearnableTestTask(.marker)
        // A learning rate too small to change any prediction: no evaluation improves on the first.
        let configuration = try Support.configuration(task, ["lr": "1e-12", "eval-every": "2", "patience": "2", "steps": "20"])
        let log = Support.LossLog()
        let record = try Trainer(configuration: configuration, task: task, observer: Support.observer(log)).run()
        #expect(record.status == .earlyStopped && record.steps == 6 && record.bestStep == 2)
        #expect(log.events.contains("stopped 6") && log.events.last == "finished" && log.events.contains("test 6"))
        #expect(record.test != nil && record.validation?.accuracy == record.bestValidation?.accuracy)
    }

    @Test func evalBatchesLimitsTheValidationExamples() throws {
        let task = LearnableTestTask(.marker, validation: 30)
        let record = try Trainer(configuration: try Support.configuration(task, ["eval-batches": "2", "steps": "4"]), task: task).run()
        #expect(record.validation?.count == 16 && record.test?.count == 24)
    }

    @Test func badTasksAreRefused() throws {
        let empty = LearnableTestTask(.marker, validation: 0)
        #expect {
            try Trainer(configuration: try TrainerTestSupport.configuration(empty), task: empty)
        } throws: { ($0 as? MixLabError)?.what.contains("no validation examples") == true }
    }
}

@Suite struct RunFolderTests {
    typealias Support = TrainerTestSupport

    @Test func aFinishedRunIsRefusedAndForceMovesItAside() throws {
        let task = LearnableTestTask(.marker)
        let folder = Support.temporaryFolder("finished")
        defer { Support.remove(folder) }
        let configuration = try Support.configuration(task, ["steps": "4"])
        let first = try Trainer(configuration: configuration, task: task, directory: folder).run()
        for name in RunDirectory.runFiles {
            #expect(FileManager.default.fileExists(atPath: RunDirectory(folder).file(name)), "\(name) is written")
        }
        let saved = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: URL(fileURLWithPath: RunDirectory(folder).file("run.json"))))
        #expect(saved == first)
        #expect {
            try Trainer(configuration: configuration, task: task, directory: folder)
        } throws: { error in
            let e = error as? MixLabError
            return e?.what.contains("holds a finished run (4 steps") == true && e!.fix.contains("--force")
        }
        var replaced: (folder: String, files: [String])?
        let again = try Trainer(configuration: configuration, task: task, directory: folder, existingRun: .startOver) { event in
            if case .started(let start) = event { replaced = start.replaced }
        }
        _ = try again.run()
        let moved = try #require(replaced)
        #expect(moved.files == RunDirectory.runFiles)
        #expect((moved.folder as NSString).lastPathComponent.hasPrefix("replaced-"))
        let movedRecord = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: URL(fileURLWithPath: moved.folder + "/run.json")))
        #expect(movedRecord == first, "the earlier record is kept, not deleted")
        if case .finished = try RunDirectory(folder).inspect() {} else { Issue.record("the new run finished") }
    }

    @Test func anUnfinishedRunWithOtherSettingsIsRefusedWithTheDifferences() throws {
        let task = LearnableTestTask(.marker)
        let folder = Support.temporaryFolder("different")
        defer { Support.remove(folder) }
        do {
            let crashing = try Trainer(configuration: try Support.configuration(task), task: task, directory: folder,
                                       observer: Support.observer(Support.LossLog(), crashAfter: 5))
            _ = try? crashing.run()
        }
        if case .unfinished(_, let step) = try RunDirectory(folder).inspect() { #expect(step == 4) } else { Issue.record("unfinished") }
        #expect {
            try Trainer(configuration: try Support.configuration(task, ["lr": "2e-2", "hidden": "8"]), task: task, directory: folder)
        } throws: { error in
            let what = (error as? MixLabError)?.what ?? ""
            return what.contains("unfinished run with other settings") && what.contains("hidden: 16 → 8") && what.contains("lr: 0.01 → 0.02")
        }
        // The same settings written differently (an explicit default) are the same run, and it resumes.
        let log = Support.LossLog()
        let explicitDefault = try Support.configuration(task, ["mixer.axes": "both"])
        _ = try Trainer(configuration: explicitDefault, task: task, directory: folder, existingRun: .requireResume,
                        observer: Support.observer(log)).run()
        #expect(log.resumedFrom == 4)
    }

    @Test func aFolderLockedByAnotherProcessNamesIt() throws {
        let task = LearnableTestTask(.marker)
        let folder = Support.temporaryFolder("held")
        defer { Support.remove(folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // util-linux's flock(1) takes the same kind of lock on the folder's lock file and, not forking, holds
        // it as `sleep` (the same process).
        let lockPath = folder + "/" + RunDirectory.lockFile
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["--no-fork", lockPath, "sleep", "60"]
        try holder.run()
        defer { kill(holder.processIdentifier, SIGKILL); holder.waitUntilExit() }  // SIGTERM may be blocked in the test's children
        for _ in 0..<3000 where FileLock.holder(of: lockPath)?.pid != holder.processIdentifier { usleep(10_000) }
        #expect {
            try RunDirectory(folder).lock()
        } throws: { error in
            let what = (error as? MixLabError)?.what ?? ""
            return what.contains("another training process is working in \(folder) (process \(holder.processIdentifier) (sleep) holds its lock)")
        }
        #expect {
            try Trainer(configuration: try Support.configuration(task), task: task, directory: folder)
        } throws: { ($0 as? MixLabError)?.what.contains("process \(holder.processIdentifier)") == true }
    }

    @Test func foreignLockedMissingAndUnwritableFoldersAreRefused() throws {
        let task = LearnableTestTask(.marker)
        let configuration = try Support.configuration(task, ["steps": "2", "warmup": "1"])
        let folder = Support.temporaryFolder("foreign")
        defer { Support.remove(folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        #expect {
            try Trainer(configuration: configuration, task: task, directory: folder)
        } throws: { ($0 as? MixLabError)?.what.contains("not a MixLab run: notes.txt") == true }

        let busy = Support.temporaryFolder("busy")
        defer { Support.remove(busy) }
        try FileManager.default.createDirectory(atPath: busy, withIntermediateDirectories: true)
        let lock = try RunDirectory(busy).lock()
        #expect {
            try Trainer(configuration: configuration, task: task, directory: busy)
        } throws: { ($0 as? MixLabError)?.what == "another trainer in this process is working in \(busy)" }
        withExtendedLifetime(lock) {}

        #expect {
            try Trainer(configuration: configuration, task: task, directory: Support.temporaryFolder("none"), existingRun: .requireResume)
        } throws: { ($0 as? MixLabError)?.what.contains("no run to resume") == true }
        #expect {
            try Trainer(configuration: configuration, task: task, directory: "/proc/mixlab-cannot-write-here/run")
        } throws: { ($0 as? MixLabError)?.code == .ioFailure }
        let file = Support.temporaryFolder("file")
        defer { Support.remove(file) }
        try Data().write(to: URL(fileURLWithPath: file))
        #expect {
            try Trainer(configuration: configuration, task: task, directory: file)
        } throws: { ($0 as? MixLabError)?.what.contains("is a file") == true }
    }

    @Test func leftoverTemporaryFilesAreRemovedAndDoNotMakeAFolderForeign() throws {
        let task = LearnableTestTask(.marker)
        let folder = Support.temporaryFolder("leftovers")
        defer { Support.remove(folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let leftover = folder + "/checkpoint-last.safetensors.tmp-123-456"
        try Data("half".utf8).write(to: URL(fileURLWithPath: leftover))
        _ = try Trainer(configuration: try Support.configuration(task, ["steps": "2", "warmup": "1"]), task: task, directory: folder).run()
        #expect(!FileManager.default.fileExists(atPath: leftover))
    }
}
