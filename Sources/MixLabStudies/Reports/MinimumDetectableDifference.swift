import CGSL
import Foundation
import MixLabKernels
import MixLabTasks
import MixLabTraining

/// The smallest difference a paired t-test over `n` seeds detects with a given power, and the number of
/// seeds a given difference would need.
///
/// For a two-sided paired t-test at level `α` with power `1 − β`, per-seed spread of the differences
/// `σ` (the observed `s_d`) and `n` seeds, the minimum detectable difference is
///
///     MDD = (t_{1−α/2, n−1} + t_{1−β, n−1}) · σ / √n,
///
/// the usual approximation to the non-central-t solution (e.g. Cohen 1988, §2.3; Lenth 2001). It is
/// slightly optimistic for very few seeds: for `n = 3`, α = 0.05 and power 0.8 it gives 3.10 σ where the
/// exact non-central-t value is 3.26 σ (statsmodels' `TTestPower`), 5 % less; the gap is 1.2 % at
/// `n = 5` and under 0.2 % from `n = 10`.
///
/// **The evaluation set.** When the compared values are accuracies on one shared set of `m` examples,
/// `MeanComparison` adds the set's lower-bound variance `d(1 − d)/m` of a difference `d` (and any fixed
/// evaluation variance `V₀`), which more seeds do not reduce. The MDD is then the difference that clears
/// its own test: with `k = t_{1−α/2, n−1} + t_{1−β, n−1}` and `a = k²/m`, the positive root of
/// `d = k·√(σ²/n + V₀ + d(1 − d)/m)`,
///
///     MDD = (a + √(a² + 4(1 + a)·k²(σ²/n + V₀))) / (2(1 + a)),
///
/// which is `k√(σ²/n + V₀)` for `m → ∞` and, with `V₀ = 0`, `k²/(m + k²)` for `σ = 0` (two seeds that
/// differ by the same amount on a finite set are not proof of a difference of any size). The relation
/// holds for differences of accuracies, `d ≤ 1`: when `k²(σ²/n + V₀) > 1` its root exceeds 1, which says
/// that no difference of accuracies is detectable (`isBeyondAccuracyRange`). `d(1 − d)/m` is a lower
/// bound of the set's variance: the two sides are scored on the same examples (correlated proportions,
/// McNemar 1947) and disagree on at least `m·d` of them; see `MeanComparison`.
///
/// **Welch rows.** For unpaired comparisons `MeanComparison` passes `σ = √(s_a² + s_b²)` and `n` the
/// smaller side, so `σ²/n ≥ s_a²/n_a + s_b²/n_b` and the MDD is conservative.
///
/// `seedsNeeded` solves the same relation for `n` given an observed difference `Δ`, optionally with a
/// variance `V_e` that more seeds do not reduce (the evaluation set's, see `MeanComparison`):
/// the smallest `n ≥ 2` with `(t_{1−α/2, n−1} + t_{1−β, n−1}) · √(σ²/n + V_e) ≤ |Δ|` (the seeds' degrees
/// of freedom, as `MeanComparison` tests). When `(z_{1−α/2} + z_{1−β}) · √V_e ≥ |Δ|` (normal quantiles, the limit of
/// infinitely many seeds) no number of seeds suffices: the evaluation set is too small. A difference of
/// zero is never detectable. Quantiles from GSL (`gsl_cdf_tdist_Pinv`, `gsl_cdf_ugaussian_Pinv`); O(1)
/// for the MDD and O(limit) for `seedsNeeded`.
///
/// References: J. Cohen, *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed., 1988;
/// R. V. Lenth, "Some practical guidelines for effective sample size determination", The American
/// Statistician 55, 2001; Q. McNemar, "Note on the sampling error of the difference between correlated
/// proportions or percentages", Psychometrika 12, 1947.
public struct MinimumDetectableDifference: Sendable, Equatable {
    /// How many seeds a difference needs.
    public enum SeedsNeeded: Sendable, Equatable {
        /// This many seeds suffice (the smallest such number, at least 2).
        case seeds(Int)
        /// Not even this many seeds suffice (the search stopped there).
        case moreThan(Int)
        /// No number of seeds suffices: the evaluation set's own error is larger than the difference.
        case largerEvaluationSet
    }

