import Foundation
import MixLabCore
import MixLabDistributed
import MixLabKernels
import MixLabMixers
import MixLabModels
import MixLabTasks

/// Trains a model on a task as one `RunConfiguration` says, evaluates it, checkpoints it, resumes it
/// exactly after an interruption, and writes its `RunRecord`.
///
/// **Model.** `TaskModelKind.choose(for:)` picks a sequence classifier, a token classifier or a
/// masked-language model; it is initialised from `seed` after the thread count is applied.
///
/// **Step `s`** (1-based): the batch of stream positions `(s − 1)·B ..< s·B` of `TrainingDataOrder`
/// (a seeded permutation per epoch), padded by `TaskBatch` (a `ResampledTrainingTask`, such as MLM's
/// dynamic masking, draws stream position p as draw p); gradients zeroed; forward, loss and
/// backward with dropout drawn from `SeededRandom(seed: seed).derived(20_001).derived(s)`; a check that
/// the loss and every gradient are finite (`NonFiniteGuard`: the run stops with an error naming the
/// step, before the update, so no checkpoint ever holds non-finite weights); clipping of the global
/// gradient norm to `clip` (none when 0); the optimiser update with the schedule's rate at `s`. The
/// optimiser is AdamW (β = 0.9, 0.999, ε = 1e-8, decoupled weight decay `weight-decay` on every
/// parameter but biases and LayerNorm parameters) or SGD with momentum (`momentum`, weight decay on
/// every parameter, as PyTorch's SGD). Because the batch and the dropout masks are functions of
/// (seed, step) alone, and FFTW plans with `estimate` by default (`FFTWPlanner`: the same plans in every
/// process), a run repeated with the same settings and thread count gives the same numbers bit for bit,
/// and a resumed run reproduces an uninterrupted one. With `MIXLAB_FFTW_EFFORT=measure` (timed plans),
/// the plans made so far are saved as wisdom in the run folder with every checkpoint and reloaded on
/// resume, so the training steps after a resume use the plans of the steps before it (plans first made
/// after the last checkpoint, such as a new evaluation batch shape, are measured anew); two separate
/// runs may then differ in the last bits. The run record names the effort and a digest of the plans.
///
/// Fault injection: with `MIXLAB_INJECT_NAN_GRADIENT_AT_STEP=s`, the first gradient value of step `s`
/// is set to NaN before the finiteness check (`Scripts/fault-injection.sh` uses it).
///
/// **Learning curve.** Every `log-every` steps and at every evaluation a point holds the mean training
/// loss since the previous point and the learning rate; evaluation points add the validation metrics.
///
/// **Evaluation** (`ClassificationMetrics`: loss, accuracy, macro-F1) runs in evaluation mode (no
/// dropout) every `eval-every` steps and after the last step, on the whole validation split or on its
/// first `eval-batches`·B examples (the same examples every time). The best evaluation is the one with
/// the highest validation accuracy (the earliest on ties); its weights are saved as
/// `checkpoint-best.safetensors`. With `patience` P > 0, training stops after P evaluations in a row
/// without a better accuracy. The **test split** is evaluated once, at the end, with the final model
/// (not the best one: selecting on validation and reporting the final model keeps the test split out
/// of every decision); the record also carries the best validation metrics and their step.
///
/// **Checkpoints** (with a run folder, see `RunDirectory`): every `checkpoint-every` steps and at the
/// end, weights, optimiser state and `TrainerState` in one atomic file.
///
/// **Timing.** A step's time covers building the batch, forward, backward, the finiteness check,
/// clipping and the update;
/// evaluation, checkpoints and logging are outside it. The first 3 steps of every process are warm-up
/// (FFTW planning, first buffers) and left out of the median unless nothing else was measured.
/// Tokens/s = B·T / median step time, with T the task's padded length.
///
/// **Data parallelism** (see `Trainer+DataParallel.swift` and docs/distributed.md): with a `Communicator`
/// of N > 1 ranks, every rank builds the same global batch order, trains on its `BatchShard` of each
/// batch, and the gradients are averaged with one all-reduce of one flat buffer per step, weighted by
/// each rank's count of scored labels, so every rank applies the same update. Rank 0 alone owns the run
/// folder (settings, checkpoints, curve, record) and sends its starting state (fresh or resumed) to the
/// others; evaluation batches are shared out and their sums all-reduced. With one rank nothing of this
/// runs and results are those of a plain run, bit for bit.
///
/// The trainer applies `threads` to `Parallelism` (MixLab's loops, FFTW plans and OpenBLAS), which is
/// process-wide: run one trainer per process, or give concurrent trainers the same thread count.
public final class Trainer {
    /// What to do when the run folder already holds a run.
    public enum ExistingRun: Sendable {
        /// Resume an unfinished run with the same settings; refuse a finished run or other settings.
        case resume
        /// Like `resume`, and refuse when there is nothing to resume (`--resume`).
        case requireResume
        /// Move an earlier run's files into `replaced-<time>/` (reported in `TrainingStart`) and start
        /// over (`--force`).
        case startOver
    }

