import MixLabCore
import MixLabMixers

/// An encoder with a sequence-classification head: the model trained on classification tasks.
///
/// Parameters are named as in HF `FNetForSequenceClassification` (`fnet.…`, `classifier.…`), so
/// checkpoints map one to one. Forward passes may run concurrently; backward passes add into shared
/// gradients and must not run concurrently on one model.
public final class SequenceClassifier: @unchecked Sendable {
    /// The encoder (`fnet.…` parameters).
    public let encoder: Encoder
    /// The sequence-classification head (pooler and `classifier`).
    public let head: SequenceClassificationHead
    /// Cross-entropy over the `(B, K)` logits, with the given label smoothing.
    public let loss: CrossEntropy

    /// What backward needs from one forward pass.
    public struct Cache: Sendable {
        let encoder: Encoder.Cache
        let head: SequenceClassificationHead.Cache
    }

    /// Builds the model for `classes` classes and sequences of `sequenceLength` tokens.
    public init(
        _ configuration: EncoderConfiguration, classes: Int, pooling: Pooling = .first, sequenceLength: Int,
        labelSmoothing: Float = 0, seed: UInt64, registry: MixerRegistry = .shared
    ) throws {
        guard classes >= 2 else {
            throw MixLabError(.invalidConfigValue, what: "classes = \(classes); a classifier needs at least 2",
                              location: "sequence classifier", fix: "set the number of classes of the task")
        }
        encoder = try Encoder(configuration, sequenceLength: sequenceLength, seed: seed, registry: registry)
        var random = SeededRandom(seed: seed).derived(3_000)
        head = SequenceClassificationHead(hiddenSize: configuration.hiddenSize, classes: classes, pooling: pooling, random: &random)
        loss = try CrossEntropy(labelSmoothing: labelSmoothing)
    }

    /// Every parameter with its full name, in a fixed order.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        encoder.namedParameters + head.parameters.map { ($0.name, $0) }
    }

    /// `(B, K)` logits.
    public func logits(_ batch: TokenBatch, training: Bool, random: inout SeededRandom) throws -> (logits: Tensor, cache: Cache) {
        let (hidden, encoderCache) = try encoder.forward(batch, training: training, random: &random)
        let (logits, headCache) = try head.forward(hidden, paddingMask: batch.paddingMask)
        return (logits, Cache(encoder: encoderCache, head: headCache))
    }

    /// `(B, K)` logits in evaluation mode, keeping nothing for a backward pass (see
    /// `Encoder.hiddenStates`): the same values as `logits(batch, training: false, …)`.
    public func logits(_ batch: TokenBatch) throws -> Tensor {
        try head.forward(try encoder.hiddenStates(batch), paddingMask: batch.paddingMask).logits
    }

    /// Forward, loss and backward for one batch: adds every parameter's gradient and returns the loss.
    public func lossAndGradients(_ batch: TokenBatch, labels: [Int32], training: Bool, random: inout SeededRandom)
        throws -> CrossEntropy.Result
    {
        let (logits, cache) = try logits(batch, training: training, random: &random)
        let result = try loss.evaluate(logits: logits, labels: labels)
        let dHidden = try head.backward(result.gradient, cache: cache.head)
        try encoder.backward(dHidden, cache: cache.encoder)
        return result
    }

    /// Sets every gradient to zero.
    public func zeroGradients() {
        for (_, parameter) in namedParameters { parameter.zeroGradient() }
    }
}
