import Foundation
import MixLabCore
import MixLabMixers
import MixLabModels
import MixLabTasks

/// The run folder: what to do with a run already there, and the settings that identify a run.
extension Trainer {
    /// What to do with the run folder.
    enum FolderAction {
        /// Nothing of a run is there: start.
        case fresh
        /// Move the earlier run aside and start.
        case startOver
        /// Continue the unfinished run (from its checkpoint, or from step 0 when it saved none).
        case resume(checkpoint: String?)
    }

    /// Decides what to do with `folder` for a run with `settings`, or throws the refusal.
    static func action(
        for folder: RunDirectory, settings: RunDirectory.SavedSettings, existingRun: ExistingRun
    ) throws -> FolderAction {
        let directory = folder.path
        switch try folder.inspect() {
        case .foreign(let files):
            throw MixLabError(
                .invalidArgument, what: "\(directory) holds files that are not a MixLab run: \(list(files))",
                location: "run folder (--out)", fix: "choose a new or empty folder for the run")
        case .empty:
            if existingRun == .requireResume {
                throw MixLabError(.invalidArgument, what: "there is no run to resume in \(directory)", location: "run folder (--out)",
                                  fix: "start a new run there without --resume")
            }
            return .fresh
        case .finished(let saved, let record):
            if existingRun == .startOver { return .startOver }
            let summary = record.map { " (\($0.steps) steps, test accuracy \(String(format: "%.4f", $0.test?.accuracy ?? .nan)))" } ?? ""
            let differences = saved?.differences(from: settings)
            let other = differences.map { $0.isEmpty ? "" : " with other settings (\($0.joined(separator: "; ")))" } ?? ""
            throw MixLabError(
                .invalidArgument, what: "\(directory) holds a finished run\(summary)\(other)", location: "run folder (--out)",
                fix: "choose another --out, or pass --force to start again there (its files are moved into "
                    + "\(directory)/\(RunDirectory.replacedPrefix)<time>/: \(RunDirectory.runFiles.joined(separator: ", ")))")
        case .unfinished(let saved, let checkpointStep):
            if existingRun == .startOver { return .startOver }
            let differences = saved.differences(from: settings)
            guard differences.isEmpty else {
                throw MixLabError(
                    .invalidArgument,
                    what: "\(directory) holds an unfinished run with other settings: \(differences.joined(separator: "; "))",
                    location: "run folder (--out)",
                    fix: "resume it with its own settings (mixlab train --out \(directory) --resume), choose another --out, "
                        + "or pass --force to start again (its files are moved aside)")
            }
            return .resume(checkpoint: checkpointStep == nil ? nil : folder.file(RunDirectory.lastCheckpointFile))
        }
    }

    /// The run's settings with every default filled in: `RunConfiguration.settings` with the `task.*`
    /// keys replaced by the task's resolved settings, and the defaults of the mixer's (and, in a hybrid,
    /// the attention mixer's) keys added. Two runs with equal resolved settings are the same run.
    public static func resolvedSettings(
        _ configuration: RunConfiguration, task: any LearningTask, registry: MixerRegistry = .shared
    ) -> [String: String] {
        var values = configuration.settings.filter { !$0.key.hasPrefix("task.") }
        for (key, value) in task.settings { values["task." + key] = value }
        var families = [("mixer.", configuration.mixer)]
        if configuration.attentionLayers > 0 { families.append(("attention.", EncoderConfiguration().attentionMixer)) }
        for (prefix, mixer) in families {
            guard let registration = try? registry.registration(named: mixer) else { continue }
            for key in registration.keys where values[prefix + key.name] == nil { values[prefix + key.name] = key.defaultValue }
        }
        return values
    }
}
