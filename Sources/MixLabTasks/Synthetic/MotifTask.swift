import Foundation
import MixLabCore

/// Motif detection: does a fixed short pattern occur anywhere in a random sequence? Two classes,
/// balanced.
///
/// **What it tests.** A local pattern at an unknown position: the detector must be translation
/// invariant and combine a few neighbouring tokens in order. Convolution-like and attention mixers
/// find it naturally; a global spectral mixer has to recover locality from phases. The mirror image of
/// `frequency` (global, phase-free) and a check that a mixer has not lost local order.
///
/// **Generator.** The motif `m` (`motif-length` tokens) is fixed per seed: drawn uniformly from the
/// vocabulary by `SyntheticSplits.constantsRandom(1)`, or given with `motif=`. Example `i` of a split
/// uses its stream (seed, split, i), in this order:
/// 1. the label, uniform in {0, 1};
/// 2. the length `n`, uniform in `min-length…length` (no draw when they are equal);
/// 3. label 1 (present): `n` uniform tokens, then a position `p` uniform in `0…n − |m|`, and the motif
///    written over tokens `p ..< p + |m|` (it may also occur elsewhere);
///    label 0 (absent): `n` uniform tokens, redrawn whole from the same stream until the motif occurs
///    nowhere (checked at every offset), so negatives are exactly the motif-free sequences, uniformly.
///
/// A random sequence holds the motif `(n − |m| + 1) / V^|m|` times on average; the task requires this
/// to be at most 1 (checked at `length`), so a negative takes at most about e ≈ 2.7 draws (Poisson), and
/// usually 1 (1.015 for the defaults). Planting the motif adds its tokens to a positive, so token
/// counts carry a little information too (|m| tokens in n; 4 in 64 by default): report the majority and
/// bag-of-tokens baselines next to results.
///
/// **Tokens.** Padding 0, symbol `k` → `k + 1` (named `t0`…); classes `absent`, `present`.
///
/// **Settings.** `vocabulary` (8 symbols), `motif-length` (4), `motif` (`random`, or the symbols as
/// comma-separated indices, e.g. `3,1,4,1`, which sets the length), `length` (64; also the sequence
/// length), `min-length` (= length), `train-size` (10000), `validation-size` (1000), `test-size` (1000),
/// `seed` (0).
///
/// **Complexity.** O(n·|m|) per draw, about one draw per example; no state; thread-safe.
///
/// Reference: B. Alipanahi et al., "Predicting the sequence specificities of DNA- and RNA-binding
/// proteins by deep learning", Nature Biotechnology 2015 (motif detection, the task convolutions excel at).
public struct MotifTask: LearningTask {
    /// The registry entry.
    public static let registration = TaskRegistration(
        name: "motif", summary: "is a fixed short pattern present anywhere? (local, translation-invariant; 2 classes)",
        labelKind: .sequence,
        keys: [
            TaskSettingKey("vocabulary", default: "8", allowed: "2…256", summary: "symbols of the random sequence"),
            TaskSettingKey("motif-length", default: "4", allowed: "1…length", summary: "symbols in the motif"),
            TaskSettingKey("motif", default: "random", allowed: "random or indices like 3,1,4,1", summary: "the motif (random: drawn from the seed)"),
        ] + SequenceLengthRange.keys(length: 64) + SyntheticSplits.keys(train: 10000, validation: 1000, test: 1000)
    ) { settings in
        try MotifTask(settings)
    }

    /// Draws of a negative before giving up (unreachable when the settings pass validation).
    static let maximumNegativeDraws = 100_000

    /// The registry name.
    public let name = "motif"
    /// Sequence-level labels: one class per example.
    public let labelKind = TaskLabelKind.sequence
    /// Two: motif absent or present.
    public let classes = 2
    /// `absent`, `present`.
    public let classNames = ["absent", "present"]
    /// Padding and the symbols `t0`….
    public let vocabulary: TaskVocabulary
    /// The number of symbols (real tokens).
    public let symbols: Int
    /// The motif, as symbol indices (token id − 1).
    public let motif: [Int32]
    /// The lengths of the sequences.
    public let lengths: SequenceLengthRange
    /// The seed and split sizes.
    public let splits: SyntheticSplits

