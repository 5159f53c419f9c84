import ArgumentParser
import MixLab

/// `mixlab mixers`: the registered mixers, one line each, with their configuration keys.
struct MixersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixers", abstract: "List the registered mixers and their configuration keys.")

    func run() throws {
        print(Self.listing(MixerRegistry.shared))
    }

    /// One line per mixer: `name  summary  [key=default (allowed), …]`.
    static func listing(_ registry: MixerRegistry) -> String {
        let registrations = registry.registrations
        let width = registrations.map(\.name.count).max() ?? 0
        return registrations.map { registration in
            let keys = registration.keys.map { "\($0.name)=\($0.defaultValue) (\($0.allowed))" }
            let settings = keys.isEmpty ? "no settings" : keys.joined(separator: ", ")
            return registration.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                + registration.summary + "\n" + String(repeating: " ", count: width + 2) + "settings: " + settings
        }.joined(separator: "\n")
    }
}
