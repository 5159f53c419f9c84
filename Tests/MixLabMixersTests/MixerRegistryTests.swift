import MixLabCore
import MixLabMixers
import Testing

/// A mixer defined outside MixLab's sources, registered like a user's would be.
final class NegatingMixer: FixedLinearMixer, Sendable {
    let descriptor = MixerDescriptor(name: "negate", axes: .hidden, isLinear: true)
    func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        return -1 * input
    }
    func applyAdjoint(_ gradient: Tensor) throws -> Tensor { try apply(gradient) }
}

@Suite struct MixerRegistryTests {
    @Test func buildsBuiltinMixersByNameWithSettings() throws {
        let mixer = try MixerRegistry.shared.make(
            "fourier", configuration: MixerConfiguration(["axes": "sequence", "norm": "ortho"]))
        let fourier = try #require(mixer as? FourierMixer)
        #expect(fourier.axes == .sequence && fourier.normalization == .ortho && fourier.path == .auto)
        #expect(mixer.descriptor.summary == "fourier(axes=sequence, norm=ortho, path=auto)")
        #expect(MixerRegistry.shared.names.contains("identity"))
    }

    @Test func unknownNameListsTheKnownOnes() {
        #expect {
            _ = try MixerRegistry.shared.make("fourir")
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unknownMixer && e.what.contains("fourir") && e.fix.contains("fourier")
                && e.fix.contains("identity")
        }
    }

    @Test func unknownKeyListsTheAcceptedKeys() {
        #expect {
            _ = try MixerRegistry.shared.make("fourier", configuration: MixerConfiguration(["axis": "both"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unknownConfigKey && e.what.contains("axis") && e.fix.contains("axes, norm, path")
        }
    }

    @Test func invalidValueListsTheAllowedValues() {
        #expect {
            _ = try MixerRegistry.shared.make("fourier", configuration: MixerConfiguration(["norm": "unitary"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("norm=unitary") && e.fix.contains("ortho")
        }
    }

    @Test func parsesCommandLineSettings() throws {
        let configuration = try MixerConfiguration(parsing: ["axes=hidden", "path=fft"])
        #expect(configuration.values == ["axes": "hidden", "path": "fft"])
        #expect(throws: MixLabError.self) { try MixerConfiguration(parsing: ["axes"]) }
        #expect(throws: MixLabError.self) { try MixerConfiguration(parsing: ["=x"]) }
    }

    @Test func typedAccessorsCheckRanges() throws {
        let configuration = MixerConfiguration(["levels": "9", "order": "0.5", "learn": "maybe"])
        #expect(throws: MixLabError.self) { try configuration.integer("levels", default: 1, in: 1...4, mixer: "m") }
        #expect(try configuration.number("order", default: 1, in: 0...4, mixer: "m") == 0.5)
        #expect(throws: MixLabError.self) { try configuration.boolean("learn", default: false, mixer: "m") }
    }

    @Test func acceptsMixersDefinedOutsideTheLibrary() throws {
        let registry = MixerRegistry()
        try registry.register(MixerRegistration(name: "negate", summary: "y = −x", keys: []) { _, _ in NegatingMixer() })
        let mixer = try registry.make("negate")
        let y = try mixer.forward(Tensor(shape: [1, 1, 2], values: [1, -2]), context: .inference).output
        #expect(y.values == [-1, 2])
        #expect(throws: MixLabError.self) {
            try registry.register(MixerRegistration(name: "negate", summary: "again", keys: []) { _, _ in NegatingMixer() })
        }
        #expect(throws: MixLabError.self) {
            try registry.register(MixerRegistration(name: "Bad Name", summary: "", keys: []) { _, _ in NegatingMixer() })
        }
    }
}

@Suite struct LengthRequirementTests {
    @Test func acceptsAndSuggestsPadding() throws {
        #expect(LengthRequirement.powerOfTwo.accepts(64) && !LengthRequirement.powerOfTwo.accepts(48))
        #expect(LengthRequirement.powerOfTwo.paddedLength(for: 48) == 64)
        #expect(LengthRequirement.multiple(of: 8).paddedLength(for: 9) == 16)
        #expect(LengthRequirement.exactly(128).paddedLength(for: 200) == nil)
        #expect(!LengthRequirement.any.accepts(0))
        #expect {
            try LengthRequirement.powerOfTwo.check(48, axis: "sequence length T", mixer: "hadamard")
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what == "sequence length T 48 is not a power of two"
                && e.location == "hadamard" && e.fix.contains("pad the input to 64")
        }
    }
}
