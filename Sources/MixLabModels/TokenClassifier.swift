import MixLabCore
import MixLabMixers

/// An encoder with a token-classification head: one class per token (tagging, reversal, copying).
///
/// `logits[b, t] = W·h[b, t] + c` over the encoder's hidden states `h`, and the loss is the
/// cross-entropy averaged over the scored tokens: positions labelled `CrossEntropy.ignoredLabel`
/// (−100: padding, positions a task does not score) count for nothing, as PyTorch's `ignore_index`.
/// Parameters are named as in HF `FNetForTokenClassification` (`fnet.…`, `classifier.weight`,
/// `classifier.bias`), so checkpoints map one to one. The head costs `2·B·T·H·K` flops forward and twice
/// that backward. Forward passes may run concurrently; backward passes add into shared gradients and
/// must not run concurrently on one model.
public final class TokenClassifier: @unchecked Sendable {
    /// The FNet-style encoder.
    public let encoder: Encoder
    /// `Dense(H → K)` on every token.
    public let head: TokenClassificationHead
    /// Cross-entropy over scored tokens.
    public let loss: CrossEntropy
    /// K: the number of classes each token is scored over.
    public let classes: Int

    /// What backward needs from one forward pass.
    public struct Cache: Sendable {
        let encoder: Encoder.Cache
        let hidden: Tensor
    }

    /// Builds the model for `classes` classes and sequences of `sequenceLength` tokens.
    ///
    /// The head is initialised from its own stream of `seed` (HF's normal(0, 0.02) weights, zero bias),
    /// so the encoder's initialisation is the same as in a `SequenceClassifier` with the same seed.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` for fewer than 2 classes or a label smoothing outside
    ///   [0, 1); the encoder's configuration errors.
    public init(
        _ configuration: EncoderConfiguration, classes: Int, sequenceLength: Int, labelSmoothing: Float = 0, seed: UInt64,
        registry: MixerRegistry = .shared
    ) throws {
        guard classes >= 2 else {
            throw MixLabError(.invalidConfigValue, what: "classes = \(classes); a classifier needs at least 2",
                              location: "token classifier", fix: "set the number of classes of the task")
        }
        encoder = try Encoder(configuration, sequenceLength: sequenceLength, seed: seed, registry: registry)
        var random = SeededRandom(seed: seed).derived(5_000)
        head = TokenClassificationHead(hiddenSize: configuration.hiddenSize, classes: classes, random: &random)
        loss = try CrossEntropy(labelSmoothing: labelSmoothing)
        self.classes = classes
    }

    /// Every parameter with its full name, in a fixed order.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        encoder.namedParameters + head.parameters.map { ($0.name, $0) }
    }

    /// `(B, T, K)` logits.
    public func logits(_ batch: TokenBatch, training: Bool, random: inout SeededRandom) throws -> (logits: Tensor, cache: Cache) {
        let (hidden, encoderCache) = try encoder.forward(batch, training: training, random: &random)
        let logits = try head.forward(hidden)
        return (logits, Cache(encoder: encoderCache, hidden: hidden))
    }

    /// Forward, loss and backward for one batch: adds every parameter's gradient and returns the loss.
    ///
    /// - Parameters:
    ///   - batch: the token ids and padding mask.
    ///   - labels: `B·T` (row-major) classes, `loss.ignoredLabel` where a token is not scored.
    ///   - training: whether dropout is on.
    ///   - random: the stream dropout draws from.
    public func lossAndGradients(_ batch: TokenBatch, labels: [Int32], training: Bool, random: inout SeededRandom)
        throws -> CrossEntropy.Result
    {
        let (logits, cache) = try logits(batch, training: training, random: &random)
        let result = try loss.evaluate(logits: logits, labels: labels)
        let dHidden = try head.backward(result.gradient, hidden: cache.hidden)
        try encoder.backward(dHidden, cache: cache.encoder)
        return result
    }

    /// Sets every gradient to zero.
    public func zeroGradients() {
        for (_, parameter) in namedParameters { parameter.zeroGradient() }
    }
}
