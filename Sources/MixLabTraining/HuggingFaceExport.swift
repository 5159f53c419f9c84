import Foundation
import MixLabCore
import MixLabMixers
import MixLabModels
import MixLabTasks

/// Exports the model of a MixLab run folder as a HuggingFace `transformers` FNet folder
/// (`mixlab export huggingface RUN DIR`), or in MixLab's own format when no HF class computes it.
///
/// A run whose encoder has an exact HF equivalent (`HuggingFaceFNet.exportIncompatibilities` is empty:
/// `mixer=fourier` over both axes, unnormalised, no attention layers, learned positions, post-LN, embedding
/// width = hidden size) is written as
/// - `config.json`: `FNetConfig` (`HuggingFaceFNet.configJSON`), with `id2label`/`label2id` from the
///   task's class names;
/// - `model.safetensors`: exactly the tensors `save_pretrained` writes for the class
///   (`HuggingFaceFNet.exportedTensors`), from the chosen checkpoint without optimiser state;
/// - `tokenizer.json` and `tokenizer_config.json` for text tasks (`HuggingFaceTokenizerFiles`);
/// - `README.md`: the source, the class, and the notes below.
///
/// The class follows the run's model: a first-token (`pooling=first`) sequence classifier is an
/// `FNetForSequenceClassification` (pooler and classifier), a token classifier an
/// `FNetForTokenClassification`, a masked-language model an `FNetForMaskedLM` (MixLab's head is
/// HF's `FNetOnlyMLMHead`: dense H → H, the GELU of `hidden_act`, LayerNorm, the decoder tied to the word
/// embeddings plus a bias). A `mean`- or `last`-pooled classifier has no HF class: its encoder is
/// written as an `FNetModel`, without the classifier, and a note says so.
///
/// Any other run (another mixer, a hybrid, other positions or norms) is written in MixLab's format:
/// `mixlab-model.safetensors` (the weights without optimiser state, with the run's settings, task
/// settings, token and class names in its metadata, so `init-from=DIR/mixlab-model.safetensors` reads it),
/// `mixlab-settings.json` (the run's `settings.json`, byte for byte), the run's WordPiece `tokenizer.json`
/// for subword tasks, and `README.md` naming every reason.
///
/// The folder is written at once (`AtomicFolder`): an existing non-empty folder is replaced only with
/// `force`, and the run folder itself never.
public enum HuggingFaceExport {
    /// Which checkpoint of the run is exported (`last` or `best`, as `mixlab eval` chooses).
    public typealias CheckpointChoice = TrainedRun.CheckpointChoice

    /// What an export wrote.
    public struct Result: Sendable {
        /// The `transformers` class written, or nil for MixLab's own format.
        public var architecture: HuggingFaceFNet.Architecture?
        /// The folder written.
        public var folder: String
        /// The files in it.
        public var files: [String]
        /// What the user must know (classes without an HF equivalent, fresh tensors, tokenisation).
        public var notes: [String]
    }

    /// The file names of MixLab's own format.
    public enum MixLabFormat {
        /// The weights without optimiser state.
        public static let weightsFile = "mixlab-model.safetensors"
        /// The run's `settings.json`.
        public static let settingsFile = "mixlab-settings.json"
    }

    static let location = "mixlab export huggingface"

