import MixLabCore
import MixLabMixers

/// One setting a registered task accepts: its key, default, allowed values and meaning.
public typealias TaskSettingKey = MixerConfigurationKey

/// A task's settings as `key=value` strings, with typed accessors whose errors name the task, the key
/// and what is allowed.
public struct TaskSettings: Sendable, Equatable {
    /// The task these settings are for (used in error messages).
    public let task: String
    /// The raw settings.
    public var values: [String: String]

    /// Settings for `task` from a dictionary.
    public init(task: String, _ values: [String: String] = [:]) {
        self.task = task
        self.values = values
    }

    /// Parses `key=value` items, as given on the command line (`--task-config length=256`).
    public init(task: String, parsing items: [String]) throws {
        self.task = task
        values = try SettingValues.parse(items, location: "task \(task) settings", example: "length=256 (see `mixlab tasks`)")
    }

    private var location: String { "task \(task)" }

    /// The value of `key` as one of `allowed`, or `defaultValue`.
    public func choice(_ key: String, default defaultValue: String, allowed: [String]) throws -> String {
        try SettingValues.choice(values[key], key: key, default: defaultValue, allowed: allowed, location: location)
    }

    /// The value of `key` as an integer in `range`, or `defaultValue`.
    public func integer(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        try SettingValues.integer(values[key], key: key, default: defaultValue, in: range, location: location)
    }

    /// The value of `key` as a finite number in `range`, or `defaultValue`.
    public func number(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>) throws -> Double {
        try SettingValues.number(values[key], key: key, default: defaultValue, in: range, location: location)
    }

    /// The value of `key` as a boolean, or `defaultValue`.
    public func boolean(_ key: String, default defaultValue: Bool) throws -> Bool {
        try SettingValues.boolean(values[key], key: key, default: defaultValue, location: location)
    }

    /// The value of `key` as a seed (any unsigned 64-bit integer), or `defaultValue`.
    public func seed(_ key: String = "seed", default defaultValue: UInt64) throws -> UInt64 {
        guard let text = values[key] else { return defaultValue }
        guard let value = UInt64(text) else {
            throw MixLabError(
                .invalidConfigValue, what: "\(key)=\(text) is not a seed", location: location,
                fix: "set \(key) to an integer from 0 to \(UInt64.max)")
        }
        return value
    }

    /// Throws for two settings that must satisfy `lower ≤ upper` and do not.
    public func requireOrdered(_ lowerKey: String, _ lower: Int, _ upperKey: String, _ upper: Int) throws {
        guard lower <= upper else {
            throw MixLabError(
                .invalidConfigValue, what: "\(lowerKey)=\(lower) is larger than \(upperKey)=\(upper)", location: location,
                fix: "set \(lowerKey) ≤ \(upperKey)")
        }
    }
}
