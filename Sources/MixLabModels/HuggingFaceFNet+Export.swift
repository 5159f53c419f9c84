import Foundation
import MixLabCore
import MixLabMixers

/// Writing MixLab encoders as HuggingFace `transformers` FNet checkpoints: `config.json` and the
/// tensors of `model.safetensors`, exactly as `save_pretrained` lays them out.
///
/// An encoder has an HF equivalent when it computes what `modeling_fnet.py` computes
/// (`exportIncompatibilities` lists every way it does not): the `fourier` mixer over both axes with the
/// unnormalised forward DFT (`torch.fft.fftn(x, dim=(1, 2)).real`; its `path` only changes rounding),
/// no attention layers, learned absolute positions, post-LN blocks, and an embedding width equal to the
/// hidden size (HF's `FNetEmbeddings` has no separate embedding size: its projection is H → H). The
/// GELU maps to `hidden_act` (`tanh` → `gelu_new`, `erf` → `gelu`), the LayerNorm ε to `layer_norm_eps`.
///
/// Tensors keep their names (MixLab names parameters as HF does). What HF expects besides them:
/// `FNetModel`, `FNetForTokenClassification` and `FNetForMaskedLM` all build the pooler
/// (`fnet.pooler.dense`), which only MixLab's first-token sequence classifier has; where MixLab has none it
/// is written as HF initialises a fresh one (weight normal(0, 0.02) from a seeded stream, bias 0), so
/// `from_pretrained` reports nothing missing. It does not change any logits of those classes (their
/// outputs do not read the pooler). The masked-LM decoder weight and bias are tied to
/// `fnet.embeddings.word_embeddings.weight` and `cls.predictions.bias` and not written, as
/// `save_pretrained` does; the buffers `position_ids` and `token_type_ids` are not persistent and not
/// written. `FNetModel` files name tensors without the `fnet.` prefix.
extension HuggingFaceFNet {
    /// The `transformers` model classes an export is written as.
    public enum Architecture: String, Sendable, CaseIterable {
        /// The bare encoder with its pooler.
        case model = "FNetModel"
        /// Encoder, first-token tanh pooler, dropout, `classifier`.
        case sequenceClassification = "FNetForSequenceClassification"
        /// Encoder, dropout, `classifier` on every token.
        case tokenClassification = "FNetForTokenClassification"
        /// Encoder and the masked-LM head with the decoder tied to the word embeddings.
        case maskedLanguageModel = "FNetForMaskedLM"
    }

    /// The `initializer_range` written to `config.json` and used for a fresh pooler.
    public static let initializerRange: Float = 0.02

    /// Every way `configuration` differs from what transformers' FNet computes, as phrases; empty when
    /// it has an exact HF equivalent.
    public static func exportIncompatibilities(_ configuration: EncoderConfiguration, registry: MixerRegistry = .shared) -> [String] {
        var reasons: [String] = []
        if configuration.mixer != "fourier" {
            reasons.append("mixer=\(configuration.mixer): HuggingFace FNet mixes with the Fourier transform only (mixer=fourier)")
        } else {
            var settings = configuration.mixerSettings
            if let registration = try? registry.registration(named: "fourier") {
                for key in registration.keys where settings[key.name] == nil { settings[key.name] = key.defaultValue }
            }
            if settings["axes"] != MixingAxes.both.rawValue {
                reasons.append("mixer.axes=\(settings["axes"] ?? "?"): HuggingFace FNet transforms both the sequence and the hidden axis")
            }
            if settings["norm"] != "backward" {
                reasons.append("mixer.norm=\(settings["norm"] ?? "?"): HuggingFace FNet uses the unnormalised forward DFT (norm=backward)")
            }
        }
        if configuration.attentionLayers > 0 {
            reasons.append("attention-layers=\(configuration.attentionLayers): HuggingFace FNet has no attention layers (no hybrid)")
        }
        if configuration.positions != .learned {
            reasons.append("positions=\(configuration.positions.rawValue): HuggingFace FNet adds a learned position table (positions=learned)")
        }
        if configuration.normPlacement != .post {
            reasons.append("norm=\(configuration.normPlacement.rawValue): HuggingFace FNet's blocks are post-LN (norm=post)")
        }
        if configuration.embeddingSize != configuration.hiddenSize {
            reasons.append(
                "embedding=\(configuration.embeddingSize) with hidden=\(configuration.hiddenSize): HuggingFace FNet's embeddings are as wide as the hidden size")
        }
        return reasons
    }

    /// The `hidden_act` of a GELU form.
    public static func hiddenActivation(_ activation: GELU) -> String {
        switch activation {
        case .tanh: return "gelu_new"
        case .erf: return "gelu"
        }
    }

