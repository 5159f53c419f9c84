import MixLabCore

/// Majority: are there more 1s than 0s in a random bit string? Two classes; a tie (even lengths only)
/// goes to the first bit.
///
/// **What it tests.** A global count against a threshold: the label is a linear threshold of the mean
/// token embedding, so mean pooling and a linear head solve it if mixing keeps the count (the DC term of
/// a Fourier, DCT or Hadamard mixer is exactly the sum). It separates mixers that preserve global
/// statistics from those that blur them, and sits at the other end of the difficulty scale from
/// parity: most of the string is irrelevant only near a tie.
///
/// **Generator.** From the example's stream (seed, split, i) of `SyntheticSplits`: the length `n`,
/// uniform in `min-length…length` (no draw when they are equal), then `n` independent fair bits. Label 1
/// when the 1s outnumber the 0s, 0 when the 0s do, and `b_0` on a tie. The tie rule keeps the classes
/// exactly balanced: complementing every bit swaps the classes and preserves the distribution. Ties
/// have probability C(n, n/2)/2^n ≈ √(2/(πn)) (10 % at n = 64); use an odd `length` and
/// `min-length = length` to avoid them. No deduplication (see `ParityTask`).
///
/// **Tokens.** Padding 0, bit 0 → 1, bit 1 → 2; class `b` (named `0`, `1`) is the majority bit.
///
/// **Settings.** `length` (64; also the sequence length), `min-length` (= length), `train-size` (10000),
/// `validation-size` (1000), `test-size` (1000), `seed` (0).
///
/// **Complexity.** O(n) per example, no state; thread-safe.
///
/// Reference: M. Hahn, "Theoretical Limitations of Self-Attention in Neural Sequence Models", TACL 2020.
public struct MajorityTask: LearningTask {
    /// The registry entry.
    public static let registration = TaskRegistration(
        name: "majority", summary: "more 1s than 0s in a random bit string? (global counting; 2 classes)", labelKind: .sequence,
        keys: SequenceLengthRange.keys(length: 64) + SyntheticSplits.keys(train: 10000, validation: 1000, test: 1000)
    ) { settings in
        try MajorityTask(settings)
    }

    /// The registry name.
    public let name = "majority"
    /// Sequence-level labels: one class per example.
    public let labelKind = TaskLabelKind.sequence
    /// Two: the majority bit.
    public let classes = 2
    /// `0`, `1`.
    public let classNames = ["0", "1"]
    /// Padding and the two bits.
    public let vocabulary = try! TaskVocabulary(names: ["<pad>", "0", "1"])
    /// The lengths of the bit strings.
    public let lengths: SequenceLengthRange
    /// The seed and split sizes.
    public let splits: SyntheticSplits

    /// The task from its settings (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidConfigValue` naming the key of a bad setting.
    public init(_ settings: TaskSettings = TaskSettings(task: "majority")) throws {
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
        let ones = Int(bits.reduce(0, +))
        let zeros = bits.count - ones
        let label: Int32 = ones == zeros ? bits[0] : (ones > zeros ? 1 : 0)
        return TaskExample(tokens: bits.map { $0 + 1 }, label: label)
    }
}
