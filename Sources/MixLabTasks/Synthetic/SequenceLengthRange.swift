import MixLabCore

/// The lengths of a synthetic task's examples: every example is `minimum…maximum` tokens long, drawn
/// uniformly per example; `maximum` is also the task's sequence length (what batches are padded to).
///
/// Settings: `length` (the maximum and sequence length) and `min-length` (default: `length`, so that
/// every example has the same length unless a range is asked for). Variable lengths put padding into
/// batches: a mixer that ignores the padding mask (FNet's Fourier mixing does, as the original) then
/// mixes padding into the tokens, which is part of what such a setting measures.
public struct SequenceLengthRange: Sendable, Equatable {
    /// The shortest example.
    public let minimum: Int
    /// The longest example, and the task's sequence length.
    public let maximum: Int

    /// The `length` and `min-length` keys.
    ///
    /// - Parameters:
    ///   - length: the default `length`.
    ///   - shortest: the smallest length the task can generate (e.g. the motif length).
    public static func keys(length: Int, shortest: Int = 1) -> [TaskSettingKey] {
        [
            TaskSettingKey("length", default: "\(length)", allowed: "\(shortest)…2²⁰",
                           summary: "longest example and the sequence length"),
            TaskSettingKey("min-length", default: "length", allowed: "\(shortest)…length",
                           summary: "shortest example (lengths are uniform in min-length…length)"),
        ]
    }

    /// The largest `length` a setting accepts.
    public static let maximumLength = 1 << 20

    /// Reads `length` and `min-length` from `settings`.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` naming the key for a length outside
    ///   `shortest…2²⁰`, or `min-length` larger than `length`.
    public init(_ settings: TaskSettings, length: Int, shortest: Int = 1) throws {
        maximum = try settings.integer("length", default: length, in: shortest...Self.maximumLength)
        minimum = try settings.integer("min-length", default: maximum, in: shortest...Self.maximumLength)
        try settings.requireOrdered("min-length", minimum, "length", maximum)
    }

    /// The settings these values came from, for a task's `settings`.
    public var settings: [String: String] {
        ["length": "\(maximum)", "min-length": "\(minimum)"]
    }

    /// An example's length: `maximum` when the range is one length (no draw), otherwise a uniform draw.
    public func draw(_ random: inout SeededRandom) -> Int {
        minimum == maximum ? maximum : random.nextInteger(in: minimum...maximum)
    }
}
