import MixLabTasks
import MixLabTraining

/// A two-sample t-test of the difference between a configuration's mean and a baseline's.
///
/// - **Paired** (same seeds on both sides, at least two): with per-seed differences `d_i = a_i − b_i`,
///   `t = d̄ / (s_d / √n)`, `ν = n − 1`. Pairing by seed removes the variance the two runs share
///   (same data order and initialisation stream), which is why studies run every configuration on the
///   same seeds.
/// - **Welch** (otherwise, at least two values on each side): `t = (ā − b̄) / √(s_a²/n_a + s_b²/n_b)`,
///   `ν` by the Welch–Satterthwaite formula.
///
/// The p-value is two-sided, from GSL's Student-t distribution. No correction for multiple comparisons
/// is applied; a report that compares many mixers says so. Reference: B. L. Welch, "The generalization of
/// 'Student's' problem when several different population variances are involved", Biometrika 34, 1947.
public struct MeanComparison: Sendable, Equatable {
    /// Which test was used.
    public enum Kind: String, Sendable {
        case paired
        case welch
    }

    /// The test used.
    public let kind: Kind
    /// `mean(a) − mean(b)`.
    public let difference: Double
    /// The t statistic.
    public let t: Double
    /// Degrees of freedom.
    public let degreesOfFreedom: Double
    /// The two-sided p-value.
    public let pValue: Double

    /// Compares `a` with `b`, pairing values by seed when both sides have the same seeds.
    ///
    /// Returns nil when there are too few values for either test, or when the spread is zero on both
    /// sides (identical values: the t statistic is undefined).
    public init?(_ a: [UInt64: Double], against b: [UInt64: Double]) {
        let seeds = a.keys.sorted()
        if seeds.count >= 2, Set(seeds) == Set(b.keys) {
            let differences = seeds.map { a[$0]! - b[$0]! }
            guard let summary = SampleSummary(differences), let deviation = summary.standardDeviation, deviation > 0 else {
                return nil
            }
            kind = .paired
            difference = summary.mean
            degreesOfFreedom = Double(differences.count - 1)
            t = summary.mean / (deviation / Double(differences.count).squareRoot())
        } else {
            guard let left = SampleSummary(Array(a.values)), let right = SampleSummary(Array(b.values)),
                  let sa = left.standardDeviation, let sb = right.standardDeviation
            else { return nil }
            let va = sa * sa / Double(left.count)
            let vb = sb * sb / Double(right.count)
            guard va + vb > 0 else { return nil }
            kind = .welch
            difference = left.mean - right.mean
            t = difference / (va + vb).squareRoot()
            degreesOfFreedom = (va + vb) * (va + vb)
                / (va * va / Double(left.count - 1) + vb * vb / Double(right.count - 1))
        }
        pValue = StudentT.twoSidedPValue(t, degreesOfFreedom: degreesOfFreedom)
    }
}
