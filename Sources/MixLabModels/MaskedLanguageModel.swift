import MixLabCore
import MixLabKernels
import MixLabMixers

/// An encoder with FNet's masked-language-model head: the pre-training objective at small scale.
///
/// Head (ANCHORS §1, HF `cls.predictions`): `u = LN(GELU(W_t·h + b_t))` (`transform.dense`,
/// `transform.LayerNorm`), then `logits = u·Eᵀ + b` with `E` the word-embedding table (tied: the decoder
/// has no weight of its own; its gradient adds into the embeddings') and `b` = `cls.predictions.bias`.
/// The transform maps H → E so the tie works when the embedding size differs from H.
/// Loss: cross-entropy on masked positions only (labels −100 elsewhere). Decoder cost `2·B·T·E·V` flops.
public final class MaskedLanguageModel: @unchecked Sendable {
    public let encoder: Encoder
    public let transform: Dense
    public let transformNorm: LayerNorm
    public let decoderBias: Parameter
    public let activation: GELU
    public let loss: CrossEntropy

    /// Builds the model for sequences of `sequenceLength` tokens.
    public init(_ configuration: EncoderConfiguration, sequenceLength: Int, seed: UInt64, registry: MixerRegistry = .shared) throws {
        encoder = try Encoder(configuration, sequenceLength: sequenceLength, seed: seed, registry: registry)
        var random = SeededRandom(seed: seed).derived(4_000)
        transform = Dense(name: "cls.predictions.transform.dense", inputSize: configuration.hiddenSize,
                          outputSize: configuration.embeddingSize, random: &random)
        transformNorm = LayerNorm(name: "cls.predictions.transform.LayerNorm", size: configuration.embeddingSize,
                                  epsilon: configuration.layerNormEpsilon)
        decoderBias = Parameter(name: "cls.predictions.bias", value: Tensor(zeros: [configuration.vocabularySize]))
        activation = configuration.activation
        loss = try CrossEntropy()
    }

    /// Every parameter with its full name (the tied decoder weight is the word embedding, listed once).
    public var namedParameters: [(name: String, parameter: Parameter)] {
        encoder.namedParameters + (transform.parameters + transformNorm.parameters + [decoderBias]).map { ($0.name, $0) }
    }

    /// Forward, masked-token loss and backward: adds every gradient and returns the loss and accuracy.
    ///
    /// - Parameter labels: `(B·T)` target ids, −100 where the token is not predicted.
    public func lossAndGradients(_ batch: TokenBatch, labels: [Int32], training: Bool, random: inout SeededRandom) throws -> CrossEntropy.Result {
        let (hidden, encoderCache) = try encoder.forward(batch, training: training, random: &random)
        let transformed = try transform.forward(hidden)
        let activated = activation.forward(transformed)
        let (normalized, normCache) = try transformNorm.forward(activated)
        let logits = try decode(normalized)
        let result = try loss.evaluate(logits: logits, labels: labels)
        let dNormalized = try decodeBackward(result.gradient, input: normalized)
        let dActivated = transformNorm.backward(dNormalized, cache: normCache)
        let dTransformed = activation.backward(dActivated, input: transformed)
        let dHidden = try transform.backward(dTransformed, input: hidden)
        try encoder.backward(dHidden, cache: encoderCache)
        return result
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
