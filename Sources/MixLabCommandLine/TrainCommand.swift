import ArgumentParser
import Foundation
import MixLab

/// `mixlab train`: trains a model on a task, with checkpoints, exact resume and a run record.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an FNet-style model on a task; checkpoint, resume after a kill, write a run record.",
        discussion: """
            Settings are the run settings (model sizes, mixer, optimiser, schedule, seed, evaluation and \
            checkpoint intervals, threads), plus task.KEY, mixer.KEY and attention.KEY for the task's, the \
            mixer's and the attention layers' own settings. They come from --config FILE (a JSON object, e.g. \
            {"mixer": "fourier", "hidden": 64, "task.length": 128}), then --task, then --set; later ones win.

            The run folder (--out) receives settings.json, checkpoint-last.safetensors (every checkpoint-every \
            steps and at the end: weights, optimiser and trainer state), checkpoint-best.safetensors (the \
            weights of the best validation accuracy), curve.jsonl (the learning curve, one JSON object per \
            line), fftw.wisdom, and, at the end, run.json (the run record).

            Run again with the same --out after an interruption and training resumes exactly from the last \
            checkpoint (--resume does so with the settings saved in the folder). A folder that holds a \
            finished run, or a run with other settings, is refused; --force moves that run's files into \
            DIR/replaced-<time>/ and starts again.

            Progress goes to standard error (an updating line on a terminal, log lines otherwise); the result \
            (a summary, or the run record with --json) to standard output.

            `mixlab train --list-settings` lists the run settings with their defaults.

            Data-parallel training: started by `mpirun -np N` (Open MPI; detected from OMPI_COMM_WORLD_SIZE) or             `srun --mpi=pmix` (PMIX_RANK), or with --distributed, each of the N ranks trains on its share of every             batch and the gradients are averaged with MPI; rank 0 writes the run folder. --slurm writes an sbatch             script for such a run on --nodes K × --tasks-per-node M ranks (see docs/distributed.md).

            Example: mixlab train --task parity --set steps=500 --set hidden=64 --out runs/parity-fourier
            """)

    /// The run settings: a left-aligned table of key, default, allowed values and meaning.
    static var settingsListing: String {
        let rows = [["key", "default", "allowed", "meaning"]]
            + RunConfiguration.keys.map { [$0.name, $0.defaultValue, $0.allowed, $0.summary] }
        let widths = (0..<3).map { column in rows.map { $0[column].count }.max()! }
        let lines = rows.map { cells in
            (0..<3).map { cells[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) + "  " }.joined() + cells[3]
        }
        return (lines + ["task.KEY, mixer.KEY, attention.KEY: the task's, mixer's and attention layers' settings "
                         + "(`mixlab tasks`, `mixlab mixers`)"]).joined(separator: "\n")
    }

    @Option(help: "The task to learn (the same as --set task=NAME).")
    var task: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("A run setting key=value (repeatable), e.g. --set lr=3e-4 --set task.length=128.", valueName: "key=value"))
    var settings: [String] = []

    @Option(name: .customLong("config"), help: ArgumentHelp("A JSON file holding an object of run settings (--task and --set win).", valueName: "file"))
    var configFile: String?

    @Option(help: ArgumentHelp("The run folder (created if missing).", valueName: "dir"))
    var out: String?

    @Flag(help: "List the run settings with their defaults and exit.")
    var listSettings = false

    @Flag(help: "Continue the unfinished run in --out with the settings saved there (settings given here must match them).")
    var resume = false

    @Flag(help: "Start again in a folder that holds a run, after moving its files into DIR/replaced-<time>/.")
    var force = false

    @Flag(help: "Show no progress (errors, the result, and notices about resuming or moving files still print).")
    var quiet = false

    @Flag(help: "Print the run record as JSON on standard output.")
    var json = false

    @Flag(help: "Train data-parallel over MPI even when no MPI launcher's variables are seen (an error when Open MPI cannot be loaded).")
    var distributed = false

    @OptionGroup(title: "Slurm (--slurm: write an sbatch script for a data-parallel run instead of training)")
    var slurm: TrainSlurmOptions

    func validate() throws {
        if resume && force { throw ValidationError("--resume and --force contradict each other: pass one of them") }
        if out == nil && !listSettings { throw ValidationError("--out is required: the folder the run writes into (e.g. --out runs/my-run)") }
        try slurm.validate(force: force)
    }

    func run() throws {
        if listSettings {
            print(Self.settingsListing)
            return
        }
        if slurm.slurm {
            try writeSlurmScript()
            return
        }
        try StudyCellRunner.exitWithStudyProcess()
        let communicator = try MPILaunch.communicator(required: distributed)
        let record: RunRecord
        do {
            record = try train(tasks: .shared, communicator: communicator)
        } catch where communicator.size > 1 {
            // The other ranks wait in a collective for this one: end them all, saying why.
            TrainingProgressReporter.writeToStandardError("Error (rank \(communicator.rank) of \(communicator.size)): \(error)\n")
            communicator.abort(code: 1)
        }
        communicator.finalize()
        guard communicator.isRoot else { return }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(record), as: UTF8.self))
        } else {
            print(Self.summary(record, folder: folder))
        }
    }

    /// The run folder (`--out`; `validate` makes sure it is given when training).
    var folder: String { out ?? "" }

    /// Resolves the settings, makes the task from `tasks`, trains, and returns the run record.
    func train(
        tasks: TaskRegistry, reporter: TrainingProgressReporter? = nil, communicator: any Communicator = SingleProcessCommunicator()
    ) throws -> RunRecord {
        let configuration = try RunConfiguration(settings: try resolvedSettings(), location: "mixlab train settings")
        let task = try tasks.make(configuration.task, settings: configuration.taskSettings)
        // Only rank 0 reports (the other ranks' events are the same steps).
        let progress = quiet || !communicator.isRoot ? nil : reporter ?? TrainingProgressReporter.onStandardError(logEvery: configuration.logEvery)
        let trainer = try Trainer(
            configuration: configuration, task: task, directory: folder, existingRun: resume ? .requireResume : force ? .startOver : .resume,
            communicator: communicator)
        if communicator.size > 1, communicator.isRoot, !quiet {
            TrainingProgressReporter.writeToStandardError(
                "data-parallel: \(communicator.description), global batch \(configuration.batch), rank 0 trains rows \(trainer.shard.start)..<\(trainer.shard.end)\n")
        }
        trainer.observer = { event in
            if case .started(let start) = event {
                // Even a quiet run says what it moved aside, where it resumes, and what it warns about.
                if let replaced = start.replaced, !replaced.files.isEmpty {
                    TrainingProgressReporter.writeToStandardError(
                        "--force: moved the earlier run's \(replaced.files.joined(separator: ", ")) into \(replaced.folder)\n")
                }
                if progress == nil, communicator.isRoot {
                    if let step = start.resumedFromStep {
                        TrainingProgressReporter.writeToStandardError(
                            "resuming \(start.task) from the checkpoint of step \(step)/\(start.totalSteps) in \(folder)\n")
                    }
                    for warning in start.warnings { TrainingProgressReporter.writeToStandardError("warning: \(warning)\n") }
                }
            }
            progress?.handle(event)
        }
        return try trainer.run()
    }

    /// Writes the sbatch script of `--slurm` (to --output, or standard output).
    func writeSlurmScript() throws {
        var arguments: [String] = []
        let absolute = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
        if let configFile { arguments += ["--config", absolute(configFile)] }
        if let task { arguments += ["--task", task] }
        for setting in settings { arguments += ["--set", setting] }
        arguments += ["--out", absolute(folder)]
        if resume { arguments.append("--resume") }
        if quiet { arguments.append("--quiet") }
        if json { arguments.append("--json") }
        arguments.append("--distributed")
        _ = try RunConfiguration(settings: try resolvedSettings(), location: "mixlab train settings")  // refuse bad settings now, not in the job
        let runFolder = absolute(folder)
        let logFolder = URL(fileURLWithPath: runFolder).deletingLastPathComponent().path
        let script = try SlurmTrainingScript(
            nodes: slurm.nodes ?? 1, tasksPerNode: slurm.tasksPerNode ?? 1,
            mixlabPath: try slurm.mixlab.map(absolute) ?? StudySlurmCommand.executablePath(), trainArguments: arguments,
            logFolder: logFolder, launcher: slurm.launcher, partition: slurm.partition, time: slurm.time, cpusPerTask: slurm.cpusPerTask,
            memory: slurm.mem)
        guard let output = slurm.output else {
            FileHandle.standardOutput.write(Data(script.text.utf8))
            return
        }
        try AtomicFile.write(Data(script.text.utf8), to: output)
        chmod(output, 0o755)
        printLine("wrote \(output): \(script.ranks) ranks on \(script.nodes) node(s) training into \(runFolder); submit with: sbatch \(output)")
    }

    /// The settings from --config, the folder (with --resume), --task and --set, later ones winning.
    func resolvedSettings() throws -> [String: String] {
        var values: [String: String] = [:]
        if resume {
            let directory = RunDirectory(folder)
            guard FileManager.default.fileExists(atPath: directory.file(RunDirectory.settingsFile)) else {
                throw MixLabError(.invalidArgument, what: "there is no run to resume in \(folder) (no \(RunDirectory.settingsFile))",
                                  location: "--resume", fix: "check --out, or start a new run there without --resume")
            }
            values = try directory.readSettings().settings
        }
        if let configFile {
            values.merge(try Self.settings(fromConfigFile: configFile)) { $1 }
        }
        let given = try SettingValues.parse(settings, location: "--set", example: "--set lr=3e-4")
        if let task {
            if let other = given["task"], other != task {
                throw MixLabError(.invalidArgument, what: "--task \(task) and --set task=\(other) disagree", location: "command line",
                                  fix: "give the task once")
            }
            values["task"] = task
        }
        values.merge(given) { $1 }
        guard values["task"] != nil else {
            throw MixLabError(.invalidArgument, what: "no task was given", location: "command line",
                              fix: "pass --task NAME (e.g. --task parity), or task in --config / --set")
        }
        return values
    }

    /// The settings in a JSON file: one object whose values are strings, numbers or booleans.
    static func settings(fromConfigFile path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MixLabError(.ioFailure, what: "cannot read \(path)", location: "--config", fix: "check the path of the settings file")
        }
        return try settings(fromConfigData: data, path: path)
    }

    /// The settings in the bytes of a JSON settings file; `path` names it in errors.
    static func settings(fromConfigData data: Data, path: String) throws -> [String: String] {
        do {
            return try JSONDecoder().decode([String: SettingText].self, from: data).mapValues(\.text)
        } catch {
            throw MixLabError(
                .invalidArgument, what: "\(path) is not a JSON object of settings (\(Self.describe(error)))", location: "--config",
                fix: #"write one object with string, number or boolean values, e.g. {"task": "parity", "hidden": 64, "task.length": 128}"#)
        }
    }

    /// A setting's value in a JSON settings file, as the text `--set` would give.
    struct SettingText: Decodable {
        let text: String

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Bool.self) {
                text = String(value)
            } else if let value = try? container.decode(Int.self) {
                text = String(value)
            } else if let value = try? container.decode(UInt64.self) {
                text = String(value)
            } else if let value = try? container.decode(Double.self) {
                text = "\(value)"
            } else if let value = try? container.decode(String.self) {
                text = value
            } else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "the value of '\(decoder.codingPath.last?.stringValue ?? "?")' is not a string, number or boolean")
            }
        }
    }

    private static func describe(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error { return context.debugDescription }
        if case DecodingError.typeMismatch(_, let context) = error { return context.debugDescription }
        return "\(error)"
    }

    /// One line per result: the test and best validation metrics, and where the record is.
    static func summary(_ record: RunRecord, folder: String) -> String {
        var lines: [String] = []
        if let test = record.test {
            lines.append(String(format: "test accuracy %.4f  macro-F1 %.4f  loss %.4f  (%d scored, final model after %d steps, ",
                                test.accuracy, test.macroF1, test.loss, test.count, record.steps) + record.status.rawValue + ")")
        }
        if let best = record.bestValidation, let step = record.bestStep {
            lines.append(String(format: "best validation accuracy %.4f at step %d", best.accuracy, step))
        }
        lines.append("run record: \(RunDirectory(folder).file(RunDirectory.recordFile))")
        return lines.joined(separator: "\n")
    }
}