    /// Steps of each process left out of the median step time.
    public static let warmupSteps = 3

    /// The run's settings.
    public let configuration: RunConfiguration
    /// The task trained on.
    public let task: any LearningTask
    /// The model kind chosen for the task.
    public let modelKind: TaskModelKind
    /// The model.
    public let model: any TaskModel
    /// The run folder, or nil for a run that writes no files (and on every rank but rank 0).
    public let directory: RunDirectory?
    /// The group of processes the run trains with (one process unless an MPI launcher started it).
    public let communicator: any Communicator
    /// This rank's rows of every global batch.
    public let shard: BatchShard
    /// Receives the run's events (progress display, tests).
    public var observer: TrainingObserver?

    /// The optimiser (AdamW or SGD), with its state.
    let optimizer: any Optimizer
    /// The model's parameters by name: what is checkpointed.
    let parameters: [(name: String, parameter: Parameter)]
    /// The parameters the optimiser updates (all but frozen ones): what is clipped and updated.
    let trainableParameters: [(name: String, parameter: Parameter)]
    /// The encoder the run started from (`init-from`), or nil.
    let initialization: RunRecord.Initialization?
    /// The learning rate of every step.
    let schedule: LearningRateSchedule
    /// The thread count applied to `Parallelism`.
    let threads: Int
    /// The run folder's lock, held from `init` until `run` returns.
    var lock: FileLock?
    /// What the run's `started` event reports.
    let start: TrainingStart
    /// Everything a checkpoint saves of the loop: step, curve, best result, timings.
    var state: TrainerState
    /// The order of the training examples, epoch by epoch.
    var order: TrainingDataOrder
    /// When this process's part of the run began (for the wall time).
    let processStart = DispatchTime.now().uptimeNanoseconds
    /// The wall time of the processes before this one (from the checkpoint).
    let wallSecondsBefore: Double
    /// This process's first `warmupSteps` step times, left out of the median.
    var warmupMilliseconds: [Double] = []
    /// The learning-curve file, appended to as the run goes.
    var curveFile: FileHandle?
    /// Whether `run` was called: a trainer runs once.
    var hasRun = false
    /// The registrations of the run's mixers (for the record's provenance of mixers defined outside MixLab).
    let mixerRegistrations: [MixerRegistration]
    var lastSavedStep: Int?
    /// The flat buffer of one step's all-reduce (trainable gradients, weighted loss, count), with N > 1 ranks.
    var reductionBuffer: [Float] = []
    /// This process's all-reduce times per step (after the warm-up steps), in milliseconds.
    var allReduceMilliseconds: [Double] = []
    /// The step whose gradient is made non-finite on purpose (`MIXLAB_INJECT_NAN_GRADIENT_AT_STEP`), for
    /// fault injection: it shows that the run stops with a diagnosis and the last checkpoint stays good.
    let injectedNaNStep = ProcessInfo.processInfo.environment["MIXLAB_INJECT_NAN_GRADIENT_AT_STEP"].flatMap { Int($0) }

