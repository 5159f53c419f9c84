import MixLabCore
import MixLabMixers

/// A two-tower classifier of sequence pairs: one shared encoder reads both sequences, a
/// `PairClassificationHead` combines their pooled vectors `[u, v, u ⊙ v, u − v]` and classifies them —
/// the Long Range Arena's dual encoder for document retrieval.
///
/// The input batch holds `2B` rows: the B first sequences, then the B second sequences (as
/// `TaskBatch` builds them for a pair-level task); the logits are `(B, K)`. Both towers are one forward
/// pass of the encoder over the `2B` rows, so the encoder's gradient is the sum of both towers'
/// contributions. With `first` pooling, the last block computes only position 0 (as in
/// `SequenceClassifier.computesOnlyPooledPosition`). Cost: one encoder pass over 2B sequences plus the
/// head's O(B·(4H·M + M²/2)). Parameters: `fnet.…` (the encoder), then the head's (`pair.mlp`,
/// `pair.mlp2`, `classifier`, and `fnet.pooler.dense` with `first` pooling). Forward passes may run
/// concurrently; backward passes add into shared gradients and must not.
///
/// Reference: Y. Tay et al., "Long Range Arena: A Benchmark for Efficient Transformers", ICLR 2021, §3.
public final class PairClassifier: @unchecked Sendable {
    /// The shared encoder (`fnet.…` parameters).
    public let encoder: Encoder
    /// The pair head.
    public let head: PairClassificationHead
    /// Cross-entropy over the `(B, K)` logits, with the given label smoothing.
    public let loss: CrossEntropy

    /// What backward needs from one forward pass.
    public struct Cache: Sendable {
        let encoder: Encoder.Cache
        let head: PairClassificationHead.Cache
    }

    /// Builds the model for `classes` classes, sequences of `sequenceLength` tokens each, and a head MLP
    /// as wide as the encoder's feed-forward layer (`intermediateSize`, as LRA's `mlp_dim`).
    ///
    /// - Throws: `MixLabError.invalidConfigValue` for fewer than 2 classes or an intermediate size below
    ///   2; the encoder's errors.
    public init(
        _ configuration: EncoderConfiguration, classes: Int, pooling: Pooling = .mean, sequenceLength: Int,
        labelSmoothing: Float = 0, seed: UInt64, registry: MixerRegistry = .shared
    ) throws {
        guard classes >= 2 else {
            throw MixLabError(.invalidConfigValue, what: "classes = \(classes); a classifier needs at least 2",
                              location: "pair classifier", fix: "set the number of classes of the task")
        }
        guard configuration.intermediateSize >= 2 else {
            throw MixLabError(.invalidConfigValue, what: "intermediate size \(configuration.intermediateSize); the pair head's MLP needs at least 2",
                              location: "pair classifier", fix: "set the feed-forward size to 2 or more")
        }
        encoder = try Encoder(configuration, sequenceLength: sequenceLength, seed: seed, registry: registry)
        var random = SeededRandom(seed: seed).derived(3_000)
        head = PairClassificationHead(
            hiddenSize: configuration.hiddenSize, mlpSize: configuration.intermediateSize, classes: classes, pooling: pooling,
            random: &random)
        loss = try CrossEntropy(labelSmoothing: labelSmoothing)
    }

    /// Every parameter with its full name, in a fixed order.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        encoder.namedParameters + head.parameters.map { ($0.name, $0) }
    }

    private var pooledPositions: Int? { head.pooling == .first ? 1 : nil }

    /// `(B, K)` logits for a batch of `2B` rows.
    ///
    /// - Throws: `MixLabError.shapeMismatch` for an odd number of rows; the encoder's errors.
    public func logits(_ batch: TokenBatch, training: Bool, random: inout SeededRandom) throws -> (logits: Tensor, cache: Cache) {
        try checkRows(batch)
        let positions = pooledPositions
        let (hidden, encoderCache) = try encoder.forward(batch, training: training, firstPositions: positions, random: &random)
        let (logits, headCache) = try head.forward(hidden, paddingMask: positions == nil ? batch.paddingMask : nil)
        return (logits, Cache(encoder: encoderCache, head: headCache))
    }

    /// `(B, K)` logits in evaluation mode, keeping nothing for a backward pass.
    public func logits(_ batch: TokenBatch) throws -> Tensor {
        try checkRows(batch)
        let positions = pooledPositions
        let hidden = try encoder.hiddenStates(batch, firstPositions: positions)
        return try head.forward(hidden, paddingMask: positions == nil ? batch.paddingMask : nil).logits
    }

    /// Forward, loss and backward for one batch of `2B` rows and `B` labels: adds every parameter's
    /// gradient and returns the loss.
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

    private func checkRows(_ batch: TokenBatch) throws {
        guard batch.batchSize % 2 == 0 else {
            throw MixLabError(
                .shapeMismatch, what: "a pair batch of \(batch.batchSize) rows; it needs 2B rows (B first sequences, then B second ones)",
                location: "pair classifier input", fix: "build the batch with TaskBatch from a pair-level task")
        }
    }
}
