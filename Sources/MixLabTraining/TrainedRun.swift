import Foundation
import MixLabCore
import MixLabMixers
import MixLabModels
import MixLabTasks

/// A trained model opened from its run folder: the run's configuration, its task (or a compatible
/// one), the model, and the weights of one of its checkpoints.
///
/// Opening reads `settings.json` (its seal checked), rebuilds the `RunConfiguration` from the saved
/// settings, makes the task through a `TaskRegistry`, builds the model `TaskModelKind` chooses for it,
/// and loads the weights strictly (`Checkpoint.load`): `checkpoint-last.safetensors` (the final weights of
/// a finished run) or `checkpoint-best.safetensors` (the weights of the best validation accuracy). An
/// unfinished run opens with a warning naming the step its checkpoint holds. Nothing in the folder is
/// written or locked: a run still training may be read (its checkpoints are replaced atomically).
///
/// **The task.** Without overrides it is the run's own, and its resolved settings must still be the
/// ones the run saved (a changed tokenizer file, for instance, is refused). Overrides
/// (`task=NAME`, `task.KEY=VALUE`) make another task to read with the same model — another dataset or
/// split source with the same vocabulary and classes. It must be compatible with the run's task:
/// the same label kind, vocabulary size, token names and special ids (mask, classification), number
/// of classes, class names and sequence length; every difference is listed in one error. Whenever the
/// checkpoint records the token names it was trained with, the task's are compared with them too.
public struct TrainedRun: Sendable {
    /// Which checkpoint of the run to load.
    public enum CheckpointChoice: String, Sendable, CaseIterable, Codable {
        /// `checkpoint-last.safetensors`: the final weights of a finished run, the latest saved ones of an
        /// unfinished run.
        case last
        /// `checkpoint-best.safetensors`: the weights of the best validation accuracy.
        case best

        /// The checkpoint's file name in a run folder.
        public var fileName: String {
            self == .last ? RunDirectory.lastCheckpointFile : RunDirectory.bestCheckpointFile
        }
    }

    /// The run folder.
    public let directory: RunDirectory
    /// The settings saved in the folder.
    public let savedSettings: RunDirectory.SavedSettings
    /// The run's configuration, rebuilt from the saved settings.
    public let configuration: RunConfiguration
    /// The run's record, when the run finished.
    public let record: RunRecord?
    /// The task the model reads: the run's, or the compatible task of `taskOverrides`.
    public let task: any LearningTask
    /// The overrides the task was made with (`task`, `task.KEY`), empty for the run's own task.
    public let taskOverrides: [String: String]
    /// The model kind (the run's).
    public let modelKind: TaskModelKind
    /// The model, holding the checkpoint's weights.
    public let model: any TaskModel
    /// Which checkpoint was loaded.
    public let checkpoint: CheckpointChoice
    /// The path of the loaded checkpoint file.
    public let checkpointPath: String
    /// The training step whose weights the checkpoint holds.
    public let checkpointStep: Int
    /// What a user should know (an unfinished run), one sentence each.
    public let warnings: [String]

    /// Where errors about the run folder are reported.
    static let location = "run folder"

