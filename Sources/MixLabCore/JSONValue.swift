import Foundation

/// A JSON value, written deterministically: two-space indentation, `object` keys sorted, `orderedObject`
/// keys in the given order, strings as UTF-8 with control characters escaped, numbers as given (so a
/// `Float` is written as its shortest decimal, `1e-12`, rather than its `Double` widening).
public enum JSONValue: Sendable {
    /// A string.
    case string(String)
    /// An integer.
    case integer(Int)
    /// A number, as its JSON text.
    case number(String)
    /// `true` or `false`.
    case boolean(Bool)
    /// `null`.
    case null
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])
    /// An object whose keys are written in the given order (e.g. a vocabulary by id).
    case orderedObject([(String, JSONValue)])

    /// The value as JSON text, nested lines indented by `indent` plus two spaces per level.
    public func rendered(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .string(let text): return Self.quoted(text)
        case .integer(let value): return "\(value)"
        case .number(let text): return text
        case .boolean(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { inner + $0.rendered(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let fields):
            guard !fields.isEmpty else { return "{}" }
            let lines = fields.keys.sorted().map { inner + Self.quoted($0) + ": " + fields[$0]!.rendered(indent: inner) }
            return "{\n" + lines.joined(separator: ",\n") + "\n\(indent)}"
        case .orderedObject(let fields):
            guard !fields.isEmpty else { return "{}" }
            let lines = fields.map { inner + Self.quoted($0.0) + ": " + $0.1.rendered(indent: inner) }
            return "{\n" + lines.joined(separator: ",\n") + "\n\(indent)}"
        }
    }

    /// `text` as a JSON string (UTF-8 kept, control characters escaped).
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
