import Foundation
import MixLabCore

/// Frequency classification: which of K frequencies does a noisy, quantised sinusoid of random phase
/// have? K classes.
///
/// **What it tests.** The class is a property of the spectrum: a tone's energy sits at one frequency
/// whatever its phase, i.e. wherever the sequence starts. A global Fourier mixer moves it into a
/// single bin in one step; local or content-based mixers have to assemble the period from many tokens.
/// Token noise and coarse quantisation make single tokens unreliable, so only an aggregate over the
/// whole sequence decides. (FNet keeps only the real part of the 2-D DFT, which depends on the phase;
/// the task also shows how much that costs.)
///
/// **Generator.** From the example's stream (seed, split, i) of `SyntheticSplits`, in this order:
/// 1. the class `c`, uniform in `0..<classes`; its frequency (cycles per token) is
///    `ν_c = min-frequency + c · (max-frequency − min-frequency) / (classes − 1)`;
/// 2. the length `n`, uniform in `min-length…length` (no draw when they are equal);
/// 3. the phase `φ`, uniform in [0, 2π);
/// 4. for each `t` in `0..<n`: the clean level `q_t = min(L − 1, ⌊(cos(2π ν_c t + φ) + 1)/2 · L⌋)`
///    (`L = levels`), then a uniform `u`; when `u < noise` the level is replaced by a uniform level
///    (which may be the same one), drawn next.
///
/// The classes are balanced in expectation. Frequencies are resolved by the DFT of `n` tokens when
/// they are at least about `1/n` apart; the defaults (0.1, 0.15, 0.2, 0.25 over 64 tokens) are 3.2
/// bins apart, and `max-frequency < 3 · min-frequency` keeps the third harmonic that quantisation adds
/// to one class off the fundamentals of the others. The cosine comes from the platform's libm, so a
/// level exactly on a quantisation boundary could in principle differ between libm implementations
/// (probability ≈ 1e-15 per token); on one platform the data are bitwise reproducible.
///
/// **Tokens.** Padding 0, level `q` → `q + 1` (named `q0`…); classes named by their frequency.
///
/// **Settings.** `classes` (4), `min-frequency` (0.1) and `max-frequency` (0.25) in cycles per token
/// (0 < min < max ≤ 0.5, the Nyquist frequency), `levels` (8), `noise` (0.1), `length` (64; also the
/// sequence length), `min-length` (= length), `train-size` (10000), `validation-size` (1000),
/// `test-size` (1000), `seed` (0).
///
/// **Complexity.** O(n) per example, no state; thread-safe.
///
/// Reference: J. Lee-Thorp et al., "FNet: Mixing Tokens with Fourier Transforms", NAACL 2022 (the mixer
/// this probes).
public struct FrequencyTask: LearningTask {
    /// The registry entry.
    public static let registration = TaskRegistration(
        name: "frequency", summary: "frequency of a noisy quantised sinusoid, random phase (spectral; K classes)",
        labelKind: .sequence,
        keys: [
            TaskSettingKey("classes", default: "4", allowed: "2…64", summary: "number of frequencies K"),
            TaskSettingKey("min-frequency", default: "0.1", allowed: "> 0, < max-frequency", summary: "lowest frequency (cycles per token)"),
            TaskSettingKey("max-frequency", default: "0.25", allowed: "≤ 0.5", summary: "highest frequency (cycles per token)"),
            TaskSettingKey("levels", default: "8", allowed: "2…256", summary: "quantisation levels (tokens)"),
            TaskSettingKey("noise", default: "0.1", allowed: "0…1", summary: "probability that a token is replaced by a random level"),
        ] + SequenceLengthRange.keys(length: 64) + SyntheticSplits.keys(train: 10000, validation: 1000, test: 1000)
    ) { settings in
        try FrequencyTask(settings)
    }

    /// The registry name.
    public let name = "frequency"
    /// Sequence-level labels: one class per example.
    public let labelKind = TaskLabelKind.sequence
    /// Padding and the quantisation levels `q0`….
    public let vocabulary: TaskVocabulary
    /// The frequency of each class, in cycles per token.
    public let frequencies: [Double]
    /// The lowest frequency (class 0), in cycles per token.
    public let minimumFrequency: Double
    /// The highest frequency (the last class), in cycles per token.
    public let maximumFrequency: Double
    /// The number of quantisation levels (real tokens).
    public let levels: Int
    /// The probability that a token is replaced by a uniformly random level.
    public let noise: Double
    /// The lengths of the sequences.
    public let lengths: SequenceLengthRange
    /// The seed and split sizes.
    public let splits: SyntheticSplits

    /// The task from its settings (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidConfigValue` naming the key of a bad setting.
    public init(_ settings: TaskSettings = TaskSettings(task: "frequency")) throws {
        let classes = try settings.integer("classes", default: 4, in: 2...64)
        let lowest = try settings.number("min-frequency", default: 0.1, in: 0...0.5)
        let highest = try settings.number("max-frequency", default: 0.25, in: 0...0.5)
        guard lowest > 0, lowest < highest else {
            throw MixLabError(
                .invalidConfigValue, what: "min-frequency=\(lowest) and max-frequency=\(highest) are not 0 < min-frequency < max-frequency",
                location: "task frequency", fix: "set 0 < min-frequency < max-frequency ≤ 0.5, e.g. min-frequency=0.1 max-frequency=0.25")
        }
        levels = try settings.integer("levels", default: 8, in: 2...256)
        noise = try settings.number("noise", default: 0.1, in: 0...1)
        lengths = try SequenceLengthRange(settings, length: 64)
        splits = try SyntheticSplits(settings, train: 10000, validation: 1000, test: 1000)
        minimumFrequency = lowest
        maximumFrequency = highest
        frequencies = (0..<classes).map { lowest + Double($0) * (highest - lowest) / Double(classes - 1) }
        vocabulary = try TaskVocabulary(names: ["<pad>"] + (0..<levels).map { "q\($0)" })
    }

    /// One per frequency.
    public var classes: Int { frequencies.count }
    /// Each class's frequency, e.g. `f=0.1`.
    public var classNames: [String] { frequencies.map { String(format: "f=%.4g", $0) } }
    /// `length`, the longest sequence.
    public var sequenceLength: Int { lengths.maximum }
    /// The number of examples in `split` (its `-size` setting).
    public func count(_ split: TaskSplit) -> Int { splits.count(split) }

    /// Every key with its resolved value: `TaskRegistry.make` with these remakes the same task.
    public var settings: [String: String] {
        splits.settings.merging(lengths.settings) { $1 }.merging([
            "classes": "\(classes)", "min-frequency": "\(minimumFrequency)", "max-frequency": "\(maximumFrequency)",
            "levels": "\(levels)", "noise": "\(noise)",
        ]) { $1 }
    }

    /// Example `index` of `split`, generated from its own stream (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidArgument` for an index outside `0 ..< count(split)`.
    public func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        var random = try splits.random(for: split, at: index, task: name)
        let label = random.nextIndex(below: classes)
        let length = lengths.draw(&random)
        let phase = 2 * Double.pi * random.nextUniform()
        let angularFrequency = 2 * Double.pi * frequencies[label]
        let tokens = (0..<length).map { t -> Int32 in
            let signal = cos(angularFrequency * Double(t) + phase)
            var level = min(levels - 1, Int(((signal + 1) / 2 * Double(levels)).rounded(.down)))
            if random.nextUniform() < noise { level = random.nextIndex(below: levels) }
            return Int32(level + 1)
        }
        return TaskExample(tokens: tokens, label: Int32(label))
    }
}