    /// Opens the run in `path` and loads the weights of `checkpoint`.
    ///
    /// - Parameters:
    ///   - path: the run folder (`mixlab train --out DIR`).
    ///   - checkpoint: `last` (the final weights) or `best` (the best validation accuracy's).
    ///   - taskOverrides: `task=NAME` and `task.KEY=VALUE` settings that make another, compatible task.
    ///   - tasks: where the task name is looked up.
    ///   - mixers: where the mixer names are looked up.
    /// - Throws: `MixLabError` when the folder is missing (`ioFailure`), is not a run folder or holds no
    ///   checkpoint yet (`invalidArgument`); an override key other than `task`/`task.KEY`
    ///   (`unknownConfigKey`); a task that no longer resolves to the saved settings or is incompatible
    ///   (`invalidArgument`, every difference listed); and the errors of the readers, which check every
    ///   file's seal or structure (a damaged `settings.json`, `run.json` or checkpoint is an `ioFailure`
    ///   naming the file) and of the task registry (e.g. a dataset that is not prepared).
    public init(
        path: String, checkpoint: CheckpointChoice = .last, taskOverrides: [String: String] = [:],
        tasks: TaskRegistry = .shared, mixers: MixerRegistry = .shared
    ) throws {
        let directory = RunDirectory(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MixLabError(.ioFailure, what: "there is no run folder at \(path)", location: Self.location,
                              fix: "check the path: it is the folder `mixlab train --out DIR` wrote")
        }
        guard isDirectory.boolValue else {
            throw MixLabError(.invalidArgument, what: "\(path) is a file, not a run folder", location: Self.location,
                              fix: "give the folder `mixlab train --out DIR` wrote, not one of its files")
        }
        var warnings: [String] = []
        let saved: RunDirectory.SavedSettings
        switch try directory.inspect() {
        case .empty:
            throw MixLabError(.invalidArgument, what: "\(path) is not a run folder: it holds no \(RunDirectory.settingsFile)",
                              location: Self.location, fix: "give the folder `mixlab train --out DIR` wrote")
        case .foreign(let files):
            let listed = files.prefix(8).joined(separator: ", ") + (files.count > 8 ? ", … (\(files.count) in all)" : "")
            throw MixLabError(.invalidArgument, what: "\(path) is not a run folder: it holds \(listed) and no \(RunDirectory.settingsFile)",
                              location: Self.location, fix: "give the folder `mixlab train --out DIR` wrote")
        case .finished(let settings, let record):
            guard let settings else {
                throw MixLabError(.ioFailure, what: "\(path) holds \(RunDirectory.recordFile) but no \(RunDirectory.settingsFile)",
                                  location: Self.location, fix: "the run folder is incomplete: restore \(RunDirectory.settingsFile), or train again")
            }
            saved = settings
            self.record = record
        case .unfinished(let settings, let step):
            saved = settings
            record = nil
            if let step {
                warnings.append("the run in \(path) has not finished: its last checkpoint holds the weights after step \(step)")
            } else if checkpoint == .last {
                throw MixLabError(.invalidArgument, what: "the run in \(path) has no checkpoint yet", location: Self.location,
                                  fix: "wait for its first checkpoint (every checkpoint-every steps), or resume it: mixlab train --out \(path) --resume")
            }
        }
        let configuration = try RunConfiguration(settings: saved.settings, location: directory.file(RunDirectory.settingsFile))
        let runTask = try tasks.make(configuration.task, settings: configuration.taskSettings)
        let task: any LearningTask
        if taskOverrides.isEmpty {
            try Self.checkResolved(runTask, configuration: configuration, saved: saved, mixers: mixers, path: path)
            task = runTask
        } else {
            var values = configuration.taskSettings.mapKeys { "task." + $0 }
            values["task"] = configuration.task
            for (key, value) in taskOverrides {
                guard key == "task" || (key.hasPrefix("task.") && key.count > 5) else {
                    throw MixLabError(.unknownConfigKey, what: "'\(key)' is not a task setting", location: "task overrides",
                                      fix: "override the task with task=NAME and task.KEY=VALUE only; the model's settings are the run's")
                }
                values[key] = value
            }
            // Another task name starts from its own defaults, not from the run task's settings.
            let name = values["task"]!
            let settings = name == configuration.task
                ? values.filter { $0.key.hasPrefix("task.") }.mapKeys { String($0.dropFirst(5)) }
                : taskOverrides.filter { $0.key.hasPrefix("task.") }.mapKeys { String($0.dropFirst(5)) }
            task = try tasks.make(name, settings: settings)
            let mismatches = Self.mismatches(of: task, against: runTask)
            guard mismatches.isEmpty else {
                throw MixLabError(
                    .invalidArgument,
                    what: "task \(task.name) (\(Self.describe(taskOverrides))) is not compatible with the run's task \(runTask.name): "
                        + mismatches.joined(separator: "; "),
                    location: "task overrides",
                    fix: "evaluate on a task with the run's vocabulary, classes and sequence length (the model reads only those)")
            }
        }
        let checkpointPath = directory.file(checkpoint.fileName)
        guard FileManager.default.fileExists(atPath: checkpointPath) else {
            let finished = record != nil
            throw MixLabError(
                .invalidArgument,
                what: finished ? "the run in \(path) has no \(checkpoint.fileName)" : "the run in \(path) has no \(checkpoint.fileName) yet",
                location: Self.location,
                fix: checkpoint == .best
                    ? "use the last checkpoint (--checkpoint last), or wait for the run's first validation evaluation"
                    : "the folder is incomplete: train the run again")
        }
        let modelKind = TaskModelKind.choose(for: task)
        let model = try modelKind.makeModel(for: task, configuration: configuration, registry: mixers)
        let metadata = try Checkpoint.load(into: model.namedParameters, from: checkpointPath)
        if let recorded = metadata[PretrainedEncoder.MetadataKey.vocabulary],
           let names = try? JSONDecoder().decode([String].self, from: Data(recorded.utf8)),
           let difference = Self.vocabularyDifference(names, task.vocabulary.names) {
            throw MixLabError(
                .invalidArgument, what: "the vocabulary of task \(task.name) differs from the one \(checkpointPath) was trained with: \(difference)",
                location: Self.location, fix: "use the data and tokenizer the run was trained with")
        }
        switch checkpoint {
        case .last:
            checkpointStep = try TrainerState.decode(metadata: metadata, source: checkpointPath).step
        case .best:
            guard let text = metadata["mixlab.step"], let step = Int(text) else {
                throw MixLabError(.ioFailure, what: "\(checkpointPath) does not record its step (mixlab.step)", location: Self.location,
                                  fix: "the file is damaged: use --checkpoint last, or train the run again")
            }
            checkpointStep = step
        }
        self.directory = directory
        savedSettings = saved
        self.configuration = configuration
        self.task = task
        self.taskOverrides = taskOverrides
        self.modelKind = modelKind
        self.model = model
        self.checkpoint = checkpoint
        self.checkpointPath = checkpointPath
        self.warnings = warnings
    }

