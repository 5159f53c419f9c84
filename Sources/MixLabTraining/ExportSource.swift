import Foundation
import MixLabCore
import MixLabMixers
import MixLabModels
import MixLabTasks

/// A run's checkpoint as an export reads it: settings, tensors without optimiser state, the encoder
/// configuration, the model kind, and every reason no HF class computes it.
struct ExportSource {
    let run: String
    let saved: RunDirectory.SavedSettings
    let settingsBytes: Data
    let configuration: RunConfiguration
    let checkpointFile: String
    let checkpointPath: String
    let metadata: [String: String]
    let tensors: [String: Tensor]
    let step: Int?
    let encoder: EncoderConfiguration
    let kind: TaskModelKind
    let incompatibilities: [String]
    let notes: [String]
    let tasks: TaskRegistry

    static let location = HuggingFaceExport.location

    init(run: String, checkpoint: HuggingFaceExport.CheckpointChoice, registry: MixerRegistry, tasks: TaskRegistry) throws {
        let directory = RunDirectory(run)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: run, isDirectory: &isFolder), isFolder.boolValue else {
            throw MixLabError(.ioFailure, what: "there is no run folder \(run)", location: Self.location,
                              fix: "give the folder of a run (mixlab train --out FOLDER)")
        }
        let settingsPath = directory.file(RunDirectory.settingsFile)
        guard let settingsBytes = FileManager.default.contents(atPath: settingsPath) else {
            throw MixLabError(.ioFailure, what: "\(run) holds no run: \(settingsPath) is missing or unreadable", location: Self.location,
                              fix: "give the folder of a run (mixlab train --out FOLDER)")
        }
        self.run = run
        self.tasks = tasks
        self.settingsBytes = settingsBytes
        do {
            saved = try RunDirectory.SavedSettings.decode(settingsBytes, path: settingsPath)
        } catch let error as MixLabError {
            // The run folder's own fix (start the run again) would discard the model being exported.
            throw MixLabError(error.code, what: error.what, location: Self.location,
                              fix: "restore \(settingsPath) from a backup (run.json records the same settings); the export changes nothing in the run")
        }
        do {
            configuration = try RunConfiguration(settings: saved.settings, location: settingsPath)
        } catch let error as MixLabError {
            throw MixLabError(error.code, what: "the settings in \(settingsPath) are not valid here: \(error.what)", location: Self.location,
                              fix: error.fix)
        }
        checkpointFile = checkpoint.fileName
        checkpointPath = directory.file(checkpoint.fileName)
        guard FileManager.default.fileExists(atPath: checkpointPath) else {
            throw MixLabError(
                .ioFailure, what: "\(run) has no \(checkpoint.fileName)", location: Self.location,
                fix: checkpoint == .best ? "export the last checkpoint (--checkpoint last); a run writes a best one at its first evaluation"
                    : "train the run first (it writes its checkpoint every checkpoint-every steps and at the end)")
        }
        let contents = try SafeTensors.read(checkpointPath)
        metadata = contents.metadata
        tensors = contents.tensors.filter { !$0.key.hasPrefix("optimizer.") }
        var notes: [String] = []
        if checkpoint == .last, let state = try? TrainerState.decode(metadata: contents.metadata, source: checkpointPath) {
            step = state.step
        } else {
            step = contents.metadata["mixlab.step"].flatMap(Int.init)
        }
        if !FileManager.default.fileExists(atPath: directory.file(RunDirectory.recordFile)) {
            notes.append("the run has not finished: \(checkpoint.fileName) holds its weights at step \(step.map(String.init) ?? "?")")
        }
        let registration = try tasks.registration(named: configuration.task)
        if tensors["cls.predictions.bias"] != nil {
            kind = .maskedLanguageModel
        } else {
            switch registration.labelKind {
            case .token: kind = .tokenClassifier
            case .pair: kind = .pairClassifier
            case .sequence: kind = .sequenceClassifier
            }
        }
        encoder = try Self.encoderConfiguration(configuration, tensors: tensors, resolved: saved.resolved, file: checkpointPath)
        incompatibilities = HuggingFaceFNet.exportIncompatibilities(encoder, registry: registry)
            + (kind == .pairClassifier ? ["a two-tower pair classifier (task \(configuration.task)) has no HuggingFace FNet class"] : [])
        if incompatibilities.isEmpty {
            try Self.checkFits(tensors, encoder: encoder, kind: kind, configuration: configuration, file: checkpointPath, registry: registry)
        }
        self.notes = notes
    }

    /// The encoder configuration of the run, its sizes read from the checkpoint's tables.
    static func encoderConfiguration(
        _ configuration: RunConfiguration, tensors: [String: Tensor], resolved: [String: String], file: String
    ) throws -> EncoderConfiguration {
        var encoder = EncoderConfiguration()
        func rows(_ name: String) throws -> Int {
            guard let tensor = tensors[name], tensor.rank == 2 else {
                throw MixLabError(.shapeMismatch, what: "\(file) has no table \(name)", location: location,
                                  fix: "the file is not a checkpoint of this run: export another checkpoint")
            }
            return tensor.shape[0]
        }
        encoder.vocabularySize = try rows("fnet.embeddings.word_embeddings.weight")
        encoder.typeVocabularySize = try rows("fnet.embeddings.token_type_embeddings.weight")
        encoder.embeddingSize = configuration.embedding == 0 ? configuration.hidden : configuration.embedding
        encoder.hiddenSize = configuration.hidden
        encoder.layers = configuration.layers
        encoder.intermediateSize = configuration.ffn
        if configuration.positions == .learned {
            encoder.maxPositions = try rows("fnet.embeddings.position_embeddings.weight")
        } else {
            encoder.maxPositions = resolved["task.length"].flatMap(Int.init) ?? encoder.maxPositions
        }
        encoder.mixer = configuration.mixer
        encoder.mixerSettings = configuration.mixerSettings
        encoder.attentionLayers = configuration.attentionLayers
        encoder.attentionPlacement = configuration.placement
        encoder.attentionSettings = configuration.attentionSettings
        encoder.positions = configuration.positions
        encoder.normPlacement = configuration.norm
        encoder.activation = configuration.activation
        encoder.dropout = configuration.dropout
        encoder.layerNormEpsilon = configuration.layerNormEpsilon
        return encoder
    }

    /// Checks that the checkpoint's tensors are exactly those of the run's model.
    static func checkFits(
        _ tensors: [String: Tensor], encoder: EncoderConfiguration, kind: TaskModelKind, configuration: RunConfiguration,
        file: String, registry: MixerRegistry
    ) throws {
        let length = encoder.maxPositions
        let parameters: [(name: String, parameter: Parameter)]
        switch kind {
        case .maskedLanguageModel:
            parameters = try MaskedLanguageModel(encoder, sequenceLength: length, seed: 0, registry: registry).namedParameters
        case .pairClassifier:
            preconditionFailure("a pair classifier is exported in MixLab's own format, never checked against an HF class")
        case .sequenceClassifier, .tokenClassifier:
            guard let classes = tensors["classifier.weight"]?.shape.first, classes >= 2 else {
                throw MixLabError(.shapeMismatch, what: "\(file) has no classifier (classifier.weight with at least 2 rows)", location: location,
                                  fix: "the file is not a checkpoint of this run: export another checkpoint")
            }
            parameters = kind == .tokenClassifier
                ? try TokenClassifier(encoder, classes: classes, sequenceLength: length, seed: 0, registry: registry).namedParameters
                : try SequenceClassifier(encoder, classes: classes, pooling: configuration.pooling, sequenceLength: length, seed: 0,
                                         registry: registry).namedParameters
        }
        let mismatches = Checkpoint.mismatches(tensors, parameters)
        guard mismatches.isEmpty else {
            throw MixLabError(.shapeMismatch, what: "\(file) does not fit the run's settings: " + mismatches.joined(separator: "; "),
                              location: location, fix: "the file is damaged or from another run: export another checkpoint")
        }
    }

    /// The task's class names: recorded in the checkpoint, else the task's own (opening it), else
    /// `LABEL_i` with a note.
    func classNames(notes: inout [String]) throws -> [String] {
        let classes = tensors["classifier.weight"]?.shape.first ?? 0
        if let text = metadata[PretrainedEncoder.MetadataKey.classNames],
           let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)), names.count == classes {
            return names
        }
        do {
            let task = try tasks.make(configuration.task, settings: configuration.taskSettings)
            if task.classNames.count == classes { return task.classNames }
        } catch {
            let reason = (error as? MixLabError)?.what ?? "\(error)"
            notes.append("class names: the checkpoint does not record them and task \(configuration.task) cannot be opened here "
                + "(\(reason)); the classes are named LABEL_0 … LABEL_\(classes - 1)")
            return (0..<classes).map { "LABEL_\($0)" }
        }
        notes.append("class names: none recorded; the classes are named LABEL_0 … LABEL_\(classes - 1)")
        return (0..<classes).map { "LABEL_\($0)" }
    }

    /// The task's token names: recorded in the checkpoint, else the task's own.
    func vocabulary() throws -> [String] {
        if let text = metadata[PretrainedEncoder.MetadataKey.vocabulary],
           let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)), names.count == encoder.vocabularySize {
            return names
        }
        let task = try tasks.make(configuration.task, settings: configuration.taskSettings)
        return task.vocabulary.names
    }

    /// The bytes of the run's WordPiece `tokenizer.json` (at `tokenizerFile`, else where the settings say),
    /// checked against the SHA-256 the settings record.
    func wordPieceBytes(tokenizerFile: String?) throws -> Data {
        let recorded = saved.resolved["task.tokenizer"] ?? ""
        let path = tokenizerFile ?? recorded
        let digest = saved.resolved["task.tokenizer-sha256"]
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw MixLabError(
                .invalidArgument, what: "the run's tokenizer \(path.isEmpty ? "(no path recorded)" : path) cannot be read", location: Self.location,
                fix: "pass the tokenizer.json the run was trained with: --tokenizer PATH (SHA-256 \(digest ?? "?"))")
        }
        if let digest, ContentDigest.hex(of: bytes) != digest {
            throw MixLabError(
                .invalidArgument,
                what: "\(path) has SHA-256 \(ContentDigest.hex(of: bytes)); the run was trained with a tokenizer of SHA-256 \(digest)",
                location: Self.location, fix: "pass the tokenizer.json the run was trained with: --tokenizer PATH")
        }
        return bytes
    }

    /// The tokenizer files of a text task; nil (with a note) for a task that does not read text.
    func tokenizerFiles(tokenizerFile: String?, notes: inout [String]) throws -> HuggingFaceTokenizerFiles? {
        let taskSettings = Dictionary(uniqueKeysWithValues: saved.resolved.compactMap { key, value in
            key.hasPrefix("task.") ? (String(key.dropFirst(5)), value) : nil
        })
        guard taskSettings["tokens"] != nil else {
            notes.append("task \(configuration.task) does not read text: no tokenizer is written; the model reads the task's token ids "
                + "(0 is padding), padded to \(encoder.maxPositions)")
            return nil
        }
        let wordPiece = taskSettings["tokens"] == "subword" ? try wordPieceBytes(tokenizerFile: tokenizerFile) : nil
        return try HuggingFaceTokenizerFiles.make(
            taskName: configuration.task, taskSettings: taskSettings, vocabulary: try vocabulary(), wordPieceFile: wordPiece)
    }
}
