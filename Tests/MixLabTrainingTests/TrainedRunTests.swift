import Foundation
import MixLabCore
import MixLabModels
import Testing

import MixLabTasks
@testable import MixLabTraining

/// `LearnableTestTask(.marker)` with other token and class names and a longer sequence: the same sizes,
/// not the same task.
private struct RenamedMarkerTask: LearningTask {
    let base = LearnableTestTask(.marker)
    var name: String { "test-renamed" }
    var settings: [String: String] { [:] }
    var labelKind: TaskLabelKind { .sequence }
    var classes: Int { 2 }
    var classNames: [String] { ["no", "yes"] }
    var vocabulary: TaskVocabulary { try! TaskVocabulary(names: ["<pad>", "a", "b", "c", "d", "x"]) }
    var sequenceLength: Int { 10 }
    func count(_ split: TaskSplit) -> Int { base.count(split) }
    func example(in split: TaskSplit, at index: Int) throws -> TaskExample { try base.example(in: split, at: index) }
}

/// Opening run folders (`TrainedRun`) and evaluating their checkpoints (`RunEvaluation`).
@Suite struct TrainedRunTests {
    typealias Support = TrainerTestSupport

    /// The learnable test tasks by name (`test-marker`, `test-token-class`, `test-pattern`, `test-same-token`, with settings
    /// `seed` and `train`), and `test-renamed`.
    static let tasks: TaskRegistry = {
        let registry = TaskRegistry()
        for kind in LearnableTestTask.Kind.allCases {
            try! registry.register(TaskRegistration(
                name: "test-\(kind.rawValue)", summary: kind.rawValue, labelKind: LearnableTestTask(kind).labelKind,
                keys: [.init("seed", default: "1", allowed: "0…2⁶⁴−1", summary: "example seed"),
                       .init("train", default: "64", allowed: "≥ 1", summary: "training examples")]
            ) { settings in
                LearnableTestTask(kind, seed: try settings.seed(default: 1), train: try settings.integer("train", default: 64, in: 1...100_000))
            })
        }
        try! registry.register(TaskRegistration(name: "test-renamed", summary: "renamed", labelKind: .sequence, keys: []) { _ in
            RenamedMarkerTask()
        })
        return registry
    }()

    /// Trains `kind`'s task (as the registry makes it) into a new folder and returns the folder and record.
    static func trainedRun(_ kind: LearnableTestTask.Kind, _ extra: [String: String] = [:]) throws -> (folder: String, record: RunRecord) {
        let task = LearnableTestTask(kind)
        let folder = Support.temporaryFolder("trained-\(kind.rawValue)")
        let trainer = try Trainer(configuration: try Support.configuration(task, extra), task: task, directory: folder)
        return (folder, try trainer.run())
    }

    /// The error `body` throws, as a `MixLabError`.
    static func refusal(_ body: () throws -> Void) throws -> MixLabError {
        try #require(throws: MixLabError.self) { try body() }
    }

