import Foundation
import MixLabCore
import MixLabKernels
import MixLabModels
import MixLabTasks
@testable import MixLabTraining
import Testing

/// `mixlab export huggingface` against the committed fixture: the export of each fixture run is the
/// committed folder byte for byte, MixLab's model and tokenisation compute what transformers and
/// `tokenizers` computed with that folder, and importing it back (`mixlab import huggingface`) gives the
/// run's weights and outputs again.
@Suite struct HuggingFaceExportTests {
    typealias Fixture = HuggingFaceExportFixture

    /// The largest absolute difference between `tensor` and `reference` (infinite when their sizes differ).
    static func maxDifference(_ tensor: Tensor, _ reference: [Double]) -> Double {
        guard tensor.count == reference.count else { return .infinity }
        return zip(tensor.values, reference).map { abs(Double($0) - $1) }.max() ?? 0
    }

    /// The bytes of a file.
    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// A fresh folder for one test (created).
    static func scratch(_ name: String) throws -> String {
        let folder = TrainerTestSupport.temporaryFolder("hf-\(name)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test(arguments: Fixture.names)
    func exportingTheRunWritesTheCommittedFolderByteForByte(name: String) throws {
        let fixture = try Fixture(name)
        let expected = try #require(try Fixture.expected()[name])
        let scratch = try Self.scratch("export-\(name)")
        defer { TrainerTestSupport.remove(scratch) }
        let folder = scratch + "/export"
        let result = try HuggingFaceExport.export(run: fixture.run, to: folder, tokenizerFile: fixture.tokenizerFile)
        #expect(result.architecture?.rawValue == expected.architecture)
        let committed = try FileManager.default.contentsOfDirectory(atPath: fixture.export).sorted()
        #expect(result.files.sorted() == committed)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == committed)
        for file in committed {
            #expect(try Self.bytes(folder + "/" + file) == (try Self.bytes(fixture.export + "/" + file)),
                    "\(name)/export/\(file) differs from what the export writes now: if the change is intended, regenerate the fixtures (Scripts/fixtures/hf_export_runs.sh, then generate_fixtures.py hf_export)")
        }

        // config.json describes the run's model: sizes from its settings, classes from its task.
        let config = try #require(try JSONSerialization.jsonObject(with: Self.bytes(folder + "/config.json")) as? [String: Any])
        #expect(config["architectures"] as? [String] == [expected.architecture])
        #expect(config["model_type"] as? String == "fnet")
        #expect(config["hidden_size"] as? Int == fixture.configuration.hidden)
        #expect(config["num_hidden_layers"] as? Int == fixture.configuration.layers)
        #expect(config["intermediate_size"] as? Int == fixture.configuration.ffn)
        #expect(config["vocab_size"] as? Int == fixture.task.vocabulary.size)
        #expect(config["max_position_embeddings"] as? Int == fixture.task.sequenceLength)
        #expect(config["hidden_act"] as? String == "gelu_new", "the runs use the tanh GELU")
        let labels = config["id2label"] as? [String: String]
        switch fixture.modelKind {
        case .sequenceClassifier where expected.architecture == HuggingFaceFNet.Architecture.model.rawValue:
            #expect(labels == nil, "FNetModel has no classes")
            #expect(result.notes.contains { $0.contains("pooling=mean has no HuggingFace equivalent") })
        case .sequenceClassifier, .tokenClassifier:
            #expect(labels == Dictionary(uniqueKeysWithValues: fixture.task.classNames.enumerated().map { ("\($0.offset)", $0.element) }))
        case .maskedLanguageModel:
            #expect(labels == nil)
        case .pairClassifier:
            Issue.record("no fixture run is a pair classifier")
        }
        // The tokenizer is written for text tasks only, and the README names the class and the files.
        #expect(committed.contains("tokenizer.json") == (fixture.task.settings["tokens"] != nil))
        let readme = String(decoding: try Self.bytes(folder + "/README.md"), as: UTF8.self)
        #expect(readme.contains("# \(expected.architecture) exported from a MixLab run"))
        #expect(readme.contains("\(expected.architecture).from_pretrained(\"PATH\")"))
    }

    @Test(arguments: Fixture.names)
    func mixLabsModelComputesWhatTransformersComputesWithTheExport(name: String) throws {
        let fixture = try Fixture(name)
        let expected = try #require(try Fixture.expected()[name])
        let model = try fixture.trainedModel()
        let batch = try fixture.batch(expected)
        let output = try Fixture.outputs(of: model, batch, architecture: expected.architecture)
        #expect(output.shape == expected.output_shape)
        let error = Self.maxDifference(output, expected.output)
        #expect(error <= 1e-4, "\(name): MixLab's \(fixture.modelKind.rawValue) differs from transformers' \(expected.architecture) by \(error)")
    }

    @Test(arguments: Fixture.textNames)
    func mixLabTokenisesTheTextsAsTheExportedTokenizerDoes(name: String) throws {
        let fixture = try Fixture(name)
        let expected = try #require(try Fixture.expected()[name])
        try #require(!expected.texts.isEmpty, "\(name) has texts")
        let batch = try fixture.batch(expected)
        let length = fixture.task.sequenceLength
        for (row, text) in expected.texts.enumerated() {
            let ids = batch.tokens[(row * length)..<((row + 1) * length)].map(Int.init)
            #expect(ids == expected.input_ids[row], "\(name): text \(row) \(text.debugDescription)")
        }
    }

    @Test(arguments: Fixture.names)
    func importingTheExportGivesTheRunsWeightsAndOutputsBack(name: String) throws {
        let fixture = try Fixture(name)
        let expected = try #require(try Fixture.expected()[name])
        let scratch = try Self.scratch("import-\(name)")
        defer { TrainerTestSupport.remove(scratch) }
        let output = scratch + "/imported.safetensors"
        let result = try HuggingFaceImport.importFolder(fixture.export, to: output)
        let encoderOnly = expected.architecture == HuggingFaceFNet.Architecture.model.rawValue
        #expect(result.architecture == expected.architecture)
        #expect(result.model == (encoderOnly ? "encoder" : fixture.modelKind.rawValue))

        // The weights are the run's, bit for bit: all of them, or the encoder's for an FNetModel (whose
        // classifier is not exported). The fresh pooler of the other classes is left out, with a note.
        let runTensors = try SafeTensors.read(fixture.checkpoint).tensors.filter { !$0.key.hasPrefix("optimizer.") }
        let wanted = encoderOnly ? runTensors.filter { $0.key.hasPrefix("fnet.") } : runTensors
        let imported = try SafeTensors.read(output)
        #expect(imported.tensors.keys.sorted() == wanted.keys.sorted())
        for (tensorName, tensor) in wanted {
            let found = try #require(imported.tensors[tensorName], "\(name): \(tensorName) is missing")
            #expect(found.shape == tensor.shape && found.values.map(\.bitPattern) == tensor.values.map(\.bitPattern), "\(name): \(tensorName)")
        }
        let freshPooler = expected.architecture != HuggingFaceFNet.Architecture.sequenceClassification.rawValue
        #expect(result.notes.contains { $0.contains(HuggingFaceFNet.poolerWeight) } == freshPooler)

        // The checkpoint loads strictly into the run's model (or its encoder) and computes its outputs.
        let trained = try fixture.trainedModel()
        let reloaded = try fixture.freshModel()
        try Checkpoint.load(into: encoderOnly ? reloaded.encoder.namedParameters : reloaded.namedParameters, from: output)
        let batch = try fixture.batch(expected)
        let before = try Fixture.outputs(of: trained, batch, architecture: expected.architecture)
        let after = try Fixture.outputs(of: reloaded, batch, architecture: expected.architecture)
        #expect(after.values.map(\.bitPattern) == before.values.map(\.bitPattern), "\(name): the imported checkpoint computes other outputs")

        // init-from accepts it for a run with the run's settings, and it records the token and class names.
        var taskSettings = fixture.task.settings
        if let tokenizer = result.tokenizer {
            #expect(tokenizer == HuggingFaceImport.tokenizerPath(forCheckpoint: output))
            #expect(try Self.bytes(tokenizer) == (try Self.bytes(fixture.export + "/tokenizer.json")))
            // A run that fine-tunes from the import reads the copy (task.tokenizer=NAME.tokenizer.json).
            if taskSettings["tokens"] == "subword" { taskSettings["tokenizer-sha256"] = try ContentDigest.hex(ofFileAt: tokenizer) }
        } else {
            #expect(fixture.task.settings["tokens"] == nil, "\(name) reads text: the export has a tokenizer to copy")
        }
        let task = try RecordedTask(
            name: fixture.task.name, settings: taskSettings, labelKind: fixture.task.labelKind,
            vocabularyNames: fixture.task.vocabulary.names, classNames: fixture.modelKind == .maskedLanguageModel ? nil : fixture.task.classNames)
        let pretrained = try PretrainedEncoder.open(output)
        #expect(pretrained.source == .checkpoint)
        let notes = try pretrained.check(fixture.freshModel().encoder, configuration: fixture.configuration, task: task)
        #expect(notes.isEmpty == (result.tokenizer != nil), "\(name): \(notes)")
        if [.sequenceClassifier, .tokenClassifier].contains(fixture.modelKind), !encoderOnly {
            #expect(imported.metadata[PretrainedEncoder.MetadataKey.classNames]
                == String(decoding: try JSONEncoder().encode(fixture.task.classNames), as: UTF8.self))
        }
    }
}

