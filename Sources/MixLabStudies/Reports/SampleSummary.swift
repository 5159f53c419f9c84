import CGSL
import MixLabKernels
import MixLabTasks
import MixLabTraining

/// Mean, spread and a Student-t confidence interval of a small sample (one value per seed).
///
/// With `n` values `x_i`: mean `x̄ = Σx_i / n`, sample standard deviation
/// `s = √(Σ(x_i − x̄)² / (n − 1))`, standard error `s / √n`, and the two-sided confidence interval
/// `x̄ ± t_{(1+c)/2, n−1} · s / √n` with the Student-t quantile from GSL (`gsl_cdf_tdist_Pinv`). The
/// interval assumes the per-seed values are independent draws from a normal distribution; with 3–5
/// seeds it is wide, as it should be. A single value has no spread: `standardDeviation` and the
/// interval are nil. O(n).
public struct SampleSummary: Sendable, Equatable {
    /// The number of values.
    public let count: Int
    /// The arithmetic mean.
    public let mean: Double
    /// The sample standard deviation (n − 1 in the denominator); nil for one value.
    public let standardDeviation: Double?
    /// The confidence level of `interval`, e.g. 0.95.
    public let confidence: Double
    /// The confidence interval of the mean; nil for one value.
    public let interval: ClosedRange<Double>?

    /// Summarises `values` (at least one, all finite) at `confidence` (in (0, 1)).
    public init?(_ values: [Double], confidence: Double = 0.95) {
        guard !values.isEmpty, values.allSatisfy(\.isFinite), confidence > 0, confidence < 1 else { return nil }
        count = values.count
        mean = values.reduce(0, +) / Double(values.count)
        self.confidence = confidence
        guard values.count >= 2 else {
            standardDeviation = nil
            interval = nil
            return
        }
        let m = mean
        let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)
        let deviation = variance.squareRoot()
        standardDeviation = deviation
        let halfWidth = StudentT.quantile(0.5 + confidence / 2, degreesOfFreedom: Double(values.count - 1))
            * deviation / Double(values.count).squareRoot()
        interval = (mean - halfWidth)...(mean + halfWidth)
    }
}

/// The Student t distribution, from GSL.
///
/// Degrees of freedom above 10⁷ (and infinite ones, which a Welch–Satterthwaite sum of a zero-spread
/// term can produce) use the standard normal distribution, the limit, to which the t distribution is
/// then equal to better than 10⁻⁷.
public enum StudentT {
    /// Above this, the normal limit is used.
    static let normalLimit = 1e7

    /// The quantile `t` with `P(T ≤ t) = probability` for `degreesOfFreedom` ν > 0.
    public static func quantile(_ probability: Double, degreesOfFreedom: Double) -> Double {
        GSL.prepare()
        if degreesOfFreedom > normalLimit { return gsl_cdf_ugaussian_Pinv(probability) }
        return gsl_cdf_tdist_Pinv(probability, degreesOfFreedom)
    }

    /// The two-sided p-value of a t statistic: `P(|T| ≥ |t|) = 2 · Q(|t|)`.
    public static func twoSidedPValue(_ t: Double, degreesOfFreedom: Double) -> Double {
        GSL.prepare()
        if degreesOfFreedom > normalLimit { return min(1, 2 * gsl_cdf_ugaussian_Q(abs(t))) }
        return min(1, 2 * gsl_cdf_tdist_Q(abs(t), degreesOfFreedom))
    }
}