    /// Whether the run finished (`run.json` exists).
    public var isFinished: Bool { record != nil }

    /// Every way `task` differs from `original` in what a model trained on `original` reads and
    /// predicts, as phrases (`vocabulary size: 260 (run) vs 5004`); empty when they are compatible.
    public static func mismatches(of task: any LearningTask, against original: any LearningTask) -> [String] {
        var found: [String] = []
        if task.labelKind != original.labelKind {
            found.append("label kind: \(original.labelKind.rawValue) (run) vs \(task.labelKind.rawValue)")
        }
        let (runVocabulary, vocabulary) = (original.vocabulary, task.vocabulary)
        if runVocabulary.size != vocabulary.size {
            found.append("vocabulary size: \(runVocabulary.size) (run) vs \(vocabulary.size)")
        }
        if let difference = vocabularyDifference(runVocabulary.names, vocabulary.names), runVocabulary.size == vocabulary.size {
            found.append("token names: \(difference)")
        }
        func id(_ value: Int32?) -> String { value.map(String.init) ?? "none" }
        if runVocabulary.mask != vocabulary.mask {
            found.append("mask id: \(id(runVocabulary.mask)) (run) vs \(id(vocabulary.mask))")
        }
        if runVocabulary.classification != vocabulary.classification {
            found.append("classification token id: \(id(runVocabulary.classification)) (run) vs \(id(vocabulary.classification))")
        }
        if original.classes != task.classes {
            found.append("classes: \(original.classes) (run) vs \(task.classes)")
        }
        if original.classNames != task.classNames {
            let shared = min(original.classNames.count, task.classNames.count)
            let differing = (0..<shared).filter { original.classNames[$0] != task.classNames[$0] }
            if let first = differing.first {
                found.append("class names: \(differing.count) of \(shared) differ, first class \(first): "
                    + "'\(original.classNames[first])' (run) vs '\(task.classNames[first])'")
            } else {
                found.append("class names: \(original.classNames.count) (run) vs \(task.classNames.count)")
            }
        }
        if original.sequenceLength != task.sequenceLength {
            found.append("sequence length: \(original.sequenceLength) (run) vs \(task.sequenceLength)")
        }
        return found
    }

    /// How two token-name lists differ (`3 of 260 ids differ, first id 7: 'c' (run) vs 'x'`, or their
    /// sizes), or nil when they are equal.
    static func vocabularyDifference(_ run: [String], _ other: [String]) -> String? {
        guard run != other else { return nil }
        guard run.count == other.count else { return "\(run.count) tokens (run) vs \(other.count)" }
        let differing = run.indices.filter { run[$0] != other[$0] }
        let first = differing[0]
        return "\(differing.count) of \(run.count) ids differ, first id \(first): '\(run[first])' (run) vs '\(other[first])'"
    }

    /// Refuses a run task whose resolved settings are no longer the saved ones (keys the saved settings
    /// hold and that now resolve to another value).
    private static func checkResolved(
        _ task: any LearningTask, configuration: RunConfiguration, saved: RunDirectory.SavedSettings, mixers: MixerRegistry,
        path: String
    ) throws {
        let now = Trainer.resolvedSettings(configuration, task: task, registry: mixers)
        let changed = saved.resolved.keys.filter { $0.hasPrefix("task.") && now[$0] != saved.resolved[$0] }.sorted()
        guard !changed.isEmpty else { return }
        let lines = changed.map { "\($0): \(saved.resolved[$0]!) → \(now[$0] ?? "(not set)")" }
        throw MixLabError(
            .invalidArgument, what: "task \(task.name) no longer resolves to the settings the run in \(path) trained with: "
                + lines.joined(separator: "; "),
            location: Self.location, fix: "restore the files the run used (e.g. its tokenizer), or use the data it was trained on")
    }

    /// `key=value, …`, sorted.
    static func describe(_ overrides: [String: String]) -> String {
        overrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}

extension Dictionary where Key == String {
    /// The dictionary with every key transformed by `transform` (keys must stay distinct).
    fileprivate func mapKeys(_ transform: (String) -> String) -> [String: Value] {
        Dictionary(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
