import Foundation
import MixLabCore
import MixLabModels
@testable import MixLabTasks
@testable import MixLabTraining

/// One run of `Fixtures/hf-export`: a tiny MixLab run (`Scripts/fixtures/hf_export_runs.sh`), the folder
/// `mixlab export huggingface` wrote from it, and what transformers computes with that folder
/// (`expected.json`, `Scripts/fixtures/hf_export.py`); with the run's model rebuilt from its folder as the
/// trainer builds it, and its task's tokenisation of text.
struct HuggingFaceExportFixture {
    /// What transformers computed with one export: the ids `tokenizers` gave for `texts` (or random ids
    /// for a task without text), and the logits (or `FNetModel`'s last hidden state) on them.
    struct Expected: Decodable {
        let name: String
        let architecture: String
        let texts: [String]
        let input_ids: [[Int]]
        let output_shape: [Int]
        let output: [Double]
    }

    /// The runs, by folder name.
    static let names = ["sentiment-word", "mlm-subword", "sentiment-byte-mean", "reversal-token"]
    /// The runs of text tasks (their exports hold a tokenizer).
    static let textNames = ["sentiment-word", "mlm-subword", "sentiment-byte-mean"]

    /// The fixture folder in the test bundle.
    static var folder: String {
        Bundle.module.url(forResource: "hf-export", withExtension: nil, subdirectory: "Fixtures")!.path
    }

    /// The WordPiece `tokenizer.json` the subword run was trained with.
    static var wordPiece: String { folder + "/wordpiece.json" }

    /// Every case of `expected.json`, by run name.
    static func expected() throws -> [String: Expected] {
        struct File: Decodable { let cases: [Expected] }
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/expected.json"))
        return Dictionary(uniqueKeysWithValues: try JSONDecoder().decode(File.self, from: data).cases.map { ($0.name, $0) })
    }

    /// The run's folder name.
    let name: String
    /// The run's saved settings.
    let saved: RunDirectory.SavedSettings
    /// The run's configuration.
    let configuration: RunConfiguration
    /// The metadata of the run's last checkpoint.
    let metadata: [String: String]
    /// The run's task as its checkpoint records it.
    let task: RecordedTask

    /// The run folder.
    var run: String { Self.folder + "/\(name)/run" }
    /// The committed export of the run.
    var export: String { Self.folder + "/\(name)/export" }
    /// The run's last checkpoint.
    var checkpoint: String { run + "/" + RunDirectory.lastCheckpointFile }
    /// The tokenizer file an export of the run needs: the fixture's WordPiece file for the subword run,
    /// whose settings record it by a path relative to the package.
    var tokenizerFile: String? { saved.resolved["task.tokens"] == "subword" ? Self.wordPiece : nil }
    /// The kind of model the trainer built for the run.
    var modelKind: TaskModelKind { TaskModelKind.choose(for: task) }

    /// Reads the run `name`.
    init(_ name: String) throws {
        self.name = name
        let folder = Self.folder + "/\(name)/run"
        let settingsPath = folder + "/" + RunDirectory.settingsFile
        saved = try RunDirectory.SavedSettings.decode(try Data(contentsOf: URL(fileURLWithPath: settingsPath)), path: settingsPath)
        configuration = try RunConfiguration(settings: saved.settings, location: settingsPath)
        metadata = try SafeTensors.read(folder + "/" + RunDirectory.lastCheckpointFile).metadata
        let taskSettings = Dictionary(uniqueKeysWithValues: saved.resolved.compactMap { key, value in
            key.hasPrefix("task.") ? (String(key.dropFirst(5)), value) : nil
        })
        let vocabulary = try JSONDecoder().decode([String].self, from: Data((metadata[PretrainedEncoder.MetadataKey.vocabulary] ?? "").utf8))
        let classNames = try metadata[PretrainedEncoder.MetadataKey.classNames].map {
            try JSONDecoder().decode([String].self, from: Data($0.utf8))
        }
        task = try RecordedTask(
            name: configuration.task, settings: taskSettings, labelKind: try TaskRegistry.shared.registration(named: configuration.task).labelKind,
            vocabularyNames: vocabulary, classNames: classNames)
    }

    /// The run's model as the trainer builds it, with its initial weights.
    func freshModel() throws -> any TaskModel {
        try modelKind.makeModel(for: task, configuration: configuration)
    }

    /// The run's model with the weights of its last checkpoint (loaded strictly).
    func trainedModel() throws -> any TaskModel {
        let model = try freshModel()
        try Checkpoint.load(into: model.namedParameters, from: checkpoint)
        return model
    }

