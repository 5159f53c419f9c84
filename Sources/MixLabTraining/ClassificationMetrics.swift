import Foundation
import MixLabCore
import MixLabTasks

/// Accumulates the loss, accuracy, macro-F1, per-class scores and (optionally) the confusion matrix of
/// a model over the batches of one split.
///
/// For each scored row (a label other than `TaskExample.ignoredLabel`) with logits `z` and label `y`:
/// the loss adds `−log softmax(z)_y = logsumexp(z) − z_y` (computed in Double with the row maximum
/// subtracted; no label smoothing, so losses of runs with and without smoothing compare); the
/// prediction is the arg-max of `z` (the first one on ties, as `CrossEntropy`), and the confusion counts
/// of its class and of the label's class are updated.
///
/// - loss: the mean over scored rows;
/// - accuracy: correct / scored;
/// - macro-F1: the unweighted mean over classes of `F1_k = 2·TP_k / (2·TP_k + FP_k + FN_k)`, over the
///   classes that occur among the labels or the predictions. A class absent from both has no defined
///   F1 and is left out (scikit-learn would count it as 0 with a warning); a class that occurs only
///   among the labels (never predicted) or only among the predictions has F1 = 0 and is counted.
///
/// Per class k (`perClass`), with `TP_k`, `FP_k`, `FN_k` as above: precision `TP / (TP + FP)`, recall
/// `TP / (TP + FN)`, F1 as above, and support `TP + FN` (the rows labelled k); a ratio whose denominator
/// is 0 is reported as 0 (scikit-learn's `zero_division=0`). The confusion matrix (`confusion`, when
/// asked for) counts `C[y][p]`, the rows with label y predicted as p: row sums are the supports, column
/// sums the predictions, the diagonal the true positives.
///
/// O(rows·K) per batch; O(K) memory, O(K²) with the confusion matrix.
public struct ClassificationMetrics: Sendable {
    /// K.
    public let classes: Int
    private var lossSum = 0.0
    private var correct = 0
    private var scored = 0
    private var truePositives: [Int]
    private var falsePositives: [Int]
    private var falseNegatives: [Int]
    /// `C[y·K + p]`, or nil when not counted.
    private var confusionCounts: [Int]?

    /// The scores of one class.
    public struct ClassScores: Sendable, Equatable, Codable {
        /// `TP / (TP + FP)`: of the rows predicted as the class, the fraction labelled so (0 when none was predicted).
        public var precision: Double
        /// `TP / (TP + FN)`: of the rows labelled with the class, the fraction predicted so (0 when none is labelled so).
        public var recall: Double
        /// `2·TP / (2·TP + FP + FN)`, the harmonic mean of precision and recall (0 when both are 0).
        public var f1: Double
        /// `TP + FN`: the rows labelled with the class.
        public var support: Int
        /// `TP + FP`: the rows predicted as the class.
        public var predicted: Int

        /// Scores from their parts.
        public init(precision: Double, recall: Double, f1: Double, support: Int, predicted: Int) {
            self.precision = precision
            self.recall = recall
            self.f1 = f1
            self.support = support
            self.predicted = predicted
        }
    }

    /// An empty accumulator for `classes` classes; `confusion` also counts the K × K confusion matrix.
    public init(classes: Int, confusion: Bool = false) {
        self.classes = classes
        truePositives = Array(repeating: 0, count: classes)
        falsePositives = Array(repeating: 0, count: classes)
        falseNegatives = Array(repeating: 0, count: classes)
        confusionCounts = confusion ? Array(repeating: 0, count: classes * classes) : nil
    }

    /// Every count and sum the accumulator holds, as one vector that adds element-wise: the sums of
    /// accumulators that saw disjoint rows are the sums of one that saw them all (data-parallel
    /// evaluation all-reduces them). Layout: loss sum, correct, scored, `TP[K]`, `FP[K]`, `FN[K]`, then
    /// `C[K·K]` when counted. Counts are exact in Double up to 2⁵³. O(K) (O(K²) with the confusion matrix).
    public var sums: [Double] {
        [lossSum, Double(correct), Double(scored)] + truePositives.map(Double.init) + falsePositives.map(Double.init)
            + falseNegatives.map(Double.init) + (confusionCounts ?? []).map(Double.init)
    }

