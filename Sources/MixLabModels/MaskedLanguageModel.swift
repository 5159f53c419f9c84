import MixLabCore
import MixLabKernels
import MixLabMixers

/// An encoder with FNet's masked-language-model head: the pre-training objective at small scale.
///
/// Head (FNet and BERT, HF `cls.predictions`): `u = LN(GELU(W_t·h + b_t))` (`transform.dense`,
/// `transform.LayerNorm`), then `logits = u·Eᵀ + b` with `E` the word-embedding table (tied: the decoder
/// has no weight of its own; its gradient adds into the embeddings') and `b` = `cls.predictions.bias`.
/// The transform maps H → E so the tie works when the embedding size differs from H.
/// Loss: cross-entropy on masked positions only (labels −100 elsewhere).
///
/// Training (`lossAndGradients`) runs the head on the scored positions alone (`scoresOnlyLabelledPositions`):
/// their hidden rows are gathered, transformed and decoded, and the gradient is scattered back, zero at
/// every other position. The loss and gradients are those of the head on every position (the others
/// add nothing to either) up to floating-point rounding, and with BERT's 15 % of positions scored the
/// decoder costs `2·N·E·V` flops for N scored positions instead of `2·B·T·E·V`. `logits` (evaluation)
/// decodes every position.
public final class MaskedLanguageModel: @unchecked Sendable {
    /// The encoder; its word-embedding table is also the decoder weight (tied).
    public let encoder: Encoder
    /// The transform `Dense(H → E)` (`cls.predictions.transform.dense`).
    public let transform: Dense
    /// The LayerNorm after the transform's GELU (`cls.predictions.transform.LayerNorm`, size E).
    public let transformNorm: LayerNorm
    /// The decoder bias b, `[V]` (`cls.predictions.bias`).
    public let decoderBias: Parameter
    /// The GELU form of the transform (the configuration's `activation`).
    public let activation: GELU
    /// Cross-entropy over the masked positions (labels −100 elsewhere), with the given label smoothing.
    public let loss: CrossEntropy
    /// Whether training runs the head on the scored positions alone (on by default; off runs it on
    /// every position, as HuggingFace's `FNetForMaskedLM` does).
    public var scoresOnlyLabelledPositions = true

    /// Builds the model for sequences of `sequenceLength` tokens.
    ///
    /// - Throws: the encoder's configuration errors; `MixLabError.invalidConfigValue` for a label
    ///   smoothing outside [0, 1).
    public init(
        _ configuration: EncoderConfiguration, sequenceLength: Int, labelSmoothing: Float = 0, seed: UInt64,
        registry: MixerRegistry = .shared
    ) throws {
        encoder = try Encoder(configuration, sequenceLength: sequenceLength, seed: seed, registry: registry)
        var random = SeededRandom(seed: seed).derived(4_000)
        transform = Dense(name: "cls.predictions.transform.dense", inputSize: configuration.hiddenSize,
                          outputSize: configuration.embeddingSize, random: &random)
        transformNorm = LayerNorm(name: "cls.predictions.transform.LayerNorm", size: configuration.embeddingSize,
                                  epsilon: configuration.layerNormEpsilon)
        decoderBias = Parameter(name: "cls.predictions.bias", value: Tensor(zeros: [configuration.vocabularySize]))
        activation = configuration.activation
        loss = try CrossEntropy(labelSmoothing: labelSmoothing)
    }

    /// Every parameter with its full name (the tied decoder weight is the word embedding, listed once).
    public var namedParameters: [(name: String, parameter: Parameter)] {
        encoder.namedParameters + (transform.parameters + transformNorm.parameters + [decoderBias]).map { ($0.name, $0) }
    }

    /// Forward, masked-token loss and backward: adds every gradient and returns the loss and accuracy.
    ///
    /// - Parameters:
    ///   - batch: the token ids and padding mask.
    ///   - labels: `(B·T)` target ids, −100 where the token is not predicted.
    ///   - training: whether dropout is on.
    ///   - random: the stream dropout draws from.
    public func lossAndGradients(_ batch: TokenBatch, labels: [Int32], training: Bool, random: inout SeededRandom) throws -> CrossEntropy.Result {
        let scored = labels.indices.filter { labels[$0] != loss.ignoredLabel }
        guard scoresOnlyLabelledPositions, !scored.isEmpty, scored.count < labels.count else {
            let (logits, cache) = try logits(batch, training: training, random: &random)
            let result = try loss.evaluate(logits: logits, labels: labels)
            let dHidden = try headBackward(result.gradient, cache: cache)
            try encoder.backward(dHidden, cache: cache.encoder)
            return result
        }
        let (hidden, encoderCache) = try encoder.forward(batch, training: training, random: &random)
        let width = hidden.shape[hidden.rank - 1]
        guard labels.count * width == hidden.count else {
            throw MixLabError(.invalidArgument, what: "\(labels.count) labels for \(hidden.count / width) positions",
                              location: "MaskedLanguageModel", fix: "give one label per position (−100 where none is predicted)")
        }
        let picked = Self.gatherRows(hidden, scored, width: width)
        let (logits, cache) = try head(picked, encoderCache: encoderCache)
        let result = try loss.evaluate(logits: logits, labels: scored.map { labels[$0] })
        let dPicked = try headBackward(result.gradient, cache: cache)
        try encoder.backward(Self.scatterRows(dPicked, scored, width: width, into: hidden.shape), cache: encoderCache)
        return result
    }