    @Test func theFinalModelReproducesTheRecordsTestMetricsAndHandCountedScores() throws {
        let (folder, record) = try Self.trainedRun(.marker)
        defer { Support.remove(folder) }
        let run = try TrainedRun(path: folder, tasks: Self.tasks)
        #expect(run.isFinished && run.warnings.isEmpty && run.checkpoint == .last && run.checkpointStep == record.steps)
        #expect(run.modelKind == .sequenceClassifier && run.configuration.settings == record.settings)
        let evaluation = try RunEvaluation(run: run, split: .test, batchSize: run.configuration.batch)
        #expect(evaluation.metrics == record.test, "the trainer's own evaluation of the final model")
        #expect(evaluation.checkpointSHA256 == (try ContentDigest.hex(ofFileAt: folder + "/checkpoint-last.safetensors")))

        // The same scores counted by hand, one example at a time.
        let task = run.task
        var confusion = [[Int]](repeating: [0, 0], count: 2)
        var lossSum = 0.0
        var lengths: [Int] = [], labels: [Int32] = [], correct: [Bool] = []
        for index in 0..<task.count(.test) {
            let batch = try TaskBatch(task: task, split: .test, indices: [index])
            let z = try run.model.evaluationLogits(batch.input).values.map(Double.init)
            let label = Int(batch.labels[0])
            confusion[label][z[1] > z[0] ? 1 : 0] += 1
            lossSum += log(exp(z[0]) + exp(z[1])) - z[label]
            lengths.append(try task.example(in: .test, at: index).tokens.count)
            labels.append(Int32(label))
            correct.append((z[1] > z[0] ? 1 : 0) == label)
        }
        // Accuracy by length: the examples' own token counts, binned as AccuracyByLength bins them.
        #expect(evaluation.byLength == (try AccuracyByLength(lengths: lengths, labels: labels, correct: correct, binCount: RunEvaluation.defaultLengthBins)))
        let bins = try #require(evaluation.byLength?.bins)
        #expect(bins.count >= 2 && bins.reduce(0) { $0 + $1.examples } == task.count(.test))
        #expect(bins.reduce(0) { $0 + $1.correct } == confusion[0][0] + confusion[1][1])
        #expect(evaluation.confusion == confusion)
        let n = Double(task.count(.test))
        #expect(evaluation.metrics.accuracy == Double(confusion[0][0] + confusion[1][1]) / n)
        #expect(abs(evaluation.metrics.loss - lossSum / n) < 1e-5)
        var f1s: [Double] = []
        for k in 0..<2 {
            let (tp, fp, fn) = (confusion[k][k], confusion[1 - k][k], confusion[k][1 - k])
            let scores = try #require(evaluation.perClass?[k])
            #expect(scores.support == tp + fn && scores.predicted == tp + fp)
            #expect(scores.precision == (tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0))
            #expect(scores.recall == Double(tp) / Double(tp + fn))
            #expect(scores.f1 == Double(2 * tp) / Double(2 * tp + fp + fn))
            f1s.append(scores.f1)
        }
        #expect(abs(evaluation.metrics.macroF1 - (f1s[0] + f1s[1]) / 2) < 1e-12)
        #expect(evaluation.classNames == ["class 0", "class 1"] && evaluation.notes.isEmpty)
        // The batch size does not change what is counted.
        let single = try RunEvaluation(run: run, split: .test, batchSize: 1)
        #expect(single.confusion == evaluation.confusion && abs(single.metrics.loss - evaluation.metrics.loss) < 1e-6)
        let decoded = try JSONDecoder().decode(RunEvaluation.self, from: try evaluation.encoded())
        #expect(decoded == evaluation)
    }

    @Test func bestAndLastLoadTheirOwnCheckpoints() throws {
        // A high learning rate without warm-up decay makes the validation accuracy peak before the end.
        let (folder, record) = try Self.trainedRun(.marker, ["lr": "0.2", "schedule": "constant", "steps": "16"])
        defer { Support.remove(folder) }
        let bestStep = try #require(record.bestStep)
        try #require(bestStep < record.steps, "the test needs a best checkpoint before the last step (best \(bestStep))")
        let last = try TrainedRun(path: folder, checkpoint: .last, tasks: Self.tasks)
        let best = try TrainedRun(path: folder, checkpoint: .best, tasks: Self.tasks)
        #expect(last.checkpointStep == record.steps && best.checkpointStep == bestStep)
        #expect(last.checkpointPath.hasSuffix("checkpoint-last.safetensors") && best.checkpointPath.hasSuffix("checkpoint-best.safetensors"))
        for run in [last, best] {
            let stored = try SafeTensors.read(run.checkpointPath).tensors
            for (name, parameter) in run.model.namedParameters {
                #expect(parameter.value.values == stored[name]?.values, "\(name) of \(run.checkpoint)")
            }
        }
        #expect(Support.weights(last.model) != Support.weights(best.model))
        #expect(try RunEvaluation(run: best, split: .validation, batchSize: 8).metrics == record.bestValidation)
        #expect(try RunEvaluation(run: last, split: .validation, batchSize: 8).metrics == record.validation)
        #expect(try RunEvaluation(run: last, split: .test, batchSize: 8).metrics == record.test)
    }

    @Test func maskedLanguageModellingReportsMaskedTokensOnly() throws {
        let (folder, record) = try Self.trainedRun(.pattern)
        defer { Support.remove(folder) }
        let run = try TrainedRun(path: folder, tasks: Self.tasks)
        #expect(run.modelKind == .maskedLanguageModel)
        let evaluation = try RunEvaluation(run: run, split: .test, batchSize: 8)
        #expect(evaluation.metrics == record.test)
        #expect(evaluation.perClass == nil && evaluation.confusion == nil && evaluation.classNames == nil && evaluation.byLength == nil)
        #expect(evaluation.notes.contains { $0.contains("masked-token accuracy") && $0.contains("confusion matrix are left out") })
        let masked = try (0..<24).map { try LearnableTestTask(.pattern).example(in: .test, at: $0) }
            .reduce(0) { $0 + $1.labels.filter { $0 != TaskExample.ignoredLabel }.count }
        #expect(evaluation.metrics.count == masked)

        // A token classifier is scored per labelled token, with its confusion matrix.
        let (tokenFolder, tokenRecord) = try Self.trainedRun(.tokenClass)
        defer { Support.remove(tokenFolder) }
        let tokens = try RunEvaluation(run: try TrainedRun(path: tokenFolder, tasks: Self.tasks), split: .test, batchSize: 8)
        #expect(tokens.metrics == tokenRecord.test && tokens.confusion?.joined().reduce(0, +) == tokens.metrics.count)
        #expect(tokens.byLength == nil)
    }

