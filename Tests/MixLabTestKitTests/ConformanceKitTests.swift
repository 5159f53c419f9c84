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

    /// Every failure that reports an error also reports the tolerance it was compared with, the option
    /// that sets it and the check, so a reader can tell a near miss from a broken rule.
    @Test func failuresNameTheToleranceTheyExceeded() {
        let options = ConformanceOptions(tolerance: 3e-5, gradientTolerance: 7e-3)
        let cases: [(ConformanceCheck, String, @Sendable (Int, Int) -> any TokenMixer)] = [
            (.adjoint, "tolerance \(options.tolerance)", { _, _ in MissingTransposeMixer() }),
            (.batchIndependence, "tolerance \(options.tolerance)", { _, _ in BatchLeakMixer() }),
            (.axisLocality, "tolerance \(options.tolerance)", { _, _ in WrongAxisMixer() }),
            (.linearity, "tolerance \(options.tolerance)", { _, _ in FalselyLinearMixer() }),
            (.inverse, "tolerance \(options.tolerance)", { _, _ in WrongInverseMixer() }),
            (.gradientAccumulation, "tolerance \(options.tolerance)", { _, c in GainMixer(hiddenSize: c, bug: .overwritesGradient) }),
            (.parameterGradient, "tolerance \(options.gradientTolerance)", { _, c in GainMixer(hiddenSize: c, bug: .wrongParameterGradient) }),
            (.inputGradient, "tolerance \(options.gradientTolerance)", { _, c in GainMixer(hiddenSize: c, bug: .wrongInputGradient) }),
            (.firstPositions, "tolerance \(options.tolerance)", { _, _ in MeanShiftMixer(bug: .returnsLastPositions) }),
        ]
        for (check, tolerance, make) in cases {
            let report = MixerConformance.check(options: options, makeMixer: make)
            let issues = report.issues.filter { $0.check == check }
            #expect(!issues.isEmpty, "\(check): expected an issue, got:\n\(report)")
            for issue in issues where issue.message.contains("error") || issue.message.contains("change") {
                #expect(issue.message.contains(tolerance), "\(check): \(issue.message)")
                #expect(issue.message.contains(check.rawValue), "\(check): \(issue.message)")
                #expect(issue.message.contains("ConformanceOptions."), "\(check): \(issue.message)")
            }
        }
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
