import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTestKit
import Testing

@Suite struct FourierPhaseMixerTests {
    /// The mixer with random weights, so that both the real and the imaginary parts matter.
    static func mixer(hiddenSize c: Int, axes: MixingAxes, seed: UInt64) throws -> FourierPhaseMixer {
        let mixer = try FourierPhaseMixer(hiddenSize: c, axes: axes)
        var random = SeededRandom(seed: seed)
        try mixer.realWeight.load(Tensor.normal([c], using: &random))
        try mixer.imaginaryWeight.load(Tensor.normal([c], using: &random))
        return mixer
    }

    // The conformance kit comes first: every axes choice, at the FNet start (α = 1, β = 0) and with random
    // weights. The kit runs the linearity and adjoint tests (the adjoint is R(α⊙G) + I(β⊙G)).
    @Test(arguments: MixingAxes.allCases, [false, true])
    func conformsToTheMixerContract(_ axes: MixingAxes, _ randomWeights: Bool) {
        let report = MixerConformance.check { _, c in
            randomWeights ? try Self.mixer(hiddenSize: c, axes: axes, seed: UInt64(c)) : try FourierPhaseMixer(hiddenSize: c, axes: axes)
        }
        #expect(report.passed, "\(report)")
        var required: Set<ConformanceCheck> = [
            .lengthRequirement, .linearity, .adjoint, .inputGradient, .parameterGradient, .gradientAccumulation,
            .parameterRoundTrip,
        ]
        if axes != .both { required.insert(.axisLocality) }
        #expect(report.checksRun.isSuperset(of: required))
    }

    struct Fixture: Decodable {
        struct Case: Decodable {
            let shape: [Int]
            let axes: String
            let numpy: String
            let input: [Float]
            let real_weight: [Float]
            let imag_weight: [Float]
            let output: [Double]
            let output_gradient: [Float]?
            let input_gradient: [Double]?
            let real_weight_gradient: [Double]?
            let imag_weight_gradient: [Double]?
        }
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        try loadFixture("fourier_phase", as: Fixture.self)
    }

    static func mixer(for golden: Fixture.Case) throws -> FourierPhaseMixer {
        let c = golden.shape[2]
        let mixer = try FourierPhaseMixer(hiddenSize: c, axes: try MixingAxes(parsing: golden.axes, location: "fixture"))
        try mixer.realWeight.load(try Tensor(shape: [c], values: golden.real_weight))
        try mixer.imaginaryWeight.load(try Tensor(shape: [c], values: golden.imag_weight))
        return mixer
    }