    /// The output transformers' class computes, from MixLab's model: `FNetModel`'s last hidden state is the
    /// encoder's, every other class's logits are the model's evaluation logits.
    static func outputs(of model: any TaskModel, _ batch: TokenBatch, architecture: String) throws -> Tensor {
        architecture == HuggingFaceFNet.Architecture.model.rawValue ? try model.encoder.hiddenStates(batch) : try model.evaluationLogits(batch)
    }

    /// The ids the run's task gives `text`, as `TextTokenization` and the text tasks compute them: words
    /// (`WordSplitter`, `<unk>` outside the recorded vocabulary), the run's WordPiece subwords, or bytes
    /// (4 + b); cut to the task's length with the classification token first when the task sets `cls`.
    func taskTokens(_ text: String) throws -> [Int32] {
        var ids: [Int32]
        var classification = TextTokenization.classification
        switch task.settings["tokens"] {
        case "byte":
            ids = text.utf8.map { Int32($0) + TextTokenization.firstContent }
        case "word":
            let table = Dictionary(uniqueKeysWithValues: task.vocabulary.names.enumerated().map { ($1, Int32($0)) })
            ids = WordSplitter.words(Array(text.utf8)).map { table[$0] ?? TextTokenization.unknown }
        case "subword":
            let (tokenizer, _) = try WordPieceTokenizer.read(from: Self.wordPiece, location: "fixture \(name)")
            ids = tokenizer.encode(text)
            guard let id = tokenizer.id(of: "[CLS]") else {
                throw MixLabError(.invalidArgument, what: "\(Self.wordPiece) has no [CLS]", location: "fixture \(name)",
                                  fix: "regenerate the fixtures (Scripts/fixtures/hf_export_runs.sh)")
            }
            classification = id
        case let other:
            throw MixLabError(.invalidArgument, what: "run \(name) reads no text (tokens=\(other ?? "unset"))", location: "fixture \(name)",
                              fix: "ask for the token ids of text runs only")
        }
        let cls = task.settings["cls"] == "true"
        ids = Array(ids.prefix(task.sequenceLength - (cls ? 1 : 0)))
        if cls { ids.insert(classification, at: 0) }
        return ids
    }

    /// The model input of `expected`: the task's tokens of its texts padded as the trainer pads them
    /// (`TaskBatch`, with the padding mask), or its ids as they are for a task without text.
    func batch(_ expected: Expected) throws -> TokenBatch {
        guard !expected.texts.isEmpty else { return try TokenBatch(tokens: expected.input_ids) }
        let examples = try expected.texts.map { text in
            let tokens = try taskTokens(text)
            return task.labelKind == .sequence
                ? TaskExample(tokens: tokens, label: 0)
                : TaskExample(tokens: tokens, labels: [Int32](repeating: TaskExample.ignoredLabel, count: tokens.count))
        }
        return try TaskBatch(examples, of: task).input
    }
}

/// A run's task rebuilt from what its settings and checkpoint record (name, resolved settings, token and
/// class names, length): enough to build the run's model and pad its inputs; it has no examples.
struct RecordedTask: LearningTask {
    let name: String
    let settings: [String: String]
    let labelKind: TaskLabelKind
    let vocabulary: TaskVocabulary
    let classNames: [String]
    let sequenceLength: Int

    /// The task from its parts; a token task without class names predicts its vocabulary (masked-language
    /// modelling), with `[MASK]` or `<mask>` as the mask.
    init(name: String, settings: [String: String], labelKind: TaskLabelKind, vocabularyNames: [String], classNames: [String]?) throws {
        self.name = name
        self.settings = settings
        self.labelKind = labelKind
        let mask = classNames == nil ? (vocabularyNames.firstIndex(of: "[MASK]") ?? vocabularyNames.firstIndex(of: "<mask>")) : nil
        vocabulary = try TaskVocabulary(names: vocabularyNames, mask: mask.map { Int32($0) })
        self.classNames = classNames ?? vocabularyNames
        guard let length = settings["length"].flatMap(Int.init) else {
            throw MixLabError(.invalidArgument, what: "task \(name) records no length", location: "RecordedTask",
                              fix: "give the task's resolved settings (task.length)")
        }
        sequenceLength = length
    }

    var classes: Int { classNames.count }
    func count(_ split: TaskSplit) -> Int { 0 }
    func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        throw MixLabError(.invalidArgument, what: "task \(name) is rebuilt from a checkpoint and has no examples", location: "RecordedTask",
                          fix: "build batches from token ids")
    }
}
