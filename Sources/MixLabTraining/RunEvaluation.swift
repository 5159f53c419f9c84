import Foundation
import MixLabCore
import MixLabTasks

/// The evaluation of a trained run's model on one split: loss, accuracy and macro-F1, and for
/// classifiers the per-class precision, recall, F1 and support and the confusion matrix.
///
/// The split's examples are read in index order in batches of `batchSize`, in evaluation mode (no
/// dropout), and scored by `ClassificationMetrics` — the trainer's own evaluation, so the final model
/// on the test split with the run's batch size and thread count gives exactly the test metrics of
/// `run.json`. For masked-language modelling the labelled positions are the masked tokens: accuracy is
/// masked-token accuracy and loss the mean cross-entropy over them; per-class scores and the confusion
/// matrix, over a vocabulary-sized class set, are not computed (a note says so). Token classifiers are
/// scored per labelled token. The confusion matrix is counted for at most `maximumConfusionClasses`
/// classes (a note says when it is left out). Sequence and pair classifiers also get their accuracy by
/// input length (`byLength`: `AccuracyByLength` in bins of about equal size).
///
/// O(N·(model forward)) for N examples; O(K²) memory for the confusion matrix of K classes.
public struct RunEvaluation: Sendable, Equatable, Codable {
    /// The format version.
    public static let currentSchema = "mixlab.eval.v1"
    /// The most classes whose confusion matrix is counted (K² counts; beyond this it is unreadable).
    public static let maximumConfusionClasses = 256
    /// `currentSchema`.
    public var schema = Self.currentSchema
    /// The run folder.
    public var run: String
    /// The task evaluated on.
    public var task: String
    /// Its resolved settings.
    public var taskSettings: [String: String]
    /// The overrides that made the task (`task`, `task.KEY`), empty for the run's own task.
    public var taskOverrides: [String: String]
    /// The split evaluated.
    public var split: TaskSplit
    /// The checkpoint whose weights were evaluated.
    public var checkpoint: TrainedRun.CheckpointChoice
    /// The training step whose weights the checkpoint holds.
    public var checkpointStep: Int
    /// The SHA-256 of the checkpoint file.
    public var checkpointSHA256: String
    /// Whether the run had finished.
    public var runFinished: Bool
    /// The model kind.
    public var model: TaskModelKind
    /// Examples per batch.
    public var batchSize: Int
    /// Examples evaluated.
    public var examples: Int
    /// Loss, accuracy and macro-F1 over the scored labels (masked tokens for masked-language modelling).
    public var metrics: RunRecord.Metrics
    /// The class names, by class index (nil when per-class scores are not computed).
    public var classNames: [String]?
    /// Precision, recall, F1 and support of every class, by class index (nil for masked-language modelling).
    public var perClass: [ClassificationMetrics.ClassScores]?
    /// The confusion matrix `C[label][prediction]` (nil for masked-language modelling).
    public var confusion: [[Int]]?
    /// Accuracy by input length, for sequence and pair classifiers (nil for token-level models and in
    /// evaluations written before it existed).
    public var byLength: AccuracyByLength?
    /// What a reader should know: what was not computed and why, and the run's warnings.
    public var notes: [String]

    /// The length bins asked for when none are given.
    public static let defaultLengthBins = 4

    /// Evaluates `run`'s model on `split` in batches of `batchSize` examples, with its accuracy by input
    /// length in at most `lengthBins` bins.
    ///
    /// - Throws: `MixLabError.invalidArgument` for a batch size or a bin count below 1, or a split without
    ///   scored labels; `nonFiniteValue` when the loss is not finite; the task's errors (e.g. an
    ///   unreadable cache).
    public init(run: TrainedRun, split: TaskSplit, batchSize: Int, lengthBins: Int = RunEvaluation.defaultLengthBins) throws {
        guard batchSize >= 1 else {
            throw MixLabError(.invalidArgument, what: "a batch size of \(batchSize)", location: "evaluation (--batch)",
                              fix: "use a batch of at least 1 example")
        }
        guard lengthBins >= 1 else {
            throw MixLabError(.invalidArgument, what: "\(lengthBins) length bins", location: "evaluation (--length-bins)",
                              fix: "ask for at least 1 bin")
        }
        let task = run.task
        let perClass = run.modelKind != .maskedLanguageModel
        let countsConfusion = perClass && task.classes <= Self.maximumConfusionClasses
        var accumulator = ClassificationMetrics(classes: task.classes, confusion: countsConfusion)
        let scoresByLength = task.labelKind != .token
        var lengths: [Int] = [], lengthLabels: [Int32] = [], correct: [Bool] = []
        let count = task.count(split)
        var first = 0
        while first < count {
            let end = min(first + batchSize, count)
            let batch = try TaskBatch(task: task, split: split, indices: Array(first..<end))
            let rowCorrect = try accumulator.add(logits: try run.model.evaluationLogits(batch.input), labels: batch.labels)
            if scoresByLength {
                let rowLengths = AccuracyByLength.lengths(of: batch.input, pairs: task.labelKind == .pair)
                for (row, label) in batch.labels.enumerated() where label != TaskExample.ignoredLabel {
                    lengths.append(rowLengths[row])
                    lengthLabels.append(label)
                    correct.append(rowCorrect[row])
                }
            }
            first = end
        }
        metrics = accumulator.metrics
        guard metrics.count > 0 else {
            throw MixLabError(.invalidArgument, what: "the \(split.rawValue) split of task \(task.name) has no scored labels (\(count) examples)",
                              location: "evaluation", fix: "evaluate another split (--split)")
        }
        guard metrics.loss.isFinite else {
            throw MixLabError(.nonFiniteValue, what: "the \(split.rawValue) loss is \(metrics.loss)", location: "evaluation of \(run.checkpointPath)",
                              fix: "the weights give non-finite logits: evaluate another checkpoint (--checkpoint)")
        }
        self.run = run.directory.path
        self.task = task.name
        taskSettings = task.settings
        taskOverrides = run.taskOverrides
        self.split = split
        checkpoint = run.checkpoint
        checkpointStep = run.checkpointStep
        checkpointSHA256 = try ContentDigest.hex(ofFileAt: run.checkpointPath)
        runFinished = run.isFinished
        model = run.modelKind
        self.batchSize = batchSize
        examples = count
        byLength = scoresByLength ? try AccuracyByLength(lengths: lengths, labels: lengthLabels, correct: correct, binCount: lengthBins) : nil
        var notes = run.warnings
        if perClass {
            classNames = task.classNames
            self.perClass = accumulator.perClass
            confusion = accumulator.confusion
            if !countsConfusion {
                notes.append("the confusion matrix is left out: \(task.classes) classes are more than \(Self.maximumConfusionClasses)")
            }
        } else {
            classNames = nil
            self.perClass = nil
            confusion = nil
            notes.append("masked-language modelling: accuracy is masked-token accuracy and loss the mean cross-entropy over the "
                + "\(metrics.count) masked positions; per-class scores and the confusion matrix are left out "
                + "(their classes are the \(task.classes) tokens of the vocabulary)")
        }
        self.notes = notes
    }

    /// The evaluation as pretty-printed JSON with sorted keys.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
