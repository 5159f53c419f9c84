import Foundation
import MixLabCore
import MixLabMixers
import MixLabModels
import MixLabTasks

/// Turns a HuggingFace FNet folder (`config.json`, `model.safetensors`, optionally `tokenizer.json`) into a
/// MixLab checkpoint file (`mixlab import huggingface DIR OUT`).
///
/// The checkpoint holds the weights of the MixLab model that computes the HF class, under MixLab's
/// names, with no optimiser state, so `Checkpoint.load` reads it into that model and
/// `init-from=OUT` starts a run's encoder from it:
///
/// | HF class (`architectures`) | MixLab model (`mixlab.model`) | tensors left out (each named in a note) |
/// |---|---|---|
/// | `FNetForSequenceClassification` | `SequenceClassifier`, `pooling=first` | — |
/// | `FNetForTokenClassification` | `TokenClassifier` | the pooler |
/// | `FNetForMaskedLM`, `FNetForPreTraining` | `MaskedLanguageModel` | the pooler, the NSP head |
/// | `FNetModel` and any other | the `Encoder` | the pooler and any head |
///
/// Buffers (`position_ids`, `token_type_ids`, `dft_mat_*`) are skipped, an `FNetModel` file's names get the
/// `fnet.` prefix, and a stored masked-LM decoder must be the word embeddings (and its bias the head's
/// bias), as MixLab's decoder is tied. Everything else must fit the model `config.json` describes
/// exactly: one error lists every missing, unexpected and mis-shaped tensor, and nothing is written.
///
/// Metadata (all JSON):
/// - `mixlab.encoder-settings` (`PretrainedEncoder.MetadataKey.encoderSettings`): the encoder as flat run
///   settings — `mixer=fourier`, `hidden`, `embedding`, `layers`, `ffn`, `attention-layers=0`,
///   `positions=learned`, `norm=post`, `activation`, `layer-norm-eps`, `dropout`, and `pooling=first` for a
///   sequence classifier — so `RunConfiguration(settings:)` reads it and `init-from` compares it;
/// - `mixlab.encoder-sizes` (`encoderSizesKey`): `vocabulary-size`, `max-positions`,
///   `type-vocabulary-size`, which are not run settings (a run takes them from its task);
/// - `mixlab.model`, `mixlab.class-names` (from `id2label`), `mixlab.huggingface-architecture`,
///   `mixlab.imported-from`;
/// - with a `tokenizer.json` that MixLab's text tasks reproduce (`HuggingFaceTokenizerFiles.tokenisation`):
///   `mixlab.task-settings` (`tokens`, and for WordPiece the file's `tokenizer-sha256`) and
///   `mixlab.vocabulary`. The file is copied beside the checkpoint as `NAME.tokenizer.json` (for
///   `OUT = NAME.safetensors`), byte for byte, so `task.tokenizer=NAME.tokenizer.json` has the recorded
///   digest.
public enum HuggingFaceImport {
    /// The metadata key of the encoder's sizes that are not run settings.
    public static let encoderSizesKey = "mixlab.encoder-sizes"
    /// The metadata key of the MixLab model the weights are for (`TaskModelKind` raw value, or `encoder`).
    public static let modelKey = "mixlab.model"

    /// What an import wrote.
    public struct Result: Sendable {
        /// The checkpoint file.
        public var checkpoint: String
        /// The copied tokenizer, when the folder has one.
        public var tokenizer: String?
        /// The HF class the folder holds.
        public var architecture: String
        /// The MixLab model the checkpoint is for (`TaskModelKind` raw value, or `encoder`).
        public var model: String
        /// The encoder as run settings (what `mixlab.encoder-settings` holds).
        public var encoderSettings: [String: String]
        /// What the user must know (tensors left out, tokenizer not recognised).
        public var notes: [String]
    }

    static let location = "mixlab import huggingface"

