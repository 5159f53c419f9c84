import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTestKit
import Testing

@Suite struct RandomMixerTests {
    // The conformance kit comes first, for every axes choice; the kit passes each shape's T and C.
    @Test(arguments: MixingAxes.allCases)
    func conformsToTheMixerContract(_ axes: MixingAxes) {
        let report = MixerConformance.check { t, c in
            try RandomMixer(axes: axes, sequenceLength: t, hiddenSize: c, random: SeededRandom(seed: 9))
        }
        #expect(report.passed, "\(report)")
        #expect(report.checksRun.isSuperset(of: [.lengthRequirement, .adjoint, .linearity, .inputGradient, .batchIndependence]))
        #expect(!report.checksRun.contains(.parameterGradient), "no parameters: nothing is trained")
    }

    @Test func registeredMixerConforms() {
        let report = MixerConformance.check { t, c in
            try MixerRegistry.shared.make("random", context: MixerBuildContext(sequenceLength: t, hiddenSize: c))
        }
        #expect(report.passed, "\(report)")
    }

    @Test func itsProductMatchesNumpyEinsum() throws {
        // The mixer is R_T·X·R_Cᵀ through SeparableMatrixProduct.apply/adjoint: pin those against numpy with
        // the fixture's matrices, then the mixer against the same product with its own matrices.
        let fixture = try SeparableProductFixture.load()
        for golden in fixture.cases {
            let shape = golden.shape
            let product = try SeparableMatrixProduct(
                sequenceLength: shape[1], hiddenSize: shape[2], axes: golden.mixingAxes, user: "test")
            let y = product.apply(golden.input, sequenceMatrix: golden.sequenceMatrix, hiddenMatrix: golden.hiddenMatrix)
            let dx = product.adjoint(golden.outputGradient, sequenceMatrix: golden.sequenceMatrix, hiddenMatrix: golden.hiddenMatrix)
            #expect(SeparableProductFixture.relativeError(y.values, golden.y) < 1e-6, "y \(golden.axes) \(shape)")
            #expect(SeparableProductFixture.relativeError(dx.values, golden.dx) < 1e-6, "dx \(golden.axes) \(shape)")

            let mixer = try RandomMixer(axes: golden.mixingAxes, sequenceLength: shape[1], hiddenSize: shape[2], random: SeededRandom(seed: 4))
            #expect(try mixer.apply(golden.input)
                == product.apply(golden.input, sequenceMatrix: mixer.sequenceMatrix, hiddenMatrix: mixer.hiddenMatrix))
        }
    }

    @Test(arguments: MixingAxes.allCases)
    func matchesItsDenseReferenceOnALargerShape(_ axes: MixingAxes) throws {
        var random = SeededRandom(seed: 8)
        let shape = [3, 40, 24]
        let mixer = try RandomMixer(axes: axes, sequenceLength: 40, hiddenSize: 24, random: SeededRandom(seed: 2))
        let x = Tensor.normal(shape, using: &random)
        let reference = try mixer.denseReference(x)
        let scale = reference.map(abs).max()!
        let error = zip(try mixer.apply(x).values, reference).map { abs(Double($0) - $1) }.max()!
        #expect(error < 1e-5 * scale, "\(axes): \(error) vs scale \(scale)")
    }

    @Test func drawsLeCunNormalMatrices() throws {
        let mixer = try RandomMixer(sequenceLength: 128, hiddenSize: 32, random: SeededRandom(seed: 3))
        #expect(mixer.parameters.isEmpty)
        for (matrix, n) in [(mixer.sequenceMatrix!, 128), (mixer.hiddenMatrix!, 32)] {
            #expect(matrix.shape == [n, n])
            let values = matrix.values.map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
            let expected = 1 / Double(n).squareRoot()
            // Sampling error of a standard deviation from N values: ≈ σ/√(2N) (≤ 1.3 % here); allow 5σ.
            #expect(abs(std - expected) < 5 * expected / (2 * Double(values.count)).squareRoot(), "n = \(n): std \(std)")
            #expect(abs(mean) < 5 * expected / Double(values.count).squareRoot(), "n = \(n): mean \(mean)")
        }
        // LeCun scaling keeps norms on average: over many vectors ‖R·x‖² / ‖x‖² averages to 1.
        var random = SeededRandom(seed: 5)
        let x = Tensor.normal([64, 128, 1], using: &random)
        let sequenceOnly = try RandomMixer(axes: .sequence, sequenceLength: 128, hiddenSize: nil, random: SeededRandom(seed: 3))
        let ratio = try sequenceOnly.apply(x).dot(sequenceOnly.apply(x)) / x.dot(x)
        #expect(abs(ratio - 1) < 0.15, "‖R·x‖²/‖x‖² = \(ratio)")
    }

    @Test func aDifferentDrawPerLayerAndTheSeedKeyOverridesIt() throws {
        func make(_ context: MixerBuildContext, _ settings: [String: String] = [:]) throws -> RandomMixer {
            try #require(try MixerRegistry.shared.make("random", configuration: MixerConfiguration(settings), context: context) as? RandomMixer)
        }
        let base = SeededRandom(seed: 2021)
        let layer0 = MixerBuildContext(sequenceLength: 6, hiddenSize: 6, random: base.derived(0))
        let layer1 = MixerBuildContext(sequenceLength: 6, hiddenSize: 6, random: base.derived(1))
        let a = try make(layer0), again = try make(layer0), b = try make(layer1)
        #expect(a.sequenceMatrix == again.sequenceMatrix && a.hiddenMatrix == again.hiddenMatrix, "seeded: reproducible")
        #expect(a.sequenceMatrix != b.sequenceMatrix && a.hiddenMatrix != b.hiddenMatrix, "a different draw per layer")
        #expect(a.sequenceMatrix != a.hiddenMatrix, "T = C still gives two different draws")
        let seeded0 = try make(layer0, ["seed": "5"]), seeded1 = try make(layer1, ["seed": "5"])
        #expect(seeded0.sequenceMatrix == seeded1.sequenceMatrix, "seed overrides the context's generator")
        #expect(seeded0.sequenceMatrix != a.sequenceMatrix)
        #expect(seeded0.descriptor.summary == "random(axes=both, seed=5)")
        // The linear mixer's initialisation uses other sub-streams: no hidden correlation between baselines.
        let linear = try #require(try MixerRegistry.shared.make("linear", context: layer0) as? LinearMixer)
        let ratio = linear.sequenceWeight!.value[0, 0] / a.sequenceMatrix![0, 0]
        let ratio2 = linear.sequenceWeight!.value[1, 1] / a.sequenceMatrix![1, 1]
        #expect(abs(ratio - ratio2) > 1e-3)
    }

    // MARK: Bad input

    @Test func missingOrWrongLengthsAreTypedErrors() throws {
        #expect {
            _ = try MixerRegistry.shared.make("random", context: MixerBuildContext(hiddenSize: 8))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("'random'") && e.what.contains("sequence length T")
                && e.fix.contains("MixerBuildContext")
        }
        let hiddenOnly = try RandomMixer(axes: .hidden, sequenceLength: nil, hiddenSize: 8, random: SeededRandom(seed: 0))
        #expect(try hiddenOnly.apply(Tensor(zeros: [2, 3, 8])).shape == [2, 3, 8])
        #expect {
            _ = try hiddenOnly.applyAdjoint(Tensor(zeros: [2, 3, 7]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("hidden size C 7 is not exactly 8") && e.location.contains("random")
        }
        #expect {
            _ = try hiddenOnly.apply(Tensor(zeros: [3, 8]))
        } throws: { error in
            (error as! MixLabError).code == .shapeMismatch
        }
    }
}
