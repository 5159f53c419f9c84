import MixLabTasks
import MixLabTraining

/// How a study is reported, from the optional `report:` section of its file:
///
///     report:
///       metric: test-accuracy        # a ReportMetric name (default test-accuracy)
///       baseline: mixer=attention    # compare every configuration with this one (optional)
///       x: task.length               # a numeric axis for the scaling plots (optional)
///       confidence: 0.95             # of the intervals (default 0.95)
///
/// `mixlab study report` uses these unless its options say otherwise, so the file alone reproduces the
/// study's tables and plots.
public struct StudyReportSettings: Sendable, Equatable {
    /// The main metric.
    public var metric = ReportMetric.testAccuracy
    /// The baseline's key, e.g. `mixer`.
    public var baselineKey: String?
    /// The baseline's value, e.g. `attention`.
    public var baselineValue: String?
    /// The x-axis key of the scaling plots.
    public var xKey: String?
    /// The confidence level of the intervals.
    public var confidence = 0.95

    /// The defaults: test accuracy, 95 % intervals, no baseline, no x axis.
    public init() {}

    /// The report options these settings give, with the study's axes as the column order.
    public func options(keyOrder: [String]) -> StudyReport.Options {
        var options = StudyReport.Options()
        options.metric = metric
        if let key = baselineKey, let value = baselineValue { options.baseline = (key, value) }
        options.xKey = xKey
        options.confidence = confidence
        options.keyOrder = keyOrder
        return options
    }
}