    /// Prepares a run: checks the task, applies the thread count, sets up (or resumes from) the run
    /// folder, and builds the model and the optimiser.
    ///
    /// - Parameters:
    ///   - configuration: the run's settings.
    ///   - task: the task to train on.
    ///   - directory: the run folder (created if missing), or nil to write nothing.
    ///   - existingRun: what to do with a run already in the folder.
    ///   - registry: where the mixer names are looked up.
    ///   - observer: receives the run's events.
    ///   - communicator: the ranks that train together (rank 0 alone uses `directory`); every rank must
    ///     construct its trainer with the same settings.
    /// - Throws: `MixLabError` for a task without train, validation or test examples or with fewer than
    ///   two classes; more ranks than the batch; ranks whose settings or data differ from rank 0's; a
    ///   refused run folder (a finished run, different settings — listed —, foreign files,
    ///   another process working in it, nothing to resume with `requireResume`); an unwritable folder; a
    ///   damaged checkpoint; the model's configuration errors.
    public init(
        configuration: RunConfiguration, task: any LearningTask, directory: String? = nil, existingRun: ExistingRun = .resume,
        registry: MixerRegistry = .shared, observer: TrainingObserver? = nil,
        communicator: any Communicator = SingleProcessCommunicator()
    ) throws {
        self.configuration = configuration
        self.communicator = communicator
        shard = try BatchShard(rank: communicator.rank, ranks: communicator.size, batch: configuration.batch)
        let folderPath = communicator.isRoot ? directory : nil
        self.task = task
        self.observer = observer
        try Self.check(task: task, configuration: configuration)
        schedule = configuration.learningRateSchedule
        try schedule.validate()

        threads = configuration.threads == 0 ? max(1, ProcessInfo.processInfo.activeProcessorCount) : configuration.threads
        if Parallelism.threads != threads { try Parallelism.setThreads(threads) }

        let pretrained = configuration.initFrom.isEmpty ? nil : try PretrainedEncoder.open(configuration.initFrom, registry: registry)
        var resolved = Self.resolvedSettings(configuration, task: task, registry: registry)
        if let pretrained { resolved["init-from-sha256"] = pretrained.sha256 }
        let settings = RunDirectory.SavedSettings(settings: configuration.settings, resolved: resolved)
        if communicator.size > 1 { try Self.requireAgreement(resolved: resolved, task: task, communicator: communicator) }
        var action = FolderAction.fresh
        if let directory = folderPath {
            let folder = RunDirectory(directory)
            if existingRun == .requireResume, !FileManager.default.fileExists(atPath: directory) {
                throw MixLabError(.invalidArgument, what: "there is no run to resume in \(directory): the folder does not exist",
                                  location: "run folder (--out)", fix: "check the path, or start a new run without --resume")
            }
            try folder.create()
            lock = try folder.lock()
            folder.removeTemporaryFiles()
            action = try Self.action(for: folder, settings: settings, existingRun: existingRun)
            if case .resume(.some) = action, FFTWPlanner.shared.effort != .estimate,
               FileManager.default.fileExists(atPath: folder.file(RunDirectory.wisdomFile)) {
                // Before the model makes its plans, so that measured plans are the ones the run used (estimated
                // plans depend on the shape alone: nothing to reload).
                try? FFTWPlanner.shared.importWisdom(from: folder.file(RunDirectory.wisdomFile))
            }
            self.directory = folder
        } else {
            self.directory = nil
            lock = nil
        }

        modelKind = TaskModelKind.choose(for: task)
        model = try modelKind.makeModel(for: task, configuration: configuration, registry: registry)
        var mixers = [configuration.mixer]
        if configuration.attentionLayers > 0 { mixers.append(EncoderConfiguration().attentionMixer) }
        mixerRegistrations = mixers.compactMap { try? registry.registration(named: $0) }
        var warnings: [String] = []
        if let pretrained {
            warnings += try pretrained.load(into: model.encoder, configuration: configuration, task: task, registry: registry)
            initialization = RunRecord.Initialization(
                path: pretrained.path, source: pretrained.source.rawValue, weightsFile: pretrained.weightsFile, sha256: pretrained.sha256)
        } else {
            initialization = nil
        }
        Self.applyTransferSettings(configuration, to: model)
        parameters = model.namedParameters
        trainableParameters = parameters.filter(\.parameter.isTrainable)
        switch configuration.optimizer {
        case .adamw: optimizer = try AdamW(weightDecay: configuration.weightDecay)
        case .sgd: optimizer = try SGD(momentum: configuration.momentum, weightDecay: configuration.weightDecay)
        }
        order = try TrainingDataOrder(count: task.count(.train), seed: configuration.seed)

        // Only now, with everything built, does the folder change.
        var state = TrainerState()
        state.startedAt = Self.timestamp()
        state.threads = threads
        var replaced: (folder: String, files: [String])?
        var resumeCheckpoint: String?
        if let folder = self.directory {
            switch action {
            case .fresh:
                try folder.writeSettings(settings)
            case .startOver:
                replaced = try folder.moveRunAside()
                try folder.writeSettings(settings)
            case .resume(let checkpoint):
                resumeCheckpoint = checkpoint
            }
        }
        var resumedFrom: Int?
        if let resumeCheckpoint {
            let metadata = try Checkpoint.load(into: parameters, optimizer: optimizer, from: resumeCheckpoint)
            let saved = try TrainerState.decode(metadata: metadata, source: resumeCheckpoint)
            guard saved.step == optimizer.stepCount, saved.step <= configuration.steps else {
                throw MixLabError(
                    .ioFailure, what: "\(resumeCheckpoint) is inconsistent: trainer step \(saved.step), optimiser step \(optimizer.stepCount), run steps \(configuration.steps)",
                    location: "resuming a run", fix: "the checkpoint is damaged: start again with --force (the folder's files are moved aside)")
            }
            if saved.threads != threads {
                warnings.append("the run used \(saved.threads) threads and continues with \(threads): the results will not match an uninterrupted run bit for bit")
            }
            state = saved
            state.resumedAtSteps.append(saved.step)
            state.threads = threads
            resumedFrom = saved.step
            lastSavedStep = saved.step
        }
        if communicator.size > 1 {
            // Rank 0's weights, optimiser state and trainer state (fresh or resumed) on every rank.
            let received = try Self.shareStartingState(
                state, parameters: parameters, optimizer: optimizer, communicator: communicator, lastSavedStep: lastSavedStep)
            state = received.state
            lastSavedStep = received.lastSavedStep
            reductionBuffer = [Float](repeating: 0, count: Self.trainableCount(parameters) + 2)
        }
        self.state = state
        wallSecondsBefore = state.wallSeconds
        start = TrainingStart(
            task: task.name, model: modelKind, parameterCount: Self.trainableCount(parameters), totalSteps: configuration.steps,
            resumedFromStep: resumedFrom, replaced: replaced, threads: threads, warnings: warnings)
        if let directory = self.directory {
            // The curve file restarts from what the checkpoint holds (points written after it are redone).
            try Self.writeCurve(state.curve, to: directory.file(RunDirectory.curveFile))
            curveFile = FileHandle(forWritingAtPath: directory.file(RunDirectory.curveFile))
            _ = try? curveFile?.seekToEnd()
        }
    }

