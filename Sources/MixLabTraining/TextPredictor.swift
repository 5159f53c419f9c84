import Foundation
import MixLabCore
import MixLabTasks

/// Class probabilities of raw texts from a trained text classification run.
///
/// A text is tokenised exactly as the run's task tokenises its examples
/// (`TextClassificationTask.encode(text:)`: white space collapsed, bytes, words or WordPiece subwords,
/// cut to the sequence length, the classification token first when the task uses one), padded as a
/// batch of examples is, and read by the run's sequence classifier in evaluation mode. The
/// probabilities are `softmax(z)_k = exp(z_k − max z) / Σ_j exp(z_j − max z)` of the logits z, computed
/// in Double; the label is the arg-max of z (the first on ties, as in evaluation). A text's probabilities
/// do not depend on the other texts of its batch beyond floating-point rounding.
///
/// O(B·(model forward)) per batch of B texts; the model is built once.
public struct TextPredictor: Sendable {
    /// The run whose model predicts.
    public let run: TrainedRun
    /// The run's text classification task: its tokenisation and class names.
    public let task: TextClassificationTask

    /// The predictor of `run`.
    ///
    /// - Throws: `MixLabError.invalidArgument` when the run's task is not a text classification task.
    public init(run: TrainedRun) throws {
        guard let task = run.task as? TextClassificationTask, run.modelKind == .sequenceClassifier else {
            throw MixLabError(
                .invalidArgument,
                what: "the run in \(run.directory.path) was trained on task \(run.task.name), which does not classify raw text",
                location: "run folder",
                fix: "predict with a run of a text classification task (news20, reuters8, rt-sentiment, polarity, langid); "
                    + "evaluate this one on its data with `mixlab eval \(run.directory.path)`")
        }
        self.run = run
        self.task = task
    }

    /// The class probabilities of each row of token ids (from `task.encode(text:)`), in order.
    ///
    /// - Throws: `MixLabError.invalidArgument` for no rows, a row longer than the sequence length, or an id
    ///   outside the vocabulary; the model's errors.
    public func probabilities(_ rows: [[Int32]]) throws -> [[Double]] {
        let logits = try run.model.evaluationLogits(try TaskBatch.paddedInput(rows, of: task))
        let k = task.classes
        return logits.withUnsafeBufferPointer { z in
            (0..<rows.count).map { row in
                let values = (0..<k).map { Double(z[row * k + $0]) }
                let maximum = values.max()!
                let exponentials = values.map { Foundation.exp($0 - maximum) }
                let sum = exponentials.reduce(0, +)
                return exponentials.map { $0 / sum }
            }
        }
    }

    /// The predicted class of a row of probabilities: the first index of the largest one (the arg-max of
    /// the logits).
    public static func label(of probabilities: [Double]) -> Int {
        var best = 0
        for (index, value) in probabilities.enumerated() where value > probabilities[best] { best = index }
        return best
    }
}
