import MixLabCore
import MixLabMixers

/// An FNet-style encoder: embeddings, then `L` blocks, each with its own mixer from the registry (and,
/// with pre-LN blocks, a final LayerNorm as in the LRA Transformer's `encoder_norm`).
///
/// Layer `i` uses `configuration.mixer`, or `configuration.attentionMixer` where the hybrid placement
/// puts attention (`HybridPlacement`). Parameter names follow HF FNet (`fnet.embeddings.…`,
/// `fnet.encoder.layer.{i}.…`). Each mixer is built with its own derived random stream, so layer `i`'s
/// initialisation does not depend on the other layers' mixers.
public final class Encoder: @unchecked Sendable {
    /// The sizes and choices the encoder was built from (validated).
    public let configuration: EncoderConfiguration
    /// The embeddings (`fnet.embeddings.…`): token ids to `(B, T, H)` activations.
    public let embeddings: Embeddings
    /// The L blocks in order, block i named `fnet.encoder.layer.{i}.…`.
    public let blocks: [EncoderBlock]
    /// The LayerNorm after the last block (`fnet.encoder.final_norm`), present with pre-LN blocks only:
    /// post-LN blocks already end in one.
    public let finalNorm: LayerNorm?

    /// What backward needs from one forward pass.
    public struct Cache: Sendable {
        let embeddings: Embeddings.Cache
        let blocks: [EncoderBlock.Cache]
        let finalNorm: LayerNorm.Cache?
        let context: MixerContext
    }

    /// Builds the encoder for sequences of `sequenceLength` tokens (mixers with learned T×T matrices
    /// need it), initialised from `seed`.
    ///
    /// - Throws: the configuration's first invalid value, or a mixer's construction error.
    public init(_ configuration: EncoderConfiguration, sequenceLength: Int, seed: UInt64, registry: MixerRegistry = .shared) throws {
        try configuration.validate(registry: registry)
        if configuration.positions != .none, sequenceLength > configuration.maxPositions {
            throw MixLabError(
                .invalidConfigValue, what: "sequence length \(sequenceLength) exceeds maxPositions = \(configuration.maxPositions)",
                location: "encoder configuration", fix: "raise maxPositions to at least \(sequenceLength), or shorten the sequences")
        }
        self.configuration = configuration
        let root = SeededRandom(seed: seed)
        var random = root.derived(0)
        let dropout = try Dropout(probability: configuration.dropout)
        embeddings = Embeddings(
            prefix: "fnet.embeddings.", vocabularySize: configuration.vocabularySize,
            embeddingSize: configuration.embeddingSize, hiddenSize: configuration.hiddenSize,
            maxPositions: configuration.maxPositions, typeVocabularySize: configuration.typeVocabularySize,
            positions: configuration.positions, dropout: dropout, layerNormEpsilon: configuration.layerNormEpsilon,
            random: &random)
        var blocks: [EncoderBlock] = []
        for index in 0..<configuration.layers {
            let attention = configuration.attentionPlacement.usesAttention(
                layer: index, layers: configuration.layers, attentionLayers: configuration.attentionLayers)
            let name = attention ? configuration.attentionMixer : configuration.mixer
            let settings = attention ? configuration.attentionSettings : configuration.mixerSettings
            let mixer = try registry.make(
                name, configuration: MixerConfiguration(settings),
                context: MixerBuildContext(sequenceLength: sequenceLength, hiddenSize: configuration.hiddenSize,
                                           random: root.derived(UInt64(1_000 + index))))
            var blockRandom = root.derived(UInt64(2_000 + index))
            blocks.append(EncoderBlock(
                prefix: "fnet.encoder.layer.\(index).", mixer: mixer, hiddenSize: configuration.hiddenSize,
                intermediateSize: configuration.intermediateSize, activation: configuration.activation,
                dropout: dropout, placement: configuration.normPlacement,
                layerNormEpsilon: configuration.layerNormEpsilon, random: &blockRandom))
        }
        self.blocks = blocks
        finalNorm = configuration.normPlacement == .pre
            ? LayerNorm(name: "fnet.encoder.final_norm", size: configuration.hiddenSize, epsilon: configuration.layerNormEpsilon)
            : nil
    }

