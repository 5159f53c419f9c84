import MixLabCore
import MixLabTasks

/// Evaluation: validation during training (best result, early stopping) and any split at the end.
extension Trainer {
    /// Evaluates on validation after `step` steps and updates the best result and early stopping.
    func evaluateValidation(step: Int) throws -> RunRecord.Metrics {
        let metrics = try evaluate(.validation, step: step)
        let isBest = state.bestValidation.map { metrics.accuracy > $0.accuracy } ?? true
        state.lastValidation = metrics
        state.lastValidationStep = step
        if isBest {
            state.bestValidation = metrics
            state.bestStep = step
            state.evaluationsWithoutImprovement = 0
            try saveBestCheckpoint(step: step, metrics: metrics)
        } else {
            state.evaluationsWithoutImprovement += 1
            if configuration.patience > 0, state.evaluationsWithoutImprovement >= configuration.patience, step < configuration.steps {
                state.stoppedEarly = true
            }
        }
        try observer?(.evaluated(step: step, split: .validation, metrics: metrics, isBest: isBest))
        return metrics
    }

    /// Loss, accuracy and macro-F1 of the current model on `split` (validation: at most `eval-batches`
    /// batches when set), in batches of B examples taken in index order (shared out among the ranks of a
    /// data-parallel run, whose sums are then added on every rank).
    func evaluate(_ split: TaskSplit, step: Int) throws -> RunRecord.Metrics {
        let available = task.count(split)
        let limit = split == .validation && configuration.evalBatches > 0
            ? min(available, configuration.evalBatches * configuration.batch) : available
        var accumulator = ClassificationMetrics(classes: task.classes)
        var first = 0
        var batchNumber = 0
        while first < limit {
            let end = min(first + configuration.batch, limit)
            // With N ranks, rank r evaluates batches r, r + N, …; their sums are added below.
            if batchNumber % communicator.size == communicator.rank {
                let batch = try TaskBatch(task: task, split: split, indices: Array(first..<end))
                try accumulator.add(logits: try model.evaluationLogits(batch.input), labels: batch.labels)
            }
            first = end
            batchNumber += 1
        }
        let metrics = try combined(accumulator).metrics
        guard metrics.loss.isFinite else {
            throw MixLabError(
                .nonFiniteValue, what: "the \(split.rawValue) loss is \(metrics.loss) after step \(step)", location: "evaluation of task \(task.name)",
                fix: "lower the learning rate (lr=\(configuration.learningRate) now) or clip gradients, then start again (--force, or another --out)")
        }
        guard metrics.count > 0 else {
            throw MixLabError(
                .invalidArgument, what: "the \(split.rawValue) split of task \(task.name) has no scored labels", location: "evaluation",
                fix: "check the task's settings: every example's labels are ignored")
        }
        return metrics
    }
}