    @Test func matchesNumpyGoldenValues() throws {
        let fixture = try Self.fixture()
        #expect(fixture.cases.count == 24)
        for golden in fixture.cases {
            let mixer = try Self.mixer(for: golden)
            let x = try Tensor(shape: golden.shape, values: golden.input)
            for context in [MixerContext.inference, .training] {
                let y = try mixer.forward(x, context: context).output
                let (error, scale) = GlobalFilterMixerTests.maxError(y.values, golden.output)
                #expect(error <= 2e-6 * scale * Double(golden.shape[1] * golden.shape[2]).squareRoot(),
                        "\(golden.numpy) on \(golden.shape): max error \(error)")
            }
        }
    }

    @Test func gradientsMatchNumpyJacobians() throws {
        let fixture = try Self.fixture()
        let withGradients = fixture.cases.filter { $0.output_gradient != nil }
        #expect(withGradients.count >= 15)
        for golden in withGradients {
            let mixer = try Self.mixer(for: golden)
            let x = try Tensor(shape: golden.shape, values: golden.input)
            let g = try Tensor(shape: golden.shape, values: golden.output_gradient!)
            for context in [MixerContext.inference, .training] {
                let (_, residuals) = try mixer.forward(x, context: context)
                let dx = try mixer.backward(g, residuals: residuals, context: context)
                let label = "axes=\(golden.axes) \(golden.shape) training=\(context.isTraining)"
                let (e1, s1) = GlobalFilterMixerTests.maxError(dx.values, golden.input_gradient!)
                #expect(e1 <= 1e-5 * s1, "input gradient \(label): \(e1)")
                let (e2, s2) = GlobalFilterMixerTests.maxError(mixer.realWeight.gradient.values, golden.real_weight_gradient!)
                #expect(e2 <= 1e-5 * s2, "real_weight gradient \(label): \(e2)")
                let (e3, s3) = GlobalFilterMixerTests.maxError(mixer.imaginaryWeight.gradient.values, golden.imag_weight_gradient!)
                #expect(e3 <= 1e-5 * s3, "imag_weight gradient \(label): \(e3)")
                mixer.realWeight.zeroGradient()
                mixer.imaginaryWeight.zeroGradient()
            }
        }
    }

    @Test(arguments: MixingAxes.allCases)
    func fastPathMatchesTheDenseReference(_ axes: MixingAxes) throws {
        for shape in [[3, 32, 24], [2, 33, 20], [1, 24, 17]] {
            let mixer = try Self.mixer(hiddenSize: shape[2], axes: axes, seed: 3)
            var random = SeededRandom(seed: 4)
            let x = Tensor.normal(shape, using: &random)
            let y = try mixer.forward(x, context: .inference).output
            let reference = try mixer.denseReference(x)
            let (error, scale) = GlobalFilterMixerTests.maxError(y.values, reference)
            #expect(error < 1e-5 * scale, "axes=\(axes) \(shape): \(error)")
        }
    }

    @Test(arguments: MixingAxes.allCases)
    func startsAsFNet(_ axes: MixingAxes) throws {
        let mixer = try FourierPhaseMixer(hiddenSize: 12, axes: axes)
        #expect(mixer.parameters.map(\.name) == ["real_weight", "imag_weight"])
        #expect(mixer.realWeight.value.values == [Float](repeating: 1, count: 12))
        #expect(mixer.imaginaryWeight.value.values == [Float](repeating: 0, count: 12))
        var random = SeededRandom(seed: 5)
        let x = Tensor.normal([2, 10, 12], using: &random)
        let fnet = try FourierMixer(axes: axes, path: .fft).apply(x)
        let y = try mixer.forward(x, context: .inference).output
        #expect(y.maxAbsDifference(fnet) < 1e-5 * fnet.maxAbs)
    }

    /// `α = 1, β = −1` is FNet's 2-D Hartley variant: the kernel `cas(2π(jk/T + ml/C))`.
    @Test func minusOneImaginaryWeightIsTheTwoDimensionalHartleyTransform() throws {
        let (t, c) = (6, 5)
        let mixer = try FourierPhaseMixer(hiddenSize: c)
        try mixer.imaginaryWeight.load(Tensor(shape: [c], repeating: -1))
        var random = SeededRandom(seed: 6)
        let x = Tensor.normal([1, t, c], using: &random)
        let y = try mixer.forward(x, context: .inference).output
        for k in 0..<t {
            for l in 0..<c {
                var sum = 0.0
                for j in 0..<t {
                    for m in 0..<c {
                        let angle = 2 * Double.pi * (Double(j * k) / Double(t) + Double(m * l) / Double(c))
                        sum += Double(x[0, j, m]) * (cos(angle) + sin(angle))
                    }
                }
                #expect(abs(Double(y[0, k, l]) - sum) < 1e-5 * 10, "[\(k), \(l)]")
            }
        }
    }

    @Test func keptSpectraGiveTheSameGradientsAsRecomputedOnes() throws {
        let mixer = try Self.mixer(hiddenSize: 10, axes: .both, seed: 8)
        var random = SeededRandom(seed: 9)
        let (x, g) = (Tensor.normal([5, 12, 10], using: &random), Tensor.normal([5, 12, 10], using: &random))
        let (_, kept) = try mixer.forward(x, context: .training)
        let (_, recomputed) = try mixer.forward(x, context: .inference)
        let dx1 = try mixer.backward(g, residuals: kept, context: .training)
        let (da1, db1) = (mixer.realWeight.gradient, mixer.imaginaryWeight.gradient)
        mixer.realWeight.zeroGradient()
        mixer.imaginaryWeight.zeroGradient()
        let dx2 = try mixer.backward(g, residuals: recomputed, context: .inference)
        #expect(dx1 == dx2 && da1 == mixer.realWeight.gradient && db1 == mixer.imaginaryWeight.gradient)
    }

    // MARK: Bad input

    @Test func registryNeedsTheHiddenSize() throws {
        #expect {
            _ = try MixerRegistry.shared.make("fourier-phase", context: MixerBuildContext(sequenceLength: 8))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.location.contains("fourier-phase") && e.what.contains("hiddenSize")
                && e.fix.contains("MixerBuildContext")
        }
        let mixer = try MixerRegistry.shared.make(
            "fourier-phase", configuration: MixerConfiguration(["axes": "hidden"]), context: MixerBuildContext(hiddenSize: 8))
        #expect(mixer.descriptor.summary == "fourier-phase(axes=hidden)")
        #expect(mixer.descriptor.hiddenSize == .exactly(8) && mixer.descriptor.sequenceLength == .any)
        #expect {
            _ = try MixerRegistry.shared.make(
                "fourier-phase", configuration: MixerConfiguration(["axes": "time"]), context: MixerBuildContext(hiddenSize: 8))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("axes=time") && e.fix.contains("sequence, hidden, both")
        }
    }

    @Test func rejectsOtherHiddenSizesAndBadWeights() throws {
        let mixer = try FourierPhaseMixer(hiddenSize: 8)
        #expect {
            _ = try mixer.forward(Tensor(zeros: [1, 4, 6]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("hidden size C 6") && e.what.contains("exactly 8")
                && e.location.contains("fourier-phase")
        }
        mixer.imaginaryWeight.value = Tensor(zeros: [4])
        #expect {
            _ = try mixer.forward(Tensor(zeros: [1, 4, 8]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .shapeMismatch && e.location.contains("imag_weight") && e.what.contains("[8]")
        }
        #expect {
            _ = try FourierPhaseMixer(hiddenSize: 0)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("hidden size 0")
        }
    }
}
