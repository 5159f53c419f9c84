import MixLabCore
import MixLabMixers

/// The sizes and choices of an FNet-style encoder, checked before anything is built.
///
/// Defaults follow FNet-Base's architecture choices (post-LN, tanh GELU, learned positions, 4 token
/// types, dropout 0.1, LayerNorm ε 1e-12) at a small size.
public struct EncoderConfiguration: Sendable, Equatable, Codable {
    /// V: the number of token ids.
    public var vocabularySize = 256
    /// E: the embedding width before the projection to H (FNet's `hidden_mapping_in`).
    public var embeddingSize = 128
    /// H: the hidden size, the width of every token's representation between blocks.
    public var hiddenSize = 128
    /// L: the number of encoder blocks.
    public var layers = 2
    /// F: the feed-forward width.
    public var intermediateSize = 512
    /// The longest sequence the position embeddings cover (not enforced with `positions = none`).
    public var maxPositions = 512
    /// The number of token types (rows of the token-type table).
    public var typeVocabularySize = 4
    /// The mixer of every non-attention layer (a registry name).
    public var mixer = "fourier"
    /// The settings of `mixer` (`key: value`, as `MixerConfiguration` takes them).
    public var mixerSettings: [String: String] = [:]
    /// Hybrid: how many layers (0…`layers`) use `attentionMixer` instead of `mixer`.
    public var attentionLayers = 0
    /// Hybrid: where the attention layers go (see `HybridPlacement`).
    public var attentionPlacement = HybridPlacement.top
    /// The mixer of the attention layers (a registry name).
    public var attentionMixer = "attention"
    /// The settings of `attentionMixer` (e.g. `heads`).
    public var attentionSettings: [String: String] = [:]
    /// How token positions enter the embeddings.
    public var positions = PositionEmbedding.learned
    /// Where the layer norms sit in each block.
    public var normPlacement = NormPlacement.post
    /// The GELU form of the feed-forward layers (and of the masked-language-model head).
    public var activation = GELU.tanh
    /// The dropout probability in [0, 1) of the embeddings and the feed-forward outputs.
    public var dropout: Float = 0.1
    /// The ε of every LayerNorm (> 0).
    public var layerNormEpsilon: Float = 1e-12

    /// The defaults: a small post-LN FNet (H = 128, L = 2, F = 512) with the `fourier` mixer.
    public init() {}

    /// Throws the first invalid value, naming the key and what is allowed.
    public func validate(registry: MixerRegistry = .shared) throws {
        func positive(_ value: Int, _ key: String) throws {
            guard value >= 1 else {
                throw MixLabError(.invalidConfigValue, what: "\(key) = \(value) must be at least 1",
                                  location: "encoder configuration", fix: "set \(key) to a positive size")
            }
        }
        try positive(vocabularySize, "vocabularySize")
        try positive(embeddingSize, "embeddingSize")
        try positive(hiddenSize, "hiddenSize")
        try positive(layers, "layers")
        try positive(intermediateSize, "intermediateSize")
        try positive(maxPositions, "maxPositions")
        try positive(typeVocabularySize, "typeVocabularySize")
        guard (0...layers).contains(attentionLayers) else {
            throw MixLabError(.invalidConfigValue, what: "attentionLayers = \(attentionLayers) is not in 0…\(layers)",
                              location: "encoder configuration", fix: "use at most as many attention layers as layers (\(layers))")
        }
        _ = try Dropout(probability: dropout, location: "encoder configuration: dropout")
        guard layerNormEpsilon > 0, layerNormEpsilon.isFinite else {
            throw MixLabError(.invalidConfigValue, what: "layerNormEpsilon = \(layerNormEpsilon) must be a positive number",
                              location: "encoder configuration", fix: "use a small positive value such as 1e-12 (FNet) or 1e-5")
        }
        _ = try registry.registration(named: mixer)
        if attentionLayers > 0 { _ = try registry.registration(named: attentionMixer) }
    }
}