    deinit {
        try? curveFile?.close()
    }

    /// Trains the remaining steps, evaluates, saves the final checkpoint and returns the run record
    /// (also written to `run.json` with a run folder).
    ///
    /// - Throws: `MixLabError.nonFiniteValue` naming the step when the loss or a gradient is not finite
    ///   (the last checkpoint stays as it was); the task's errors (e.g. an unreadable cache); I/O errors
    ///   writing checkpoints; whatever the observer throws.
    public func run() throws -> RunRecord {
        guard !hasRun else {
            throw MixLabError(.invalidArgument, what: "this trainer has already run", location: "Trainer.run",
                              fix: "make a new Trainer (with the same folder it resumes or refuses, as configured)")
        }
        hasRun = true
        // The folder's lock ends with the run, whether it finishes or throws, not whenever the trainer
        // is deallocated: a caller may resume in the same folder at once.
        defer { lock = nil }
        ProcessMemory.startMeasuringPeak()  // this run's peak, not that of earlier runs in the process
        try observer?(.started(start))
        if state.step < configuration.steps, !state.stoppedEarly { try train() }
        return try finish()
    }

    // MARK: - Training

    /// Runs the remaining steps (see the type's documentation), evaluating, logging and checkpointing.
    private func train() throws {
        let batchSize = configuration.batch
        var indices = [Int](repeating: 0, count: batchSize)
        var shardIndices = [Int](repeating: 0, count: shard.count)
        let dropoutRoot = SeededRandom(seed: configuration.seed).derived(20_001)
        let maximumNorm = configuration.clip > 0 ? configuration.clip : Float.infinity
        var processSteps = 0
        state.stepMilliseconds.reserveCapacity(state.stepMilliseconds.count + configuration.steps - state.step)
        while state.step < configuration.steps {
            let step = state.step + 1
            let began = DispatchTime.now().uptimeNanoseconds
            order.fill(&indices, step: step)
            // This rank's rows of the global batch (all of them with one rank), drawn as they would be in one process.
            for i in shardIndices.indices { shardIndices[i] = indices[shard.start + i] }
            let batch = try TaskBatch(
                task: task, trainingIndices: shardIndices, firstDraw: UInt64(step - 1) * UInt64(batchSize) + UInt64(shard.start))
            for (_, parameter) in parameters { parameter.zeroGradient() }
            var dropout = dropoutRoot.derived(UInt64(step))
            if communicator.size > 1 { dropout = dropout.derived(UInt64(communicator.rank)) }
            let result = try model.lossAndGradients(batch.input, labels: batch.labels, training: true, random: &dropout)
            if step == injectedNaNStep, let first = parameters.first?.parameter { first.gradient[flat: 0] = .nan }
            var loss = result.loss
            if communicator.size > 1 {
                let reduceBegan = DispatchTime.now().uptimeNanoseconds
                loss = try averageGradients(loss: result.loss, counted: result.counted)
                if processSteps >= Self.warmupSteps {
                    allReduceMilliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - reduceBegan) / 1e6)
                }
            }
            try checkFinite(loss: loss, step: step)
            let norm = clipGradients(trainableParameters, maxNorm: maximumNorm)
            let rate = schedule.rate(at: step)
            optimizer.step(trainableParameters, learningRate: rate)
            let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e6
            processSteps += 1
            if processSteps <= Self.warmupSteps { warmupMilliseconds.append(milliseconds) } else { state.stepMilliseconds.append(milliseconds) }

