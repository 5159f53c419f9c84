import ArgumentParser
import Foundation
import MixLab

/// `mixlab study`: ablation studies (grids of training runs) from a YAML study file.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Run ablation studies: grids of training runs from a study file, resumable, shardable, on Slurm.",
        discussion: """
            A study file (Experiments/<study>/study.yaml) gives a base run configuration and the axes to sweep:

              name: mixer-ablation
              base: {task: parity, steps: 400}
              axes:
                - mixer:
                    - fourier
                    - attention: {mixer.heads: 2}   # a value with the settings that go with it
                - seed: [0, 1, 2]
              exclude:
                - {mixer: attention, seed: 2}      # optional: cells to leave out

            Every finished run appends one JSON line to the study's results file; a re-run skips cells that
            have one. Each cell runs in runs/<cell ID>/ beside the study file.
            """,
        subcommands: [
            StudyRunCommand.self, StudyStatusCommand.self, StudyReportCommand.self, StudySlurmCommand.self, StudyMergeCommand.self,
        ])
}

/// The runners `mixlab study run --runner` accepts.
enum StudyRunners {
    /// The runner names, the default first.
    static let names = ["process", "in-process", "echo"]

    /// The runner called `name`.
    static func named(_ name: String) throws -> StudyCellRunner {
        switch name {
        case "process":
            guard let executable = RunningExecutable.url() else {
                throw MixLabError(.ioFailure, what: "cannot find the running mixlab executable to start the cells' training processes",
                                  location: "--runner process", fix: "pass --runner in-process to train the cells in this process")
            }
            return .process(executable: executable)
        case "in-process":
            return .trainer(tasks: .shared) { configuration in
                let reporter = TrainingProgressReporter.onStandardError(logEvery: configuration.logEvery)
                return { reporter.handle($0) }
            }
        case "echo": return .echo
        default:
            throw MixLabError(.invalidArgument, what: "there is no runner '\(name)'", location: "--runner",
                              fix: "use one of: \(names.joined(separator: ", ")) (echo trains nothing: it tests the study machinery)")
        }
    }
}

/// Writes `line` to standard output at once (unbuffered), so that logs under Slurm or a pipe are current.
func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
