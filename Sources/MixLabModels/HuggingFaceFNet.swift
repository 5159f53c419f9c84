import Foundation
import MixLabCore
import MixLabMixers

/// Imports HuggingFace `transformers` FNet checkpoints saved in the safetensors format, and produces the
/// same outputs as PyTorch: the encoder of `FNetModel`, `FNetForSequenceClassification` or
/// `FNetForMaskedLM` (`loadEncoder`), or a whole `FNetForSequenceClassification` (`loadSequenceClassifier`).
/// The masked-LM head is not imported.
///
/// The folder holds `config.json` and `model.safetensors` (what `save_pretrained` writes). MixLab's
/// parameter names already follow HF's (`modeling_fnet.py`), so tensors map by name: `FNetModel` files, whose
/// names lack the `fnet.` prefix, get it added. Buffers are skipped (`embeddings.position_ids`, the
/// TPU option's `dft_mat_*`), and so are heads the requested model does not have (`cls.predictions.*`
/// when importing an encoder or classifier). Everything else must fit exactly (strict loading).
/// HF's FNet mixes with `torch.fft.fftn(x, dim=(1, 2)).real`, MixLab's unnormalised `fourier` mixer.
public enum HuggingFaceFNet {
    /// The encoder configuration and label count described by an HF `config.json`.
    ///
    /// - Throws: `MixLabError.ioFailure` for a missing or unreadable file, or one that is not a JSON object;
    ///   `.invalidConfigValue` for a model type other than `fnet`, a missing size, or an activation MixLab
    ///   does not implement.
    public static func configuration(folder: String) throws -> (encoder: EncoderConfiguration, labels: Int?) {
        let path = (folder as NSString).appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MixLabError(.ioFailure, what: "cannot read an HF config from \(path)", location: "HuggingFaceFNet",
                              fix: "pass the folder written by save_pretrained (config.json + model.safetensors)")
        }
        return try configuration(json: data, path: path)
    }

    /// The encoder configuration and label count described by the bytes of an HF `config.json`; `path`
    /// names the file in errors.
    ///
    /// - Throws: as `configuration(folder:)`.
    public static func configuration(json data: Data, path: String) throws -> (encoder: EncoderConfiguration, labels: Int?) {
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw MixLabError(.ioFailure, what: "\(path) is not a JSON object (it is damaged, or not an HF config.json)",
                              location: "HuggingFaceFNet",
                              fix: "pass the folder written by save_pretrained (config.json + model.safetensors), with its config.json intact")
        }
        guard json["model_type"] as? String == "fnet" else {
            throw MixLabError(.invalidConfigValue, what: "\(path) describes a '\(json["model_type"] ?? "unknown")' model, not FNet",
                              location: "HuggingFaceFNet", fix: "import an FNet checkpoint (model_type \"fnet\")")
        }
        func integer(_ key: String) throws -> Int {
            guard let value = json[key] as? Int else {
                throw MixLabError(.invalidConfigValue, what: "\(path) lacks the integer '\(key)'", location: "HuggingFaceFNet",
                                  fix: "use a config.json written by transformers' FNetConfig")
            }
            return value
        }
        var configuration = EncoderConfiguration()
        configuration.vocabularySize = try integer("vocab_size")
        configuration.hiddenSize = try integer("hidden_size")
        configuration.embeddingSize = configuration.hiddenSize
        configuration.layers = try integer("num_hidden_layers")
        configuration.intermediateSize = try integer("intermediate_size")
        configuration.maxPositions = try integer("max_position_embeddings")
        configuration.typeVocabularySize = try integer("type_vocab_size")
        configuration.layerNormEpsilon = Float((json["layer_norm_eps"] as? Double) ?? 1e-12)
        configuration.dropout = Float((json["hidden_dropout_prob"] as? Double) ?? 0.1)
        configuration.mixer = "fourier"
        configuration.mixerSettings = [:]
        switch json["hidden_act"] as? String ?? "gelu_new" {
        case "gelu_new", "gelu_pytorch_tanh": configuration.activation = .tanh
        case "gelu": configuration.activation = .erf
        case let other:
            throw MixLabError(.invalidConfigValue, what: "activation '\(other)' in \(path) is not implemented",
                              location: "HuggingFaceFNet", fix: "use gelu_new (FNet's default) or gelu")
        }
        let labels = (json["id2label"] as? [String: Any])?.count ?? (json["num_labels"] as? Int)
        return (configuration, labels)
    }

    /// The tensors of `folder/model.safetensors` under MixLab's names, buffers and unused heads removed.
    public static func tensors(folder: String, keepClassifier: Bool) throws -> [String: Tensor] {
        let path = (folder as NSString).appendingPathComponent("model.safetensors")
        let contents = try SafeTensors.read(path)
        var result: [String: Tensor] = [:]
        for (name, tensor) in contents.tensors {
            let mapped = name.hasPrefix("fnet.") || name.hasPrefix("classifier.") || name.hasPrefix("cls.") ? name : "fnet." + name
            if mapped.hasSuffix("position_ids") || mapped.contains(".dft_mat_") || mapped.hasPrefix("cls.") { continue }
            if !keepClassifier && (mapped.hasPrefix("classifier.") || mapped.hasPrefix("fnet.pooler.")) { continue }
            result[mapped] = tensor
        }
        return result
    }

    /// An encoder with the weights of an HF FNet checkpoint (any of the three model classes).
    public static func loadEncoder(folder: String) throws -> Encoder {
        let (configuration, _) = try configuration(folder: folder)
        let encoder = try Encoder(configuration, sequenceLength: configuration.maxPositions, seed: 0)
        let tensors = try tensors(folder: folder, keepClassifier: false)
        try Checkpoint.checkFits(tensors, encoder.namedParameters, source: folder)
        for (name, parameter) in encoder.namedParameters { parameter.value = tensors[name]! }
        return encoder
    }

    /// A sequence classifier with the weights of an HF `FNetForSequenceClassification` checkpoint.
    public static func loadSequenceClassifier(folder: String) throws -> SequenceClassifier {
        let (configuration, labels) = try configuration(folder: folder)
        let tensors = try tensors(folder: folder, keepClassifier: true)
        guard let labels, labels >= 2, tensors["classifier.weight"] != nil else {
            throw MixLabError(.invalidConfigValue, what: "\(folder) holds no sequence classifier (no classifier.weight, or fewer than 2 labels)",
                              location: "HuggingFaceFNet", fix: "import a FNetForSequenceClassification checkpoint, or use loadEncoder for the encoder alone")
        }
        let model = try SequenceClassifier(configuration, classes: labels, pooling: .first,
                                           sequenceLength: configuration.maxPositions, seed: 0)
        try Checkpoint.checkFits(tensors, model.namedParameters, source: folder)
        for (name, parameter) in model.namedParameters { parameter.value = tensors[name]! }
        return model
    }
}