    /// The task from its settings (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidConfigValue` naming the key of a bad setting: out of range, a motif
    ///   that is not comma-separated symbol indices or disagrees with `motif-length`, a motif longer than
    ///   `min-length`, or one so likely to occur by chance that negatives would be rare.
    public init(_ settings: TaskSettings = TaskSettings(task: "motif")) throws {
        let location = "task motif"
        let symbols = try settings.integer("vocabulary", default: 8, in: 2...256)
        self.symbols = symbols
        lengths = try SequenceLengthRange(settings, length: 64)
        splits = try SyntheticSplits(settings, train: 10000, validation: 1000, test: 1000)
        let text = settings.values["motif"] ?? "random"
        if text == "random" {
            let length = try settings.integer("motif-length", default: 4, in: 1...SequenceLengthRange.maximumLength)
            var random = splits.constantsRandom(1)
            motif = (0..<length).map { _ in Int32(random.nextIndex(below: symbols)) }
        } else {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            let values = parts.map { Int32($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, values.allSatisfy({ $0.map { $0 >= 0 && Int($0) < symbols } == true }) else {
                throw MixLabError(
                    .invalidConfigValue, what: "motif=\(text) is not a list of symbol indices in 0…\(symbols - 1)",
                    location: location, fix: "write motif=random or comma-separated indices, e.g. motif=3,1,4,1")
            }
            motif = values.map { $0! }
            if let given = settings.values["motif-length"] {
                let length = try settings.integer("motif-length", default: motif.count, in: 1...SequenceLengthRange.maximumLength)
                guard length == motif.count else {
                    throw MixLabError(
                        .invalidConfigValue, what: "motif-length=\(given) disagrees with motif=\(text) (\(motif.count) symbols)",
                        location: location, fix: "drop motif-length (an explicit motif sets it) or make them agree")
                }
            }
        }
        guard motif.count <= lengths.minimum else {
            throw MixLabError(
                .invalidConfigValue, what: "motif-length=\(motif.count) is longer than min-length=\(lengths.minimum)",
                location: location, fix: "set motif-length ≤ min-length, or raise min-length")
        }
        let expected = Double(lengths.maximum - motif.count + 1) / pow(Double(symbols), Double(motif.count))
        guard expected <= 1 else {
            throw MixLabError(
                .invalidConfigValue,
                what: "vocabulary=\(symbols) and motif-length=\(motif.count) put the motif \(String(format: "%.3g", expected)) times "
                    + "into a random sequence of length=\(lengths.maximum) on average, so motif-free negatives would be rare",
                location: location,
                fix: "raise motif-length or vocabulary, or shorten length, until (length − motif-length + 1) / vocabulary^motif-length ≤ 1")
        }
        vocabulary = try TaskVocabulary(names: ["<pad>"] + (0..<symbols).map { "t\($0)" })
    }

    /// `length`, the longest sequence.
    public var sequenceLength: Int { lengths.maximum }
    /// The number of examples in `split` (its `-size` setting).
    public func count(_ split: TaskSplit) -> Int { splits.count(split) }

    /// Every key with its resolved value: `TaskRegistry.make` with these remakes the same task.
    public var settings: [String: String] {
        splits.settings.merging(lengths.settings) { $1 }.merging([
            "vocabulary": "\(symbols)", "motif-length": "\(motif.count)", "motif": motif.map(String.init).joined(separator: ","),
        ]) { $1 }
    }

    /// Example `index` of `split`, generated from its own stream (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidArgument` for an index outside `0 ..< count(split)`.
    public func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        var random = try splits.random(for: split, at: index, task: name)
        let present = random.nextIndex(below: 2) == 1
        let length = lengths.draw(&random)
        var sequence: [Int32] = []
        if present {
            sequence = randomSequence(length, &random)
            let position = random.nextInteger(in: 0...(length - motif.count))
            sequence.replaceSubrange(position..<(position + motif.count), with: motif)
        } else {
            var draws = 0
            repeat {
                draws += 1
                guard draws <= Self.maximumNegativeDraws else {
                    throw MixLabError(
                        .invalidConfigValue, what: "\(Self.maximumNegativeDraws) random sequences all held the motif",
                        location: "task motif", fix: "raise motif-length or vocabulary")
                }
                sequence = randomSequence(length, &random)
            } while contains(sequence)
        }
        return TaskExample(tokens: sequence.map { $0 + 1 }, label: present ? 1 : 0)
    }

    /// Whether the motif occurs in `sequence` (symbol indices) at any offset.
    public func contains(_ sequence: [Int32]) -> Bool {
        guard sequence.count >= motif.count else { return false }
        return (0...(sequence.count - motif.count)).contains { start in
            motif.indices.allSatisfy { sequence[start + $0] == motif[$0] }
        }
    }

    private func randomSequence(_ length: Int, _ random: inout SeededRandom) -> [Int32] {
        (0..<length).map { _ in Int32(random.nextIndex(below: symbols)) }
    }
}
