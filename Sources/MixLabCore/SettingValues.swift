/// Typed reading of `key=value` settings, shared by mixer, task and trainer configurations.
///
/// Each reader takes the raw text of one setting (nil when the user did not give it), returns the
/// default for nil, and otherwise parses and range-checks the text. Errors name the key, the value, the
/// owner of the setting (`location`, e.g. `mixer fourier` or `task listops`) and what is allowed.
public enum SettingValues {
    /// Parses `key=value` items, as given on the command line (`--config axes=sequence`).
    ///
    /// - Throws: `MixLabError.invalidArgument` for an item without `=` or with an empty key.
    public static func parse(_ items: [String], location: String, example: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for item in items {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw MixLabError(
                    .invalidArgument, what: "'\(item)' is not a key=value setting", location: location,
                    fix: "write settings as key=value, e.g. \(example)")
            }
            values[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        return values
    }

    /// `text` if it is one of `allowed`, `defaultValue` when `text` is nil.
    public static func choice(
        _ text: String?, key: String, default defaultValue: String, allowed: [String], location: String
    ) throws -> String {
        let value = text ?? defaultValue
        guard allowed.contains(value) else {
            throw MixLabError(
                .invalidConfigValue, what: "\(key)=\(value) is not allowed", location: location,
                fix: "use \(key) = one of: \(allowed.joined(separator: ", "))")
        }
        return value
    }

    /// `text` as an integer in `range`, `defaultValue` when `text` is nil.
    public static func integer(
        _ text: String?, key: String, default defaultValue: Int, in range: ClosedRange<Int>, location: String
    ) throws -> Int {
        guard let text else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw MixLabError(
                .invalidConfigValue, what: "\(key)=\(text) is not an integer in \(range)", location: location,
                fix: "set \(key) to an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `text` as a finite number in `range`, `defaultValue` when `text` is nil.
    public static func number(
        _ text: String?, key: String, default defaultValue: Double, in range: ClosedRange<Double>, location: String
    ) throws -> Double {
        guard let text else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw MixLabError(
                .invalidConfigValue, what: "\(key)=\(text) is not a number in \(range)", location: location,
                fix: "set \(key) to a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `text` as a boolean (`true/false`, `yes/no`, `1/0`), `defaultValue` when `text` is nil.
    public static func boolean(_ text: String?, key: String, default defaultValue: Bool, location: String) throws -> Bool {
        guard let text else { return defaultValue }
        switch text.lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default:
            throw MixLabError(
                .invalidConfigValue, what: "\(key)=\(text) is not a boolean", location: location,
                fix: "set \(key) to true or false")
        }
    }
}
