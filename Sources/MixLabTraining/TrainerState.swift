import Foundation
import MixLabCore
import MixLabTasks

/// Everything besides the weights and the optimiser that an exact continuation of a run needs, saved in
/// the metadata of every resumable checkpoint (so weights, optimiser and trainer state are written in
/// one atomic file and can never disagree).
///
/// The data order and the dropout masks are pure functions of (seed, step) (see `TrainingDataOrder` and
/// `Trainer`), so no random-generator state is kept. Doubles are stored as JSON numbers in their
/// shortest round-trip form, so every accumulator comes back bit for bit.
public struct TrainerState: Sendable, Equatable, Codable {
    /// The format version of this state.
    public static let currentSchema = "mixlab.trainer-state.v1"
    /// The checkpoint metadata key that holds the state as JSON.
    public static let metadataKey = "mixlab.trainer-state"

    /// `currentSchema` for states this version writes.
    public var schema = Self.currentSchema
    /// Training steps completed (equal to the optimiser's step count).
    public var step = 0
    /// Training losses summed since the last curve point (for that point's mean).
    public var pendingLossSum = 0.0
    /// Steps summed in `pendingLossSum`.
    public var pendingLossSteps = 0
    /// Validation metrics of the best evaluation so far (highest accuracy; the earliest on ties).
    public var bestValidation: RunRecord.Metrics?
    /// The step of `bestValidation`.
    public var bestStep: Int?
    /// Evaluations since the best one (early stopping compares it with `patience`).
    public var evaluationsWithoutImprovement = 0
    /// The most recent validation metrics and their step.
    public var lastValidation: RunRecord.Metrics?
    /// See `lastValidation`.
    public var lastValidationStep: Int?
    /// Whether early stopping ended training (the run then only has its final phase left).
    public var stoppedEarly = false
    /// The learning curve so far.
    public var curve: [RunRecord.CurvePoint] = []
    /// Measured training-step times (warm-up steps of each process excluded), milliseconds.
    public var stepMilliseconds: [Double] = []
    /// Wall time of the work saved so far, over every process that worked on the run, seconds.
    public var wallSeconds = 0.0
    /// The highest peak resident memory of those processes, MiB.
    public var peakMemoryMiB = 0.0
    /// When the run started (ISO 8601, UTC).
    public var startedAt = ""
    /// The steps from which the run was resumed after an interruption, in order.
    public var resumedAtSteps: [Int] = []
    /// The thread count the run has used (resolved from `threads=`).
    public var threads = 0

    /// A fresh state.
    public init() {}

    /// The state as the JSON text stored in a checkpoint.
    public func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Decodes the state stored in a checkpoint's metadata.
    ///
    /// - Throws: `MixLabError.ioFailure` naming `source` when the key is missing, the JSON does not
    ///   decode, or the schema is not `currentSchema`.
    public static func decode(metadata: [String: String], source: String) throws -> TrainerState {
        guard let text = metadata[metadataKey] else {
            throw MixLabError(.ioFailure, what: "\(source) holds no trainer state (\(metadataKey))", location: "resuming a run",
                              fix: "it is not a checkpoint written by mixlab train; start a new run in another folder")
        }
        let state: TrainerState
        do {
            state = try JSONDecoder().decode(TrainerState.self, from: Data(text.utf8))
        } catch {
            throw MixLabError(.ioFailure, what: "the trainer state in \(source) does not decode (\(error))", location: "resuming a run",
                              fix: "the checkpoint is damaged: start the run again with --force (the folder's files are moved aside)")
        }
        guard state.schema == currentSchema else {
            throw MixLabError(.ioFailure, what: "the trainer state in \(source) has format \(state.schema); this MixLab reads \(currentSchema)",
                              location: "resuming a run", fix: "resume it with the MixLab version that wrote it, or start again with --force")
        }
        return state
    }
}
