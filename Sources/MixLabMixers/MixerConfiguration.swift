import MixLabCore

/// A mixer's settings as `key = value` strings (from the command line, a study file or code), with
/// typed accessors whose errors name the mixer, the key and what is allowed.
public struct MixerConfiguration: Sendable, Equatable {
    /// The raw settings.
    public var values: [String: String]

    /// Settings from a dictionary.
    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// Parses `key=value` items, as given on the command line (`--config axes=sequence`).
    ///
    /// - Throws: `MixLabError.invalidArgument` for an item without `=` or with an empty key.
    public init(parsing items: [String], location: String = "mixer configuration") throws {
        var values: [String: String] = [:]
        for item in items {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw MixLabError(
                    .invalidArgument, what: "'\(item)' is not a key=value setting", location: location,
                    fix: "write settings as key=value, e.g. axes=sequence (see `mixlab mixers`)")
            }
            values[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        self.values = values
    }

    /// The string value of `key`, or `defaultValue`.
    public func string(_ key: String, default defaultValue: String) -> String {
        values[key] ?? defaultValue
    }

    /// The value of `key` as one of `allowed`, or `defaultValue`.
    public func choice(_ key: String, default defaultValue: String, allowed: [String], mixer: String) throws -> String {
        let value = values[key] ?? defaultValue
        guard allowed.contains(value) else {
            throw MixLabError(
                .invalidConfigValue, what: "\(key)=\(value) is not allowed", location: "mixer \(mixer)",
                fix: "use \(key) = one of: \(allowed.joined(separator: ", "))")
        }
        return value
    }

    /// The value of `key` as a `RawRepresentable` enum (axes, normalisation, …), or `defaultValue`.
    public func option<Option: RawRepresentable & CaseIterable>(
        _ key: String, default defaultValue: Option, mixer: String
    ) throws -> Option where Option.RawValue == String {
        let allowed = Option.allCases.map(\.rawValue)
        return Option(rawValue: try choice(key, default: defaultValue.rawValue, allowed: allowed, mixer: mixer))!
    }

    /// The value of `key` as an integer in `range`, or `defaultValue`.
    public func integer(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>, mixer: String) throws -> Int {
        guard let text = values[key] else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw MixLabError(
                .invalidConfigValue, what: "\(key)=\(text) is not an integer in \(range)",
                location: "mixer \(mixer)", fix: "set \(key) to an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The value of `key` as a finite number in `range`, or `defaultValue`.
    public func number(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>, mixer: String) throws -> Double {
        guard let text = values[key] else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw MixLabError(
                .invalidConfigValue, what: "\(key)=\(text) is not a number in \(range)",
                location: "mixer \(mixer)", fix: "set \(key) to a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The value of `key` as a boolean (`true/false`, `yes/no`, `1/0`), or `defaultValue`.
    public func boolean(_ key: String, default defaultValue: Bool, mixer: String) throws -> Bool {
        guard let text = values[key] else { return defaultValue }
        switch text.lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default:
            throw MixLabError(
                .invalidConfigValue, what: "\(key)=\(text) is not a boolean", location: "mixer \(mixer)",
                fix: "set \(key) to true or false")
        }
    }
}
