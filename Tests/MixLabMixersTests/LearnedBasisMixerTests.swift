import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTestKit
import Testing

@Suite struct LearnedBasisMixerTests {
    typealias Basis = LearnedBasisMixer.Basis

    // The conformance kit comes first: every basis family on every axes choice (hadamard and wavelet
    // refuse the kit's non-power-of-two shapes at construction, as declared).
    @Test(arguments: Basis.allCases, MixingAxes.allCases)
    func conformsToTheMixerContract(_ basis: Basis, _ axes: MixingAxes) {
        let report = MixerConformance.check { t, c in
            try LearnedBasisMixer(basis: basis, axes: axes, sequenceLength: t, hiddenSize: c, random: SeededRandom(seed: 7))
        }
        #expect(report.passed, "\(report)")
        #expect(report.checksRun.isSuperset(of: [
            .lengthRequirement, .adjoint, .linearity, .inputGradient, .parameterGradient, .gradientAccumulation, .parameterRoundTrip,
        ]))
    }

    @Test(arguments: MixingAxes.allCases)
    func frozenAndUnnormalisedVariantsConform(_ axes: MixingAxes) {
        for (basis, scale) in [(Basis.dft, Normalization.backward), (.dct, .forward), (.hadamard, .backward)] {
            let report = MixerConformance.check { t, c in
                try LearnedBasisMixer(basis: basis, axes: axes, sequenceLength: t, hiddenSize: c, scale: scale, trainable: false)
            }
            #expect(report.passed, "\(basis) \(scale): \(report)")
            #expect(report.checksRun.contains(.parameterGradient), "frozen parameters still get gradients")
        }
    }

    @Test func registeredMixerConformsWithItsDefaults() {
        let report = MixerConformance.check { t, c in
            try MixerRegistry.shared.make("learned-basis", context: MixerBuildContext(sequenceLength: t, hiddenSize: c))
        }
        #expect(report.passed, "\(report)")
        #expect(report.mixer == "learned-basis(axes=both, basis=dft, scale=ortho, trainable=true)")
    }

    @Test func matchesNumpyEinsumForwardAndGradients() throws {
        let fixture = try SeparableProductFixture.load()
        for golden in fixture.cases {
            let shape = golden.shape
            let mixer = try LearnedBasisMixer(basis: .identity, axes: golden.mixingAxes, sequenceLength: shape[1], hiddenSize: shape[2])
            if let a = golden.sequenceMatrix { try mixer.sequenceBasis!.load(a) }
            if let b = golden.hiddenMatrix { try mixer.hiddenBasis!.load(b) }
            let (y, residuals) = try mixer.forward(golden.input, context: .training)
            let dx = try mixer.backward(golden.outputGradient, residuals: residuals, context: .training)
            let where_ = "\(golden.axes) \(shape)"
            #expect(SeparableProductFixture.relativeError(y.values, golden.y) < 1e-6, "y \(where_)")
            #expect(SeparableProductFixture.relativeError(dx.values, golden.dx) < 1e-6, "dx \(where_)")
            if let basis = mixer.sequenceBasis {
                #expect(SeparableProductFixture.relativeError(basis.gradient.values, golden.da) < 1e-6, "dQ_T \(where_)")
            }
            if let basis = mixer.hiddenBasis {
                #expect(SeparableProductFixture.relativeError(basis.gradient.values, golden.db) < 1e-6, "dQ_C \(where_)")
            }
        }
    }

    @Test(arguments: Basis.allCases)
    func startsFromTheBasisAndMatchesTheDoubleBasisReference(_ basis: Basis) throws {
        // Forward at initialisation vs the separable product with the Double basis (not the rounded
        // parameters): checks the initial values and the fast path together.
        let shape = [2, 32, 16]
        let mixer = try LearnedBasisMixer(basis: basis, sequenceLength: 32, hiddenSize: 16, random: SeededRandom(seed: 11))
        var replay = SeededRandom(seed: 11).derived(31)
        let sequence = try LearnedBasisMixer.matrix(basis, length: 32, scale: .ortho, random: &replay)
        replay = SeededRandom(seed: 11).derived(32)
        let hidden = try LearnedBasisMixer.matrix(basis, length: 16, scale: .ortho, random: &replay)
        #expect(mixer.sequenceBasis!.value.values == sequence.map { Float($0) })
        #expect(mixer.hiddenBasis!.value.values == hidden.map { Float($0) })
        var random = SeededRandom(seed: 1)
        let x = Tensor.normal(shape, using: &random)
        let y = try mixer.forward(x, context: .inference).output
        let reference = DenseReference.separableProduct(
            x.values.map(Double.init), shape: shape, sequenceMatrix: sequence, hiddenMatrix: hidden)
        let scale = reference.map(abs).max()!
        let error = zip(y.values, reference).map { abs(Double($0) - $1) }.max()!
        #expect(error < 2e-6 * scale, "\(basis): \(error) vs scale \(scale)")
        // The bench check's reference (current parameters) agrees too.
        let dense = try mixer.denseReference(x)
        #expect(zip(y.values, dense).map { abs(Double($0) - $1) }.max()! < 2e-6 * scale)
        // Orthonormal families preserve the norm of every example at initialisation.
        if basis != .dft {
            #expect(abs(y.norm / x.norm - 1) < 1e-5, "\(basis): ‖Y‖/‖X‖ = \(y.norm / x.norm)")
        }
    }

    @Test(arguments: [MixingAxes.sequence, .hidden])
    func frozenUnnormalisedDFTOnOneAxisIsTheFourierMixer(_ axes: MixingAxes) throws {
        var random = SeededRandom(seed: 2)
        let x = Tensor.normal([2, 12, 10], using: &random)
        let learned = try LearnedBasisMixer(basis: .dft, axes: axes, sequenceLength: 12, hiddenSize: 10, scale: .backward, trainable: false)
        let fourier = FourierMixer(axes: axes, normalization: .backward, path: .fft)
        let y = try learned.forward(x, context: .inference).output
        let expected = try fourier.apply(x)
        #expect(y.maxAbsDifference(expected) < 1e-5 * expected.maxAbs, "\(axes)")
        // Ortho scale: the same divided by √n.
        let ortho = try LearnedBasisMixer(basis: .dft, axes: axes, sequenceLength: 12, hiddenSize: 10)
        let n = Float(axes == .sequence ? 12 : 10)
        #expect(try ortho.forward(x, context: .inference).output.maxAbsDifference((1 / n.squareRoot()) * expected) < 1e-5 * expected.maxAbs)
    }

    @Test func onBothAxesTheSeparableCosineProductIsNotFNetsOperator() throws {
        // Documented: C_T·X·C_C differs from Re(F_T·X·F_C) by S_T·X·S_C.
        var random = SeededRandom(seed: 3)
        let x = Tensor.normal([1, 8, 6], using: &random)
        let learned = try LearnedBasisMixer(basis: .dft, sequenceLength: 8, hiddenSize: 6, scale: .backward)
        let separable = try learned.forward(x, context: .inference).output
        let fnet = try FourierMixer().apply(x)
        let (_, sineT) = DenseReference.dftMatrix(8)
        let (_, sineC) = DenseReference.dftMatrix(6)
        let sines = DenseReference.separableProduct(x.values.map(Double.init), shape: [1, 8, 6], sequenceMatrix: sineT, hiddenMatrix: sineC)
        let difference = (separable - fnet).values
        #expect(zip(difference, sines).map { abs(Double($0) - $1) }.max()! < 1e-4)
        #expect(sines.map(abs).max()! > 1)
    }

    @Test func frozenMatricesAreMarkedButStillReceiveGradients() throws {
        let mixer = try MixerRegistry.shared.make(
            "learned-basis", configuration: MixerConfiguration(["basis": "legendre", "trainable": "false"]),
            context: MixerBuildContext(sequenceLength: 6, hiddenSize: 5))
        #expect(mixer.parameters.map(\.name) == ["sequence_basis", "hidden_basis"])
        #expect(mixer.parameters.allSatisfy { !$0.isTrainable })
        var random = SeededRandom(seed: 4)
        let x = Tensor.normal([2, 6, 5], using: &random)
        let (_, residuals) = try mixer.forward(x, context: .training)
        _ = try mixer.backward(Tensor.normal([2, 6, 5], using: &random), residuals: residuals, context: .training)
        #expect(mixer.parameters.allSatisfy { $0.gradient.norm > 0 })
        let trainable = try LearnedBasisMixer(basis: .legendre, sequenceLength: 6, hiddenSize: 5)
        #expect(trainable.parameters.allSatisfy { $0.isTrainable })
    }

    @Test func randomOrthogonalIsADifferentDrawPerLayerAndFollowsTheSeedKey() throws {
        func make(_ random: SeededRandom, _ settings: [String: String] = [:]) throws -> any TokenMixer {
            var values = settings
            values["basis"] = "random-orthogonal"
            return try MixerRegistry.shared.make(
                "learned-basis", configuration: MixerConfiguration(values),
                context: MixerBuildContext(sequenceLength: 8, hiddenSize: 8, random: random))
        }
        let base = SeededRandom(seed: 10)
        let a = try make(base.derived(0)), again = try make(base.derived(0)), b = try make(base.derived(1))
        #expect(a.parameters[0].value == again.parameters[0].value)
        #expect(a.parameters[0].value != b.parameters[0].value)
        #expect(a.parameters[0].value != a.parameters[1].value, "T = C still gives two different draws")
        let s0 = try make(base.derived(0), ["seed": "3"]), s1 = try make(base.derived(1), ["seed": "3"])
        #expect(s0.parameters[1].value == s1.parameters[1].value)
        #expect(s0.descriptor.configuration["seed"] == "3")
    }

    // MARK: Bad input

    @Test func powerOfTwoFamiliesRejectOtherLengthsNamingTheBasis() throws {
        #expect {
            _ = try LearnedBasisMixer(basis: .hadamard, sequenceLength: 12, hiddenSize: 8)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("basis=hadamard") && e.what.contains("T = 12")
                && e.location.contains("learned-basis") && e.fix.contains("pad to 16") && e.fix.contains("dct")
        }
        #expect {
            _ = try MixerRegistry.shared.make(
                "learned-basis", configuration: MixerConfiguration(["basis": "wavelet", "axes": "hidden"]),
                context: MixerBuildContext(hiddenSize: 10))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("basis=wavelet") && e.what.contains("C = 10")
                && e.fix.contains("pad to 16")
        }
        // The other axis's length does not matter when that axis is not mixed.
        #expect(try LearnedBasisMixer(basis: .hadamard, axes: .hidden, sequenceLength: 12, hiddenSize: 8).parameters.count == 1)
    }

    @Test func unknownBasisAndUndefinedScalesAreTypedErrors() {
        let context = MixerBuildContext(sequenceLength: 8, hiddenSize: 8)
        #expect {
            _ = try MixerRegistry.shared.make("learned-basis", configuration: MixerConfiguration(["basis": "fourier"]), context: context)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("basis=fourier") && e.location == "mixer learned-basis"
                && e.fix.contains("dft, dct, hadamard, legendre, chebyshev, wavelet, identity, random-orthogonal")
        }
        #expect {
            _ = try MixerRegistry.shared.make(
                "learned-basis", configuration: MixerConfiguration(["basis": "legendre", "scale": "backward"]), context: context)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("scale=backward") && e.what.contains("basis=legendre")
                && e.fix.contains("scale=ortho")
        }
        #expect {
            _ = try MixerRegistry.shared.make("learned-basis", configuration: MixerConfiguration(["trainable": "maybe"]), context: context)
        } throws: { error in
            (error as! MixLabError).code == .invalidConfigValue
        }
        #expect {
            _ = try MixerRegistry.shared.make("learned-basis", configuration: MixerConfiguration(["basis": "dct"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("sequence length T") && e.what.contains("learned-basis")
        }
    }

    @Test func otherLengthsThanTheBuiltOnesAreRejected() throws {
        let mixer = try LearnedBasisMixer(basis: .dct, axes: .sequence, sequenceLength: 8, hiddenSize: nil)
        #expect {
            _ = try mixer.forward(Tensor(zeros: [1, 9, 4]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("sequence length T 9 is not exactly 8")
                && e.location.contains("learned-basis")
        }
    }
}