    /// Exports `checkpoint` of the run in `run` to the folder `folder`.
    ///
    /// - Parameters:
    ///   - run: a run folder (`mixlab train --out`).
    ///   - folder: the folder to write; it must be missing or empty unless `force`.
    ///   - checkpoint: which checkpoint's weights.
    ///   - force: replace a non-empty `folder`.
    ///   - tokenizerFile: the WordPiece `tokenizer.json` of a subword run, when it is no longer at the path
    ///     its settings record (its SHA-256 must be the recorded one).
    ///   - registry: where mixers are looked up.
    ///   - tasks: where the run's task is looked up (its label kind, class names).
    /// - Throws: `MixLabError.ioFailure` when `folder` is a file, is not empty without `force`, is the run
    ///   folder or holds it, or a file of the run is missing or damaged (naming it); `.shapeMismatch` when the checkpoint
    ///   does not fit the run's settings; `.invalidArgument` for a missing or different tokenizer.
    public static func export(
        run: String, to folder: String, checkpoint: CheckpointChoice = .last, force: Bool = false, tokenizerFile: String? = nil,
        registry: MixerRegistry = .shared, tasks: TaskRegistry = .shared
    ) throws -> Result {
        let target = (folder as NSString).standardizingPath
        let source = (run as NSString).standardizingPath
        let absolute = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
        if absolute(source) == absolute(target) || absolute(source).hasPrefix(absolute(target) + "/") {
            throw MixLabError(.ioFailure, what: "\(folder) is the run folder \(run) or holds it", location: location,
                              fix: "export into a folder outside the run")
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isFolder), !isFolder.boolValue {
            throw MixLabError(.ioFailure, what: "\(folder) is a file, not a folder", location: location,
                              fix: "choose a folder path that does not exist yet, or an empty folder")
        }
        if !force, !AtomicFolder.isMissingOrEmpty(target) {
            throw MixLabError(.ioFailure, what: "\(folder) exists and is not empty", location: location,
                              fix: "choose another folder, or pass --force to replace its contents")
        }
        let exported = try ExportSource(run: run, checkpoint: checkpoint, registry: registry, tasks: tasks)
        let (files, architecture, notes) = try exported.incompatibilities.isEmpty
            ? huggingFaceFiles(exported, tokenizerFile: tokenizerFile)
            : mixLabFiles(exported, tokenizerFile: tokenizerFile)
        try AtomicFolder.write(files, to: target, replacing: force, location: location)
        return Result(architecture: architecture, folder: folder, files: files.map(\.name), notes: notes)
    }

    /// The files of an HF export.
    private static func huggingFaceFiles(
        _ source: ExportSource, tokenizerFile: String?
    ) throws -> ([(name: String, data: Data)], HuggingFaceFNet.Architecture?, [String]) {
        var notes = source.notes
        let architecture: HuggingFaceFNet.Architecture
        var tensors = source.tensors
        switch source.kind {
        case .maskedLanguageModel:
            architecture = .maskedLanguageModel
        case .tokenClassifier:
            architecture = .tokenClassification
        case .pairClassifier:
            preconditionFailure("a pair classifier has an incompatibility and is exported in MixLab's own format")
        case .sequenceClassifier where source.configuration.pooling == .first:
            architecture = .sequenceClassification
        case .sequenceClassifier:
            architecture = .model
            let pooling = source.configuration.pooling.rawValue
            tensors = tensors.filter { !$0.key.hasPrefix("classifier.") }
            notes.append(
                "pooling=\(pooling) has no HuggingFace equivalent (FNetForSequenceClassification pools the first token through a tanh pooler): "
                    + "wrote the encoder alone as FNetModel; the classifier (classifier.weight, classifier.bias) is not exported "
                    + "(train with pooling=first for an FNetForSequenceClassification export)")
        }
        let (exported, freshPooler) = HuggingFaceFNet.exportedTensors(
            tensors, architecture: architecture, hiddenSize: source.encoder.hiddenSize, poolerSeed: source.configuration.seed)
        if freshPooler {
            notes.append("\(architecture.rawValue) has a pooler (fnet.pooler.dense) that this MixLab model lacks: it is written freshly "
                + "initialised as HuggingFace initialises one (normal(0, 0.02) weight from the run's seed, zero bias); "
                + (architecture == .model ? "pooler_output is not a trained output" : "\(architecture.rawValue)'s logits do not read it"))
        }
        let labels: [String]? = architecture == .sequenceClassification || architecture == .tokenClassification
            ? try source.classNames(notes: &notes) : nil
        let config = try HuggingFaceFNet.configJSON(source.encoder, architecture: architecture, labels: labels)
        let weights = try SafeTensors.encode(SafeTensors.Contents(tensors: exported, metadata: HuggingFaceFNet.safetensorsMetadata))
        var files: [(name: String, data: Data)] = [("config.json", config), ("model.safetensors", weights)]
        if let tokenizer = try source.tokenizerFiles(tokenizerFile: tokenizerFile, notes: &notes) {
            files += [("tokenizer.json", tokenizer.tokenizerJSON), ("tokenizer_config.json", tokenizer.tokenizerConfigJSON)]
            notes += tokenizer.notes
        }
        files.append(("README.md", Data(readme(source, architecture: architecture, files: files.map(\.name) + ["README.md"], notes: notes).utf8)))
        return (files, architecture, notes)
    }

