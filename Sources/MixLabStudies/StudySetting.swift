import MixLabTasks
import MixLabTraining

/// One `key: value` run setting written in a study file, with the line it was written on.
///
/// Values are kept exactly as written (YAML scalars are not reinterpreted: `1e-3` stays `1e-3`,
/// `yes` stays `yes`); `RunConfiguration` and the registries parse them.
public struct StudySetting: Sendable, Equatable, Hashable {
    /// The run setting key, e.g. `lr` or `mixer.axes`.
    public var key: String
    /// The value as written.
    public var value: String
    /// The 1-based line of the study file that holds the value.
    public var line: Int

    /// A setting from its parts.
    public init(key: String, value: String, line: Int) {
        self.key = key
        self.value = value
        self.line = line
    }

    /// `key=value`, as on the command line.
    public var text: String { "\(key)=\(value)" }
}
