import Foundation
import MixLabCore

/// The `key=value` attributes after `LANGUAGE run` in a runnable block's info string.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `rtol` | 0 | relative tolerance for numbers in `--check` |
/// | `atol` | 0 | absolute tolerance for numbers in `--check` |
/// | `output` | `text` | `text`: a fenced block; `markdown`: inserted as is (tables); `none`: not written |
/// | `timeout` | 600 | seconds before the block is stopped and the run fails |
///
/// Two numbers `a` (committed) and `b` (new) agree when `|a − b| ≤ max(atol, rtol·max(|a|, |b|))`
/// (numpy's `isclose`, made symmetric); with both tolerances 0 they must be equal.
struct NotebookBlockAttributes: Sendable, Equatable {
    /// How a block's output is written into the notebook.
    enum OutputFormat: String, Sendable, CaseIterable {
        /// Inside a fenced `text` block.
        case text
        /// Inserted as Markdown (a table the block prints, for instance).
        case markdown
        /// Not written (set-up blocks); the block still runs and may still fail.
        case none
    }

    /// The accepted keys, in the order the documentation lists them.
    static let keys = ["rtol", "atol", "output", "timeout"]

    /// Relative tolerance for numbers in `--check`.
    var relativeTolerance = 0.0
    /// Absolute tolerance for numbers in `--check`.
    var absoluteTolerance = 0.0
    /// How the output is written.
    var output = OutputFormat.text
    /// Seconds before the block is stopped.
    var timeout = 600.0

    /// The defaults.
    init() {}

    /// Parses `key=value` words; `location` is `file:line` of the fence.
    ///
    /// - Throws: `MixLabError.invalidArgument` for a word without `=`, an unknown or repeated key, or a
    ///   value out of range.
    init(parsing words: [String], location: String) throws {
        var seen: Set<String> = []
        for word in words {
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
                throw MixLabError(
                    .invalidArgument, what: "'\(word)' in the block's info string is not a key=value attribute",
                    location: location, fix: "write attributes as key=value (\(Self.keys.joined(separator: ", "))), e.g. ```sh run rtol=0.05")
            }
            let key = String(word[..<equals])
            let value = String(word[word.index(after: equals)...])
            guard Self.keys.contains(key) else {
                throw MixLabError(
                    .invalidArgument, what: "unknown block attribute '\(key)'", location: location,
                    fix: "use one of: \(Self.keys.joined(separator: ", "))")
            }
            guard seen.insert(key).inserted else {
                throw MixLabError(.invalidArgument, what: "the attribute '\(key)' is given twice", location: location,
                                  fix: "keep one \(key)=…")
            }
            switch key {
            case "rtol": relativeTolerance = try SettingValues.number(value, key: key, default: 0, in: 0...1e9, location: location)
            case "atol": absoluteTolerance = try SettingValues.number(value, key: key, default: 0, in: 0...1e300, location: location)
            case "timeout": timeout = try SettingValues.number(value, key: key, default: 600, in: 0.001...1e7, location: location)
            default:
                let choice = try SettingValues.choice(
                    value, key: key, default: "text", allowed: OutputFormat.allCases.map(\.rawValue), location: location)
                output = OutputFormat(rawValue: choice)!
            }
        }
    }
}