    /// Where the tokenizer of checkpoint `output` is copied: `NAME.tokenizer.json` beside `NAME.safetensors`.
    public static func tokenizerPath(forCheckpoint output: String) -> String {
        (output.hasSuffix(".safetensors") ? String(output.dropLast(".safetensors".count)) : output) + ".tokenizer.json"
    }

    /// Imports the HF FNet folder `folder` as the checkpoint `output`.
    ///
    /// - Parameters:
    ///   - folder: what `save_pretrained` wrote (`config.json`, `model.safetensors`, optionally `tokenizer.json`).
    ///   - output: the checkpoint file to write.
    ///   - force: replace an existing `output` (and its tokenizer copy).
    ///   - registry: where the `fourier` mixer is looked up.
    /// - Throws: `MixLabError.ioFailure` for a missing folder or file (all listed), a damaged file, or an
    ///   existing `output` without `force`; `.invalidConfigValue` for a config that is not FNet's;
    ///   `.shapeMismatch` listing every tensor that does not fit. Nothing is written then.
    public static func importFolder(_ folder: String, to output: String, force: Bool = false, registry: MixerRegistry = .shared) throws -> Result {
        let tokenizerCopy = tokenizerPath(forCheckpoint: output)
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isFolder), isFolder.boolValue {
            throw MixLabError(.ioFailure, what: "\(output) is a folder", location: location,
                              fix: "give the path of the checkpoint file to write, e.g. \(output)/model.safetensors")
        }
        if !force {
            let existing = [output, tokenizerCopy].filter { FileManager.default.fileExists(atPath: $0) }
            if !existing.isEmpty {
                throw MixLabError(.ioFailure, what: "\(existing.joined(separator: " and ")) already exist\(existing.count == 1 ? "s" : "")",
                                  location: location, fix: "choose another output, or pass --force to replace it")
            }
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw MixLabError(.ioFailure, what: "there is no folder \(folder)", location: location,
                              fix: "give the folder written by save_pretrained (config.json, model.safetensors)")
        }
        let file = { (name: String) in (folder as NSString).appendingPathComponent(name) }
        let missing = ["config.json", "model.safetensors"].filter { !FileManager.default.fileExists(atPath: file($0)) }
        if !missing.isEmpty {
            let torchOnly = FileManager.default.fileExists(atPath: file("pytorch_model.bin"))
            throw MixLabError(
                .ioFailure, what: "\(folder) lacks \(missing.joined(separator: " and "))", location: location,
                fix: torchOnly ? "re-save it in the safetensors format: model.save_pretrained(DIR, safe_serialization=True)"
                    : "give the folder written by save_pretrained (config.json, model.safetensors)")
        }
        let configPath = file("config.json")
        guard let configBytes = FileManager.default.contents(atPath: configPath) else {
            throw MixLabError(.ioFailure, what: "cannot read \(configPath)", location: location, fix: "check the file's permissions")
        }
        let (encoder, _) = try HuggingFaceFNet.configuration(json: configBytes, path: configPath)
        let json = (try? JSONSerialization.jsonObject(with: configBytes) as? [String: Any]) ?? [:]
        let contents = try SafeTensors.read(file("model.safetensors"))
        var notes: [String] = []
        let declared = (json["architectures"] as? [String])?.first
        let (architecture, kind) = classify(declared: declared, names: Set(contents.tensors.keys))
        var tensors = try mapped(contents.tensors, kind: kind, source: file("model.safetensors"), notes: &notes)

