import MixLabCore
import MixLabTasks

/// What a `Trainer` reports while it runs, in order: `started`, then `step` for every training step
/// with `evaluated` and `checkpointed` in between, then `finished`.
public enum TrainingEvent: Sendable {
    /// The run is about to train: fresh, or resumed from a checkpoint.
    case started(TrainingStart)
    /// A training step finished.
    case step(TrainingStepReport)
    /// The model was evaluated on `split` after `step` steps; `isBest` for a new best validation accuracy.
    case evaluated(step: Int, split: TaskSplit, metrics: RunRecord.Metrics, isBest: Bool)
    /// A resumable checkpoint of step `step` is on disk at `path`.
    case checkpointed(step: Int, path: String)
    /// Early stopping ended training after `step` steps.
    case stoppedEarly(step: Int, bestStep: Int)
    /// The run finished; its record (also in `run.json` when the run has a folder).
    case finished(RunRecord)
}

/// How a run begins.
public struct TrainingStart: Sendable {
    /// The task's name and the model built for it.
    public let task: String
    /// See `TaskModelKind`.
    public let model: TaskModelKind
    /// Trainable parameters.
    public let parameterCount: Int
    /// Steps to train in all.
    public let totalSteps: Int
    /// The step the run resumes after (its last checkpoint), or nil for a fresh run.
    public let resumedFromStep: Int?
    /// The earlier run that was moved aside to start over (`--force`): the folder and the files.
    public let replaced: (folder: String, files: [String])?
    /// Threads used.
    public let threads: Int
    /// Things the user should know before the run goes on (e.g. a resume with another thread count).
    public let warnings: [String]
}

/// One finished training step.
public struct TrainingStepReport: Sendable {
    /// The step (1-based).
    public let step: Int
    /// Steps in all.
    public let totalSteps: Int
    /// The training loss of the step's batch (with label smoothing if any).
    public let loss: Float
    /// The learning rate the step used.
    public let learningRate: Float
    /// The global gradient norm before clipping.
    public let gradientNorm: Float
    /// Wall time of the step (batch, forward, backward, clipping, update), seconds.
    public let seconds: Double
    /// Epochs of the training split completed (fractional).
    public let epochs: Double
}

/// Receives a trainer's events. An observer that throws stops the run at once, as a crash would (no
/// checkpoint is written): tests use it to interrupt runs.
public typealias TrainingObserver = (TrainingEvent) throws -> Void
