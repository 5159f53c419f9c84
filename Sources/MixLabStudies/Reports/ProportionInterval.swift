import Foundation
import MixLabTasks
import MixLabTraining

/// A confidence interval of a proportion's mean over seeds (accuracy, macro-F1) that stays inside
/// [0, 1] and counts the evaluation set's own sampling error.
///
/// Every seed is evaluated on the same finite set of `m` examples, so the mean `p̄` of the `n` per-seed
/// values `p_i` carries two errors: the spread between seeds, which shrinks as seeds are added, and the
/// sampling error of the evaluation set, which all seeds share and which no number of seeds removes.
/// Their variances add (the shared term is not in the between-seed variance `s²`):
///
///     V = s²/n + p̃(1 − p̃)/m,      p̃ = (m·p̄ + ½) / (m + 1),
///
/// where `p̃` is the empirical-logit correction (Haldane 1956; Anscombe 1956), which keeps the logit
/// finite at `p̄ = 0` or `1` and changes `p̄` by less than `1/(2m)`. The interval is built on the logit
/// scale `θ = log(p̃ / (1 − p̃))`, where the sampling distribution is closer to symmetric, with the
/// delta-method standard error `√V / (p̃(1 − p̃))`:
///
///     θ ± t_{(1+c)/2, ν} · √V / (p̃(1 − p̃)),   mapped back by 1 / (1 + e^{−θ}),
///
/// and widened to contain `p̄` if the correction moved it outside (only at `p̄ = 0` or `1`). The degrees
/// of freedom of the sum of the two variance estimates are Welch–Satterthwaite's,
/// `ν = V² / ((s²/n)²/(n − 1) + (p̃(1 − p̃)/m)²/(m − 1))`: about `n − 1` when the seeds dominate, large
/// when the evaluation set does. The interval always lies in (0, 1) (or is the point `p̄`), is
/// asymmetric near the bounds, and for a 3-seed result on 200 examples is as wide as those 200
/// examples warrant however well the seeds agree.
///
/// `p(1 − p)/m` is exact for an accuracy over `m` independent examples. For a token-level accuracy `m`
/// is the number of examples (not tokens): an example's per-token accuracy has variance at most
/// `p(1 − p)`, so the term is an upper bound there. For macro-F1 it is an approximation (F1 is not a
/// mean of independent outcomes and its sampling variance is usually somewhat larger; an exact term
/// needs the per-example predictions, which run records do not keep).
///
/// Special cases: one seed gives the evaluation-set interval alone (`includesSeedSpread` is false);
/// without an evaluation-set size, only the seeds' spread counts, and one seed gives no interval;
/// identical values without an evaluation-set size give the point interval `[p̄, p̄]`.
/// O(n); the quantile from GSL (`gsl_cdf_tdist_Pinv`).
///
/// References: A. Agresti, *Categorical Data Analysis*, 3rd ed., Wiley 2013, §1.4 and §16.1 (delta
/// method, logit intervals); F. E. Satterthwaite, "An approximate distribution of estimates of variance
/// components", Biometrics Bulletin 2, 1946; J. B. S. Haldane, "The estimation and significance of the
/// logarithm of a ratio of frequencies", Annals of Human Genetics 20, 1956.
public struct ProportionInterval: Sendable, Equatable {
    /// The number of values (seeds).
    public let count: Int
    /// The mean `p̄` of the values.
    public let mean: Double
    /// The evaluation set's size `m`, when known.
    public let evaluationSize: Int?
    /// The variance of the mean from the spread between seeds, `s²/n` (0 for one value).
    public let seedVariance: Double
    /// The variance of the mean from the evaluation set's sampling, `p̃(1 − p̃)/m` (0 without `m`).
    public let evaluationVariance: Double
    /// Welch–Satterthwaite degrees of freedom of `seedVariance + evaluationVariance`.
    public let degreesOfFreedom: Double
    /// The confidence level, e.g. 0.95.
    public let confidence: Double
    /// The interval, inside [0, 1]; nil for one value without an evaluation-set size.
    public let interval: ClosedRange<Double>?
    /// Whether the interval accounts for the spread between seeds (false for a single seed).
    public var includesSeedSpread: Bool { count >= 2 }

    /// The interval of the mean of `values` (each in [0, 1], at least one), evaluated on
    /// `evaluationSize` examples (positive, or nil when unknown), at `confidence` in (0, 1); nil for
    /// input outside those ranges.
    public init?(_ values: [Double], evaluationSize: Int?, confidence: Double = 0.95) {
        guard !values.isEmpty, values.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }),
              confidence > 0, confidence < 1, evaluationSize.map({ $0 > 0 }) ?? true
        else { return nil }
        let n = Double(values.count)
        let mean = min(1, max(0, values.reduce(0, +) / n))
        count = values.count
        self.mean = mean
        self.evaluationSize = evaluationSize
        self.confidence = confidence
        let seedVariance = values.count >= 2 ? values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) / n : 0
        self.seedVariance = seedVariance
        let corrected = evaluationSize.map { (Double($0) * mean + 0.5) / (Double($0) + 1) } ?? mean
        let evaluationVariance = evaluationSize.map { corrected * (1 - corrected) / Double($0) } ?? 0
        self.evaluationVariance = evaluationVariance
        degreesOfFreedom = Self.satterthwaite(
            [(seedVariance, n - 1), (evaluationVariance, Double(max((evaluationSize ?? 1) - 1, 1)))])
        let variance = seedVariance + evaluationVariance
        guard values.count >= 2 || evaluationSize != nil else {
            interval = nil
            return
        }
        guard variance > 0, corrected > 0, corrected < 1 else {
            interval = mean...mean
            return
        }
        let centre = log(corrected / (1 - corrected))
        let halfWidth = StudentT.quantile(0.5 + confidence / 2, degreesOfFreedom: degreesOfFreedom)
            * variance.squareRoot() / (corrected * (1 - corrected))
        let low = 1 / (1 + exp(-(centre - halfWidth)))
        let high = 1 / (1 + exp(-(centre + halfWidth)))
        interval = min(low, mean)...max(high, mean)
    }

    /// Welch–Satterthwaite degrees of freedom of a sum of independent variance estimates, each with its
    /// own degrees of freedom: `(Σ v_k)² / Σ (v_k² / ν_k)`; terms with zero variance drop out, and a
    /// sum of zeros gets the smallest ν given.
    static func satterthwaite(_ terms: [(variance: Double, degreesOfFreedom: Double)]) -> Double {
        let live = terms.filter { $0.variance > 0 && $0.degreesOfFreedom > 0 }
        guard !live.isEmpty else { return terms.map(\.degreesOfFreedom).filter { $0 > 0 }.min() ?? 1 }
        let total = live.reduce(0) { $0 + $1.variance }
        return total * total / live.reduce(0) { $0 + $1.variance * $1.variance / $1.degreesOfFreedom }
    }
}
