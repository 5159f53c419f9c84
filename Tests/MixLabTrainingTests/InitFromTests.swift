import Foundation
import MixLabCore
import MixLabKernels
import MixLabModels
import MixLabTasks
@testable import MixLabTraining
import Testing

/// Starting a run from a pre-trained encoder (`init-from`), freezing parts of it, and its own learning rate.
@Suite struct InitFromTests {
    typealias Support = TrainerTestSupport

    /// The bit patterns of the encoder's weights, by name.
    static func encoderWeights(_ model: any TaskModel) -> [String: [UInt32]] {
        Dictionary(uniqueKeysWithValues: model.encoder.namedParameters.map { ($0.name, $0.parameter.value.values.map(\.bitPattern)) })
    }

    /// Writes the initial state of `configuration`'s model for `task` as a checkpoint that says what it holds.
    static func initialCheckpoint(_ task: any LearningTask, _ configuration: RunConfiguration, to path: String) throws {
        let model = try TaskModelKind.choose(for: task).makeModel(for: task, configuration: configuration)
        let names = String(decoding: try JSONEncoder().encode(task.vocabulary.names), as: UTF8.self)
        let settings = String(decoding: try JSONEncoder().encode(configuration.settings), as: UTF8.self)
        try Checkpoint.save(model.namedParameters, metadata: [
            PretrainedEncoder.MetadataKey.runSettings: settings, PretrainedEncoder.MetadataKey.vocabulary: names,
        ], to: path)
    }

    @Test func startingFromTheInitialStateReproducesAFromScratchRunBitwise() throws {
        let task = LearnableTestTask(.marker)
        let folder = Support.temporaryFolder("init-state")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { Support.remove(folder) }
        let configuration = try Support.configuration(task, ["dropout": "0.1"])
        let scratchLog = Support.LossLog()
        let scratch = try Trainer(configuration: configuration, task: task, observer: Support.observer(scratchLog))
        let scratchRecord = try scratch.run()

        let checkpoint = folder + "/initial.safetensors"
        try Self.initialCheckpoint(task, configuration, to: checkpoint)
        var settings = configuration.settings
        settings["init-from"] = checkpoint
        let startedLog = Support.LossLog()
        let started = try Trainer(configuration: try RunConfiguration(settings: settings), task: task, directory: folder + "/run",
                                  observer: Support.observer(startedLog))
        let startedRecord = try started.run()
        #expect(startedLog.losses.mapValues(\.bitPattern) == scratchLog.losses.mapValues(\.bitPattern))
        #expect(Support.weights(started.model) == Support.weights(scratch.model))
        #expect(startedRecord.curve == scratchRecord.curve && startedRecord.test == scratchRecord.test)
        let initialization = try #require(startedRecord.initialization)
        #expect(initialization.source == "checkpoint" && initialization.weightsFile == checkpoint)
        #expect(initialization.sha256 == (try ContentDigest.hex(ofFileAt: checkpoint)))
        #expect(scratchRecord.initialization == nil && scratchRecord.settings["init-from"] == nil)
        // The digest is part of the run's identity: a changed source file is a different run.
        let saved = try RunDirectory.SavedSettings.decode(
            try Data(contentsOf: URL(fileURLWithPath: folder + "/run/" + RunDirectory.settingsFile)), path: "settings.json")
        #expect(saved.resolved["init-from-sha256"] == initialization.sha256)
    }

    @Test func aFinishedRunFolderGivesItsFinalEncoderAndTheHeadStartsFresh() throws {
        let task = LearnableTestTask(.marker)
        let (source, target) = (Support.temporaryFolder("init-source"), Support.temporaryFolder("init-target"))
        defer { Support.remove(source); Support.remove(target) }
        let configuration = try Support.configuration(task)
        let pretrained = try Trainer(configuration: configuration, task: task, directory: source)
        _ = try pretrained.run()

        var settings = configuration.settings
        settings["init-from"] = source
        settings["seed"] = "5"
        let fineTuning = try Trainer(configuration: try RunConfiguration(settings: settings), task: task, directory: target)
        #expect(Self.encoderWeights(fineTuning.model) == Self.encoderWeights(pretrained.model))
        let fresh = try Trainer(configuration: try RunConfiguration(settings: settings.filter { $0.key != "init-from" }), task: task)
        let head = { (model: any TaskModel) in Support.weights(model).filter { !$0.key.hasPrefix("fnet.") } }
        #expect(head(fineTuning.model) == head(fresh.model), "the head is the seed's fresh head")
        #expect(head(fineTuning.model) != head(pretrained.model))
        let record = try fineTuning.run()
        #expect(record.initialization?.source == "run-folder" && record.initialization?.path == source)
        #expect(record.initialization?.weightsFile == RunDirectory(source).file(RunDirectory.lastCheckpointFile))
    }

