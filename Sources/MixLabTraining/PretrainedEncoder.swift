import Foundation
import MixLabCore
import MixLabMixers
import MixLabModels
import MixLabTasks

/// The weights a run's encoder starts from (`init-from=`): the encoder of a finished MixLab run, of a
/// MixLab checkpoint file, or of a HuggingFace FNet folder. The task's head always starts fresh from the
/// run's seed.
///
/// The encoder is the word, position and type embeddings with their LayerNorm and projection, and the
/// blocks (`fnet.embeddings.*`, `fnet.encoder.*`); everything else in the source (a classifier, a
/// pooler, a masked-LM head, optimiser state) is left out. Loading is strict: `check` compares the
/// source's encoder settings (mixer and its settings, sizes, layers, hybrid layout, positions, norm
/// placement, GELU form, LayerNorm ε), its vocabulary (size, and token names where the source records
/// them), its tokeniser (the `tokenizer-sha256` of subword tasks) and every tensor's name and shape
/// with the run's, and throws one error listing every mismatch; nothing is loaded unless everything
/// fits. One relaxation is allowed and reported: a position table longer than the run's sequence length
/// is cut to its first rows (an HF checkpoint has 512 positions; positions 0 … T−1 are the ones a
/// length-T run reads).
///
/// A run started from an encoder records its path and the SHA-256 of the weights file
/// (`RunRecord.initialization`, and `init-from-sha256` in the resolved settings, so resuming after the
/// file changed is refused).
public struct PretrainedEncoder: Sendable {
    /// What kind of source the weights come from.
    public enum Source: String, Sendable, Codable {
        /// A finished MixLab run folder: its final weights (`checkpoint-last.safetensors`).
        case runFolder = "run-folder"
        /// A MixLab checkpoint file written by a run (or by `mixlab import huggingface`).
        case checkpoint
        /// A HuggingFace FNet folder (`config.json`, `model.safetensors`).
        case huggingFace = "huggingface"
    }

    /// The path as given.
    public let path: String
    /// The kind of source.
    public let source: Source
    /// The file the weights were read from.
    public let weightsFile: String
    /// The SHA-256 of `weightsFile`.
    public let sha256: String
    /// The source's encoder settings as run settings (`mixer`, `hidden`, …, `mixer.*`, `attention.*`).
    let encoderSettings: [String: String]
    /// The source task's resolved settings, when the source records them (tokenisation keys).
    let taskSettings: [String: String]?
    /// The source's token names by id, when it records them.
    let vocabulary: [String]?
    /// The encoder's tensors by name.
    let tensors: [String: Tensor]

    /// Checkpoint metadata keys under which a run's checkpoints record what `check` compares.
    public enum MetadataKey {
        /// The run's settings (`RunConfiguration.settings`), as a JSON object.
        public static let runSettings = "mixlab.run-settings"
        /// The task's resolved settings, as a JSON object.
        public static let taskSettings = "mixlab.task-settings"
        /// The task's token names by id, as a JSON array.
        public static let vocabulary = "mixlab.vocabulary"
        /// The encoder's settings as run settings, as a JSON object (checkpoints made by an import).
        public static let encoderSettings = "mixlab.encoder-settings"
        /// The task's class names by label, as a JSON array (when they are not the vocabulary's names).
        public static let classNames = "mixlab.class-names"
    }

    /// The run settings that define an encoder (with the `mixer.` family, and `attention.` in hybrids).
    static let encoderKeys = [
        "mixer", "hidden", "embedding", "layers", "ffn", "attention-layers", "placement", "positions", "norm",
        "activation", "layer-norm-eps",
    ]

    /// Where errors about the source are reported.
    static let location = "run setting init-from"

