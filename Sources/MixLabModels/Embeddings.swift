import Foundation
import MixLabCore

/// How token positions enter the embeddings.
public enum PositionEmbedding: String, Sendable, CaseIterable, Codable {
    /// A learned `[maxPositions, E]` table (FNet, BERT).
    case learned
    /// Fixed sinusoids `sin/cos(t / 10000^(2i/E))` (Vaswani et al.), nothing learned.
    case sinusoidal
    /// No position information: order reaches the model only through a mixer that tells positions apart.
    case none
}

/// FNet's embeddings: word + position + token type → LayerNorm → projection (E → H) → dropout.
///
/// `e[b,t] = word[id[b,t]] + position[t] + type[type[b,t]]`, then `LN(e)`, then `Dense(E → H)`
/// (`hidden_mapping_in`), then dropout. Parameter names follow the HF FNet checkpoint
/// (`embeddings.word_embeddings.weight`, …, `embeddings.projection.weight`) under the given prefix.
/// Backward scatters the gradient rows back into the tables (adding, for repeated ids). O(B·T·(E + E·H)).
public final class Embeddings: @unchecked Sendable {
    /// V, the number of token ids; ids lie in `0 ..< V`.
    public let vocabularySize: Int
    /// E, the width of the embedding tables and of the LayerNorm.
    public let embeddingSize: Int
    /// H, the width of the output after the projection.
    public let hiddenSize: Int
    /// The longest sequence accepted when positions are used (the rows of the position table).
    public let maxPositions: Int
    /// How positions enter: a learned table, fixed sinusoids or nothing.
    public let positions: PositionEmbedding
    /// The word-embedding table `[V, E]` (`word_embeddings.weight`).
    public let word: Parameter
    /// The learned position table `[maxPositions, E]` (`position_embeddings.weight`); nil unless `learned`.
    public let position: Parameter?
    /// The token-type table `[typeVocabularySize, E]` (`token_type_embeddings.weight`).
    public let tokenType: Parameter
    /// The LayerNorm over the summed embeddings (`LayerNorm`, size E).
    public let norm: LayerNorm
    /// The projection `Dense(E → H)` (`projection`, FNet's `hidden_mapping_in`).
    public let projection: Dense
    /// Dropout on the projected output (in training only).
    public let dropout: Dropout
    private let sinusoids: Tensor?

    /// What backward needs.
    public struct Cache: Sendable {
        let batch: TokenBatch
        let normCache: LayerNorm.Cache
        let normalized: Tensor
        let dropoutMask: Tensor?
    }

    /// Embeddings with tables drawn from normal(0, 0.02).
    public init(
        prefix: String, vocabularySize: Int, embeddingSize: Int, hiddenSize: Int, maxPositions: Int,
        typeVocabularySize: Int = 4, positions: PositionEmbedding = .learned, dropout: Dropout,
        layerNormEpsilon: Float = 1e-12, random: inout SeededRandom
    ) {
        self.vocabularySize = vocabularySize
        self.embeddingSize = embeddingSize
        self.hiddenSize = hiddenSize
        self.maxPositions = maxPositions
        self.positions = positions
        self.dropout = dropout
        word = Parameter(name: prefix + "word_embeddings.weight",
                         value: Tensor.normal([vocabularySize, embeddingSize], standardDeviation: 0.02, using: &random))
        position = positions == .learned
            ? Parameter(name: prefix + "position_embeddings.weight",
                        value: Tensor.normal([maxPositions, embeddingSize], standardDeviation: 0.02, using: &random))
            : nil
        tokenType = Parameter(name: prefix + "token_type_embeddings.weight",
                              value: Tensor.normal([typeVocabularySize, embeddingSize], standardDeviation: 0.02, using: &random))
        norm = LayerNorm(name: prefix + "LayerNorm", size: embeddingSize, epsilon: layerNormEpsilon)
        projection = Dense(name: prefix + "projection", inputSize: embeddingSize, outputSize: hiddenSize, random: &random)
        sinusoids = positions == .sinusoidal ? Self.sinusoidTable(positions: maxPositions, size: embeddingSize) : nil
    }

    /// The parameters, in checkpoint order.
    public var parameters: [Parameter] {
        [word] + (position.map { [$0] } ?? []) + [tokenType] + norm.parameters + projection.parameters
    }

    /// `PE[t, 2i] = sin(t/10000^(2i/E))`, `PE[t, 2i+1] = cos(t/10000^(2i/E))`.
    static func sinusoidTable(positions: Int, size: Int) -> Tensor {
        Tensor(shape: [positions, size]) { index in
            let t = Double(index / size), i = index % size
            let angle = t / pow(10_000, Double(i - i % 2) / Double(size))
            return Float(i % 2 == 0 ? sin(angle) : cos(angle))
        }
    }