    /// The files of an export in MixLab's own format.
    private static func mixLabFiles(
        _ source: ExportSource, tokenizerFile: String?
    ) throws -> ([(name: String, data: Data)], HuggingFaceFNet.Architecture?, [String]) {
        var notes = ["no HuggingFace FNet class computes this model: " + source.incompatibilities.joined(separator: "; ")]
        notes += source.notes
        var metadata = source.metadata.filter { $0.key.hasPrefix("mixlab.") && $0.key != TrainerState.metadataKey }
        metadata[PretrainedEncoder.MetadataKey.runSettings] = Trainer.json(source.saved.settings)
        metadata.removeValue(forKey: SafeTensors.checksumKey)
        metadata.removeValue(forKey: FileIntegrity.key)
        metadata["mixlab.exported-from"] = source.checkpointPath
        let weights = try SafeTensors.encode(SafeTensors.Contents(tensors: source.tensors, metadata: metadata))
        var files: [(name: String, data: Data)] = [(MixLabFormat.weightsFile, weights), (MixLabFormat.settingsFile, source.settingsBytes)]
        if source.saved.resolved["task.tokens"] == "subword" {
            files.append(("tokenizer.json", try source.wordPieceBytes(tokenizerFile: tokenizerFile)))
        }
        notes.append("wrote MixLab's own format instead: \(MixLabFormat.weightsFile) (weights without optimiser state; "
            + "init-from=<folder>/\(MixLabFormat.weightsFile) reads it) and \(MixLabFormat.settingsFile) (the run's settings)")
        files.append(("README.md", Data(readme(source, architecture: nil, files: files.map(\.name) + ["README.md"], notes: notes).utf8)))
        return (files, nil, notes)
    }

    /// The export's `README.md`: where it comes from, what it holds, and how to use it.
    static func readme(_ source: ExportSource, architecture: HuggingFaceFNet.Architecture?, files: [String], notes: [String]) -> String {
        let settings = source.saved.settings
        var lines = [
            "# \(architecture.map { "\($0.rawValue) exported from a MixLab run" } ?? "A MixLab model in MixLab's format")", "",
            "- source: the run's `\(source.checkpointFile)`\(source.step.map { " (step \($0))" } ?? "")",
            "- task: `\(settings["task"] ?? "?")`; mixer `\(settings["mixer"] ?? "?")`, hidden \(source.encoder.hiddenSize), "
                + "\(source.encoder.layers) layers, feed-forward \(source.encoder.intermediateSize), vocabulary \(source.encoder.vocabularySize), "
                + "\(source.encoder.maxPositions) positions",
            "- files: " + files.map { "`\($0)`" }.joined(separator: ", "), "",
        ]
        if !notes.isEmpty { lines += ["## Notes", ""] + notes.map { "- \($0)" } + [""] }
        if let architecture {
            let hasTokenizer = files.contains("tokenizer.json")
            lines += ["## Use", "", "```python", "from transformers import \(architecture.rawValue)" + (hasTokenizer ? ", AutoTokenizer" : ""), "",
                      "model = \(architecture.rawValue).from_pretrained(\"PATH\").eval()"]
            if hasTokenizer {
                lines += ["tokenizer = AutoTokenizer.from_pretrained(\"PATH\")",
                          "inputs = tokenizer([\"a text\"], padding=\"max_length\", truncation=True, return_tensors=\"pt\")",
                          "outputs = model(**inputs)"]
            } else {
                lines += ["outputs = model(input_ids=ids)  # the task's token ids, padded with 0 to \(source.encoder.maxPositions)"]
            }
            lines += ["```", ""]
        }
        return lines.joined(separator: "\n")
    }
}
