import Foundation
import MixLabTasks
import MixLabTraining

/// A two-sample t-test of the difference between a configuration's mean and a baseline's, with the
/// difference's confidence interval and a standardised effect size.
///
/// - **Paired** (same seeds on both sides, at least two): with per-seed differences `d_i = a_i − b_i`,
///   mean `d̄` and standard deviation `s_d`, the variance of `d̄` is `V_s = s_d²/n` with `n − 1` degrees
///   of freedom. Pairing by seed removes the variance the two runs share (same data order and
///   initialisation stream), which is why studies run every configuration on the same seeds. Effect
///   size: Cohen's `d_z = d̄ / s_d`.
/// - **Welch** (otherwise, at least two values on each side): `V_s = s_a²/n_a + s_b²/n_b` with the
///   Welch–Satterthwaite degrees of freedom. Effect size: Hedges' `g = J · (ā − b̄) / s_p`, with the
///   pooled `s_p² = ((n_a − 1)s_a² + (n_b − 1)s_b²)/(n_a + n_b − 2)` and the exact small-sample
///   correction `J = Γ(ν/2) / (√(ν/2) Γ((ν − 1)/2))`, `ν = n_a + n_b − 2`.
///
/// **The evaluation set.** When both sides are accuracies measured on the same `m` examples
/// (`evaluationSize`), the difference also carries that set's sampling error. Its exact size needs the
/// per-example predictions (how many examples the two models disagree on), which run records do not
/// keep; its smallest possible value is known, though: a difference `Δ = ā − b̄` means the models
/// disagree on at least `m|Δ|` examples, and the per-example differences (0 or ±1) then have variance at
/// least `|Δ|(1 − |Δ|)`. The test adds that lower bound, `V_e = |Δ|(1 − |Δ|)/m` (a lower bound also for
/// token-level accuracies, whose scored tokens are counted as `m`). Without `evaluationSize`, `V_e = 0` and the
/// test is exactly Student's paired or Welch's test (scipy's `ttest_rel` / `ttest_ind(equal_var=False)`).
///
/// With `V = V_s + V_e`: `t = Δ / √V`, two-sided `p = 2·Q_t(|t|; ν)` from GSL, and the interval
/// `Δ ± t_{(1+c)/2, ν} √V`, where `ν` stays the seeds' degrees of freedom (`n − 1`, or Welch's). A
/// Welch–Satterthwaite `ν` for the sum would grow with the share of `V_e` (it has `m − 1` degrees of
/// freedom) and could make `p` smaller than the seeds-only test's although `V` only grew; keeping the
/// seeds' `ν` makes the test conservative on that count, so `p` is never below the classic test's.
/// No correction for multiple comparisons is applied here; a table of comparisons adjusts its p-values
/// with `HolmAdjustment`. O(n).
///
/// References: B. L. Welch, "The generalization of 'Student's' problem when several different
/// population variances are involved", Biometrika 34, 1947; J. Cohen, *Statistical Power Analysis for
/// the Behavioral Sciences*, 2nd ed., 1988; L. V. Hedges, "Distribution theory for Glass's estimator of
/// effect size and related estimators", Journal of Educational Statistics 6, 1981; D. Lakens,
/// "Calculating and reporting effect sizes", Frontiers in Psychology 4, 2013; Q. McNemar, "Note on the
/// sampling error of the difference between correlated proportions or percentages", Psychometrika 12, 1947.
public struct MeanComparison: Sendable, Equatable {
    /// Which test was used.
    public enum Kind: String, Sendable {
        case paired
        case welch
    }

    /// The test used.
    public let kind: Kind
    /// `mean(a)`.
    public let mean: Double
    /// `mean(b)`, the baseline's mean.
    public let baselineMean: Double
    /// `mean(a) − mean(b)`.
    public let difference: Double
    /// The number of seeds: pairs (paired) or the smaller side (Welch).
    public let seeds: Int
    /// The per-seed spread of the difference: `s_d` (paired) or `√(s_a² + s_b²)` (Welch), so that the
    /// seeds' variance of the difference with `n` seeds on each side is `spread² / n`.
    public let spread: Double
    /// The variance of the difference from the spread between seeds, `V_s`.
    public let seedVariance: Double
    /// The variance of the difference that seeds do not reduce, `V_e`: the evaluation set's lower bound
    /// `|Δ|(1 − |Δ|)/m` plus `extraEvaluationVariance` (0 with neither).
    public let evaluationVariance: Double
    /// The size `m` of the shared evaluation set (nil when not given).
    public let evaluationSize: Int?
    /// The fixed evaluation variance `V₀` passed to `init` (0 if none), included in `evaluationVariance`.
    public let extraEvaluationVariance: Double
    /// The t statistic.
    public let t: Double
    /// Degrees of freedom: the seeds' (`n − 1` paired, Welch–Satterthwaite otherwise).
    public let degreesOfFreedom: Double
    /// The two-sided p-value.
    public let pValue: Double
    /// The confidence level of `differenceInterval`.
    public let confidence: Double
    /// The confidence interval of the difference.
    public let differenceInterval: ClosedRange<Double>
    /// Cohen's `d_z` (paired) or Hedges' `g` (Welch); nil when the seeds' spread is zero (or below
    /// `roundingTolerance` of the values: equal differences such as 0.6909 − 0.7415 and 0.6882 − 0.7388
    /// differ by a rounding error in binary, and over it an effect size is a meaningless 10¹⁴).
    public let effectSize: Double?

