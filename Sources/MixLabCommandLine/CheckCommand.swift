import ArgumentParser
import MixLab
import MixLabTestKit

/// `mixlab check NAME`: runs the conformance kit on a registered mixer.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the mixer conformance kit (shapes, adjoint, gradients, batch independence…) on a registered mixer.")

    @Argument(help: "The registered mixer name (see `mixlab mixers`).")
    var name: String

    @Option(name: .customLong("set"), help: ArgumentHelp("A setting of the mixer (repeatable), e.g. --set axes=sequence.", valueName: "key=value"))
    var settings: [String] = []

    func run() throws {
        let report = try Self.check(name: name, settings: settings)
        print(report)
        if !report.passed { throw ExitCode.failure }
    }

    /// The conformance report for mixer `name` with `settings`; bad names or settings throw before any check.
    static func check(name: String, settings: [String]) throws -> ConformanceReport {
        let configuration = try MixerConfiguration(parsing: settings, location: "--set")
        // Fail fast on a bad name or setting, with the registry's message.
        _ = try MixerRegistry.shared.make(name, configuration: configuration, context: MixerBuildContext(sequenceLength: 8, hiddenSize: 4))
        return MixerConformance.check { t, c in
            try MixerRegistry.shared.make(
                name, configuration: configuration, context: MixerBuildContext(sequenceLength: t, hiddenSize: c))
        }
    }
}
