import MixLabTasks
import MixLabTraining

/// One axis of a study grid: a run setting and the values it takes, in the order written.
///
/// A value may carry settings that go with it and only with it, for options that exist for one
/// choice of the axis and not for the others:
///
///     - mixer:
///         - fourier                          # mixer=fourier
///         - fourier: {mixer.axes: sequence}  # mixer=fourier mixer.axes=sequence
///         - attention: {mixer.heads: 4}      # mixer=attention mixer.heads=4
///
/// The same form makes several settings vary together (a "zip" of axes), e.g. a hybrid layout
/// `attention-layers` with its `placement`, or a sequence length with the batch size that fits it.
public struct StudyAxis: Sendable, Equatable {
    /// One value of the axis and the settings attached to it.
    public struct Value: Sendable, Equatable {
        /// The value of the axis key, as written.
        public var value: String
        /// The line of the value.
        public var line: Int
        /// Settings that hold in the cells with this value (empty for a plain value).
        public var attached: [StudySetting]

        /// A value from its parts.
        public init(value: String, line: Int, attached: [StudySetting] = []) {
            self.value = value
            self.line = line
            self.attached = attached
        }
    }

    /// The run setting the axis sweeps, e.g. `mixer` or `seed`.
    public var key: String
    /// The line of the key.
    public var line: Int
    /// The values, in the order written (the grid keeps this order).
    public var values: [Value]

    /// An axis from its parts.
    public init(key: String, line: Int, values: [Value]) {
        self.key = key
        self.line = line
        self.values = values
    }
}
