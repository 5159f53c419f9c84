import Foundation
import MixLabCore

/// Softmax cross-entropy over the last axis of logits, with optional label smoothing.
///
/// For logits `z` (`N × K`) and labels `y`: `p = softmax(z)`, target `q = (1 − ε)·onehot(y) + ε/K`,
/// loss `= mean over counted rows of −Σ_k q_k log p_k`, gradient `(p − q)/N_counted`. Rows whose label is
/// `ignoredLabel` (default −100, as in PyTorch) count for nothing. Log-softmax is computed with the row
/// maximum subtracted, so large logits do not overflow. O(N·K).
public struct CrossEntropy: Sendable {
    /// ε in [0, 1).
    public let labelSmoothing: Float
    /// The label that marks a row to ignore (padding, unmasked MLM positions).
    public let ignoredLabel: Int32

    /// The loss, its gradient with respect to the logits, and accuracy counts.
    public struct Result: Sendable {
        /// Mean loss over counted rows (0 when none counted).
        public let loss: Float
        /// `∂loss/∂logits`, same shape as the logits.
        public let gradient: Tensor
        /// Rows whose arg-max equals the label.
        public let correct: Int
        /// Rows that were counted.
        public let counted: Int
    }

    /// A loss with smoothing ε.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` when ε is outside [0, 1).
    public init(labelSmoothing: Float = 0, ignoredLabel: Int32 = -100) throws {
        guard labelSmoothing >= 0, labelSmoothing < 1 else {
            throw MixLabError(.invalidConfigValue, what: "label smoothing \(labelSmoothing) is outside [0, 1)",
                              location: "cross-entropy", fix: "use 0 (none) or a small value such as 0.1")
        }
        self.labelSmoothing = labelSmoothing
        self.ignoredLabel = ignoredLabel
    }

    /// Evaluates the loss of `logits` (`[…, K]`) against one label per row.
    ///
    /// - Throws: `MixLabError` when the label count differs from the row count or a label is outside 0..<K.
    public func evaluate(logits: Tensor, labels: [Int32]) throws -> Result {
        guard let classes = logits.shape.last, classes > 0 else {
            throw MixLabError.shapeMismatch(expected: "[…, K]", found: logits.shape, location: "cross-entropy logits")
        }
        let rows = logits.count / classes
        guard labels.count == rows else {
            throw MixLabError(.shapeMismatch, what: "\(labels.count) labels for \(rows) rows of logits",
                              location: "cross-entropy", fix: "give one label per example (or per token for token-level tasks)")
        }
        if let bad = labels.firstIndex(where: { $0 != ignoredLabel && ($0 < 0 || Int($0) >= classes) }) {
            throw MixLabError(.invalidArgument, what: "label \(labels[bad]) at row \(bad) is outside 0..<\(classes)",
                              location: "cross-entropy", fix: "use labels from 0 to \(classes - 1), or \(ignoredLabel) to ignore a row")
        }
        let counted = labels.filter { $0 != ignoredLabel }.count
        var gradient = Tensor(zeros: logits.shape)
        var total = 0.0
        var correct = 0
        let smoothing = labelSmoothing, uniform = labelSmoothing / Float(classes)
        logits.withUnsafeBufferPointer { z in
            gradient.withUnsafeMutableBufferPointer { g in
                for row in 0..<rows where labels[row] != ignoredLabel {
                    let logitsRow = z.baseAddress! + row * classes, gradientRow = g.baseAddress! + row * classes
                    let label = Int(labels[row])
                    var maximum = -Float.infinity, argmax = 0
                    for k in 0..<classes where logitsRow[k] > maximum {
                        maximum = logitsRow[k]
                        argmax = k
                    }
                    if argmax == label { correct += 1 }
                    var sum: Float = 0
                    for k in 0..<classes {
                        let e = Foundation.exp(logitsRow[k] - maximum)
                        gradientRow[k] = e
                        sum += e
                    }
                    let logSum = Foundation.log(sum)
                    var rowLoss: Float = 0
                    for k in 0..<classes {
                        let target = (k == label ? 1 - smoothing : 0) + uniform
                        let logProbability = logitsRow[k] - maximum - logSum
                        rowLoss -= target * logProbability
                        gradientRow[k] = (gradientRow[k] / sum - target) / Float(counted)
                    }
                    total += Double(rowLoss)
                }
            }
        }
        return Result(loss: counted > 0 ? Float(total / Double(counted)) : 0, gradient: gradient, correct: correct, counted: counted)
    }
}