    /// The bytes of the `config.json` of `configuration` as `architecture`: FNetConfig's fields (two-space
    /// indentation, keys sorted), with `id2label`/`label2id` from `labels` for the classification
    /// architectures.
    ///
    /// - Parameters:
    ///   - configuration: the encoder (`maxPositions` rows of positions, `vocabularySize` ids).
    ///   - architecture: the model class.
    ///   - labels: the class names (classification architectures); names must be distinct.
    ///   - padTokenID: the padding id (`pad_token_id`; MixLab's is 0).
    /// - Throws: `MixLabError.invalidArgument` for labels missing from a classification architecture or
    ///   repeated.
    public static func configJSON(
        _ configuration: EncoderConfiguration, architecture: Architecture, labels: [String]? = nil, padTokenID: Int = 0
    ) throws -> Data {
        func number(_ value: Float) -> JSONValue { .number(String(describing: value)) }
        var fields: [String: JSONValue] = [
            "architectures": .array([.string(architecture.rawValue)]),
            "model_type": .string("fnet"),
            "vocab_size": .integer(configuration.vocabularySize),
            "hidden_size": .integer(configuration.hiddenSize),
            "num_hidden_layers": .integer(configuration.layers),
            "intermediate_size": .integer(configuration.intermediateSize),
            "hidden_act": .string(hiddenActivation(configuration.activation)),
            "hidden_dropout_prob": number(configuration.dropout),
            "max_position_embeddings": .integer(configuration.maxPositions),
            "type_vocab_size": .integer(configuration.typeVocabularySize),
            "initializer_range": number(initializerRange),
            "layer_norm_eps": number(configuration.layerNormEpsilon),
            "use_tpu_fourier_optimizations": .boolean(false),
            "tpu_short_seq_length": .integer(configuration.maxPositions),
            "pad_token_id": .integer(padTokenID),
            "bos_token_id": .null,
            "eos_token_id": .null,
            "tie_word_embeddings": .boolean(true),
            "dtype": .string("float32"),
        ]
        switch architecture {
        case .sequenceClassification, .tokenClassification:
            guard let labels, labels.count >= 2 else {
                throw MixLabError(.invalidArgument, what: "\(architecture.rawValue) needs the names of at least 2 classes",
                                  location: "HuggingFaceFNet.configJSON", fix: "pass the task's class names")
            }
            guard Set(labels).count == labels.count else {
                throw MixLabError(.invalidArgument, what: "the class names repeat a name: \(labels.joined(separator: ", "))",
                                  location: "HuggingFaceFNet.configJSON", fix: "give every class a name of its own")
            }
            fields["id2label"] = .object(Dictionary(uniqueKeysWithValues: labels.enumerated().map { ("\($0.offset)", .string($0.element)) }))
            fields["label2id"] = .object(Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0.element, .integer($0.offset)) }))
            if architecture == .sequenceClassification { fields["problem_type"] = .string("single_label_classification") }
        case .model, .maskedLanguageModel:
            break
        }
        return Data((JSONValue.object(fields).rendered(indent: "") + "\n").utf8)
    }

    /// The tensors of `model.safetensors` for `architecture`, from a MixLab model's tensors by name.
    ///
    /// - Parameters:
    ///   - tensors: the model's parameters by name (encoder, and the head of the architecture).
    ///   - architecture: the model class.
    ///   - hiddenSize: H, the pooler's size.
    ///   - poolerSeed: the seed of a fresh pooler, written where the MixLab model has none.
    /// - Returns: the tensors under HF's names, and whether a fresh pooler was added.
    public static func exportedTensors(
        _ tensors: [String: Tensor], architecture: Architecture, hiddenSize: Int, poolerSeed: UInt64
    ) -> (tensors: [String: Tensor], freshPooler: Bool) {
        var result = tensors
        var freshPooler = false
        if result[poolerWeight] == nil {
            var random = SeededRandom(seed: poolerSeed).derived(poolerStream)
            result[poolerWeight] = Tensor.normal([hiddenSize, hiddenSize], standardDeviation: initializerRange, using: &random)
            result[poolerBias] = Tensor(zeros: [hiddenSize])
            freshPooler = true
        }
        guard architecture == .model else { return (result, freshPooler) }
        return (Dictionary(uniqueKeysWithValues: result.compactMap { name, tensor in
            name.hasPrefix("fnet.") ? (String(name.dropFirst(5)), tensor) : nil
        }), freshPooler)
    }

    /// The pooler's weight name.
    public static let poolerWeight = "fnet.pooler.dense.weight"
    /// The pooler's bias name.
    public static let poolerBias = "fnet.pooler.dense.bias"
    /// The code of the fresh pooler's random stream, derived from the seed.
    static let poolerStream: UInt64 = 5_000

    /// The safetensors metadata transformers requires (`format: pt`).
    public static let safetensorsMetadata = ["format": "pt"]
}
