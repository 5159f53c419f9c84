import Foundation
import MixLabTasks
import MixLabTraining

/// A confidence interval of a positive quantity's typical value over seeds (step time, throughput,
/// memory), computed on the log scale so that it stays positive.
///
/// Timing noise is multiplicative (a busy core slows a step by a factor, not by a fixed number of
/// milliseconds) and skewed to the right, and MixLab compares costs as ratios. With `y_i = log x_i`,
/// mean `ȳ` and sample standard deviation `s_y`, the interval is
///
///     exp(ȳ ± t_{(1+c)/2, n−1} · s_y / √n),
///
/// an interval for the geometric mean `exp(ȳ)` (the median when the log values are normal). It is
/// positive and asymmetric, where a Student-t interval of the arithmetic mean of two step times 10
/// and 30 ms would run from −107 to 147 ms. One value gives no interval; identical values give the
/// point interval. O(n); the quantile from GSL (`gsl_cdf_tdist_Pinv`).
///
/// Reference: J. M. Bland and D. G. Altman, "Transforming data", BMJ 312, 1996.
public struct LogScaleInterval: Sendable, Equatable {
    /// The number of values.
    public let count: Int
    /// The geometric mean `exp(ȳ)`.
    public let geometricMean: Double
    /// The confidence level, e.g. 0.95.
    public let confidence: Double
    /// The interval of the geometric mean; nil for one value.
    public let interval: ClosedRange<Double>?

    /// The interval of `values` (at least one, all positive and finite) at `confidence` in (0, 1); nil
    /// for input outside those ranges.
    public init?(_ values: [Double], confidence: Double = 0.95) {
        guard !values.isEmpty, values.allSatisfy({ $0.isFinite && $0 > 0 }), confidence > 0, confidence < 1 else { return nil }
        guard let logs = SampleSummary(values.map { log($0) }, confidence: confidence) else { return nil }
        count = values.count
        self.confidence = confidence
        if values.allSatisfy({ $0 == values[0] }) {  // exactly, without the rounding of exp(log x)
            geometricMean = values[0]
            interval = values.count >= 2 ? values[0]...values[0] : nil
            return
        }
        geometricMean = exp(logs.mean)
        interval = logs.interval.map { exp($0.lowerBound)...exp($0.upperBound) }
    }
}
