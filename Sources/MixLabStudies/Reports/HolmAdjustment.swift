import MixLabTasks
import MixLabTraining

/// Holm's step-down adjustment of a family of p-values for multiple comparisons.
///
/// With the `k` p-values sorted increasingly, `p_(1) ≤ … ≤ p_(k)`, the adjusted values are
///
///     p̃_(j) = min(1, max_{i ≤ j} (k − i + 1) · p_(i)),
///
/// returned in the input order. Rejecting every hypothesis with `p̃ ≤ α` controls the family-wise
/// error rate at `α` under any dependence between the tests, and is uniformly more powerful than
/// Bonferroni's `k · p`. Ties keep their input order (the result does not depend on it). O(k log k).
///
/// Reference: S. Holm, "A simple sequentially rejective multiple test procedure", Scandinavian Journal
/// of Statistics 6, 1979. Matches statsmodels' `multipletests(method="holm")`.
public enum HolmAdjustment {
    /// The Holm-adjusted `pValues` (each in [0, 1]), in the input order; nil when a value is outside
    /// [0, 1] or not a number. An empty family gives an empty result.
    public static func adjusted(_ pValues: [Double]) -> [Double]? {
        guard pValues.allSatisfy({ $0 >= 0 && $0 <= 1 }) else { return nil }
        let k = pValues.count
        let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var adjusted = [Double](repeating: 0, count: k)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(k - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }
}
