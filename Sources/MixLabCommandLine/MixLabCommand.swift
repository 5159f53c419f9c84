import ArgumentParser
import MixLab

/// The `mixlab` command: inspect, check and benchmark token mixers.
public struct MixLabCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mixlab",
        abstract: "Token-mixing transforms for FNet-style encoders: inspect, check and benchmark mixers.",
        version: MixLabVersion.current,
        subcommands: [
            MixersCommand.self, TasksCommand.self, CheckCommand.self, BenchCommand.self, StudyCommand.self, DataCommand.self,
            DoctorCommand.self, DemoCommand.self,
        ]
    )

    public init() {}
}