        let length = encoder.maxPositions
        let model: [(name: String, parameter: Parameter)]
        var classNames: [String]?
        switch kind {
        case .some(.sequenceClassifier), .some(.tokenClassifier):
            let names = labels(json, classes: tensors["classifier.weight"]?.shape.first)
            classNames = names
            model = kind == .tokenClassifier
                ? try TokenClassifier(encoder, classes: names.count, sequenceLength: length, seed: 0, registry: registry).namedParameters
                : try SequenceClassifier(encoder, classes: names.count, pooling: .first, sequenceLength: length, seed: 0,
                                         registry: registry).namedParameters
        case .some(.maskedLanguageModel):
            model = try MaskedLanguageModel(encoder, sequenceLength: length, seed: 0, registry: registry).namedParameters
        case .none:
            model = try Encoder(encoder, sequenceLength: length, seed: 0, registry: registry).namedParameters
        case .some(.pairClassifier):
            preconditionFailure("no HuggingFace class is read as a pair classifier")
        }
        let mismatches = Checkpoint.mismatches(tensors, model)
        guard mismatches.isEmpty else {
            throw MixLabError(
                .shapeMismatch,
                what: "\(file("model.safetensors")) does not fit the \(architecture) that \(configPath) describes: " + mismatches.joined(separator: "; "),
                location: location, fix: "import the folder save_pretrained wrote, whose config.json matches its model.safetensors")
        }
        for (name, parameter) in model { parameter.value = tensors.removeValue(forKey: name)! }

