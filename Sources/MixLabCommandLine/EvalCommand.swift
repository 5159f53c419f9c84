import ArgumentParser
import Foundation
import MixLab

/// `mixlab eval RUN`: evaluates a trained run's checkpoint on a split and writes the report beside the run.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a trained run on a split: accuracy, macro-F1, per-class scores, confusion matrix.",
        discussion: """
            Opens the run folder RUN (written by `mixlab train --out RUN`; an unfinished run is read with a \
            warning), rebuilds its task and model from the saved settings, loads the weights of --checkpoint \
            (last: the final weights; best: those of the best validation accuracy) and evaluates them on \
            --split, in evaluation mode, in batches of --batch examples (default: the run's batch).

            Prints, and writes into RUN/eval/<split>-<checkpoint>/, report.md (accuracy, macro-F1, loss, \
            per-class precision, recall, F1 and support, the confusion matrix as a table, and the accuracy by \
            input length in --length-bins bins of about equal size, with 95 % intervals), confusion.svg and \
            metrics.json (everything). A masked-language-modelling run reports masked-token accuracy and \
            the loss over the masked positions (no per-class scores or confusion matrix over its vocabulary). \
            An existing report folder is refused unless --force; the run's own files are never written.

            --set task=NAME and --set task.KEY=VALUE evaluate on another task that is compatible with the \
            run's (same vocabulary and token names, classes and class names, label kind and sequence length; \
            every difference is listed); the folder name then ends with a hash of the overrides.

            The final model on the test split with the run's batch and thread count gives exactly the test \
            metrics of the run's run.json.

            Example: mixlab eval runs/parity-fourier --split test --checkpoint best
            """)

    @Argument(help: ArgumentHelp("The run folder (mixlab train --out).", valueName: "run"))
    var path: String

    @Option(help: "The split to evaluate: validation, test or train.")
    var split: String = TaskSplit.validation.rawValue

    @Option(help: "The weights to evaluate: last (final) or best (best validation accuracy).")
    var checkpoint: String = TrainedRun.CheckpointChoice.last.rawValue

    @Option(name: .customLong("set"), help: ArgumentHelp("A task override task=NAME or task.KEY=VALUE (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Examples per batch (default: the run's batch setting).")
    var batch: Int?

    @Option(help: "Bins of the accuracy by input length (about equal numbers of examples; sequence and pair classifiers).")
    var lengthBins: Int = RunEvaluation.defaultLengthBins

    @Option(help: "Threads (default: the run's threads setting; 0 there means every core).")
    var threads: Int?

    @Flag(help: "Replace an earlier report of the same split, checkpoint and overrides.")
    var force = false

    @Flag(help: "Print metrics.json instead of the Markdown report.")
    var json = false

    func validate() throws {
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1 (got \(batch))") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        if lengthBins < 1 { throw ValidationError("--length-bins must be at least 1 (got \(lengthBins))") }
    }

    func run() throws {
        let (report, folder) = try evaluate(tasks: .shared)
        if json {
            print(String(decoding: try report.evaluation.encoded(), as: UTF8.self))
        } else {
            print(report.markdown, terminator: "")
            print("\nwritten: \(folder)")
        }
    }

    /// Opens the run with the tasks of `tasks`, evaluates it, writes the report folder, and returns the
    /// report and its folder; warnings go to standard error.
    func evaluate(tasks: TaskRegistry) throws -> (report: EvaluationReport, folder: String) {
        guard let split = TaskSplit(rawValue: split) else {
            throw MixLabError(.invalidArgument, what: "there is no split '\(split)'", location: "--split",
                              fix: "use one of: \(TaskSplit.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let choice = try Self.checkpointChoice(checkpoint)
        let values = try SettingValues.parse(overrides, location: "--set", example: "--set task.length=128")
        let folder = EvaluationReport.folder(run: path, split: split, checkpoint: choice, overrides: values)
        if !force, FileManager.default.fileExists(atPath: folder) { throw EvaluationReport.refusal(folder) }
        let trained = try TrainedRun(path: path, checkpoint: choice, taskOverrides: values, tasks: tasks)
        for warning in trained.warnings { TrainingProgressReporter.writeToStandardError("warning: \(warning)\n") }
        let count = threads ?? (trained.configuration.threads == 0 ? max(1, ProcessInfo.processInfo.activeProcessorCount) : trained.configuration.threads)
        if Parallelism.threads != count { try Parallelism.setThreads(count) }
        let report = EvaluationReport(
            evaluation: try RunEvaluation(
                run: trained, split: split, batchSize: batch ?? trained.configuration.batch, lengthBins: lengthBins))
        return (report, try report.write(force: force))
    }

    /// The checkpoint named by `text` (`last` or `best`).
    static func checkpointChoice(_ text: String) throws -> TrainedRun.CheckpointChoice {
        guard let choice = TrainedRun.CheckpointChoice(rawValue: text) else {
            throw MixLabError(.invalidArgument, what: "there is no checkpoint '\(text)'", location: "--checkpoint",
                              fix: "use last (the final weights) or best (the best validation accuracy's)")
        }
        return choice
    }
}