    /// A pair's length is its longer sequence's; the bins count every pair once.
    @Test func pairEvaluationsBinPairsByTheLongerSequence() throws {
        let (folder, record) = try Self.trainedRun(.sameToken)
        defer { Support.remove(folder) }
        let run = try TrainedRun(path: folder, tasks: Self.tasks)
        #expect(run.modelKind == .pairClassifier)
        let evaluation = try RunEvaluation(run: run, split: .test, batchSize: run.configuration.batch, lengthBins: 3)
        #expect(evaluation.metrics == record.test)
        // The same bins from the pairs' longer sequences and predictions counted one pair at a time.
        let task = LearnableTestTask(.sameToken)
        var longer: [Int] = [], labels: [Int32] = [], correct: [Bool] = []
        for index in 0..<task.count(.test) {
            let pair = try task.example(in: .test, at: index)
            let z = try run.model.evaluationLogits(try TaskBatch(task: task, split: .test, indices: [index]).input).values
            longer.append(max(pair.tokens.count, pair.pairedTokens!.count))
            labels.append(pair.labels[0])
            correct.append((z[1] > z[0] ? 1 : 0) == pair.labels[0])
        }
        #expect(evaluation.byLength == (try AccuracyByLength(lengths: longer, labels: labels, correct: correct, binCount: 3)))
        #expect(evaluation.byLength?.bins.reduce(0) { $0 + $1.examples } == task.count(.test))
        #expect(throws: MixLabError.self) { try RunEvaluation(run: run, split: .test, batchSize: 5, lengthBins: 0) }
    }

    @Test func anUnfinishedRunOpensWithAWarningAndNoCheckpointIsAnError() throws {
        let task = LearnableTestTask(.marker)
        let folder = Support.temporaryFolder("unfinished")
        defer { Support.remove(folder) }
        // Settings written, no checkpoint yet.
        _ = try Trainer(configuration: try Support.configuration(task), task: task, directory: folder)
        let none = try Self.refusal { _ = try TrainedRun(path: folder, tasks: Self.tasks) }
        #expect(none.code == .invalidArgument && none.what.contains("has no checkpoint yet") && none.fix.contains("--resume"))
        // Killed after step 5: the checkpoint of step 4 is there.
        let crashing = try Trainer(configuration: try Support.configuration(task), task: task, directory: folder,
                                   observer: Support.observer(Support.LossLog(), crashAfter: 5))
        _ = try? crashing.run()
        let run = try TrainedRun(path: folder, tasks: Self.tasks)
        #expect(!run.isFinished && run.checkpointStep == 4)
        #expect(run.warnings == ["the run in \(folder) has not finished: its last checkpoint holds the weights after step 4"])
        let evaluation = try RunEvaluation(run: run, split: .validation, batchSize: 8)
        #expect(!evaluation.runFinished && evaluation.notes == run.warnings)
        let best = try TrainedRun(path: folder, checkpoint: .best, tasks: Self.tasks)
        #expect(best.checkpointStep == 4)
    }

