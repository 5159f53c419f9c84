import ArgumentParser
import MixLab

/// The `mixlab` command: inspect, check and benchmark token mixers, and train models on tasks.
public struct MixLabCommand: ParsableCommand {
    /// The command's name (`mixlab`), abstract, version (`MixLabVersion.current`) and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "mixlab",
        abstract: "Token-mixing transforms for FNet-style encoders: inspect, check and benchmark mixers; train models.",
        version: MixLabVersion.current,
        subcommands: [
            MixersCommand.self, TasksCommand.self, CheckCommand.self, BenchCommand.self, TrainCommand.self, EvalCommand.self,
            PredictCommand.self, StudyCommand.self, DataCommand.self, TokenizerCommand.self, ExportCommand.self,
            ImportCommand.self, NotebookCommand.self, DoctorCommand.self, DemoCommand.self,
        ]
    )

    /// The command, as `ParsableCommand` requires (it has no options of its own).
    public init() {}
}
