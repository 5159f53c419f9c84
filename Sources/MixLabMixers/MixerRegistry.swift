import Foundation
import MixLabCore

/// Maps mixer names to factories; open to mixers defined outside MixLab.
///
/// `MixerRegistry.shared` starts with MixLab's own mixers. A package that defines a mixer registers it
/// once (`try MixerRegistry.shared.register(…)`) and can then use it by name wherever MixLab takes a
/// mixer name: the CLI, study files, encoder configurations.
public final class MixerRegistry: @unchecked Sendable {
    /// The registry MixLab's CLI and experiments use, with the built-in mixers registered.
    public static let shared: MixerRegistry = {
        let registry = MixerRegistry()
        for registration in BuiltinMixers.registrations {
            try! registry.register(registration)
        }
        return registry
    }()

    private let lock = NSLock()
    private var byName: [String: MixerRegistration] = [:]

    /// An empty registry, without MixLab's own mixers (`shared` has them), e.g. for tests of registration.
    public init() {}

    /// Every registration, sorted by name.
    public var registrations: [MixerRegistration] {
        lock.withLock { byName.values.sorted { $0.name < $1.name } }
    }

    /// The registered names, sorted.
    public var names: [String] { registrations.map(\.name) }

    /// Adds a mixer.
    ///
    /// - Throws: `MixLabError.invalidArgument` when the name is taken or not a lowercase identifier.
    public func register(_ registration: MixerRegistration) throws {
        let name = registration.name
        let valid = !name.isEmpty && name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_" }
        guard valid else {
            throw MixLabError(
                .invalidArgument, what: "'\(name)' is not a valid mixer name", location: "MixerRegistry.register",
                fix: "use lowercase letters, digits, '-' and '_' (e.g. my-mixer)")
        }
        try lock.withLock {
            guard byName[name] == nil else {
                throw MixLabError(
                    .invalidArgument, what: "a mixer named '\(name)' is already registered",
                    location: "MixerRegistry.register", fix: "choose another name, e.g. '\(name)-2'")
            }
            byName[name] = registration
        }
    }

    /// The registration for `name`.
    ///
    /// - Throws: `MixLabError.unknownMixer` listing the registered names.
    public func registration(named name: String) throws -> MixerRegistration {
        if let found = lock.withLock({ byName[name] }) { return found }
        throw MixLabError(
            .unknownMixer, what: "no mixer is registered as '\(name)'", location: "mixer name",
            fix: "use one of: \(names.joined(separator: ", ")) (or register yours with MixerRegistry.register)")
    }

    /// Makes the mixer `name` with `configuration`, after rejecting unknown keys.
    ///
    /// - Throws: `unknownMixer`, `unknownConfigKey` (listing the accepted keys), or the factory's errors.
    public func make(
        _ name: String, configuration: MixerConfiguration = MixerConfiguration(),
        context: MixerBuildContext = MixerBuildContext()
    ) throws -> any TokenMixer {
        let registration = try registration(named: name)
        let known = Set(registration.keys.map(\.name))
        if let unknown = configuration.values.keys.sorted().first(where: { !known.contains($0) }) {
            let accepted = registration.keys.map(\.name).joined(separator: ", ")
            throw MixLabError(
                .unknownConfigKey, what: "mixer '\(name)' has no setting '\(unknown)'", location: "mixer \(name)",
                fix: accepted.isEmpty ? "remove it: '\(name)' takes no settings" : "use one of: \(accepted)")
        }
        return try registration.make(configuration, context)
    }
}
