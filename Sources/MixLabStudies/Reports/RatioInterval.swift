import Foundation
import MixLabTasks
import MixLabTraining

/// A confidence interval of the ratio of two means, `ā / b̄` ("% of baseline"), by the delta method
/// on the log ratio.
///
/// `log(ā / b̄) = log ā − log b̄` has, to first order, the variance
///
/// - **paired** (same seeds on both sides, at least two): `Var(u)/n` with `u_i = a_i/ā − b_i/b̄`, the
///   per-seed relative deviations; this is `s_a²/(n ā²) + s_b²/(n b̄²) − 2 s_ab/(n ā b̄)`, so the
///   covariance of runs that share a seed narrows the interval as it does the paired t-test; `n − 1`
///   degrees of freedom;
/// - **Welch** (otherwise): `s_a²/(n_a ā²) + s_b²/(n_b b̄²)` with Welch–Satterthwaite degrees of freedom;
///
/// plus, when given, the evaluation set's variance of the difference `V_e` (see `MeanComparison`)
/// scaled to the log ratio by `1/(ā b̄)`, with the seeds' degrees of freedom kept (as in
/// `MeanComparison`, so the extra term only widens the interval). The interval
/// `(ā/b̄) · exp(± t_{(1+c)/2, ν} √V)` is positive and asymmetric, as a ratio's should be. Both means
/// must be positive. O(n); the quantile from GSL.
///
/// Reference: A. Agresti, *Categorical Data Analysis*, 3rd ed., Wiley 2013, §16.1 (the delta method);
/// for the paired log ratio, e.g. E. C. Fieller's problem as treated by V. Franz, "Ratios: a short guide
/// to confidence limits and proper use", arXiv:0710.2024, 2007.
public struct RatioInterval: Sendable, Equatable {
    /// `ā / b̄`.
    public let ratio: Double
    /// The variance of `log(ā / b̄)`.
    public let logVariance: Double
    /// The degrees of freedom of `logVariance`.
    public let degreesOfFreedom: Double
    /// The confidence level.
    public let confidence: Double
    /// The interval of the ratio.
    public let interval: ClosedRange<Double>

    /// The ratio of the mean of `a` to the mean of `b`, pairing by seed when both sides have the same
    /// seeds; nil when a side has fewer than two values, a mean is not positive, a value is not finite,
    /// or `confidence` is outside (0, 1).
    ///
    /// - Parameters:
    ///   - a: the numerator's values, by seed.
    ///   - b: the denominator's values, by seed.
    ///   - confidence: the level of `interval`, in (0, 1).
    ///   - evaluationVariance: an extra variance of the difference `ā − b̄` (the evaluation set's), 0 if
    ///     none.
    public init?(_ a: [UInt64: Double], against b: [UInt64: Double], confidence: Double = 0.95, evaluationVariance: Double = 0) {
        guard confidence > 0, confidence < 1, evaluationVariance.isFinite, evaluationVariance >= 0,
              a.count >= 2, b.count >= 2, a.values.allSatisfy(\.isFinite), b.values.allSatisfy(\.isFinite) else { return nil }
        let meanA = a.values.reduce(0, +) / Double(a.count)
        let meanB = b.values.reduce(0, +) / Double(b.count)
        guard meanA > 0, meanB > 0 else { return nil }
        var terms: [(variance: Double, degreesOfFreedom: Double)]
        if Set(a.keys) == Set(b.keys) {
            let u = a.keys.sorted().map { a[$0]! / meanA - b[$0]! / meanB }
            let n = Double(u.count)
            let uMean = u.reduce(0, +) / n
            terms = [(u.reduce(0) { $0 + ($1 - uMean) * ($1 - uMean) } / (n - 1) / n, n - 1)]
        } else {
            func term(_ values: [Double], _ mean: Double) -> (Double, Double) {
                let n = Double(values.count)
                return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) / n / (mean * mean), n - 1)
            }
            terms = [term(Array(a.values), meanA), term(Array(b.values), meanB)]
        }
        ratio = meanA / meanB
        degreesOfFreedom = ProportionInterval.satterthwaite(terms)
        logVariance = terms.reduce(0) { $0 + $1.variance } + evaluationVariance / (meanA * meanB)
        self.confidence = confidence
        let halfWidth = StudentT.quantile(0.5 + confidence / 2, degreesOfFreedom: degreesOfFreedom) * logVariance.squareRoot()
        interval = (ratio * exp(-halfWidth))...(ratio * exp(halfWidth))
    }
}