        var settings: [String: String] = [
            "mixer": "fourier", "hidden": "\(encoder.hiddenSize)", "embedding": "\(encoder.embeddingSize)", "layers": "\(encoder.layers)",
            "ffn": "\(encoder.intermediateSize)", "attention-layers": "0", "positions": PositionEmbedding.learned.rawValue,
            "norm": NormPlacement.post.rawValue, "activation": encoder.activation.rawValue,
            "layer-norm-eps": "\(encoder.layerNormEpsilon)", "dropout": "\(encoder.dropout)",
        ]
        if kind == .sequenceClassifier { settings["pooling"] = Pooling.first.rawValue }
        let modelName = kind?.rawValue ?? "encoder"
        var metadata: [String: String] = [
            PretrainedEncoder.MetadataKey.encoderSettings: Trainer.json(settings),
            encoderSizesKey: Trainer.json([
                "vocabulary-size": "\(encoder.vocabularySize)", "max-positions": "\(encoder.maxPositions)",
                "type-vocabulary-size": "\(encoder.typeVocabularySize)",
            ]),
            modelKey: modelName,
            "mixlab.huggingface-architecture": architecture,
            "mixlab.imported-from": folder,
        ]
        if let classNames {
            metadata[PretrainedEncoder.MetadataKey.classNames] = String(decoding: try JSONEncoder().encode(classNames), as: UTF8.self)
        }
        let tokenizerBytes = FileManager.default.contents(atPath: file("tokenizer.json"))
        if let tokenizerBytes {
            if let (taskSettings, vocabulary) = HuggingFaceTokenizerFiles.tokenisation(of: tokenizerBytes) {
                if vocabulary.count == encoder.vocabularySize {
                    metadata[PretrainedEncoder.MetadataKey.taskSettings] = Trainer.json(taskSettings)
                    metadata[PretrainedEncoder.MetadataKey.vocabulary] = String(decoding: try JSONEncoder().encode(vocabulary), as: UTF8.self)
                } else {
                    notes.append("tokenizer.json has \(vocabulary.count) tokens and the model \(encoder.vocabularySize): its token names are not recorded")
                }
            } else {
                notes.append("tokenizer.json is not a tokenisation MixLab's text tasks use (WordPiece, or MixLab's word and byte exports): "
                    + "it is copied, but its token names are not recorded")
            }
        }
        // The tokenizer first: a crash between the two leaves no checkpoint that names a missing file.
        if let tokenizerBytes { try AtomicFile.write(tokenizerBytes, to: tokenizerCopy) }
        try Checkpoint.save(model, metadata: metadata, to: output)
        return Result(checkpoint: output, tokenizer: tokenizerBytes == nil ? nil : tokenizerCopy, architecture: architecture,
                      model: modelName, encoderSettings: settings, notes: notes)
    }

    /// The HF class of the folder (its declared one, else guessed from the tensors) and the MixLab
    /// model that computes it (nil: the encoder alone).
    static func classify(declared: String?, names: Set<String>) -> (architecture: String, kind: TaskModelKind?) {
        switch declared {
        case "FNetForSequenceClassification": return (declared!, .sequenceClassifier)
        case "FNetForTokenClassification": return (declared!, .tokenClassifier)
        case "FNetForMaskedLM", "FNetForPreTraining": return (declared!, .maskedLanguageModel)
        case .some(let other): return (other, nil)
        case .none:
            if names.contains("cls.predictions.bias") { return ("FNetForMaskedLM", .maskedLanguageModel) }
            if names.contains("classifier.weight") { return ("FNetForSequenceClassification", .sequenceClassifier) }
            return ("FNetModel", nil)
        }
    }

    /// The tensors under MixLab's names for `kind`: buffers skipped, the `fnet.` prefix added, the tied
    /// decoder checked and dropped, the pooler and heads `kind` lacks dropped (with notes).
    static func mapped(_ tensors: [String: Tensor], kind: TaskModelKind?, source: String, notes: inout [String]) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, tensor) in tensors {
            let full = name.hasPrefix("fnet.") || name.hasPrefix("classifier.") || name.hasPrefix("cls.") || name.hasPrefix("qa_outputs.")
                ? name : "fnet." + name
            if full.hasSuffix(".position_ids") || full.hasSuffix(".token_type_ids") || full.contains(".dft_mat_") { continue }
            result[full] = tensor
        }
        var dropped: [String] = []
        if kind == .maskedLanguageModel {
            if let decoder = result.removeValue(forKey: "cls.predictions.decoder.weight"),
               decoder != result["fnet.embeddings.word_embeddings.weight"] {
                throw MixLabError(
                    .shapeMismatch, what: "\(source) has a masked-LM decoder weight that is not the word-embedding table (an untied decoder)",
                    location: location, fix: "MixLab's masked-language model ties its decoder to the word embeddings: import a tied model")
            }
            if let bias = result.removeValue(forKey: "cls.predictions.decoder.bias") {
                if let own = result["cls.predictions.bias"], own != bias {
                    throw MixLabError(.shapeMismatch, what: "\(source) has cls.predictions.decoder.bias different from cls.predictions.bias",
                                      location: location, fix: "import a model whose decoder bias is the head's bias (as transformers ties them)")
                }
                result["cls.predictions.bias"] = bias
            }
        }
        let keepsPooler = kind == .sequenceClassifier
        let keepsClassifier = kind == .sequenceClassifier || kind == .tokenClassifier
        let keepsMaskedLanguageHead = kind == .maskedLanguageModel
        for name in result.keys.sorted() {
            let drop = (name.hasPrefix("fnet.pooler.") && !keepsPooler)
                || (name.hasPrefix("classifier.") && !keepsClassifier)
                || (name.hasPrefix("cls.predictions.") && !keepsMaskedLanguageHead)
                || name.hasPrefix("cls.seq_relationship.") || name.hasPrefix("qa_outputs.")
            if drop {
                dropped.append(name)
                result.removeValue(forKey: name)
            }
        }
        if !dropped.isEmpty {
            let model = kind?.rawValue ?? "encoder"
            notes.append("left out (the MixLab \(model) has no such layer): " + dropped.joined(separator: ", "))
        }
        return result
    }

    /// The class names of `id2label` by id, else `LABEL_i` for `classes` classes.
    static func labels(_ json: [String: Any], classes: Int?) -> [String] {
        let count = classes ?? (json["id2label"] as? [String: Any])?.count ?? (json["num_labels"] as? Int) ?? 2
        let names = json["id2label"] as? [String: Any] ?? [:]
        return (0..<max(count, 2)).map { names["\($0)"] as? String ?? "LABEL_\($0)" }
    }
}
