import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTestKit
import Testing

@Suite struct GlobalFilterMixerTests {
    // The conformance kit comes first: every axes choice, both initialisations. The mixer is linear in X,
    // so the kit also runs the linearity and adjoint tests; it declares an inverse, so the round trip too.
    @Test(arguments: MixingAxes.allCases, GlobalFilterMixer.Initialization.allCases)
    func conformsToTheMixerContract(_ axes: MixingAxes, _ initialization: GlobalFilterMixer.Initialization) {
        let report = MixerConformance.check { t, c in
            try GlobalFilterMixer(
                sequenceLength: t, hiddenSize: c, axes: axes, initialization: initialization,
                random: SeededRandom(seed: UInt64(100 * t + c)))
        }
        #expect(report.passed, "\(report)")
        #expect(report.checksRun.isSuperset(of: [
            .lengthRequirement, .linearity, .adjoint, .inputGradient, .parameterGradient, .gradientAccumulation,
            .inverse, .parameterRoundTrip,
        ]))
    }

    /// A filter of unit-scale random values (the default σ = 0.02 makes outputs tiny for the kit's tolerances).
    static func mixer(_ t: Int, _ c: Int, _ axes: MixingAxes, seed: UInt64) throws -> GlobalFilterMixer {
        let mixer = try GlobalFilterMixer(sequenceLength: t, hiddenSize: c, axes: axes)
        var random = SeededRandom(seed: seed)
        try mixer.filterReal.load(Tensor.normal(mixer.filterShape, using: &random))
        try mixer.filterImaginary.load(Tensor.normal(mixer.filterShape, using: &random))
        return mixer
    }

    @Test(arguments: MixingAxes.allCases)
    func conformsWithUnitScaleFilters(_ axes: MixingAxes) {
        let report = MixerConformance.check { t, c in try Self.mixer(t, c, axes, seed: UInt64(t * 31 + c)) }
        #expect(report.passed, "\(report)")
    }

    struct Fixture: Decodable {
        struct Case: Decodable {
            let shape: [Int]
            let axes: String
            let numpy: String
            let input: [Float]
            let filter_real: [Float]
            let filter_imag: [Float]
            let output: [Double]
            let output_gradient: [Float]?
            let input_gradient: [Double]?
            let filter_real_gradient: [Double]?
            let filter_imag_gradient: [Double]?
        }
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        try loadFixture("global_filter", as: Fixture.self)
    }

    static func maxError(_ values: [Float], _ reference: [Double]) -> (error: Double, scale: Double) {
        let error = zip(values, reference).map { abs(Double($0) - $1) }.max() ?? 0
        return (error, max(reference.map(abs).max() ?? 0, 1))
    }

    static func mixer(for golden: Fixture.Case) throws -> GlobalFilterMixer {
        let mixer = try GlobalFilterMixer(
            sequenceLength: golden.shape[1], hiddenSize: golden.shape[2],
            axes: try MixingAxes(parsing: golden.axes, location: "fixture"))
        try mixer.filterReal.load(try Tensor(shape: mixer.filterShape, values: golden.filter_real))
        try mixer.filterImaginary.load(try Tensor(shape: mixer.filterShape, values: golden.filter_imag))
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
                let (error, scale) = Self.maxError(y.values, golden.output)
                #expect(error <= 2e-6 * scale * Double(golden.shape[1] * golden.shape[2]).squareRoot(),
                        "\(golden.numpy) axes=\(golden.axes) on \(golden.shape): max error \(error)")
            }
        }
    }

    /// Gradients against brute-force Jacobians of numpy's definition (no hand derivation in the fixture):
    /// this pins the bin weights of the adjoint of `irfft`.
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
                let (e1, s1) = Self.maxError(dx.values, golden.input_gradient!)
                #expect(e1 <= 1e-5 * s1, "input gradient \(label): \(e1)")
                let (e2, s2) = Self.maxError(mixer.filterReal.gradient.values, golden.filter_real_gradient!)
                #expect(e2 <= 1e-5 * s2, "filter.real gradient \(label): \(e2)")
                let (e3, s3) = Self.maxError(mixer.filterImaginary.gradient.values, golden.filter_imag_gradient!)
                #expect(e3 <= 1e-5 * s3, "filter.imag gradient \(label): \(e3)")
                mixer.filterReal.zeroGradient()
                mixer.filterImaginary.zeroGradient()
            }
        }
    }

    @Test(arguments: MixingAxes.allCases)
    func fastPathMatchesTheDenseReference(_ axes: MixingAxes) throws {
        for shape in [[3, 32, 24], [2, 33, 20], [1, 24, 17]] {
            let mixer = try Self.mixer(shape[1], shape[2], axes, seed: 3)
            var random = SeededRandom(seed: 4)
            let x = Tensor.normal(shape, using: &random)
            let y = try mixer.forward(x, context: .inference).output
            let (error, scale) = Self.maxError(y.values, try mixer.denseReference(x))
            #expect(error < 1e-5 * scale, "axes=\(axes) \(shape): \(error)")
        }
    }

    @Test func keptSpectraGiveTheSameGradientsAsRecomputedOnes() throws {
        let mixer = try Self.mixer(12, 10, .both, seed: 8)
        var random = SeededRandom(seed: 9)
        let (x, g) = (Tensor.normal([5, 12, 10], using: &random), Tensor.normal([5, 12, 10], using: &random))
        let (_, kept) = try mixer.forward(x, context: .training)
        let (_, recomputed) = try mixer.forward(x, context: .inference)
        #expect(kept.tensors.count == 2 && recomputed.tensors.count == 1)
        let dx1 = try mixer.backward(g, residuals: kept, context: .training)
        let dw1 = mixer.filterReal.gradient
        mixer.filterReal.zeroGradient()
        mixer.filterImaginary.zeroGradient()
        let dx2 = try mixer.backward(g, residuals: recomputed, context: .inference)
        #expect(dx1 == dx2)
        #expect(dw1 == mixer.filterReal.gradient)
    }

    @Test(arguments: MixingAxes.allCases)
    func identityInitialisationIsTheIdentity(_ axes: MixingAxes) throws {
        let mixer = try GlobalFilterMixer(sequenceLength: 6, hiddenSize: 5, axes: axes, initialization: .identity)
        var random = SeededRandom(seed: 2)
        let x = Tensor.normal([2, 6, 5], using: &random)
        #expect(try mixer.forward(x, context: .inference).output.maxAbsDifference(x) < 1e-6)
    }

    @Test func normalInitialisationIsGFNets() throws {
        let mixer = try GlobalFilterMixer(sequenceLength: 64, hiddenSize: 32)
        #expect(mixer.parameters.map(\.name) == ["filter.real", "filter.imag"])
        #expect(mixer.filterShape == [64, 17])
        for parameter in mixer.parameters {
            let values = parameter.value.values.map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
            #expect(abs(mean) < 0.002 && abs(deviation - 0.02) < 0.002, "\(parameter.name): mean \(mean), σ \(deviation)")
        }
        #expect(try GlobalFilterMixer(sequenceLength: 8, hiddenSize: 6, axes: .sequence).filterShape == [5, 6])
        #expect(try GlobalFilterMixer(sequenceLength: 8, hiddenSize: 6, axes: .hidden).filterShape == [8, 4])
    }

    /// Bins 0 and C/2 act through their Hermitian part along T (numpy's irfft2 drops the rest): the other
    /// part has no effect on the output and receives a zero gradient.
    @Test func selfPairedBinsActThroughTheirHermitianPart() throws {
        let mixer = try Self.mixer(6, 8, .both, seed: 5)
        var random = SeededRandom(seed: 6)
        let (x, g) = (Tensor.normal([2, 6, 8], using: &random), Tensor.normal([2, 6, 8], using: &random))
        let y = try mixer.forward(x, context: .inference).output
        // Anti-Hermitian change in column 4 (= C/2): W[k, 4] += d, W[−k, 4] −= conj(d), for k = 1.
        var real = mixer.filterReal.value, imaginary = mixer.filterImaginary.value
        real[1, 4] += 0.7
        real[5, 4] -= 0.7
        imaginary[1, 4] += 0.3
        imaginary[5, 4] += 0.3
        imaginary[0, 0] += 0.9  // Im of the self-conjugate bin (0, 0)
        try mixer.filterReal.load(real)
        try mixer.filterImaginary.load(imaginary)
        #expect(try mixer.forward(x, context: .inference).output.maxAbsDifference(y) < 1e-5)
        let (_, residuals) = try mixer.forward(x, context: .inference)
        _ = try mixer.backward(g, residuals: residuals, context: .inference)
        let (dr, di) = (mixer.filterReal.gradient, mixer.filterImaginary.gradient)
        #expect(abs(dr[1, 4] - dr[5, 4]) < 1e-5 && abs(di[1, 4] + di[5, 4]) < 1e-5)
        #expect(abs(di[0, 0]) < 1e-5 && abs(di[3, 0]) < 1e-5 && abs(di[0, 4]) < 1e-5)
    }

    // MARK: Bad input

    @Test func registryNeedsBothLengths() throws {
        #expect {
            _ = try MixerRegistry.shared.make("global-filter", context: MixerBuildContext(hiddenSize: 8))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.location.contains("global-filter") && e.what.contains("sequenceLength")
                && !e.what.contains("hiddenSize") && e.fix.contains("MixerBuildContext")
        }
        #expect {
            _ = try MixerRegistry.shared.make("global-filter")
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("sequenceLength (T) and hiddenSize (C)")
        }
        let mixer = try MixerRegistry.shared.make(
            "global-filter", configuration: MixerConfiguration(["axes": "sequence", "init": "identity"]),
            context: MixerBuildContext(sequenceLength: 16, hiddenSize: 8))
        #expect(mixer.descriptor.summary == "global-filter(axes=sequence, init=identity)")
        #expect(mixer.descriptor.sequenceLength == .exactly(16) && mixer.descriptor.hiddenSize == .exactly(8))
    }

    @Test func rejectsAnUnknownInitialisation() {
        #expect {
            _ = try MixerRegistry.shared.make(
                "global-filter", configuration: MixerConfiguration(["init": "zeros"]),
                context: MixerBuildContext(sequenceLength: 4, hiddenSize: 4))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("init=zeros") && e.fix.contains("normal, identity")
                && e.location.contains("global-filter")
        }
    }

    @Test func rejectsLengthsOtherThanTheBuiltOnes() throws {
        let mixer = try GlobalFilterMixer(sequenceLength: 8, hiddenSize: 6)
        #expect {
            _ = try mixer.forward(Tensor(zeros: [1, 9, 6]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("sequence length T 9") && e.what.contains("exactly 8")
                && e.location.contains("global-filter")
        }
        #expect {
            _ = try mixer.forward(Tensor(zeros: [1, 8, 4]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("hidden size C 4") && e.what.contains("exactly 6")
        }
        #expect {
            _ = try GlobalFilterMixer(sequenceLength: 0, hiddenSize: 6)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("sequence length 0") && e.location.contains("global-filter")
        }
    }

    @Test func rejectsAFilterOfTheWrongShape() throws {
        let mixer = try GlobalFilterMixer(sequenceLength: 8, hiddenSize: 6)
        mixer.filterImaginary.value = Tensor(zeros: [8, 3])
        #expect {
            _ = try mixer.forward(Tensor(zeros: [1, 8, 6]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .shapeMismatch && e.location.contains("filter.imag") && e.what.contains("[8, 4]")
        }
    }

    @Test func rejectsResidualsFromAnotherCall() throws {
        let mixer = try GlobalFilterMixer(sequenceLength: 8, hiddenSize: 6)
        let (_, residuals) = try mixer.forward(Tensor(zeros: [2, 8, 6]), context: .inference)
        #expect {
            _ = try mixer.backward(Tensor(zeros: [3, 8, 6]), residuals: residuals, context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.location.contains("backward") && e.fix.contains("residuals")
        }
    }

    @Test func inverseRefusesSingularFilters() throws {
        let mixer = try Self.mixer(6, 8, .both, seed: 11)
        var random = SeededRandom(seed: 12)
        let x = Tensor.normal([2, 6, 8], using: &random)
        let y = try mixer.forward(x, context: .inference).output
        #expect(try mixer.inverse(y).maxAbsDifference(x) < 1e-4)

        // A zero bin.
        var real = mixer.filterReal.value, imaginary = mixer.filterImaginary.value
        (real[2, 3], imaginary[2, 3]) = (0, 0)
        try mixer.filterReal.load(real)
        try mixer.filterImaginary.load(imaginary)
        #expect {
            _ = try mixer.inverse(y)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("bin [2, 3]") && e.what.contains("modulus 0.0")
                && e.location.contains("global-filter") && e.location.contains("inverse") && e.fix.contains("non-zero")
        }

        // A self-paired bin whose Hermitian part vanishes: W[0, 0] purely imaginary.
        real = mixer.filterReal.value
        (real[2, 3], imaginary[2, 3]) = (1, 1)
        (real[0, 0], imaginary[0, 0]) = (0, 2)
        try mixer.filterReal.load(real)
        try mixer.filterImaginary.load(imaginary)
        #expect {
            _ = try mixer.inverse(y)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("bin [0, 0]")
        }

        // A non-finite entry.
        real[0, 0] = .nan
        try mixer.filterReal.load(real)
        #expect {
            _ = try mixer.inverse(y)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("non-finite") && e.what.contains("bin [0, 0]")
        }

        // Tiny but non-zero everywhere else: beyond 2^23 is refused, within it inverts.
        real[0, 0] = 1e-8
        imaginary[0, 0] = 0
        try mixer.filterReal.load(real)
        try mixer.filterImaginary.load(imaginary)
        #expect(throws: MixLabError.self) { try mixer.inverse(y) }
    }
}