    /// Reads the source at `path`: a run folder (it holds `settings.json`), a HuggingFace folder (it holds
    /// `config.json`), or a `.safetensors` checkpoint file.
    ///
    /// - Throws: `MixLabError.ioFailure` when the path does not exist, is an unfinished run, or its files
    ///   are missing or damaged; `.invalidArgument` for a checkpoint that does not say which encoder it
    ///   holds.
    public static func open(_ path: String, registry: MixerRegistry = .shared) throws -> PretrainedEncoder {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw MixLabError(.ioFailure, what: "init-from=\(path) does not exist", location: location,
                              fix: "give a finished run folder, a .safetensors checkpoint, or a HuggingFace FNet folder")
        }
        guard isFolder.boolValue else { return try openCheckpoint(path, registry: registry) }
        let folder = RunDirectory(path)
        if FileManager.default.fileExists(atPath: folder.file(RunDirectory.settingsFile)) {
            return try openRunFolder(folder, registry: registry)
        }
        if FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("config.json")) {
            return try openHuggingFace(path, registry: registry)
        }
        throw MixLabError(.ioFailure, what: "\(path) is neither a MixLab run folder (no settings.json) nor a HuggingFace folder (no config.json)",
                          location: location, fix: "give a finished run folder, a .safetensors checkpoint, or a HuggingFace FNet folder")
    }

    /// The final weights of the finished run in `folder`.
    private static func openRunFolder(_ folder: RunDirectory, registry: MixerRegistry) throws -> PretrainedEncoder {
        let weights = folder.file(RunDirectory.lastCheckpointFile)
        switch try folder.inspect() {
        case .finished:
            break
        case .unfinished(_, let step):
            throw MixLabError(
                .ioFailure, what: "\(folder.path) holds an unfinished run" + (step.map { " (last checkpoint at step \($0))" } ?? ""),
                location: location,
                fix: "finish it first (mixlab train --out \(folder.path) --resume), or pass its checkpoint file itself: init-from=\(weights)")
        case .empty, .foreign:
            throw MixLabError(.ioFailure, what: "\(folder.path) holds no MixLab run", location: location,
                              fix: "give a finished run folder, a .safetensors checkpoint, or a HuggingFace FNet folder")
        }
        let settingsPath = folder.file(RunDirectory.settingsFile)
        guard let settingsBytes = FileManager.default.contents(atPath: settingsPath) else {
            throw MixLabError(.ioFailure, what: "cannot read \(settingsPath)", location: location, fix: "check the file's permissions")
        }
        let saved = try RunDirectory.SavedSettings.decode(settingsBytes, path: settingsPath)
        let weightsOnly = try fromCheckpointFile(weights, source: .runFolder, path: folder.path, registry: registry)
        let savedTaskSettings = Dictionary(uniqueKeysWithValues: saved.resolved.compactMap { key, value in
            key.hasPrefix("task.") ? (String(key.dropFirst(5)), value) : nil
        })
        return PretrainedEncoder(
            path: folder.path, source: .runFolder, weightsFile: weights, sha256: weightsOnly.sha256,
            encoderSettings: try encoderSettings(of: saved.settings, source: settingsPath, registry: registry),
            taskSettings: weightsOnly.taskSettings ?? savedTaskSettings, vocabulary: weightsOnly.vocabulary, tensors: weightsOnly.tensors)
    }

    /// A checkpoint file whose metadata says which encoder it holds.
    private static func openCheckpoint(_ path: String, registry: MixerRegistry) throws -> PretrainedEncoder {
        try fromCheckpointFile(path, source: .checkpoint, path: path, registry: registry)
    }

    /// The encoder tensors and metadata of the MixLab checkpoint `file`.
    private static func fromCheckpointFile(
        _ file: String, source: Source, path: String, registry: MixerRegistry
    ) throws -> PretrainedEncoder {
        let contents = try SafeTensors.read(file)
        let sha256 = try ContentDigest.hex(ofFileAt: file)
        func object(_ key: String) throws -> [String: String]? {
            guard let text = contents.metadata[key] else { return nil }
            guard let value = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)) else {
                throw MixLabError(.ioFailure, what: "\(file) has unreadable metadata '\(key)'", location: location,
                                  fix: "the file is damaged: use another checkpoint")
            }
            return value
        }
        guard let settings = try object(MetadataKey.runSettings) ?? object(MetadataKey.encoderSettings) else {
            throw MixLabError(
                .invalidArgument, what: "\(file) does not say which encoder it holds (no \(MetadataKey.runSettings) metadata)",
                location: location, fix: "use a checkpoint written by mixlab train or mixlab import huggingface")
        }
        var vocabulary: [String]?
        if let text = contents.metadata[MetadataKey.vocabulary] {
            guard let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
                throw MixLabError(.ioFailure, what: "\(file) has unreadable metadata '\(MetadataKey.vocabulary)'", location: location,
                                  fix: "the file is damaged: use another checkpoint")
            }
            vocabulary = names
        }
        return PretrainedEncoder(
            path: path, source: source, weightsFile: file, sha256: sha256,
            encoderSettings: try encoderSettings(of: settings, source: file, registry: registry),
            taskSettings: try object(MetadataKey.taskSettings), vocabulary: vocabulary,
            tensors: contents.tensors.filter { isEncoderTensor($0.key) })
    }

    /// The encoder of the HuggingFace FNet folder `folder`, with the token names of its `tokenizer.json`
    /// when it holds a WordPiece one.
    private static func openHuggingFace(_ folder: String, registry: MixerRegistry) throws -> PretrainedEncoder {
        let (configuration, _) = try HuggingFaceFNet.configuration(folder: folder)
        let weights = (folder as NSString).appendingPathComponent("model.safetensors")
        let tensors = try HuggingFaceFNet.tensors(folder: folder, keepClassifier: false).filter { isEncoderTensor($0.key) }
        let sha256 = try ContentDigest.hex(ofFileAt: weights)
        var settings = RunConfiguration()
        settings.mixer = configuration.mixer
        settings.hidden = configuration.hiddenSize
        settings.embedding = configuration.embeddingSize
        settings.layers = configuration.layers
        settings.ffn = configuration.intermediateSize
        settings.activation = configuration.activation
        settings.layerNormEpsilon = configuration.layerNormEpsilon
        var vocabulary: [String]?
        var taskSettings: [String: String]?
        let tokenizerPath = (folder as NSString).appendingPathComponent("tokenizer.json")
        if let bytes = FileManager.default.contents(atPath: tokenizerPath),
           let (tokenizer, digest) = try? WordPieceTokenizer.decode(bytes, path: tokenizerPath, location: location) {
            vocabulary = tokenizer.tokens
            taskSettings = ["tokens": "subword", "tokenizer-sha256": digest]
        }
        return PretrainedEncoder(
            path: folder, source: .huggingFace, weightsFile: weights, sha256: sha256,
            encoderSettings: try encoderSettings(of: settings.settings, source: folder + "/config.json", registry: registry),
            taskSettings: taskSettings, vocabulary: vocabulary, tensors: tensors)
    }

    /// Whether `name` is a tensor of the encoder (not of a head, a pooler or the optimiser).
    static func isEncoderTensor(_ name: String) -> Bool {
        name.hasPrefix("fnet.embeddings.") || name.hasPrefix("fnet.encoder.")
    }

    /// The encoder-defining keys of run `settings`, with `embedding=0` written as the hidden size and the
    /// mixer's (and a hybrid's attention layers') settings completed with their defaults.
    static func encoderSettings(of settings: [String: String], source: String, registry: MixerRegistry) throws -> [String: String] {
        let configuration: RunConfiguration
        do {
            configuration = try RunConfiguration(settings: settings.filter { !RunConfiguration.transferKeys.contains($0.key) }, location: source)
        } catch let error as MixLabError {
            throw MixLabError(error.code, what: "the settings recorded in \(source) are not valid here: \(error.what)",
                              location: location, fix: error.fix)
        }
        return encoderSettings(of: configuration, registry: registry)
    }

    /// The encoder-defining settings of `configuration` (see `encoderSettings(of:source:registry:)`).
    static func encoderSettings(of configuration: RunConfiguration, registry: MixerRegistry) -> [String: String] {
        let all = configuration.settings
        var values = Dictionary(uniqueKeysWithValues: encoderKeys.map { ($0, all[$0] ?? "") })
        if configuration.embedding == 0 { values["embedding"] = "\(configuration.hidden)" }
        var families = [("mixer.", configuration.mixer, configuration.mixerSettings)]
        if configuration.attentionLayers > 0 {
            families.append(("attention.", EncoderConfiguration().attentionMixer, configuration.attentionSettings))
        } else {
            values["placement"] = nil  // irrelevant without attention layers
        }
        for (prefix, mixer, given) in families {
            for (key, value) in given { values[prefix + key] = value }
            guard let registration = try? registry.registration(named: mixer) else { continue }
            for key in registration.keys where values[prefix + key.name] == nil { values[prefix + key.name] = key.defaultValue }
        }
        return values
    }

    /// Checks that the source fits the run's encoder, and returns what the user should know (a position
    /// table that is cut).
    ///
    /// - Throws: `MixLabError.shapeMismatch` listing every mismatch of settings, vocabulary, tokeniser and
    ///   tensors.
    public func check(
        _ encoder: Encoder, configuration: RunConfiguration, task: any LearningTask, registry: MixerRegistry = .shared
    ) throws -> [String] {
        var mismatches: [String] = []
        var notes: [String] = []
        let wanted = Self.encoderSettings(of: configuration, registry: registry)
        for key in Set(wanted.keys).union(encoderSettings.keys).sorted() where wanted[key] != encoderSettings[key] {
            mismatches.append("\(key): \(encoderSettings[key] ?? "(not set)") in the source, \(wanted[key] ?? "(not set)") in this run")
        }
        if let rows = tensors["fnet.embeddings.word_embeddings.weight"]?.shape.first, rows != task.vocabulary.size {
            mismatches.append("vocabulary: \(rows) tokens in the source, \(task.vocabulary.size) in task \(task.name)")
        } else if let names = vocabulary, names != task.vocabulary.names {
            let first = zip(names, task.vocabulary.names).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(names.count, task.vocabulary.names.count)
            let theirs = first < names.count ? "'\(names[first])'" : "nothing"
            let ours = first < task.vocabulary.names.count ? "'\(task.vocabulary.names[first])'" : "nothing"
            mismatches.append("vocabulary: token \(first) is \(theirs) in the source, \(ours) in task \(task.name)")
        } else if vocabulary == nil {
            notes.append("\(path) does not record its token names: only the vocabulary size (\(task.vocabulary.size)) could be checked")
        }
        if let theirs = taskSettings?["tokens"], let ours = task.settings["tokens"], theirs != ours {
            mismatches.append("tokens: \(theirs) in the source, \(ours) in task \(task.name)")
        } else if let theirs = taskSettings?["tokenizer-sha256"], let ours = task.settings["tokenizer-sha256"], theirs != ours {
            mismatches.append("tokeniser: SHA-256 \(theirs.prefix(12))… in the source, \(ours.prefix(12))… in task \(task.name)")
        }
        let (fitted, positionNote) = fittedTensors(sequenceLength: task.sequenceLength)
        if let positionNote { notes.append(positionNote) }
        if let rows = tensors[Self.positionTable]?.shape.first, rows < task.sequenceLength {
            mismatches.append("positions: \(rows) in the source, \(task.sequenceLength) needed by task \(task.name)")
        } else if mismatches.isEmpty {
            mismatches += Checkpoint.mismatches(fitted, encoder.namedParameters).map { "tensors \($0)" }
        }
        guard mismatches.isEmpty else {
            throw MixLabError(
                .shapeMismatch, what: "init-from=\(path) does not fit this run: " + mismatches.joined(separator: "; "),
                location: Self.location,
                fix: "train with the source's encoder settings and tokenisation, or start from an encoder pre-trained for these")
        }
        return notes
    }

    /// The name of the learned position table.
    static let positionTable = "fnet.embeddings.position_embeddings.weight"

    /// The tensors with the position table cut to `sequenceLength` rows when it is longer, and a note
    /// saying so.
    func fittedTensors(sequenceLength: Int) -> (tensors: [String: Tensor], note: String?) {
        guard let table = tensors[Self.positionTable], table.rank == 2, table.shape[0] > sequenceLength else { return (tensors, nil) }
        let width = table.shape[1]
        var fitted = tensors
        fitted[Self.positionTable] = try? Tensor(shape: [sequenceLength, width], values: Array(table.values.prefix(sequenceLength * width)))
        return (fitted, "the source's \(table.shape[0]) learned positions are cut to the first \(sequenceLength), the run's sequence length")
    }

    /// Checks the source against the run (`check`) and copies its tensors into `encoder`; returns the
    /// notes of `check`.
    ///
    /// - Throws: as `check`; nothing is loaded then.
    @discardableResult
    public func load(
        into encoder: Encoder, configuration: RunConfiguration, task: any LearningTask, registry: MixerRegistry = .shared
    ) throws -> [String] {
        let notes = try check(encoder, configuration: configuration, task: task, registry: registry)
        let fitted = fittedTensors(sequenceLength: task.sequenceLength).tensors
        for (name, parameter) in encoder.namedParameters { parameter.value = fitted[name]! }
        return notes
    }
}