    @Test func aMissingFolderAFileAndAFolderThatIsNoRunAreRefused() throws {
        let missing = Support.temporaryFolder("missing")
        let gone = try Self.refusal { _ = try TrainedRun(path: missing, tasks: Self.tasks) }
        #expect(gone.code == .ioFailure && gone.what == "there is no run folder at \(missing)")
        let folder = Support.temporaryFolder("not-a-run")
        defer { Support.remove(folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let empty = try Self.refusal { _ = try TrainedRun(path: folder, tasks: Self.tasks) }
        #expect(empty.code == .invalidArgument && empty.what.contains("is not a run folder"))
        try Data("hello".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        let foreign = try Self.refusal { _ = try TrainedRun(path: folder, tasks: Self.tasks) }
        #expect(foreign.what == "\(folder) is not a run folder: it holds notes.txt and no settings.json")
        let file = try Self.refusal { _ = try TrainedRun(path: folder + "/notes.txt", tasks: Self.tasks) }
        #expect(file.what.contains("is a file, not a run folder"))
    }

    @Test func damagedFilesAreRefusedNamingTheFile() throws {
        let (folder, _) = try Self.trainedRun(.marker)
        defer { Support.remove(folder) }
        func damage(_ name: String) throws -> Data {
            let path = folder + "/" + name
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            var bytes = original
            bytes[bytes.count - 3] ^= 0x40
            try bytes.write(to: URL(fileURLWithPath: path))
            return original
        }
        for name in ["checkpoint-last.safetensors", "checkpoint-best.safetensors", "settings.json", "run.json"] {
            let original = try damage(name)
            let checkpoint: TrainedRun.CheckpointChoice = name == "checkpoint-best.safetensors" ? .best : .last
            let error = try Self.refusal { _ = try TrainedRun(path: folder, checkpoint: checkpoint, tasks: Self.tasks) }
            #expect(error.code == .ioFailure && error.what.contains(folder + "/" + name), "\(name): \(error)")
            try original.write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        try FileManager.default.removeItem(atPath: folder + "/checkpoint-best.safetensors")
        let missing = try Self.refusal { _ = try TrainedRun(path: folder, checkpoint: .best, tasks: Self.tasks) }
        #expect(missing.what.contains("has no checkpoint-best.safetensors") && missing.fix.contains("--checkpoint last"))
        #expect(throws: Never.self) { _ = try TrainedRun(path: folder, tasks: Self.tasks) }
    }

    @Test func aCompatibleTaskOverrideEvaluatesOtherExamples() throws {
        let (folder, record) = try Self.trainedRun(.marker)
        defer { Support.remove(folder) }
        let other = try TrainedRun(path: folder, taskOverrides: ["task.seed": "5"], tasks: Self.tasks)
        #expect(other.task.settings["seed"] == "5" && other.taskOverrides == ["task.seed": "5"])
        let evaluation = try RunEvaluation(run: other, split: .test, batchSize: 8)
        #expect(evaluation.taskOverrides == ["task.seed": "5"] && evaluation.taskSettings["seed"] == "5")
        #expect(evaluation.metrics != record.test, "seed 5 draws other test examples")
        let unknown = try Self.refusal { _ = try TrainedRun(path: folder, taskOverrides: ["hidden": "8"], tasks: Self.tasks) }
        #expect(unknown.code == .unknownConfigKey && unknown.what.contains("'hidden'"))
    }

    @Test func anIncompatibleTaskOverrideListsEveryMismatch() throws {
        let (folder, _) = try Self.trainedRun(.marker)
        defer { Support.remove(folder) }
        let token = try Self.refusal { _ = try TrainedRun(path: folder, taskOverrides: ["task": "test-token-class"], tasks: Self.tasks) }
        #expect(token.code == .invalidArgument)
        #expect(token.what.hasPrefix("task test-token-class (task=test-token-class) is not compatible with the run's task test-marker: "))
        for phrase in ["label kind: sequence (run) vs token", "vocabulary size: 6 (run) vs 7", "classes: 2 (run) vs 3",
                       "class names: 2 (run) vs 3"] {
            #expect(token.what.contains(phrase), "\(phrase) in \(token.what)")
        }
        let renamed = try Self.refusal { _ = try TrainedRun(path: folder, taskOverrides: ["task": "test-renamed"], tasks: Self.tasks) }
        for phrase in ["token names: 1 of 6 ids differ, first id 5: 'm' (run) vs 'x'", "class names: 2 of 2 differ, first class 0: 'class 0' (run) vs 'no'",
                       "sequence length: 8 (run) vs 10"] {
            #expect(renamed.what.contains(phrase), "\(phrase) in \(renamed.what)")
        }
        #expect(!renamed.what.contains("label kind") && !renamed.what.contains("vocabulary size"))
    }

    @Test func aTaskThatNoLongerResolvesToTheSavedSettingsIsRefused() throws {
        let (folder, _) = try Self.trainedRun(.marker)
        defer { Support.remove(folder) }
        // Another registry whose test-marker has another default seed: the same settings make another task.
        let changed = TaskRegistry()
        try changed.register(TaskRegistration(
            name: "test-marker", summary: "marker", labelKind: .sequence,
            keys: [.init("seed", default: "9", allowed: "any", summary: "seed"), .init("train", default: "64", allowed: "≥ 1", summary: "train")]
        ) { settings in LearnableTestTask(.marker, seed: try settings.seed(default: 9)) })
        let error = try Self.refusal { _ = try TrainedRun(path: folder, tasks: changed) }
        #expect(error.what.contains("no longer resolves to the settings the run in \(folder) trained with: task.seed: 1 → 9"))
    }
}
