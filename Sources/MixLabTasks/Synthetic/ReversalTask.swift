import MixLabCore

/// Reversal: at every position, output the token at the mirrored position. Token-level labels.
///
/// **What it tests.** A fixed, input-independent permutation of the positions that moves every token
/// as far as the sequence allows: a pure test of routing by position. Content plays no part, so
/// attention has to learn it from position embeddings, while a fixed mixer either contains the
/// permutation or does not. For the complex DFT `F` (unnormalised, length `n`), `(F² x)_t = n · x_{(−t) mod n}`:
/// applying it twice is exactly the `circular` variant below (up to the factor n), and the fractional
/// Fourier mixer at order 2 is that map. The `plain` variant `x_{n−1−t}` is the circular one shifted by
/// one position. Along the sequence FNet's mixer keeps only the real part `C = Re F`, and
/// `C² = (n/2)(I + P)` where `P` is the circular reversal: applied twice it gives the input plus its
/// reversal, not the reversal.
///
/// **Generator.** From the example's stream (seed, split, i) of `SyntheticSplits`: the length `n`,
/// uniform in `min-length…length` (no draw when they are equal), then `n` uniform symbols `x_t`. Labels:
/// `plain`: `y_t = x_{n−1−t}`; `circular`: `y_t = x_{(n−t) mod n}` (`y_0 = x_0`). No separator or
/// output segment: the encoder is bidirectional, so every position already sees the whole input, and
/// the labels sit on the input positions (one per token). With `min-length < length` the batch is
/// padded to `length` while the labels reverse within `n`, so a mixer that transforms the padded
/// length (as FNet's, which ignores the padding mask) no longer contains the map.
///
/// **Tokens.** Padding 0, symbol `k` → `k + 1` (named `t0`…); the label of a position is the symbol
/// index (class `k` = `t<k>`); classes are balanced (uniform symbols).
///
/// **Settings.** `vocabulary` (8 symbols), `variant` (`plain` or `circular`), `length` (32; also the
/// sequence length), `min-length` (= length), `train-size` (10000), `validation-size` (1000),
/// `test-size` (1000), `seed` (0).
///
/// **Complexity.** O(n) per example, no state; thread-safe.
///
/// References: G. Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR 2023 (reverse
/// string); H. Ozaktas, Z. Zalevsky, M. A. Kutay, "The Fractional Fourier
/// Transform", Wiley 2001 (F² is the parity operator).
public struct ReversalTask: LearningTask {
    /// Which mirror image the labels are.
    public enum Variant: String, Sendable, CaseIterable {
        /// `y_t = x_{n−1−t}`.
        case plain
        /// `y_t = x_{(n−t) mod n}`: what F² does.
        case circular
    }

    /// The registry entry.
    public static let registration = TaskRegistration(
        name: "reversal", summary: "output the sequence reversed, per token (positional routing; F² is reversal)",
        labelKind: .token,
        keys: [
            TaskSettingKey("vocabulary", default: "8", allowed: "2…256", summary: "symbols (and classes)"),
            TaskSettingKey("variant", default: "plain", allowed: "plain|circular", summary: "y_t = x_{n−1−t}, or x_{(n−t) mod n} (F²)"),
        ] + SequenceLengthRange.keys(length: 32) + SyntheticSplits.keys(train: 10000, validation: 1000, test: 1000)
    ) { settings in
        try ReversalTask(settings)
    }

    /// The registry name.
    public let name = "reversal"
    /// Token-level labels: one per position, `TaskExample.ignoredLabel` where nothing is scored.
    public let labelKind = TaskLabelKind.token
    /// Padding and the symbols `t0`….
    public let vocabulary: TaskVocabulary
    /// Which mirror image the labels are.
    public let variant: Variant
    /// The lengths of the sequences.
    public let lengths: SequenceLengthRange
    /// The seed and split sizes.
    public let splits: SyntheticSplits

    /// The task from its settings (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidConfigValue` naming the key of a bad setting.
    public init(_ settings: TaskSettings = TaskSettings(task: "reversal")) throws {
        let symbols = try settings.integer("vocabulary", default: 8, in: 2...256)
        variant = Variant(rawValue: try settings.choice("variant", default: "plain", allowed: Variant.allCases.map(\.rawValue)))!
        lengths = try SequenceLengthRange(settings, length: 32)
        splits = try SyntheticSplits(settings, train: 10000, validation: 1000, test: 1000)
        vocabulary = try TaskVocabulary(names: ["<pad>"] + (0..<symbols).map { "t\($0)" })
    }

    /// One per symbol.
    public var classes: Int { vocabulary.size - 1 }
    /// The symbols' names, `t0`….
    public var classNames: [String] { Array(vocabulary.names.dropFirst()) }
    /// `length`, the longest sequence.
    public var sequenceLength: Int { lengths.maximum }
    /// The number of examples in `split` (its `-size` setting).
    public func count(_ split: TaskSplit) -> Int { splits.count(split) }

    /// Every key with its resolved value: `TaskRegistry.make` with these remakes the same task.
    public var settings: [String: String] {
        splits.settings.merging(lengths.settings) { $1 }.merging(["vocabulary": "\(classes)", "variant": variant.rawValue]) { $1 }
    }

    /// Example `index` of `split`, generated from its own stream (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidArgument` for an index outside `0 ..< count(split)`.
    public func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        var random = try splits.random(for: split, at: index, task: name)
        let n = lengths.draw(&random)
        let symbols = (0..<n).map { _ in Int32(random.nextIndex(below: classes)) }
        let labels = (0..<n).map { t in
            switch variant {
            case .plain: symbols[n - 1 - t]
            case .circular: symbols[(n - t) % n]
            }
        }
        return TaskExample(tokens: symbols.map { $0 + 1 }, labels: labels)
    }
}