    /// The per-seed spread `σ`.
    public let spread: Double
    /// The number of seeds `n`.
    public let seeds: Int
    /// The size `m` of the shared evaluation set (nil: no evaluation-set term).
    public let evaluationSize: Int?
    /// The fixed evaluation variance `V₀` of a difference (0 if none).
    public let fixedEvaluationVariance: Double
    /// The level α of the two-sided test.
    public let alpha: Double
    /// The power 1 − β.
    public let power: Double
    /// The minimum detectable difference.
    public let value: Double

    /// Whether, with an evaluation set, the MDD exceeds 1: no difference of accuracies is detectable.
    public var isBeyondAccuracyRange: Bool { evaluationSize != nil && value > 1 }

    /// The MDD for spread `spread` (≥ 0, finite) over `seeds` (≥ 2) at level `alpha` and `power` (both
    /// in (0, 1)), with a shared evaluation set of `evaluationSize` examples (positive; nil for none) and a
    /// fixed evaluation variance `fixedEvaluationVariance` (≥ 0, finite); nil for input outside those ranges.
    public init?(
        spread: Double, seeds: Int, evaluationSize: Int? = nil, fixedEvaluationVariance: Double = 0,
        alpha: Double = 0.05, power: Double = 0.8
    ) {
        guard spread.isFinite, spread >= 0, seeds >= 2, alpha > 0, alpha < 1, power > 0, power < 1,
              evaluationSize.map({ $0 > 0 }) ?? true, fixedEvaluationVariance.isFinite, fixedEvaluationVariance >= 0
        else { return nil }
        self.spread = spread
        self.seeds = seeds
        self.evaluationSize = evaluationSize
        self.fixedEvaluationVariance = fixedEvaluationVariance
        self.alpha = alpha
        self.power = power
        let ν = Double(seeds - 1)
        let k = StudentT.quantile(1 - alpha / 2, degreesOfFreedom: ν) + StudentT.quantile(power, degreesOfFreedom: ν)
        let constant = k * k * (spread * spread / Double(seeds) + fixedEvaluationVariance)
        let a = evaluationSize.map { k * k / Double($0) } ?? 0
        value = (a + (a * a + 4 * (1 + a) * constant).squareRoot()) / (2 * (1 + a))
    }

    /// The number of seeds with which a paired test detects `difference` at level `alpha` with `power`,
    /// for per-seed spread `spread` and a variance `evaluationVariance` that seeds do not reduce, searching
    /// up to `limit` seeds; nil for input outside the ranges of `init`.
    public static func seedsNeeded(
        for difference: Double, spread: Double, evaluationVariance: Double = 0,
        alpha: Double = 0.05, power: Double = 0.8, limit: Int = 1000
    ) -> SeedsNeeded? {
        guard difference.isFinite, spread.isFinite, spread >= 0, evaluationVariance.isFinite, evaluationVariance >= 0,
              alpha > 0, alpha < 1, power > 0, power < 1, limit >= 2 else { return nil }
        let target = abs(difference)
        guard target > 0 else { return .moreThan(limit) }
        GSL.prepare()
        if (gsl_cdf_ugaussian_Pinv(1 - alpha / 2) + gsl_cdf_ugaussian_Pinv(power)) * evaluationVariance.squareRoot() >= target {
            return .largerEvaluationSet
        }
        for n in 2...limit {
            let seedVariance = spread * spread / Double(n)
            let ν = Double(n - 1)
            let detectable = (StudentT.quantile(1 - alpha / 2, degreesOfFreedom: ν) + StudentT.quantile(power, degreesOfFreedom: ν))
                * (seedVariance + evaluationVariance).squareRoot()
            if detectable <= target { return .seeds(n) }
        }
        return .moreThan(limit)
    }
}