            state.step = step
            state.pendingLossSum += Double(loss)
            state.pendingLossSteps += 1
            try observer?(.step(TrainingStepReport(
                step: step, totalSteps: configuration.steps, loss: loss, learningRate: rate, gradientNorm: norm,
                seconds: milliseconds / 1000, epochs: order.epochs(afterStep: step, batch: batchSize))))

            let evaluates = step % configuration.evalEvery == 0 || step == configuration.steps
            if evaluates || step % configuration.logEvery == 0 {
                var point = RunRecord.CurvePoint(
                    step: step, trainLoss: state.pendingLossSum / Double(state.pendingLossSteps), learningRate: Double(rate))
                state.pendingLossSum = 0
                state.pendingLossSteps = 0
                if evaluates { point.validation = try evaluateValidation(step: step) }
                state.curve.append(point)
                appendToCurveFile(point)
            }
            if state.stoppedEarly {
                try observer?(.stoppedEarly(step: step, bestStep: state.bestStep ?? step))
                return
            }
            if configuration.checkpointEvery > 0, step % configuration.checkpointEvery == 0, step < configuration.steps {
                try saveCheckpoint()
            }
        }
    }

    /// Throws a `nonFiniteValue` error that names the step, the parameter, and what to change.
    private func checkFinite(loss: Float, step: Int) throws {
        do {
            try NonFiniteGuard.check(loss: loss, parameters: parameters, step: step)
        } catch let error as MixLabError {
            let lastGood = directory.map { folder -> String in
                lastSavedStep.map { "; the last good checkpoint (step \($0)) in \(folder.path) is intact" } ?? "; no checkpoint was written yet"
            } ?? ""
            let lower = configuration.learningRate / 4
            throw MixLabError(
                .nonFiniteValue, what: error.what, location: "training step \(step) of task \(task.name)",
                fix: "lower the learning rate (lr=\(configuration.learningRate) now; try lr=\(lower))"
                    + (configuration.clip > 0 ? " or clip harder (clip=\(configuration.clip) now)" : " or clip gradients (clip=1)")
                    + ", or lengthen the warm-up, then start again (--force, or another --out)\(lastGood)")
        }
    }

    // MARK: - Checks

    /// Refuses a task without train, validation or test examples, with fewer than two classes, or too
    /// many positions for the step counter.
    private static func check(task: any LearningTask, configuration: RunConfiguration) throws {
        for split in TaskSplit.allCases where task.count(split) < 1 {
            throw MixLabError(.invalidArgument, what: "task \(task.name) has no \(split.rawValue) examples", location: "task \(task.name)",
                              fix: "check the task's settings: training needs train, validation and test examples")
        }
        guard task.classes >= 2 else {
            throw MixLabError(.invalidArgument, what: "task \(task.name) has \(task.classes) class(es)", location: "task \(task.name)",
                              fix: "a classification task needs at least 2 classes")
        }
        let (positions, overflow) = configuration.steps.multipliedReportingOverflow(by: configuration.batch)
        guard !overflow, positions < Int.max / 2 else {
            throw MixLabError(.invalidConfigValue, what: "steps=\(configuration.steps) × batch=\(configuration.batch) is too large",
                              location: "run configuration", fix: "train for fewer steps or with smaller batches")
        }
    }

    /// The number of trainable values.
    private static func trainableCount(_ parameters: [(name: String, parameter: Parameter)]) -> Int {
        parameters.reduce(0) { $0 + ($1.parameter.isTrainable ? $1.parameter.value.count : 0) }
    }
}
