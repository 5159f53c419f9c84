/// One example of a task: token ids and its label(s).
///
/// Sequence-level tasks have exactly one label per example; token-level tasks have one label per token
/// (`labels.count == tokens.count`), with `TaskExample.ignoredLabel` on positions that are not scored;
/// pair-level tasks have one label per example and a second sequence in `pairedTokens`.
/// Token ids are at most the task's sequence length long (each sequence of a pair); batching pads them.
public struct TaskExample: Sendable, Equatable {
    /// The label of a position that the loss and the metrics skip (as PyTorch's `ignore_index`).
    public static let ignoredLabel: Int32 = -100

    /// Token ids in `0 ..< vocabulary.size`, without padding.
    public var tokens: [Int32]
    /// One class index for a sequence- or pair-level task; one per token for a token-level task.
    public var labels: [Int32]
    /// The second sequence of a pair-level example (nil for other tasks), without padding.
    public var pairedTokens: [Int32]?

    /// An example from its token ids and labels.
    public init(tokens: [Int32], labels: [Int32]) {
        self.tokens = tokens
        self.labels = labels
        pairedTokens = nil
    }

    /// A sequence-level example.
    public init(tokens: [Int32], label: Int32) {
        self.init(tokens: tokens, labels: [label])
    }

    /// A pair-level example: two sequences and the pair's class.
    public init(first: [Int32], second: [Int32], label: Int32) {
        self.init(tokens: first, labels: [label])
        pairedTokens = second
    }
}
