import MixLabCore
import MixLabModels
import MixLabTasks

/// What the trainer needs from a model: its parameters, one training step's loss and gradients, and
/// logits for evaluation.
///
/// `SequenceClassifier`, `TokenClassifier`, `MaskedLanguageModel` and `PairClassifier` conform;
/// `TaskModelKind` says which one a task gets. Logits have one row per label the task gives: `(B, K)`
/// for sequence and pair tasks, `(B, T, K)` (`B·T` rows) for token tasks, in the order of
/// `TaskBatch.labels`.
public protocol TaskModel: AnyObject, Sendable {
    /// Every parameter with its full (HF-style) name, in a fixed order.
    var namedParameters: [(name: String, parameter: Parameter)] { get }
    /// The encoder under the task's head (what `init-from` loads and `freeze-*` freezes).
    var encoder: Encoder { get }
    /// Forward, loss and backward for one batch: adds every parameter's gradient and returns the loss.
    func lossAndGradients(_ batch: TokenBatch, labels: [Int32], training: Bool, random: inout SeededRandom) throws
        -> CrossEntropy.Result
    /// The logits of `batch` in evaluation mode (no dropout), one row per label.
    func evaluationLogits(_ batch: TokenBatch) throws -> Tensor
}

extension SequenceClassifier: TaskModel {
    /// `(B, K)` logits in evaluation mode.
    public func evaluationLogits(_ batch: TokenBatch) throws -> Tensor {
        var unused = SeededRandom(seed: 0)
        return try logits(batch, training: false, random: &unused).logits
    }
}

extension TokenClassifier: TaskModel {
    /// `(B, T, K)` logits in evaluation mode.
    public func evaluationLogits(_ batch: TokenBatch) throws -> Tensor {
        var unused = SeededRandom(seed: 0)
        return try logits(batch, training: false, random: &unused).logits
    }
}

extension MaskedLanguageModel: TaskModel {
    /// `(B, T, V)` logits in evaluation mode.
    public func evaluationLogits(_ batch: TokenBatch) throws -> Tensor {
        var unused = SeededRandom(seed: 0)
        return try logits(batch, training: false, random: &unused).logits
    }
}

extension PairClassifier: TaskModel {
    /// `(B, K)` logits in evaluation mode, for a batch of `2B` rows.
    public func evaluationLogits(_ batch: TokenBatch) throws -> Tensor {
        var unused = SeededRandom(seed: 0)
        return try logits(batch, training: false, random: &unused).logits
    }
}
