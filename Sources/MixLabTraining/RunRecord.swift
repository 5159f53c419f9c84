import Foundation
import MixLabCore
import MixLabTasks

/// What one finished training run reports: its resolved settings, its metrics and learning curve, its
/// cost, and the environment it ran in. Written by `mixlab train` as `run.json` and appended as one
/// JSON line per run to a study's results file; study reports are computed from these alone.
///
/// The format is versioned by `schema`; readers reject other versions instead of guessing.
public struct RunRecord: Sendable, Equatable, Codable {
    /// Reads a run record file (`run.json`), checking its seal (`FileIntegrity`).
    ///
    /// - Throws: `MixLabError.ioFailure` naming the file when it cannot be read, is damaged, or does not
    ///   decode as a record.
    public static func read(from path: String) throws -> RunRecord {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw MixLabError(.ioFailure, what: "cannot read the run record \(path)", location: "run folder",
                              fix: "check the file's permissions")
        }
        return try decode(bytes, path: path)
    }

    /// Decodes the bytes of a run record file, checking its seal; `path` names it in errors.
    ///
    /// - Throws: as `read(from:)`.
    public static func decode(_ bytes: Data, path: String) throws -> RunRecord {
        let fix = "the file is damaged: start the run again with --force (the folder's files are moved aside)"
        try FileIntegrity.verify(bytes, path: path, location: "run folder", fix: fix)
        do {
            return try JSONDecoder().decode(RunRecord.self, from: bytes)
        } catch {
            throw MixLabError(.ioFailure, what: "the run record \(path) does not decode (\(error))", location: "run folder", fix: fix)
        }
    }

    /// The format version of this record.
    public static let currentSchema = "mixlab.run.v1"

    /// Loss and classification metrics on one split.
    public struct Metrics: Sendable, Equatable, Codable {
        /// Mean cross-entropy per scored label.
        public var loss: Double
        /// Fraction of scored labels predicted correctly.
        public var accuracy: Double
        /// Unweighted mean over classes of the per-class F1 (classes absent from both labels and
        /// predictions are left out).
        public var macroF1: Double
        /// Scored labels (examples for sequence tasks, non-ignored tokens for token tasks).
        public var count: Int

        /// Metrics from their parts.
        public init(loss: Double, accuracy: Double, macroF1: Double, count: Int) {
            self.loss = loss
            self.accuracy = accuracy
            self.macroF1 = macroF1
            self.count = count
        }
    }

    /// One point of the learning curve.
    public struct CurvePoint: Sendable, Equatable, Codable {
        /// The step (1-based) after which the point was taken.
        public var step: Int
        /// Mean training loss over the steps since the previous point.
        public var trainLoss: Double
        /// The learning rate at `step`.
        public var learningRate: Double
        /// Validation metrics, when the point is an evaluation.
        public var validation: Metrics?

        /// A point from its parts.
        public init(step: Int, trainLoss: Double, learningRate: Double, validation: Metrics? = nil) {
            self.step = step
            self.trainLoss = trainLoss
            self.learningRate = learningRate
            self.validation = validation
        }
    }

    /// Where and with what a run was made, so a figure can be traced and reproduced.
    public struct Environment: Sendable, Equatable, Codable {
        /// The git commit of the MixLab source tree (with `-dirty` when it had changes), or `unknown`.
        public var commit: String
        /// `MixLabVersion.current`.
        public var mixlabVersion: String
        /// The Swift compiler version the binary was built with.
        public var swiftVersion: String
        /// The CPU model name.
        public var cpu: String
        /// Logical cores available to the process.
        public var cores: Int
        /// Threads the run used.
        public var threads: Int
        /// OpenBLAS's kernel family (`openblas_get_corename`).
        public var blasCore: String
        /// The FFTW version string.
        public var fftwVersion: String
        /// The operating system.
        public var system: String
        /// The build configuration (`release` or `debug`).
        public var build: String
        /// The instruction sets of the kernels (`KernelInstructionSets.summary`): what the Swift loops
        /// were compiled for and which C kernel variant ran; `unknown` in records written before it was
        /// recorded.
        public var kernels: String
        /// FFTW's planner effort (`estimate`, `measure` or `patient`), nil in records written before it was
        /// recorded.
        public var fftwEffort: String?
        /// The SHA-256 of `FFTWPlanner.planListing` when the record was written: every FFTW plan the
        /// process had made, with the algorithm FFTW chose for each (equal digests, equal plans). Nil in
        /// records written before it was recorded.
        public var fftwPlansSHA256: String?
        /// The run's mixers that were registered outside MixLab, with their package and its commit
        /// (nil or empty when every mixer is MixLab's own).
        public var externalMixers: [ExternalMixer]?

        /// An environment from its parts.
        public init(
            commit: String, mixlabVersion: String, swiftVersion: String, cpu: String, cores: Int, threads: Int,
            blasCore: String, fftwVersion: String, system: String, build: String, kernels: String = "unknown"
        ) {
            self.commit = commit
            self.mixlabVersion = mixlabVersion
            self.swiftVersion = swiftVersion
            self.cpu = cpu
            self.cores = cores
            self.threads = threads
            self.blasCore = blasCore
            self.fftwVersion = fftwVersion
            self.system = system
            self.build = build
            self.kernels = kernels
        }

        /// Decodes an environment; `kernels`, `externalMixers` and the FFTW fields may be absent (records of earlier versions).
        public init(from decoder: any Decoder) throws {
            let values = try decoder.container(keyedBy: CodingKeys.self)
            commit = try values.decode(String.self, forKey: .commit)
            mixlabVersion = try values.decode(String.self, forKey: .mixlabVersion)
            swiftVersion = try values.decode(String.self, forKey: .swiftVersion)
            cpu = try values.decode(String.self, forKey: .cpu)
            cores = try values.decode(Int.self, forKey: .cores)
            threads = try values.decode(Int.self, forKey: .threads)
            blasCore = try values.decode(String.self, forKey: .blasCore)
            fftwVersion = try values.decode(String.self, forKey: .fftwVersion)
            system = try values.decode(String.self, forKey: .system)
            build = try values.decode(String.self, forKey: .build)
            kernels = try values.decodeIfPresent(String.self, forKey: .kernels) ?? "unknown"
            externalMixers = try values.decodeIfPresent([ExternalMixer].self, forKey: .externalMixers)
            fftwEffort = try values.decodeIfPresent(String.self, forKey: .fftwEffort)
            fftwPlansSHA256 = try values.decodeIfPresent(String.self, forKey: .fftwPlansSHA256)
        }
    }

    /// A mixer registered by a package other than MixLab, as a run record names it.
    public struct ExternalMixer: Sendable, Equatable, Codable {
        /// The registry name, e.g. `exponential-smoothing`.
        public var mixer: String
        /// The folder of the package whose source file registered it (the one holding its `Package.swift`).
        public var package: String
        /// That package's git commit, with `-dirty` when it had changes, or `unknown`.
        public var commit: String

        /// An external mixer from its parts.
        public init(mixer: String, package: String, commit: String) {
            self.mixer = mixer
            self.package = package
            self.commit = commit
        }
    }

    /// The encoder a run started from (`init-from`).
    public struct Initialization: Sendable, Equatable, Codable {
        /// The `init-from` path as given.
        public var path: String
        /// `PretrainedEncoder.Source`: `run-folder`, `checkpoint` or `huggingface`.
        public var source: String
        /// The file the weights were read from.
        public var weightsFile: String
        /// The SHA-256 of that file.
        public var sha256: String

        /// An initialisation from its parts.
        public init(path: String, source: String, weightsFile: String, sha256: String) {
            self.path = path
            self.source = source
            self.weightsFile = weightsFile
            self.sha256 = sha256
        }
    }

    /// How a run ended.
    public enum Status: String, Sendable, Equatable, Codable {
        /// Trained for all its steps.
        case completed
        /// Stopped by early stopping (`patience`).
        case earlyStopped = "early-stopped"
    }

    /// `currentSchema` for records this version writes.
    public var schema: String
    /// Every run setting, defaults included (`RunConfiguration.settings`): re-running with these
    /// settings reproduces the run.
    public var settings: [String: String]
    /// The task's resolved settings (its own defaults included).
    public var taskSettings: [String: String]
    /// How the run ended.
    public var status: Status
    /// Training steps taken.
    public var steps: Int
    /// Trainable parameters.
    public var parameterCount: Int
    /// Validation metrics at the evaluation with the best validation accuracy, and its step.
    public var bestValidation: Metrics?
    /// The step of `bestValidation`.
    public var bestStep: Int?
    /// Validation metrics of the final model.
    public var validation: Metrics?
    /// Test metrics of the final model (measured once, at the end).
    public var test: Metrics?
    /// The learning curve.
    public var curve: [CurvePoint]
    /// Median wall time of a training step (forward, loss, backward, optimiser), milliseconds.
    public var medianStepMilliseconds: Double
    /// Training tokens per second (batch × sequence length / median step time).
    public var tokensPerSecond: Double
    /// Wall time of the whole run including evaluation, seconds.
    public var wallSeconds: Double
    /// Peak resident memory during the run, MiB (on Linux this run's own peak even when one process
    /// runs many, as a study does; see `ProcessMemory`).
    public var peakMemoryMiB: Double
    /// The machine and software.
    public var environment: Environment
    /// ISO 8601 UTC times of the start and end of the run.
    public var startedAt: String
    /// See `startedAt`.
    public var finishedAt: String
    /// The model trained (`TaskModelKind`: `sequence-classifier`, `token-classifier`,
    /// `masked-language-model`, `pair-classifier`); nil in records that do not say.
    public var model: String?
    /// The number of examples of each split of the task (`train`, `validation`, `test`); nil in records
    /// that do not say.
    public var splitSizes: [String: Int]?
    /// The steps after which the run was resumed from a checkpoint following an interruption (empty: it
    /// ran in one go; a resumed run continues exactly, so only its timing is affected); nil in records
    /// that do not say.
    public var resumedAtSteps: [Int]?
    /// The encoder the run started from (`init-from`); nil for a run initialised from its seed.
    public var initialization: Initialization?
    /// The ranks of a data-parallel run and its all-reduce time; nil for a run in one process.
    public var dataParallelism: DataParallelism?

    /// A record from its parts (`schema` is set to `currentSchema`).
    public init(
        settings: [String: String], taskSettings: [String: String], status: Status, steps: Int, parameterCount: Int,
        bestValidation: Metrics?, bestStep: Int?, validation: Metrics?, test: Metrics?, curve: [CurvePoint],
        medianStepMilliseconds: Double, tokensPerSecond: Double, wallSeconds: Double, peakMemoryMiB: Double,
        environment: Environment, startedAt: String, finishedAt: String
    ) {
        schema = Self.currentSchema
        self.settings = settings
        self.taskSettings = taskSettings
        self.status = status
        self.steps = steps
        self.parameterCount = parameterCount
        self.bestValidation = bestValidation
        self.bestStep = bestStep
        self.validation = validation
        self.test = test
        self.curve = curve
        self.medianStepMilliseconds = medianStepMilliseconds
        self.tokensPerSecond = tokensPerSecond
        self.wallSeconds = wallSeconds
        self.peakMemoryMiB = peakMemoryMiB
        self.environment = environment
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}
