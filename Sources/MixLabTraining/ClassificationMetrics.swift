import Foundation
import MixLabCore
import MixLabTasks

/// Accumulates the loss, accuracy and macro-F1 of a model over the batches of one split.
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
/// O(rows·K) per batch; O(K) memory.
public struct ClassificationMetrics: Sendable {
    /// K.
    public let classes: Int
    private var lossSum = 0.0
    private var correct = 0
    private var scored = 0
    private var truePositives: [Int]
    private var falsePositives: [Int]
    private var falseNegatives: [Int]

    /// An empty accumulator for `classes` classes.
    public init(classes: Int) {
        self.classes = classes
        truePositives = Array(repeating: 0, count: classes)
        falsePositives = Array(repeating: 0, count: classes)
        falseNegatives = Array(repeating: 0, count: classes)
    }

    /// Adds a batch: `logits` of shape `[…, K]` with one row per entry of `labels`.
    ///
    /// - Throws: `MixLabError.shapeMismatch` when the last axis is not K or the row count differs from
    ///   the label count; `invalidArgument` for a label outside `0..<K` (other than the ignored label).
    public mutating func add(logits: Tensor, labels: [Int32]) throws {
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
                if predicted == label {
                    correct += 1
                    truePositives[label] += 1
                } else {
                    falsePositives[predicted] += 1
                    falseNegatives[label] += 1
                }
            }
        }
    }

    /// Rows scored so far.
    public var count: Int { scored }

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