    /// Checks ids, types and length against the tables.
    func validate(_ batch: TokenBatch) throws {
        if positions != .none, batch.sequenceLength > maxPositions {
            throw MixLabError(
                .invalidArgument,
                what: "sequence length \(batch.sequenceLength) exceeds the \(maxPositions) position embeddings",
                location: "embeddings", fix: "truncate inputs to \(maxPositions) tokens, or build the model with maxPositions ≥ \(batch.sequenceLength)")
        }
        for (index, id) in batch.tokens.enumerated() where id < 0 || Int(id) >= vocabularySize {
            throw MixLabError(
                .invalidArgument,
                what: "token id \(id) at [b, t] = [\(index / batch.sequenceLength), \(index % batch.sequenceLength)] is outside the vocabulary 0..<\(vocabularySize)",
                location: "embeddings", fix: "map ids into the vocabulary (an unknown-token id), or enlarge the vocabulary")
        }
        let types = tokenType.value.shape[0]
        if let tokenTypes = batch.tokenTypes, let bad = tokenTypes.firstIndex(where: { $0 < 0 || Int($0) >= types }) {
            throw MixLabError(
                .invalidArgument, what: "token type \(tokenTypes[bad]) at flat index \(bad) is outside 0..<\(types)",
                location: "embeddings", fix: "use token types from 0 to \(types - 1)")
        }
    }

    /// `(B, T, H)` activations for `batch`.
    public func forward(_ batch: TokenBatch, training: Bool, random: inout SeededRandom) throws -> (output: Tensor, cache: Cache) {
        let (output, cache) = try forward(batch, training: training, keepsCache: true, random: &random)
        return (output, cache!)
    }

    /// `(B, T, H)` activations, keeping what backward needs only when `keepsCache` is set.
    func forward(_ batch: TokenBatch, training: Bool, keepsCache: Bool, random: inout SeededRandom) throws -> (output: Tensor, cache: Cache?) {
        try validate(batch)
        let (b, t, e) = (batch.batchSize, batch.sequenceLength, embeddingSize)
        var summed = Tensor(uninitialized: [b, t, e])
        let positionTable = position?.value ?? sinusoids
        word.value.withUnsafeBufferPointer { w in
            tokenType.value.withUnsafeBufferPointer { types in
                summed.withUnsafeMutableBufferPointer { out in
                    for row in 0..<(b * t) {
                        let target = out.baseAddress! + row * e
                        let wordRow = w.baseAddress! + Int(batch.tokens[row]) * e
                        let typeRow = types.baseAddress! + Int(batch.tokenTypes?[row] ?? 0) * e
                        for j in 0..<e { target[j] = wordRow[j] + typeRow[j] }
                        if let positionTable {
                            positionTable.withUnsafeBufferPointer { p in
                                let positionRow = p.baseAddress! + (row % t) * e
                                for j in 0..<e { target[j] += positionRow[j] }
                            }
                        }
                    }
                }
            }
        }
        let (normalized, normCache) = try norm.forward(summed, adding: nil, mask: nil, keepsCache: keepsCache)
        let projected = try projection.forward(normalized)
        let mask = dropout.mask(shape: projected.shape, training: training, random: &random)
        let output = Dropout.apply(projected, mask: mask)
        guard keepsCache, let normCache else { return (output, nil) }
        return (output, Cache(batch: batch, normCache: normCache, normalized: normalized, dropoutMask: mask))
    }

    /// Adds the tables', norm's and projection's gradients.
    public func backward(_ dy: Tensor, cache: Cache) throws {
        let dProjected = Dropout.apply(dy, mask: cache.dropoutMask)
        let dNormalized = try projection.backward(dProjected, input: cache.normalized)
        let dSummed = norm.backward(dNormalized, cache: cache.normCache)
        let batch = cache.batch
        let (t, e) = (batch.sequenceLength, embeddingSize)
        dSummed.withUnsafeBufferPointer { g in
            word.gradient.withUnsafeMutableBufferPointer { dw in
                tokenType.gradient.withUnsafeMutableBufferPointer { dtypes in
                    for row in 0..<(batch.batchSize * t) {
                        let source = g.baseAddress! + row * e
                        let wordRow = dw.baseAddress! + Int(batch.tokens[row]) * e
                        let typeRow = dtypes.baseAddress! + Int(batch.tokenTypes?[row] ?? 0) * e
                        for j in 0..<e {
                            wordRow[j] += source[j]
                            typeRow[j] += source[j]
                        }
                    }
                }
            }
            if let position {
                position.gradient.withUnsafeMutableBufferPointer { dp in
                    for row in 0..<(batch.batchSize * t) {
                        let source = g.baseAddress! + row * e
                        let positionRow = dp.baseAddress! + (row % t) * e
                        for j in 0..<e { positionRow[j] += source[j] }
                    }
                }
            }
        }
    }
}
