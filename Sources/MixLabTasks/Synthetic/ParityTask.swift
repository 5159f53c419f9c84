import MixLabCore

/// Parity: is the number of 1s in a random bit string odd? Two classes.
///
/// **What it tests.** Every bit flips the label, so no subset of the positions carries any information
/// about it: the model must combine all of them multiplicatively. A linear mixer followed by
/// position-wise nonlinearities cannot express it in one layer; self-attention provably struggles as
/// the length grows (Hahn 2020). A stress test of global, exact aggregation, and of length
/// generalisation when trained on one `length` and evaluated on another.
///
/// **Generator.** From the example's stream (seed, split, i) of `SyntheticSplits`: the length `n`,
/// uniform in `min-length…length` (no draw when they are equal), then `n` independent fair bits
/// `b_t = nextIndex(below: 2)`. Label `b_0 ⊕ … ⊕ b_{n−1}`, exactly balanced (the parity of fair bits is a
/// fair bit). No deduplication: a held-out string also occurs in training with probability at most
/// `train-size / 2^n`, negligible from about 30 bits on, large for short strings (at 8 bits there are
/// only 256 strings).
///
/// **Tokens.** Padding 0, bit 0 → 1, bit 1 → 2; classes `even` (0) and `odd` (1).
///
/// **Settings.** `length` (64; also the sequence length), `min-length` (= length), `train-size` (10000),
/// `validation-size` (1000), `test-size` (1000), `seed` (0).
///
/// **Complexity.** O(n) per example, no state; thread-safe.
///
/// References: M. Hahn, "Theoretical Limitations of Self-Attention in Neural Sequence Models", TACL 2020;
/// G. Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR 2023 (parity check).
public struct ParityTask: LearningTask {
    /// The registry entry.
    public static let registration = TaskRegistration(
        name: "parity", summary: "XOR of a random bit string (exact global aggregation; 2 classes)", labelKind: .sequence,
        keys: SequenceLengthRange.keys(length: 64) + SyntheticSplits.keys(train: 10000, validation: 1000, test: 1000)
    ) { settings in
        try ParityTask(settings)
    }

    /// The registry name.
    public let name = "parity"
    /// Sequence-level labels: one class per example.
    public let labelKind = TaskLabelKind.sequence
    /// Two: even and odd.
    public let classes = 2
    /// `even`, `odd`.
    public let classNames = ["even", "odd"]
    /// Padding and the two bits.
    public let vocabulary = try! TaskVocabulary(names: ["<pad>", "0", "1"])
    /// The lengths of the bit strings.
    public let lengths: SequenceLengthRange
    /// The seed and split sizes.
    public let splits: SyntheticSplits

    /// The task from its settings (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidConfigValue` naming the key of a bad setting.
    public init(_ settings: TaskSettings = TaskSettings(task: "parity")) throws {
        lengths = try SequenceLengthRange(settings, length: 64)
        splits = try SyntheticSplits(settings, train: 10000, validation: 1000, test: 1000)
    }

    /// Every key with its resolved value: `TaskRegistry.make` with these remakes the same task.
    public var settings: [String: String] { splits.settings.merging(lengths.settings) { $1 } }
    /// `length`, the longest bit string.
    public var sequenceLength: Int { lengths.maximum }
    /// The number of examples in `split` (its `-size` setting).
    public func count(_ split: TaskSplit) -> Int { splits.count(split) }

    /// Example `index` of `split`, generated from its own stream (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidArgument` for an index outside `0 ..< count(split)`.
    public func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        var random = try splits.random(for: split, at: index, task: name)
        let bits = (0..<lengths.draw(&random)).map { _ in Int32(random.nextIndex(below: 2)) }
        return TaskExample(tokens: bits.map { $0 + 1 }, label: bits.reduce(0, ^))
    }
}
