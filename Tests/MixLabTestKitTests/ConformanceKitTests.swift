import MixLabCore
import MixLabMixers
import MixLabTestKit
import Testing

/// The harness must pass correct mixers and name the broken rule of each broken one.
@Suite struct ConformanceKitTests {
    @Test func passesCorrectMixers() {
        for report in [
            MixerConformance.check { _, _ in SequenceMatrixMixer() },
            MixerConformance.check { _, c in GainMixer(hiddenSize: c) },
            MixerConformance.check { _, _ in MeanShiftMixer() },
        ] {
            #expect(report.passed, "\(report)")
        }
        let gain = MixerConformance.check { _, c in GainMixer(hiddenSize: c) }
        #expect(gain.checksRun.isSuperset(of: [.parameterGradient, .gradientAccumulation, .parameterRoundTrip, .inputGradient]))
        #expect(!gain.checksRun.contains(.adjoint), "a non-linear mixer has no adjoint test")
        #expect(!gain.checksRun.contains(.firstPositions), "only a FirstPositionsMixer has first-positions checks")
        #expect(MixerConformance.check { _, _ in MeanShiftMixer() }.checksRun.contains(.firstPositions))
    }

    static let broken: [(String, ConformanceCheck, @Sendable (Int, Int) -> any TokenMixer)] = [
        ("missing transpose", .adjoint, { _, _ in MissingTransposeMixer() }),
        ("wrong scale", .adjoint, { _, _ in WrongScaleMixer() }),
        ("batch leak", .batchIndependence, { _, _ in BatchLeakMixer() }),
        ("wrong axis", .axisLocality, { _, _ in WrongAxisMixer() }),
        ("falsely linear", .linearity, { _, _ in FalselyLinearMixer() }),
        ("unenforced length", .lengthRequirement, { _, _ in UnenforcedLengthMixer() }),
        ("nondeterministic", .determinism, { _, _ in NondeterministicMixer() }),
        ("wrong inverse", .inverse, { _, _ in WrongInverseMixer() }),
        ("overwriting backward", .gradientAccumulation, { _, c in GainMixer(hiddenSize: c, bug: .overwritesGradient) }),
        ("wrong parameter gradient", .parameterGradient, { _, c in GainMixer(hiddenSize: c, bug: .wrongParameterGradient) }),
        ("wrong input gradient", .inputGradient, { _, c in GainMixer(hiddenSize: c, bug: .wrongInputGradient) }),
        ("stale cached parameter", .parameterRoundTrip, { _, c in GainMixer(hiddenSize: c, bug: .cachesParameterValue) }),
        ("first positions from the end", .firstPositions, { _, _ in MeanShiftMixer(bug: .returnsLastPositions) }),
        ("first-positions backward without the mean", .firstPositions, { _, _ in MeanShiftMixer(bug: .dropsTheMeanGradient) }),
    ]

    @Test(arguments: 0..<broken.count)
    func catchesBrokenMixer(_ index: Int) {
        let (name, expected, make) = Self.broken[index]
        let report = MixerConformance.check(makeMixer: make)
        #expect(!report.passed, "the harness passed the \(name) mixer")
        #expect(report.failed(expected), "\(name): expected a \(expected) issue, got:\n\(report)")
    }

    @Test func reportsErrorsThrownByTheMixerInsteadOfStopping() {
        final class ThrowingMixer: FixedLinearMixer, @unchecked Sendable {
            let descriptor = MixerDescriptor(name: "throwing", axes: .hidden, isLinear: true)
            func apply(_ input: Tensor) throws -> Tensor {
                try descriptor.validate(input)
                throw MixLabError(.invalidArgument, what: "always fails", location: "test", fix: "none")
            }
            func applyAdjoint(_ gradient: Tensor) throws -> Tensor { gradient }
        }
        let report = MixerConformance.check { _, _ in ThrowingMixer() }
        #expect(report.failed(.shapePreservation))
        #expect(report.description.contains("always fails"))
    }

    @Test func reportsAFactoryThatFails() {
        let report = MixerConformance.check { _, _ -> any TokenMixer in
            throw MixLabError(.invalidArgument, what: "cannot build", location: "test", fix: "none")
        }
        #expect(report.failed(.construction))
    }

    @Test func countsRefusedShapesAndFailsWhenNothingWasChecked() {
        let refuseOdd = MixerConformance.check { t, _ -> any TokenMixer in
            guard t % 2 == 0 else {
                throw MixLabError(.unsupportedLength, what: "odd T", location: "test", fix: "use an even T")
            }
            return IdentityMixer()
        }
        #expect(!refuseOdd.refusedShapes.isEmpty)
        #expect(refuseOdd.description.contains("refused at construction"))
        let refuseAll = MixerConformance.check { _, _ -> any TokenMixer in
            throw MixLabError(.unsupportedLength, what: "no length", location: "test", fix: "none")
        }
        #expect(refuseAll.failed(.construction))
    }
}