    /// The head's backward pass from `dLogits`: adds the head's gradients and returns the gradient of
    /// its input.
    private func headBackward(_ dLogits: Tensor, cache: Cache) throws -> Tensor {
        let dNormalized = try decodeBackward(dLogits, input: cache.normalized)
        let dActivated = transformNorm.backward(dNormalized, cache: cache.norm)
        let dTransformed = activation.backward(dActivated, input: cache.transformed)
        return try transform.backward(dTransformed, input: cache.hidden)
    }

    /// The rows `rows` of `tensor` (rows of `width` values), as an `(N, width)` tensor.
    static func gatherRows(_ tensor: Tensor, _ rows: [Int], width: Int) -> Tensor {
        var picked = Tensor(uninitialized: [rows.count, width])
        tensor.withUnsafeBufferPointer { source in
            picked.withUnsafeMutableBufferPointer { target in
                for (slot, row) in rows.enumerated() {
                    for j in 0..<width { target[slot * width + j] = source[row * width + j] }
                }
            }
        }
        return picked
    }

    /// A zero tensor of `shape` with row `rows[i]` set to row i of `values`.
    static func scatterRows(_ values: Tensor, _ rows: [Int], width: Int, into shape: [Int]) -> Tensor {
        var result = Tensor(zeros: shape)
        values.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for (slot, row) in rows.enumerated() {
                    for j in 0..<width { target[row * width + j] = source[slot * width + j] }
                }
            }
        }
        return result
    }

    /// What backward needs from one forward pass.
    public struct Cache: Sendable {
        let encoder: Encoder.Cache
        let hidden: Tensor
        let transformed: Tensor
        let norm: LayerNorm.Cache
        let normalized: Tensor
    }

    /// `(B, T, V)` logits over the vocabulary at every position.
    public func logits(_ batch: TokenBatch, training: Bool, random: inout SeededRandom) throws -> (logits: Tensor, cache: Cache) {
        let (hidden, encoderCache) = try encoder.forward(batch, training: training, random: &random)
        return try head(hidden, encoderCache: encoderCache)
    }

    /// The head on `hidden` (any leading shape, last axis H): logits over the vocabulary per row.
    private func head(_ hidden: Tensor, encoderCache: Encoder.Cache) throws -> (logits: Tensor, cache: Cache) {
        let transformed = try transform.forward(hidden)
        let activated = activation.forward(transformed)
        let (normalized, normCache) = try transformNorm.forward(activated)
        let logits = try decode(normalized)
        return (logits, Cache(encoder: encoderCache, hidden: hidden, transformed: transformed, norm: normCache, normalized: normalized))
    }

    /// `logits = u·Eᵀ + b` for `u` of shape `(B, T, E)`.
    func decode(_ u: Tensor) throws -> Tensor {
        let table = encoder.embeddings.word
        let (vocabulary, width) = (table.value.shape[0], table.value.shape[1])
        let rows = u.count / width
        var logits = Tensor(uninitialized: Array(u.shape.dropLast()) + [vocabulary])
        try BLAS.requireAvailable(for: "masked-language-model decoder")
        u.withUnsafeBufferPointer { pu in
            table.value.withUnsafeBufferPointer { pe in
                decoderBias.value.withUnsafeBufferPointer { pb in
                    logits.withUnsafeMutableBufferPointer { pl in
                        BLAS.sgemm(transposeB: true, m: rows, n: vocabulary, k: width, a: pu.baseAddress!, lda: width,
                                   b: pe.baseAddress!, ldb: width, c: pl.baseAddress!, ldc: vocabulary)
                        for row in 0..<rows {
                            for v in 0..<vocabulary { pl[row * vocabulary + v] += pb[v] }
                        }
                    }
                }
            }
        }
        return logits
    }

    /// Adds the decoder's gradients (into the word embeddings and the bias) and returns `dU = dLogits·E`.
    func decodeBackward(_ dLogits: Tensor, input u: Tensor) throws -> Tensor {
        let table = encoder.embeddings.word
        let (vocabulary, width) = (table.value.shape[0], table.value.shape[1])
        let rows = u.count / width
        var du = Tensor(uninitialized: u.shape)
        dLogits.withUnsafeBufferPointer { pg in
            table.value.withUnsafeBufferPointer { pe in
                du.withUnsafeMutableBufferPointer { pdu in
                    BLAS.sgemm(m: rows, n: width, k: vocabulary, a: pg.baseAddress!, lda: vocabulary, b: pe.baseAddress!, ldb: width,
                               c: pdu.baseAddress!, ldc: width)
                }
            }
            u.withUnsafeBufferPointer { pu in
                table.gradient.withUnsafeMutableBufferPointer { pde in
                    BLAS.sgemm(transposeA: true, m: vocabulary, n: width, k: rows, a: pg.baseAddress!, lda: vocabulary,
                               b: pu.baseAddress!, ldb: width, beta: 1, c: pde.baseAddress!, ldc: width)
                }
            }
            decoderBias.gradient.withUnsafeMutableBufferPointer { pdb in
                for row in 0..<rows {
                    for v in 0..<vocabulary { pdb[v] += pg[row * vocabulary + v] }
                }
            }
        }
        return du
    }

    /// Sets every gradient to zero.
    public func zeroGradients() {
        for (_, parameter) in namedParameters { parameter.zeroGradient() }
    }
}