    /// Every parameter with its full name, in a fixed order.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        embeddings.parameters.map { ($0.name, $0) } + blocks.flatMap(\.namedParameters)
            + (finalNorm?.parameters ?? []).map { ($0.name, $0) }
    }

    /// `(B, T, H)` hidden states for `batch`; with `firstPositions` N, only the first N positions of
    /// the last block's output, `(B, N, H)` (see `EncoderBlock`: every earlier block, and the last
    /// block's mixer, still read all T positions).
    ///
    /// - Throws: the layers' errors, and `MixLabError.invalidArgument` when N is not in `1 ... T`.
    public func forward(_ batch: TokenBatch, training: Bool, firstPositions: Int? = nil, random: inout SeededRandom) throws
        -> (output: Tensor, cache: Cache)
    {
        let (hidden, cache) = try forward(
            batch, training: training, firstPositions: firstPositions, keepsCache: true, random: &random)
        return (hidden, cache!)
    }

    /// `(B, T, H)` hidden states for `batch` in evaluation mode (no dropout), keeping nothing for a
    /// backward pass: the same values as `forward(batch, training: false, …)` with less memory and
    /// fewer passes (no LayerNorm keeps its normalised input, the activation is applied in place).
    /// With `firstPositions` N, only the first N positions, `(B, N, H)`.
    public func hiddenStates(_ batch: TokenBatch, firstPositions: Int? = nil) throws -> Tensor {
        var random = SeededRandom(seed: 0)  // unused: nothing is random in evaluation mode
        return try forward(batch, training: false, firstPositions: firstPositions, keepsCache: false, random: &random).output
    }

    private func forward(
        _ batch: TokenBatch, training: Bool, firstPositions: Int?, keepsCache: Bool, random: inout SeededRandom
    ) throws -> (output: Tensor, cache: Cache?) {
        if let firstPositions, firstPositions < 1 || firstPositions > batch.sequenceLength {
            throw MixLabError(
                .invalidArgument, what: "\(firstPositions) first positions of sequences of \(batch.sequenceLength) tokens",
                location: "encoder", fix: "ask for 1 ... T positions")
        }
        let context = MixerContext(isTraining: training, paddingMask: batch.paddingMask)
        var (hidden, embeddingCache) = try embeddings.forward(batch, training: training, keepsCache: keepsCache, random: &random)
        var caches: [EncoderBlock.Cache] = []
        caches.reserveCapacity(keepsCache ? blocks.count : 0)
        for (index, block) in blocks.enumerated() {
            let (next, cache) = try block.forward(
                hidden, context: context, firstPositions: index == blocks.count - 1 ? firstPositions : nil,
                keepsCache: keepsCache, random: &random)
            hidden = next
            if let cache { caches.append(cache) }
        }
        var finalNormCache: LayerNorm.Cache?
        if let finalNorm {
            let (normalized, cache) = try finalNorm.forward(hidden, adding: nil, mask: nil, keepsCache: keepsCache)
            hidden = normalized
            finalNormCache = cache
        }
        guard keepsCache, let embeddingCache else { return (hidden, nil) }
        return (hidden, Cache(embeddings: embeddingCache, blocks: caches, finalNorm: finalNormCache, context: context))
    }

    /// Adds every parameter's gradient, given the gradient of the loss with respect to the hidden states
    /// (`(B, N, H)` after a forward pass with `firstPositions` N).
    public func backward(_ dHidden: Tensor, cache: Cache) throws {
        var gradient = dHidden
        if let finalNorm, let finalNormCache = cache.finalNorm {
            gradient = finalNorm.backward(gradient, cache: finalNormCache)
        }
        for (block, blockCache) in zip(blocks, cache.blocks).reversed() {
            gradient = try block.backward(gradient, cache: blockCache, context: cache.context)
        }
        try embeddings.backward(gradient, cache: cache.embeddings)
    }
}
