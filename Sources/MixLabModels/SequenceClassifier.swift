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
    /// Whether, with `first` pooling, the last block computes only the pooled position (true by
    /// default; `mean` and `last` pooling read every position, or a different one per example, and
    /// ignore it: the last block then computes all T positions).
    ///
    /// The head reads `h[·, 0]` only, so the last block's feed-forward layers, layer norms and dropout
    /// (and, for attention, a `FirstPositionsMixer`, its queries) run on one position instead of T; its
    /// dropout keeps exactly the values the full pass keeps there. The logits, the loss and every
    /// gradient are those of the whole model up to rounding, for up to about `1/L` less work with L
    /// layers (the last block's mixer still reads all T positions; a mixer that is not a
    /// `FirstPositionsMixer` still computes them all). Set it to false to compute every position of the
    /// last block, as HuggingFace's `FNetForSequenceClassification` does (to compare like for like, or
    /// to inspect the last hidden states through the same path). Set it between passes, not while
    /// forward passes run on another thread.
    public var computesOnlyPooledPosition = true

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

    /// The positions of the last block the head needs: 1 with `first` pooling (unless
    /// `computesOnlyPooledPosition` is off), all of them otherwise (`last` reads position ℓ_b ≤ T − 1,
    /// which a first-positions pass would have to extend to every position before it anyway).
    private var pooledPositions: Int? {
        head.pooling == .first && computesOnlyPooledPosition ? 1 : nil
    }

    /// `(B, K)` logits.
    public func logits(_ batch: TokenBatch, training: Bool, random: inout SeededRandom) throws -> (logits: Tensor, cache: Cache) {
        let positions = pooledPositions
        let (hidden, encoderCache) = try encoder.forward(
            batch, training: training, firstPositions: positions, random: &random)
        let (logits, headCache) = try head.forward(hidden, paddingMask: positions == nil ? batch.paddingMask : nil)
        return (logits, Cache(encoder: encoderCache, head: headCache))
    }

    /// `(B, K)` logits in evaluation mode, keeping nothing for a backward pass (see
    /// `Encoder.hiddenStates`): the same values as `logits(batch, training: false, …)`.
    public func logits(_ batch: TokenBatch) throws -> Tensor {
        let positions = pooledPositions
        let hidden = try encoder.hiddenStates(batch, firstPositions: positions)
        return try head.forward(hidden, paddingMask: positions == nil ? batch.paddingMask : nil).logits
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
