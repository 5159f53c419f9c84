import MixLabCore

/// The seed and split sizes of a synthetic task, and the random stream each of its examples is drawn
/// from.
///
/// Example `i` of split `s` is generated from its own stream,
///
///     SeededRandom(seed: seed).derived(code(s)).derived(i)      code: train 1, validation 2, test 3,
///
/// so it is a pure function of (seed, split, i): it does not depend on which other examples were
/// generated before, in what order, or on how many threads ask for them. Constants a task draws once
/// per seed (a motif, say) come from `SeededRandom(seed: seed).derived(0).derived(purpose)`, a stream no
/// example uses.
///
/// Settings (shared by every synthetic task): `train-size`, `validation-size`, `test-size` (examples per
/// split, 1…2³¹) and `seed` (0…2⁶⁴−1).
public struct SyntheticSplits: Sendable, Equatable {
    /// The seed every example stream derives from.
    public let seed: UInt64
    /// Examples in the training split.
    public let trainSize: Int
    /// Examples in the validation split.
    public let validationSize: Int
    /// Examples in the test split.
    public let testSize: Int

    /// The largest split size a setting accepts.
    public static let maximumSize = 1 << 31

    /// The setting keys for split sizes and the seed, with these defaults.
    public static func keys(train: Int, validation: Int, test: Int, seed: UInt64 = 0) -> [TaskSettingKey] {
        keys(train: "\(train)", validation: "\(validation)", test: "\(test)", seed: seed)
    }

    /// The setting keys for split sizes and the seed, with defaults described in words (e.g. `preset`).
    public static func keys(train: String, validation: String, test: String, seed: UInt64 = 0) -> [TaskSettingKey] {
        [
            TaskSettingKey("train-size", default: train, allowed: "1…2³¹", summary: "training examples"),
            TaskSettingKey("validation-size", default: validation, allowed: "1…2³¹", summary: "validation examples"),
            TaskSettingKey("test-size", default: test, allowed: "1…2³¹", summary: "test examples"),
            TaskSettingKey("seed", default: "\(seed)", allowed: "0…2⁶⁴−1", summary: "seed of the examples (same seed, same data)"),
        ]
    }

    /// Reads `train-size`, `validation-size`, `test-size` and `seed` from `settings`, with these defaults.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` naming the key for a size outside 1…2³¹ or a bad seed.
    public init(_ settings: TaskSettings, train: Int, validation: Int, test: Int, seed: UInt64 = 0) throws {
        let sizes = 1...Self.maximumSize
        trainSize = try settings.integer("train-size", default: train, in: sizes)
        validationSize = try settings.integer("validation-size", default: validation, in: sizes)
        testSize = try settings.integer("test-size", default: test, in: sizes)
        self.seed = try settings.seed("seed", default: seed)
    }

    /// The number of examples in `split`.
    public func count(_ split: TaskSplit) -> Int {
        switch split {
        case .train: trainSize
        case .validation: validationSize
        case .test: testSize
        }
    }

    /// The settings these values came from, for a task's `settings`.
    public var settings: [String: String] {
        ["train-size": "\(trainSize)", "validation-size": "\(validationSize)", "test-size": "\(testSize)", "seed": "\(seed)"]
    }

    /// The stream of example `index` of `split`.
    ///
    /// - Throws: `MixLabError.invalidArgument` for an index outside `0 ..< count(split)`, naming `task`.
    public func random(for split: TaskSplit, at index: Int, task: String) throws -> SeededRandom {
        try checkIndex(index, in: split, task: task)
        return SeededRandom(seed: seed).derived(Self.code(split)).derived(UInt64(index))
    }

    /// The stream for a constant the task draws once per seed; `purpose` tells the task's constants apart.
    public func constantsRandom(_ purpose: UInt64) -> SeededRandom {
        SeededRandom(seed: seed).derived(0).derived(purpose)
    }

    /// Throws unless `index` is in `0 ..< count(split)`.
    ///
    /// - Throws: `MixLabError.invalidArgument` saying which split, which task and the valid range.
    public func checkIndex(_ index: Int, in split: TaskSplit, task: String) throws {
        let count = count(split)
        guard index >= 0, index < count else {
            throw MixLabError(
                .invalidArgument, what: "example \(index) is outside the \(split.rawValue) split (0..<\(count))",
                location: "task \(task)",
                fix: "use an index from 0 to \(count - 1), or raise \(split.rawValue)-size")
        }
    }

    /// The sub-stream code of a split (0 is kept for per-seed constants).
    private static func code(_ split: TaskSplit) -> UInt64 {
        switch split {
        case .train: 1
        case .validation: 2
        case .test: 3
        }
    }
}
