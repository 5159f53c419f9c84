import MixLabCore
import MixLabMixers
import MixLabTasks
import Testing

@testable import MixLabTraining

/// A run configured with a mixer registry of its own uses that registry everywhere: validation, the
/// model and the run record. The mixer here exists only in the private registry.
@Suite struct PrivateRegistryTests {
    /// A private registry holding `private-identity`, a mixer `.shared` does not know.
    static func privateRegistry() throws -> MixerRegistry {
        let registry = MixerRegistry()
        try registry.register(MixerRegistration(name: "private-identity", summary: "y = x", keys: []) { _, _ in
            IdentityMixer()
        })
        return registry
    }

    @Test func theSharedRegistryDoesNotKnowTheMixer() {
        #expect(throws: MixLabError.self) { try MixerRegistry.shared.make("private-identity") }
    }

    @Test func encoderConfigurationValidatesAgainstTheGivenRegistry() throws {
        let registry = try Self.privateRegistry()
        let task = LearnableTestTask(.marker)
        let configuration = try TrainerTestSupport.configuration(task, ["mixer": "private-identity"])
        let encoder = try configuration.encoderConfiguration(for: task, registry: registry)
        #expect(encoder.mixer == "private-identity")
        #expect(throws: MixLabError.self) { try configuration.encoderConfiguration(for: task) }
    }

    @Test func aTrainerRunsAMixerRegisteredOnlyInItsRegistry() throws {
        let registry = try Self.privateRegistry()
        let task = LearnableTestTask(.marker)
        let configuration = try TrainerTestSupport.configuration(task, ["mixer": "private-identity", "steps": "4"])
        let trainer = try Trainer(configuration: configuration, task: task, registry: registry)
        let record = try trainer.run()
        #expect(record.settings["mixer"] == "private-identity")
        #expect(record.steps == 4)
    }
}
