import MixLabCore

/// A mixer's settings as `key = value` strings (from the command line, a study file or code), with
/// typed accessors whose errors name the mixer, the key and what is allowed.
public struct MixerConfiguration: Sendable, Equatable {
    /// The raw settings, `key → value` as written; the typed accessors parse and check them.
    public var values: [String: String]

    /// Settings from a dictionary.
    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// Parses `key=value` items, as given on the command line (`--config axes=sequence`).
    ///
    /// - Throws: `MixLabError.invalidArgument` for an item without `=` or with an empty key.
    public init(parsing items: [String], location: String = "mixer configuration") throws {
        values = try SettingValues.parse(items, location: location, example: "axes=sequence (see `mixlab mixers`)")
    }

    /// The string value of `key`, or `defaultValue`.
    public func string(_ key: String, default defaultValue: String) -> String {
        values[key] ?? defaultValue
    }

    /// The value of `key` as one of `allowed`, or `defaultValue`.
    public func choice(_ key: String, default defaultValue: String, allowed: [String], mixer: String) throws -> String {
        try SettingValues.choice(values[key], key: key, default: defaultValue, allowed: allowed, location: "mixer \(mixer)")
    }

    /// The value of `key` as a `RawRepresentable` enum (axes, normalisation, …), or `defaultValue`.
    public func option<Option: RawRepresentable & CaseIterable>(
        _ key: String, default defaultValue: Option, mixer: String
    ) throws -> Option where Option.RawValue == String {
        let allowed = Option.allCases.map(\.rawValue)
        return Option(rawValue: try choice(key, default: defaultValue.rawValue, allowed: allowed, mixer: mixer))!
    }

    /// The `axes` setting (`sequence`, `hidden` or `both`; `both` when absent), declared by
    /// `MixerConfigurationKey.axes(summary:)`.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` naming the mixer and the allowed values.
    public func axes(mixer: String) throws -> MixingAxes {
        try option("axes", default: MixingAxes.both, mixer: mixer)
    }

    /// The value of `key` as an integer in `range`, or `defaultValue`.
    public func integer(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>, mixer: String) throws -> Int {
        try SettingValues.integer(values[key], key: key, default: defaultValue, in: range, location: "mixer \(mixer)")
    }

    /// The value of `key` as a finite number in `range`, or `defaultValue`.
    public func number(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>, mixer: String) throws -> Double {
        try SettingValues.number(values[key], key: key, default: defaultValue, in: range, location: "mixer \(mixer)")
    }

    /// The value of `key` as a boolean (`true/false`, `yes/no`, `1/0`), or `defaultValue`.
    public func boolean(_ key: String, default defaultValue: Bool, mixer: String) throws -> Bool {
        try SettingValues.boolean(values[key], key: key, default: defaultValue, location: "mixer \(mixer)")
    }
}