    /// An accumulator holding `sums` (the layout of `sums` for `classes` and `confusion`).
    ///
    /// - Throws: `MixLabError.shapeMismatch` when the length does not fit `classes` and `confusion`;
    ///   `invalidArgument` for a count that is negative or not a whole number.
    public init(classes: Int, confusion: Bool = false, sums: [Double]) throws {
        let expected = 3 + 3 * classes + (confusion ? classes * classes : 0)
        guard sums.count == expected else {
            throw MixLabError(.shapeMismatch, what: "\(sums.count) sums for \(classes) classes (expected \(expected))",
                              location: "classification metrics", fix: "pass the `sums` of an accumulator with the same classes and confusion setting")
        }
        guard sums.dropFirst().allSatisfy({ $0 >= 0 && $0 == $0.rounded() && $0 < 0x1p53 }) else {
            throw MixLabError(.invalidArgument, what: "a count among the sums is negative or not a whole number", location: "classification metrics",
                              fix: "pass sums of counts (the `sums` of accumulators, added)")
        }
        self.init(classes: classes, confusion: confusion)
        lossSum = sums[0]
        correct = Int(sums[1])
        scored = Int(sums[2])
        let k = classes
        truePositives = sums[3..<(3 + k)].map { Int($0) }
        falsePositives = sums[(3 + k)..<(3 + 2 * k)].map { Int($0) }
        falseNegatives = sums[(3 + 2 * k)..<(3 + 3 * k)].map { Int($0) }
        if confusion { confusionCounts = sums[(3 + 3 * k)...].map { Int($0) } }
    }

    /// Adds a batch: `logits` of shape `[…, K]` with one row per entry of `labels`, and returns whether
    /// each row was predicted right (false for a row that is not scored).
    ///
    /// - Throws: `MixLabError.shapeMismatch` when the last axis is not K or the row count differs from
    ///   the label count; `invalidArgument` for a label outside `0..<K` (other than the ignored label).
    @discardableResult
    public mutating func add(logits: Tensor, labels: [Int32]) throws -> [Bool] {
        let k = classes
        guard logits.shape.last == k else {
            throw MixLabError.shapeMismatch(expected: "[…, \(k)]", found: logits.shape, location: "classification metrics logits")
        }
        let rows = logits.count / max(k, 1)
        guard rows == labels.count else {
            throw MixLabError(.shapeMismatch, what: "\(labels.count) labels for \(rows) rows of logits", location: "classification metrics",
                              fix: "give one label per example (or per token for token-level tasks)")
        }
        if let bad = labels.firstIndex(where: { $0 != TaskExample.ignoredLabel && ($0 < 0 || Int($0) >= k) }) {
            throw MixLabError(.invalidArgument, what: "label \(labels[bad]) at row \(bad) is outside 0..<\(k)",
                              location: "classification metrics", fix: "use labels from 0 to \(k - 1), or \(TaskExample.ignoredLabel) to skip a row")
        }
        var right = [Bool](repeating: false, count: rows)
        logits.withUnsafeBufferPointer { z in
            for row in 0..<rows where labels[row] != TaskExample.ignoredLabel {
                let values = z.baseAddress! + row * k
                let label = Int(labels[row])
                var maximum = -Float.infinity, predicted = 0
                for j in 0..<k where values[j] > maximum {
                    maximum = values[j]
                    predicted = j
                }
                var sum = 0.0
                for j in 0..<k { sum += Foundation.exp(Double(values[j]) - Double(maximum)) }
                lossSum += Foundation.log(sum) + Double(maximum) - Double(values[label])
                scored += 1
                confusionCounts?[label * k + predicted] += 1
                if predicted == label {
                    correct += 1
                    truePositives[label] += 1
                    right[row] = true
                } else {
                    falsePositives[predicted] += 1
                    falseNegatives[label] += 1
                }
            }
        }
        return right
    }

    /// Rows scored so far.
    public var count: Int { scored }

    /// The scores of every class, by class index, of everything added so far.
    public var perClass: [ClassScores] {
        (0..<classes).map { j in
            let (tp, fp, fn) = (truePositives[j], falsePositives[j], falseNegatives[j])
            func ratio(_ numerator: Int, _ denominator: Int) -> Double {
                denominator > 0 ? Double(numerator) / Double(denominator) : 0
            }
            return ClassScores(
                precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), f1: ratio(2 * tp, 2 * tp + fp + fn),
                support: tp + fn, predicted: tp + fp)
        }
    }

    /// The confusion matrix `C[label][prediction]` of everything added so far, or nil when the
    /// accumulator was made without `confusion`.
    public var confusion: [[Int]]? {
        confusionCounts.map { counts in (0..<classes).map { Array(counts[($0 * classes)..<(($0 + 1) * classes)]) } }
    }

    /// The metrics of everything added so far (all zero when nothing was scored).
    public var metrics: RunRecord.Metrics {
        guard scored > 0 else { return RunRecord.Metrics(loss: 0, accuracy: 0, macroF1: 0, count: 0) }
        var f1Sum = 0.0, present = 0
        for j in 0..<classes {
            let denominator = 2 * truePositives[j] + falsePositives[j] + falseNegatives[j]
            guard denominator > 0 else { continue }
            f1Sum += Double(2 * truePositives[j]) / Double(denominator)
            present += 1
        }
        return RunRecord.Metrics(
            loss: lossSum / Double(scored), accuracy: Double(correct) / Double(scored), macroF1: f1Sum / Double(present), count: scored)
    }
}
