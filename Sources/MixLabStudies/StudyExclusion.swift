import MixLabTasks
import MixLabTraining

/// A rule that removes cells from a study grid: every cell whose settings match all of its
/// conditions is left out (e.g. attention at the longest sequence lengths of a speed study).
///
/// A condition matches when the cell's value of the key (defaults included, compared in canonical
/// form so that `lr: 1e-3` matches `lr: 0.001`) is one of the listed values.
public struct StudyExclusion: Sendable, Equatable {
    /// One `key: value` or `key: [values]` of the rule.
    public struct Condition: Sendable, Equatable {
        /// The run setting key.
        public var key: String
        /// The values any one of which matches.
        public var values: [String]

        /// A condition from its parts.
        public init(key: String, values: [String]) {
            self.key = key
            self.values = values
        }
    }

    /// The line of the rule in the study file.
    public var line: Int
    /// The conditions, all of which must hold.
    public var conditions: [Condition]

    /// A rule from its parts.
    public init(line: Int, conditions: [Condition]) {
        self.line = line
        self.conditions = conditions
    }
}