    /// The spread, relative to the largest value compared, below which it counts as zero.
    public static let roundingTolerance = 1e-9

    /// Compares `a` with `b`, pairing values by seed when both sides have the same seeds.
    ///
    /// - Parameters:
    ///   - a: the configuration's values, by seed.
    ///   - b: the baseline's values, by seed.
    ///   - confidence: the level of `differenceInterval`, in (0, 1).
    ///   - evaluationSize: the number of examples both sides were evaluated on, when the values are
    ///     accuracies on one shared set (adds the evaluation set's lower-bound variance).
    ///   - extraEvaluationVariance: an evaluation variance of the difference computed elsewhere, added to
    ///     `evaluationSize`'s (e.g. for averages over several evaluation sets, the sum of each set's
    ///     bound weighted by the square of its weight in the average); 0 if none.
    ///
    /// Returns nil when there are too few values for either test, when a value is not finite, when the
    /// confidence is outside (0, 1), `evaluationSize` is not positive or `extraEvaluationVariance` is
    /// negative or not finite, or when the difference has no variance at all (identical values, or a
    /// constant difference with no evaluation-set term).
    public init?(
        _ a: [UInt64: Double], against b: [UInt64: Double], confidence: Double = 0.95, evaluationSize: Int? = nil,
        extraEvaluationVariance: Double = 0
    ) {
        guard confidence > 0, confidence < 1, evaluationSize.map({ $0 > 0 }) ?? true,
              extraEvaluationVariance.isFinite, extraEvaluationVariance >= 0,
              a.values.allSatisfy(\.isFinite), b.values.allSatisfy(\.isFinite) else { return nil }
        let seeds = a.keys.sorted()
        let scale = (Array(a.values) + Array(b.values)).map(abs).max() ?? 0
        var seedTerms: [(variance: Double, degreesOfFreedom: Double)]
        if seeds.count >= 2, Set(seeds) == Set(b.keys) {
            let differences = seeds.map { a[$0]! - b[$0]! }
            guard let summary = SampleSummary(differences), let measured = summary.standardDeviation else { return nil }
            let deviation = measured > Self.roundingTolerance * scale ? measured : 0
            kind = .paired
            let n = Double(differences.count)
            mean = seeds.reduce(0) { $0 + a[$1]! } / n
            baselineMean = seeds.reduce(0) { $0 + b[$1]! } / n
            difference = summary.mean
            self.seeds = differences.count
            spread = deviation
            seedTerms = [(deviation * deviation / n, n - 1)]
            effectSize = deviation > 0 ? summary.mean / deviation : nil
        } else {
            guard let left = SampleSummary(Array(a.values)), let right = SampleSummary(Array(b.values)),
                  let sa = left.standardDeviation, let sb = right.standardDeviation
            else { return nil }
            kind = .welch
            let (na, nb) = (Double(left.count), Double(right.count))
            mean = left.mean
            baselineMean = right.mean
            difference = left.mean - right.mean
            self.seeds = min(left.count, right.count)
            spread = (sa * sa + sb * sb).squareRoot()
            seedTerms = [(sa * sa / na, na - 1), (sb * sb / nb, nb - 1)]
            let pooledDF = na + nb - 2
            let pooled = (((na - 1) * sa * sa + (nb - 1) * sb * sb) / pooledDF).squareRoot()
            let correction = exp(lgamma(pooledDF / 2) - lgamma((pooledDF - 1) / 2)) / (pooledDF / 2).squareRoot()
            effectSize = pooled > Self.roundingTolerance * scale ? correction * difference / pooled : nil
        }
        seedVariance = seedTerms.reduce(0) { $0 + $1.variance }
        var evaluation = extraEvaluationVariance
        if let m = evaluationSize {
            let size = min(abs(difference), 1)
            evaluation += size * (1 - size) / Double(m)
        }
        evaluationVariance = evaluation
        self.evaluationSize = evaluationSize
        self.extraEvaluationVariance = extraEvaluationVariance
        let variance = seedVariance + evaluationVariance
        guard variance > 0, seedTerms.allSatisfy({ $0.degreesOfFreedom > 0 }) else { return nil }
        degreesOfFreedom = ProportionInterval.satterthwaite(seedTerms)
        t = difference / variance.squareRoot()
        pValue = StudentT.twoSidedPValue(t, degreesOfFreedom: degreesOfFreedom)
        self.confidence = confidence
        let halfWidth = StudentT.quantile(0.5 + confidence / 2, degreesOfFreedom: degreesOfFreedom) * variance.squareRoot()
        differenceInterval = (difference - halfWidth)...(difference + halfWidth)
    }
}