/// Runs an export cannot be written from, and folders an import cannot read: each is refused with an
/// error that names the file and the fix, and nothing is written.
@Suite struct HuggingFaceExportRefusalTests {
    typealias Fixture = HuggingFaceExportFixture
    typealias Support = TrainerTestSupport

    /// A copy of fixture run `name` in `folder` (for damaging it).
    static func copyOfRun(_ name: String, in folder: String) throws -> String {
        let copy = folder + "/\(name)-run"
        try FileManager.default.copyItem(atPath: try Fixture(name).run, toPath: copy)
        return copy
    }

    /// A copy of the committed export of fixture run `name` in `folder` (for damaging it).
    static func copyOfExport(_ name: String, in folder: String) throws -> String {
        let copy = folder + "/\(name)-export"
        try FileManager.default.copyItem(atPath: try Fixture(name).export, toPath: copy)
        return copy
    }

    /// Flips one bit of the byte `offsetFromEnd` bytes before the end of `path`.
    static func damage(_ path: String, offsetFromEnd: Int = 3) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - offsetFromEnd] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    /// The error `body` throws; a test failure when it does not throw a `MixLabError`.
    static func refusal(_ body: () throws -> Any) throws -> MixLabError {
        try #require(throws: MixLabError.self) { _ = try body() }
    }

    /// Every file under `folder`, with its bytes.
    static func snapshot(_ folder: String) throws -> [String: Data] {
        let files = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? [])
        var result: [String: Data] = [:]
        for file in files {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + file, isDirectory: &isFolder), !isFolder.boolValue {
                result[file] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file))
            }
        }
        return result
    }

    /// A tiny finished run of the marker task in `folder` with `settings` (a private task registry knows the task).
    static func trainedRun(_ settings: [String: String], in folder: String) throws -> (run: String, tasks: TaskRegistry, task: LearnableTestTask) {
        let task = LearnableTestTask(.marker)
        let tasks = TaskRegistry()
        try tasks.register(TaskRegistration(
            name: task.name, summary: "the marker task of the trainer's tests", labelKind: .sequence,
            keys: [TaskSettingKey("seed", default: "1", allowed: "any", summary: "seed"),
                   TaskSettingKey("train", default: "64", allowed: "≥ 1", summary: "training examples")]
        ) { _ in task })
        let run = folder + "/run"
        _ = try Trainer(configuration: try Support.configuration(task, settings), task: task, directory: run).run()
        return (run, tasks, task)
    }

    @Test func aModelWithoutAnHuggingFaceClassIsWrittenInMixLabsFormatWithTheReasons() throws {
        let scratch = try HuggingFaceExportTests.scratch("mixlab-format")
        defer { Support.remove(scratch) }
        let settings = ["mixer": "dct", "norm": "pre", "steps": "4", "eval-every": "2", "checkpoint-every": "2"]
        let (run, tasks, task) = try Self.trainedRun(settings, in: scratch)
        let folder = scratch + "/export"
        let result = try HuggingFaceExport.export(run: run, to: folder, tasks: tasks)
        #expect(result.architecture == nil)
        #expect(result.files == [HuggingFaceExport.MixLabFormat.weightsFile, HuggingFaceExport.MixLabFormat.settingsFile, "README.md"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == result.files.sorted(), "no config.json is written")
        let reasons = try #require(result.notes.first)
        #expect(reasons.hasPrefix("no HuggingFace FNet class computes this model"))
        #expect(reasons.contains("mixer=dct: HuggingFace FNet mixes with the Fourier transform only"))
        #expect(reasons.contains("norm=pre: HuggingFace FNet's blocks are post-LN"))
        let readme = String(decoding: try Data(contentsOf: URL(fileURLWithPath: folder + "/README.md")), as: UTF8.self)
        #expect(readme.hasPrefix("# A MixLab model in MixLab's format") && readme.contains("mixer=dct") && !readme.contains("from_pretrained"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + HuggingFaceExport.MixLabFormat.settingsFile))
            == (try Data(contentsOf: URL(fileURLWithPath: run + "/" + RunDirectory.settingsFile))))

        // The weights file holds the run's weights without optimiser state, and init-from reads it.
        let weights = folder + "/" + HuggingFaceExport.MixLabFormat.weightsFile
        let exported = try SafeTensors.read(weights)
        let trained = try SafeTensors.read(run + "/" + RunDirectory.lastCheckpointFile).tensors.filter { !$0.key.hasPrefix("optimizer.") }
        #expect(exported.tensors.keys.sorted() == trained.keys.sorted())
        #expect(exported.tensors.allSatisfy { $0.value.values.map(\.bitPattern) == trained[$0.key]?.values.map(\.bitPattern) })
        #expect(exported.metadata["mixlab.exported-from"] == run + "/" + RunDirectory.lastCheckpointFile)
        let configuration = try Support.configuration(task, settings)
        let model = try TaskModelKind.choose(for: task).makeModel(for: task, configuration: configuration)
        #expect(try PretrainedEncoder.open(weights).check(model.encoder, configuration: configuration, task: task).isEmpty)
    }

    @Test func aNonEmptyFolderIsReplacedOnlyWithForceAndTheRunFolderNever() throws {
        let fixture = try Fixture("sentiment-word")
        let scratch = try HuggingFaceExportTests.scratch("force")
        defer { Support.remove(scratch) }
        let folder = scratch + "/export"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("my notes\n".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        let refused = try Self.refusal { try HuggingFaceExport.export(run: fixture.run, to: folder) }
        #expect(refused.code == .ioFailure && refused.what == "\(folder) exists and is not empty")
        #expect(refused.location == "mixlab export huggingface" && refused.fix.contains("--force"))
        #expect(try Self.snapshot(folder) == ["notes.txt": Data("my notes\n".utf8)], "nothing is overwritten or added")

        let result = try HuggingFaceExport.export(run: fixture.run, to: folder, force: true)
        #expect(result.architecture == .sequenceClassification)
        #expect(try Self.snapshot(folder) == (try Self.snapshot(fixture.export)), "the folder holds the export alone")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch) == ["export"], "no partial or replaced folder is left beside it")

        // A file in the way, the run folder itself and a folder that holds the run are refused, even with force.
        let file = scratch + "/a-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        for force in [false, true] {
            let error = try Self.refusal { try HuggingFaceExport.export(run: fixture.run, to: file, force: force) }
            #expect(error.code == .ioFailure && error.what == "\(file) is a file, not a folder", "\(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data("x".utf8))
        let copy = try Self.copyOfRun("sentiment-word", in: scratch)
        let before = try Self.snapshot(copy)
        for target in [copy, scratch] {
            let error = try Self.refusal { try HuggingFaceExport.export(run: copy, to: target, force: true) }
            #expect(error.what == "\(target) is the run folder \(copy) or holds it" && error.fix == "export into a folder outside the run")
        }
        #expect(try Self.snapshot(copy) == before)
    }

    @Test func missingAndDamagedRunsAreRefusedAndNothingIsWritten() throws {
        let scratch = try HuggingFaceExportTests.scratch("damaged")
        defer { Support.remove(scratch) }
        let target = scratch + "/export"
        func refusal(_ run: String, checkpoint: HuggingFaceExport.CheckpointChoice = .last, tokenizer: String? = nil) throws -> MixLabError {
            let error = try Self.refusal { try HuggingFaceExport.export(run: run, to: target, checkpoint: checkpoint, tokenizerFile: tokenizer) }
            #expect(!FileManager.default.fileExists(atPath: target), "nothing is written when the export fails: \(error)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).allSatisfy { !$0.hasPrefix(".export") }, "no partial folder")
            return error
        }

        let nowhere = try refusal(scratch + "/no-such-run")
        #expect(nowhere.what == "there is no run folder \(scratch)/no-such-run" && nowhere.fix.contains("mixlab train --out"))
        try FileManager.default.createDirectory(atPath: scratch + "/empty", withIntermediateDirectories: true)
        let empty = try refusal(scratch + "/empty")
        #expect(empty.what.contains("holds no run") && empty.what.contains("settings.json is missing"))

        let run = try Self.copyOfRun("sentiment-word", in: scratch)
        let best = try refusal(run, checkpoint: .best)
        #expect(best.what == "\(run) has no checkpoint-best.safetensors" && best.fix.contains("--checkpoint last"))

        let checkpoint = run + "/" + RunDirectory.lastCheckpointFile
        let good = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        try Self.damage(checkpoint)
        let corrupt = try refusal(run)
        #expect(corrupt.code == .ioFailure && corrupt.what.contains(checkpoint) && !corrupt.fix.isEmpty)
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: checkpoint))
        let truncated = try refusal(run)
        #expect(truncated.code == .ioFailure && truncated.what.contains(checkpoint))
        // Another run's checkpoint (a token classifier of other sizes) does not fit this run's model.
        try FileManager.default.removeItem(atPath: checkpoint)
        try FileManager.default.copyItem(atPath: try Fixture("reversal-token").checkpoint, toPath: checkpoint)
        let foreign = try refusal(run)
        #expect(foreign.code == .shapeMismatch && foreign.what.contains("does not fit the run's settings") && foreign.what.contains("missing: fnet.pooler"))
        try FileManager.default.removeItem(atPath: checkpoint)
        let missing = try refusal(run)
        #expect(missing.what == "\(run) has no checkpoint-last.safetensors" && missing.fix.contains("train the run first"))
        try good.write(to: URL(fileURLWithPath: checkpoint))

        let settings = run + "/" + RunDirectory.settingsFile
        try Self.damage(settings, offsetFromEnd: 40)
        let badSettings = try refusal(run)
        #expect(badSettings.code == .ioFailure && badSettings.what.contains(settings) && badSettings.what.contains("damaged"), "\(badSettings)")
        #expect(badSettings.location == "mixlab export huggingface" && badSettings.fix.contains("restore \(settings)"))

        // A subword run needs the WordPiece file it was trained with.
        let subword = try Fixture("mlm-subword")
        let noTokenizer = try refusal(subword.run, tokenizer: scratch + "/no-tokenizer.json")
        #expect(noTokenizer.code == .invalidArgument && noTokenizer.what.contains("no-tokenizer.json cannot be read"))
        #expect(noTokenizer.fix.contains("--tokenizer PATH") && noTokenizer.fix.contains(subword.saved.resolved["task.tokenizer-sha256"]!))
        let otherTokenizer = try Fixture("sentiment-word").export + "/tokenizer.json"
        let wrong = try refusal(subword.run, tokenizer: otherTokenizer)
        #expect(wrong.code == .invalidArgument && wrong.what.contains("the run was trained with a tokenizer of SHA-256"))
    }

    @Test func foldersThatAreNotAnFNetCheckpointAreNotImported() throws {
        let scratch = try HuggingFaceExportTests.scratch("import-refusals")
        defer { Support.remove(scratch) }
        let output = scratch + "/out.safetensors"
        func refusal(_ folder: String, to path: String = output, force: Bool = false) throws -> MixLabError {
            let error = try Self.refusal { try HuggingFaceImport.importFolder(folder, to: path, force: force) }
            if path == output {
                #expect(!FileManager.default.fileExists(atPath: output), "nothing is written when the import fails: \(error)")
                #expect(!FileManager.default.fileExists(atPath: HuggingFaceImport.tokenizerPath(forCheckpoint: output)))
            }
            return error
        }

        let nowhere = try refusal(scratch + "/nothing")
        #expect(nowhere.what == "there is no folder \(scratch)/nothing" && nowhere.fix.contains("save_pretrained"))
        let export = try Self.copyOfExport("sentiment-word", in: scratch)
        let config = export + "/config.json"
        let goodConfig = try Data(contentsOf: URL(fileURLWithPath: config))
        let weights = export + "/model.safetensors"
        let goodWeights = try Data(contentsOf: URL(fileURLWithPath: weights))

        try FileManager.default.removeItem(atPath: config)
        let noConfig = try refusal(export)
        #expect(noConfig.code == .ioFailure && noConfig.what == "\(export) lacks config.json")
        try goodConfig.write(to: URL(fileURLWithPath: config))
        try FileManager.default.moveItem(atPath: weights, toPath: export + "/pytorch_model.bin")
        let torchOnly = try refusal(export)
        #expect(torchOnly.what == "\(export) lacks model.safetensors" && torchOnly.fix.contains("safe_serialization=True"))
        try FileManager.default.removeItem(atPath: export + "/pytorch_model.bin")
        try goodWeights.write(to: URL(fileURLWithPath: weights))

        // A config that is not JSON, of another model, or without a size.
        try Data(goodConfig.prefix(goodConfig.count / 2)).write(to: URL(fileURLWithPath: config))
        let garbled = try refusal(export)
        #expect(garbled.code == .ioFailure && garbled.what.contains(config) && garbled.what.contains("not a JSON object"), "\(garbled)")
        var json = try #require(try JSONSerialization.jsonObject(with: goodConfig) as? [String: Any])
        json["model_type"] = "bert"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: config))
        let bert = try refusal(export)
        #expect(bert.code == .invalidConfigValue && bert.what == "\(config) describes a 'bert' model, not FNet")
        json["model_type"] = "fnet"
        json["hidden_size"] = nil
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: config))
        let sizeless = try refusal(export)
        #expect(sizeless.code == .invalidConfigValue && sizeless.what == "\(config) lacks the integer 'hidden_size'")

        // A config whose sizes the tensors do not have, and tensors that are missing: every one listed.
        json["hidden_size"] = 16
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: config))
        let misshaped = try refusal(export)
        #expect(misshaped.code == .shapeMismatch && misshaped.what.contains("does not fit the FNetForSequenceClassification that \(config) describes"))
        #expect(misshaped.what.contains("mis-shaped: ") && misshaped.what.contains("classifier.weight (model [2, 16], file [2, 8])"))
        try goodConfig.write(to: URL(fileURLWithPath: config))
        var contents = try SafeTensors.read(weights)
        contents.tensors["fnet.encoder.layer.1.output.dense.weight"] = nil
        try SafeTensors.encode(contents).write(to: URL(fileURLWithPath: weights))
        let incomplete = try refusal(export)
        #expect(incomplete.code == .shapeMismatch && incomplete.what.contains("missing: fnet.encoder.layer.1.output.dense.weight"))
        try Data(goodWeights.prefix(100)).write(to: URL(fileURLWithPath: weights))
        let truncated = try refusal(export)
        #expect(truncated.code == .ioFailure && truncated.what.contains(weights))
        try goodWeights.write(to: URL(fileURLWithPath: weights))

        // A masked-language model whose decoder is not the word-embedding table.
        let masked = try Self.copyOfExport("mlm-subword", in: scratch)
        var maskedContents = try SafeTensors.read(masked + "/model.safetensors")
        let table = try #require(maskedContents.tensors["fnet.embeddings.word_embeddings.weight"])
        maskedContents.tensors["cls.predictions.decoder.weight"] = try Tensor(shape: table.shape, values: table.values.map { $0 * 2 })
        try SafeTensors.encode(maskedContents).write(to: URL(fileURLWithPath: masked + "/model.safetensors"))
        let untied = try refusal(masked)
        #expect(untied.code == .shapeMismatch && untied.what.contains("not the word-embedding table"))

        // An existing checkpoint is replaced only with force; a folder is never written over.
        let first = try HuggingFaceImport.importFolder(export, to: output)
        let written = try Data(contentsOf: URL(fileURLWithPath: output))
        let again = try Self.refusal { try HuggingFaceImport.importFolder(export, to: output) }
        #expect(again.code == .ioFailure && again.what.contains(output) && again.what.contains("already exist") && again.fix.contains("--force"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == written)
        let replaced = try HuggingFaceImport.importFolder(export, to: output, force: true)
        #expect(replaced.checkpoint == first.checkpoint && replaced.tokenizer == first.tokenizer)
        let aFolder = try refusal(export, to: scratch)
        #expect(aFolder.what == "\(scratch) is a folder" && aFolder.fix.contains("\(scratch)/model.safetensors"))
    }
}