    @Test func everyMismatchIsListedAndNothingIsWritten() throws {
        let marker = LearnableTestTask(.marker), pattern = LearnableTestTask(.pattern)
        let (source, target) = (Support.temporaryFolder("init-mismatch"), Support.temporaryFolder("init-mismatch-target"))
        defer { Support.remove(source); Support.remove(target) }
        _ = try Trainer(configuration: try Support.configuration(pattern), task: pattern, directory: source).run()

        var settings = try Support.configuration(marker, ["hidden": "8", "mixer": "dct"]).settings
        settings["init-from"] = source
        let error = try #require(throws: MixLabError.self) {
            try Trainer(configuration: try RunConfiguration(settings: settings), task: marker, directory: target)
        }
        #expect(error.code == .shapeMismatch && error.location == "run setting init-from")
        #expect(error.what.contains("hidden: 16 in the source, 8 in this run"))
        #expect(error.what.contains("mixer: fourier in the source, dct in this run"))
        #expect(error.what.contains("embedding: 16 in the source, 8 in this run"))
        if case .empty = try RunDirectory(target).inspect() {} else { Issue.record("a refused run writes no run files") }

        // Same sizes, other vocabulary: the first differing token is named.
        settings = try Support.configuration(marker).settings
        settings["init-from"] = source
        let vocabulary = try #require(throws: MixLabError.self) {
            try Trainer(configuration: try RunConfiguration(settings: settings), task: marker, directory: target)
        }
        #expect(vocabulary.what.contains("vocabulary: token 5 is '<mask>' in the source, 'm' in task test-marker"))
    }

    @Test func unusableSourcesAreRefusedWithTheFix() throws {
        let task = LearnableTestTask(.marker)
        let folder = Support.temporaryFolder("init-bad")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { Support.remove(folder) }
        let base = try Support.configuration(task).settings
        func refusal(_ path: String) throws -> MixLabError {
            var settings = base
            settings["init-from"] = path
            return try #require(throws: MixLabError.self) {
                try Trainer(configuration: try RunConfiguration(settings: settings), task: task)
            }
        }
        #expect(try refusal(folder + "/missing").what.contains("does not exist"))
        #expect(try refusal(folder).what.contains("neither a MixLab run folder"))

        // An unfinished run: the fix names its checkpoint file.
        let unfinished = folder + "/unfinished"
        let crashing = try Trainer(configuration: try Support.configuration(task), task: task, directory: unfinished,
                                   observer: Support.observer(Support.LossLog(), crashAfter: 5))
        _ = try? crashing.run()
        let early = try refusal(unfinished)
        #expect(early.what.contains("unfinished run (last checkpoint at step 4)"))
        #expect(early.fix.contains(RunDirectory(unfinished).file(RunDirectory.lastCheckpointFile)))

        // A checkpoint that does not say what it holds, and a damaged one.
        let bare = folder + "/bare.safetensors"
        let model = try TaskModelKind.choose(for: task).makeModel(for: task, configuration: try Support.configuration(task))
        try Checkpoint.save(model.namedParameters, to: bare)
        #expect(try refusal(bare).what.contains("does not say which encoder it holds"))
        let damaged = folder + "/damaged.safetensors"
        try Self.initialCheckpoint(task, try Support.configuration(task), to: damaged)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: damaged))
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: damaged))
        let corrupt = try refusal(damaged)
        #expect(corrupt.code == .ioFailure && corrupt.what.contains(damaged))
    }

    @Test func aHuggingFaceFolderLoadsWithItsPositionTableCut() throws {
        let hf = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MixLabModelsTests/Fixtures/hf-fnet-tiny").path
        let task = FiftyTokenTask()
        let settings = [
            "task": task.name, "hidden": "16", "layers": "2", "ffn": "32", "steps": "2", "warmup": "0", "eval-every": "2",
            "init-from": hf, "threads": String(Parallelism.threads),
        ]
        let trainer = try Trainer(configuration: try RunConfiguration(settings: settings), task: task)
        let reference = try HuggingFaceFNet.loadEncoder(folder: hf)
        let table = "fnet.embeddings.position_embeddings.weight"
        for (name, parameter) in reference.namedParameters {
            let loaded = try #require(trainer.model.encoder.namedParameters.first { $0.name == name }?.parameter.value.values)
            let expected = name == table ? Array(parameter.value.values.prefix(8 * 16)) : parameter.value.values
            #expect(loaded.map { $0.bitPattern } == expected.map { $0.bitPattern }, "\(name)")
        }
        let warnings = trainer.start.warnings
        #expect(warnings.contains { $0.contains("32 learned positions are cut to the first 8") })
        #expect(warnings.contains { $0.contains("does not record its token names") })
        #expect(try trainer.run().initialization?.source == "huggingface")

        // HF's FNet is post-norm with the tanh GELU (gelu_new): another form is refused.
        var other = settings
        other["activation"] = "erf"
        other["norm"] = "pre"
        let error = try #require(throws: MixLabError.self) { try Trainer(configuration: try RunConfiguration(settings: other), task: task) }
        #expect(error.what.contains("activation: tanh in the source, erf in this run") && error.what.contains("norm: post in the source, pre"))
    }

    @Test func frozenPartsStayAndTheEncoderHasItsOwnLearningRate() throws {
        let task = LearnableTestTask(.marker)
        let configuration = try Support.configuration(task, ["layers": "2", "freeze-embeddings": "true", "freeze-blocks": "1"])
        #expect(configuration.settings["freeze-blocks"] == "1" && configuration.settings["encoder-lr"] == nil)
        let trainer = try Trainer(configuration: configuration, task: task)
        let before = Support.weights(trainer.model)
        _ = try trainer.run()
        let after = Support.weights(trainer.model)
        for (name, value) in after {
            let frozen = name.hasPrefix("fnet.embeddings.") || name.hasPrefix("fnet.encoder.layer.0.")
            if frozen { #expect(value == before[name], "\(name) is frozen") }
        }
        #expect(after.filter { $0.key.hasPrefix("fnet.encoder.layer.1.") } != before.filter { $0.key.hasPrefix("fnet.encoder.layer.1.") })
        #expect(trainer.start.parameterCount < (try Trainer(configuration: try Support.configuration(task, ["layers": "2"]), task: task)).start.parameterCount)

        // encoder-lr equal to lr is the default run, bit for bit; another value scales the encoder alone.
        let plain = try Trainer(configuration: try Support.configuration(task), task: task)
        let same = try Trainer(configuration: try Support.configuration(task, ["encoder-lr": "1e-2"]), task: task)
        _ = try plain.run()
        _ = try same.run()
        #expect(Support.weights(plain.model) == Support.weights(same.model))
        let slow = try Trainer(configuration: try Support.configuration(task, ["encoder-lr": "1e-3"]), task: task)
        #expect(slow.model.encoder.namedParameters.allSatisfy { abs($0.parameter.learningRateScale - 0.1) < 1e-6 })
        #expect(slow.model.namedParameters.filter { !$0.name.hasPrefix("fnet.") }.allSatisfy { $0.parameter.learningRateScale == 1 })

        #expect(throws: MixLabError.self) { try Support.configuration(task, ["freeze-blocks": "3"]) }
        #expect(throws: MixLabError.self) { try Support.configuration(task, ["freeze-embeddings": "yes"]) }
    }
}

/// A sequence task over 50 tokens (the vocabulary of the HF fixture): is token 7 in the sequence?
struct FiftyTokenTask: LearningTask {
    var name: String { "test-fifty" }
    var settings: [String: String] { [:] }
    var labelKind: TaskLabelKind { .sequence }
    var classes: Int { 2 }
    var classNames: [String] { ["no", "yes"] }
    var vocabulary: TaskVocabulary { try! TaskVocabulary(names: ["<pad>"] + (1..<50).map { "t\($0)" }) }
    var sequenceLength: Int { 8 }
    func count(_ split: TaskSplit) -> Int { 16 }
    func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        var random = SeededRandom(seed: 9).derived(UInt64(TaskSplit.allCases.firstIndex(of: split)!)).derived(UInt64(index))
        let tokens = (0..<8).map { _ in Int32(random.nextInteger(in: 1...49)) }
        return TaskExample(tokens: tokens, label: tokens.contains(7) ? 1 : 0)
    }
}
