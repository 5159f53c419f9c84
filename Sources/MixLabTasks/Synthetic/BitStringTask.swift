import MixLabCore

/// A two-class task on random bit strings, labelled by a rule over all the bits: `parity` or `majority`.
///
/// **Generator.** From the example's stream (seed, split, i) of `SyntheticSplits`: the length `n`,
/// uniform in `min-length…length` (no draw when they are equal), then `n` independent fair bits
/// `b_t = nextIndex(below: 2)`, labelled by the rule (see `Rule`). No deduplication: a held-out string
/// also occurs in training with probability at most `train-size / 2^n`, negligible from about 30 bits
/// on, large for short strings (at 8 bits there are only 256 strings).
///
/// **Tokens.** Padding 0, bit 0 → 1, bit 1 → 2; the classes are the rule's (`Rule.classNames`).
///
/// **Settings.** `length` (64; also the sequence length), `min-length` (= length), `train-size` (10000),
/// `validation-size` (1000), `test-size` (1000), `seed` (0).
///
/// **Complexity.** O(n) per example, no state; thread-safe.
///
/// References: M. Hahn, "Theoretical Limitations of Self-Attention in Neural Sequence Models", TACL 2020;
/// G. Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR 2023 (parity check).
public struct BitStringTask: LearningTask {
    /// How a bit string is labelled; the raw value is the task's registry name.
    public enum Rule: String, Sendable, CaseIterable {
        /// Parity: is the number of 1s odd? Label `b_0 ⊕ … ⊕ b_{n−1}`, exactly balanced (the parity of
        /// fair bits is a fair bit); classes `even` (0) and `odd` (1).
        ///
        /// **What it tests.** Every bit flips the label, so no subset of the positions carries any
        /// information about it: the model must combine all of them multiplicatively. A linear mixer
        /// followed by position-wise nonlinearities cannot express it in one layer; self-attention
        /// provably struggles as the length grows (Hahn 2020). A stress test of global, exact
        /// aggregation, and of length generalisation when trained on one `length` and evaluated on another.
        case parity
        /// Majority: are there more 1s than 0s? Label 1 when the 1s outnumber the 0s, 0 when the 0s do,
        /// and `b_0` on a tie; classes `0` and `1` (the majority bit).
        ///
        /// The tie rule keeps the classes exactly balanced: complementing every bit swaps the classes
        /// and preserves the distribution. Ties have probability C(n, n/2)/2^n ≈ √(2/(πn)) (10 % at
        /// n = 64); use an odd `length` and `min-length = length` to avoid them.
        ///
        /// **What it tests.** A global count against a threshold: the label is a linear threshold of the
        /// mean token embedding, so mean pooling and a linear head solve it if mixing keeps the count
        /// (the DC term of a Fourier, DCT or Hadamard mixer is exactly the sum). It separates mixers that
        /// preserve global statistics from those that blur them, and sits at the other end of the
        /// difficulty scale from parity: most of the string is irrelevant only near a tie.
        case majority

        /// The class names, in label order.
        public var classNames: [String] {
            switch self {
            case .parity: return ["even", "odd"]
            case .majority: return ["0", "1"]
            }
        }

        /// One line for `mixlab tasks`.
        public var summary: String {
            switch self {
            case .parity: return "XOR of a random bit string (exact global aggregation; 2 classes)"
            case .majority: return "more 1s than 0s in a random bit string? (global counting; 2 classes)"
            }
        }

        /// The label of `bits` (each 0 or 1). O(n).
        public func label(_ bits: [Int32]) -> Int32 {
            switch self {
            case .parity:
                return bits.reduce(0, ^)
            case .majority:
                let ones = Int(bits.reduce(0, +))
                let zeros = bits.count - ones
                return ones == zeros ? bits[0] : (ones > zeros ? 1 : 0)
            }
        }

        /// The registry entry of the task with this rule.
        public var registration: TaskRegistration {
            TaskRegistration(
                name: rawValue, summary: summary, labelKind: .sequence,
                keys: SequenceLengthRange.keys(length: 64) + SyntheticSplits.keys(train: 10000, validation: 1000, test: 1000)
            ) { settings in
                try BitStringTask(self, settings)
            }
        }
    }

    /// The labelling rule.
    public let rule: Rule
    /// Sequence-level labels: one class per example.
    public let labelKind = TaskLabelKind.sequence
    /// Two.
    public let classes = 2
    /// Padding and the two bits.
    public let vocabulary = try! TaskVocabulary(names: ["<pad>", "0", "1"])
    /// The lengths of the bit strings.
    public let lengths: SequenceLengthRange
    /// The seed and split sizes.
    public let splits: SyntheticSplits

    /// The task with `rule` from its settings (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidConfigValue` naming the key of a bad setting.
    public init(_ rule: Rule, _ settings: TaskSettings? = nil) throws {
        self.rule = rule
        let settings = settings ?? TaskSettings(task: rule.rawValue)
        lengths = try SequenceLengthRange(settings, length: 64)
        splits = try SyntheticSplits(settings, train: 10000, validation: 1000, test: 1000)
    }

    /// The registry name: the rule's.
    public var name: String { rule.rawValue }
    /// The rule's class names.
    public var classNames: [String] { rule.classNames }
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
        return TaskExample(tokens: bits.map { $0 + 1 }, label: rule.label(bits))
    }
}
