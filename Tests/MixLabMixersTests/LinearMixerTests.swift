import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTestKit
import Testing

/// `Y_b = A·X_b·Bᵀ` and its gradients by einsum from numpy (Scripts/fixtures/basis.py), shared by the
/// linear, random and learned-basis tests.
struct SeparableProductFixture: Decodable {
    struct Case: Decodable {
        let shape: [Int]
        let axes: String
        let x, g, a, b: [Float]
        let y, dx, da, db: [Double]

        var mixingAxes: MixingAxes { MixingAxes(rawValue: axes)! }
        var input: Tensor { try! Tensor(shape: shape, values: x) }
        var outputGradient: Tensor { try! Tensor(shape: shape, values: g) }
        var sequenceMatrix: Tensor? { a.isEmpty ? nil : try! Tensor(shape: [shape[1], shape[1]], values: a) }
        var hiddenMatrix: Tensor? { b.isEmpty ? nil : try! Tensor(shape: [shape[2], shape[2]], values: b) }
    }
    let cases: [Case]

    static func load() throws -> SeparableProductFixture {
        try loadFixture("separable_product", as: SeparableProductFixture.self)
    }

    /// `max|fast − reference| / max(max|reference|, 1)`.
    static func relativeError(_ fast: [Float], _ reference: [Double]) -> Double {
        precondition(fast.count == reference.count)
        let scale = max(reference.map(abs).max() ?? 0, 1)
        return zip(fast, reference).map { abs(Double($0) - $1) }.max().map { $0 / scale } ?? 0
    }
}

@Suite struct LinearMixerTests {
    // The conformance kit comes first, for every axes choice; the kit passes each shape's T and C.
    @Test(arguments: MixingAxes.allCases)
    func conformsToTheMixerContract(_ axes: MixingAxes) {
        let report = MixerConformance.check { t, c in
            try LinearMixer(axes: axes, sequenceLength: t, hiddenSize: c, random: SeededRandom(seed: 5))
        }
        #expect(report.passed, "\(report)")
        #expect(report.checksRun.isSuperset(of: [
            .lengthRequirement, .adjoint, .linearity, .inputGradient, .parameterGradient, .gradientAccumulation,
            .parameterRoundTrip, .batchIndependence,
        ]))
        if axes != .both { #expect(report.checksRun.contains(.axisLocality)) }
    }

    @Test func registeredMixerConforms() {
        let report = MixerConformance.check { t, c in
            try MixerRegistry.shared.make("linear", context: MixerBuildContext(sequenceLength: t, hiddenSize: c))
        }
        #expect(report.passed, "\(report)")
    }

    @Test func matchesNumpyEinsumForwardAndGradients() throws {
        let fixture = try SeparableProductFixture.load()
        #expect(fixture.cases.count == 12)
        for golden in fixture.cases {
            let shape = golden.shape
            let mixer = try LinearMixer(axes: golden.mixingAxes, sequenceLength: shape[1], hiddenSize: shape[2], random: SeededRandom(seed: 1))
            if let a = golden.sequenceMatrix { try mixer.sequenceWeight!.load(a) }
            if let b = golden.hiddenMatrix { try mixer.hiddenWeight!.load(b) }
            let (y, residuals) = try mixer.forward(golden.input, context: .training)
            let dx = try mixer.backward(golden.outputGradient, residuals: residuals, context: .training)
            let where_ = "\(golden.axes) \(shape)"
            #expect(SeparableProductFixture.relativeError(y.values, golden.y) < 1e-6, "y \(where_)")
            #expect(SeparableProductFixture.relativeError(dx.values, golden.dx) < 1e-6, "dx \(where_)")
            if let weight = mixer.sequenceWeight {
                #expect(SeparableProductFixture.relativeError(weight.gradient.values, golden.da) < 1e-6, "dW_seq \(where_)")
            }
            if let weight = mixer.hiddenWeight {
                #expect(SeparableProductFixture.relativeError(weight.gradient.values, golden.db) < 1e-6, "dW_hidden \(where_)")
            }
            #expect((mixer.sequenceWeight == nil) == golden.da.isEmpty && (mixer.hiddenWeight == nil) == golden.db.isEmpty)
        }
    }

    @Test(arguments: MixingAxes.allCases)
    func matchesItsDenseReferenceOnALargerShape(_ axes: MixingAxes) throws {
        var random = SeededRandom(seed: 8)
        let shape = [3, 48, 40]
        let mixer = try LinearMixer(axes: axes, sequenceLength: 48, hiddenSize: 40, random: SeededRandom(seed: 2))
        let x = Tensor.normal(shape, using: &random)
        let y = try mixer.forward(x, context: .inference).output
        let reference = try mixer.denseReference(x)
        let scale = reference.map(abs).max()!
        let error = zip(y.values, reference).map { abs(Double($0) - $1) }.max()!
        #expect(error < 1e-5 * scale, "\(axes): \(error) vs scale \(scale)")
    }

    @Test func initialisesWithFNetsNormalOfStandardDeviationPointZeroTwo() throws {
        let mixer = try LinearMixer(sequenceLength: 64, hiddenSize: 48, random: SeededRandom(seed: 3))
        #expect(mixer.parameters.map(\.name) == ["sequence_weight", "hidden_weight"])
        #expect(mixer.sequenceWeight!.value.shape == [64, 64] && mixer.hiddenWeight!.value.shape == [48, 48])
        for weight in mixer.parameters {
            let values = weight.value.values.map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
            #expect(abs(std - 0.02) < 0.001, "\(weight.name): std \(std)")
            #expect(abs(mean) < 0.001, "\(weight.name): mean \(mean)")
            #expect(weight.isTrainable)
        }
    }

    @Test func drawsDependOnTheGeneratorAndTheSeedKey() throws {
        func make(_ context: MixerBuildContext, _ settings: [String: String] = [:]) throws -> LinearMixer {
            try #require(try MixerRegistry.shared.make("linear", configuration: MixerConfiguration(settings), context: context) as? LinearMixer)
        }
        let layer0 = MixerBuildContext(sequenceLength: 8, hiddenSize: 8, random: SeededRandom(seed: 1).derived(0))
        let layer1 = MixerBuildContext(sequenceLength: 8, hiddenSize: 8, random: SeededRandom(seed: 1).derived(1))
        let a = try make(layer0), again = try make(layer0), b = try make(layer1)
        #expect(a.sequenceWeight!.value == again.sequenceWeight!.value)
        #expect(a.sequenceWeight!.value != b.sequenceWeight!.value, "a different draw per layer")
        #expect(a.sequenceWeight!.value != a.hiddenWeight!.value, "T = C still gives two different draws")
        let seeded0 = try make(layer0, ["seed": "77"]), seeded1 = try make(layer1, ["seed": "77"])
        #expect(seeded0.hiddenWeight!.value == seeded1.hiddenWeight!.value, "seed overrides the context's generator")
        #expect(seeded0.hiddenWeight!.value != a.hiddenWeight!.value)
        #expect(seeded0.descriptor.summary == "linear(axes=both, seed=77)")
        let explicitDefault = try make(layer0, ["seed": "layer"])
        #expect(explicitDefault.sequenceWeight!.value == a.sequenceWeight!.value, "seed=layer is the documented default")
        #expect(explicitDefault.descriptor.summary == "linear(axes=both)")
    }

    @Test func backwardUsesTheWeightsOfItsForwardPass() throws {
        var random = SeededRandom(seed: 4)
        let mixer = try LinearMixer(sequenceLength: 5, hiddenSize: 3, random: SeededRandom(seed: 6))
        let x = Tensor.normal([2, 5, 3], using: &random), g = Tensor.normal([2, 5, 3], using: &random)
        let (_, residuals) = try mixer.forward(x, context: .training)
        let dx = try mixer.backward(g, residuals: residuals, context: .training)
        let gradients = mixer.parameters.map(\.gradient)
        mixer.parameters.forEach { $0.zeroGradient() }
        // An optimiser step between forward and backward, in place.
        mixer.sequenceWeight!.value[0, 0] += 1
        mixer.hiddenWeight!.value[1, 2] -= 1
        let dxAfterStep = try mixer.backward(g, residuals: residuals, context: .training)
        #expect(dxAfterStep == dx)
        #expect(mixer.parameters.map(\.gradient) == gradients)
    }

    @Test func gradientDescentFitsALinearTarget() throws {
        // Fit W_seq·X·W_hiddenᵀ to a target map: the loss must fall by orders of magnitude.
        var random = SeededRandom(seed: 12)
        let (t, c) = (6, 4)
        let target = try LinearMixer(sequenceLength: t, hiddenSize: c, random: SeededRandom(seed: 100))
        for weight in target.parameters { weight.value = 25 * weight.value }  // entries of size ≈ 0.5
        let mixer = try LinearMixer(sequenceLength: t, hiddenSize: c, random: SeededRandom(seed: 200))
        for weight in mixer.parameters { weight.value = 25 * weight.value }
        let x = Tensor.normal([16, t, c], using: &random)
        let wanted = try target.forward(x, context: .inference).output
        func loss() throws -> Double {
            let difference = try mixer.forward(x, context: .inference).output - wanted
            return difference.dot(difference) / Double(x.count)
        }
        let initial = try loss()
        for _ in 0..<300 {
            let (y, residuals) = try mixer.forward(x, context: .training)
            let g = Float(2.0 / Double(x.count)) * (y - wanted)
            mixer.parameters.forEach { $0.zeroGradient() }
            _ = try mixer.backward(g, residuals: residuals, context: .training)
            for weight in mixer.parameters { weight.value = weight.value - 0.5 * weight.gradient }
        }
        let final = try loss()
        #expect(final < 1e-3 * initial, "loss \(initial) → \(final)")
    }

    // MARK: Bad input

    @Test func missingLengthsAreAnErrorThatSaysHowToPassThem() throws {
        #expect {
            _ = try LinearMixer(axes: .both, sequenceLength: nil, hiddenSize: 8, random: SeededRandom(seed: 0))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("sequence length T") && e.what.contains("linear")
                && e.fix.contains("MixerBuildContext") && e.fix.contains("axes=hidden")
        }
        #expect {
            _ = try MixerRegistry.shared.make("linear", configuration: MixerConfiguration(["axes": "hidden"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("hidden length C") && e.location == "mixer linear"
        }
        #expect(throws: MixLabError.self) {
            try LinearMixer(sequenceLength: 0, hiddenSize: 4, random: SeededRandom(seed: 0))
        }
        // One axis needs only its own length.
        let sequenceOnly = try LinearMixer(axes: .sequence, sequenceLength: 8, hiddenSize: nil, random: SeededRandom(seed: 0))
        #expect(sequenceOnly.descriptor.hiddenSize == .any && sequenceOnly.descriptor.sequenceLength == .exactly(8))
        #expect(try sequenceOnly.forward(Tensor(zeros: [1, 8, 5]), context: .inference).output.shape == [1, 8, 5])
    }

    @Test func otherLengthsThanTheBuiltOnesAreRejected() throws {
        let mixer = try LinearMixer(sequenceLength: 8, hiddenSize: 4, random: SeededRandom(seed: 0))
        #expect {
            _ = try mixer.forward(Tensor(zeros: [2, 12, 4]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("12") && e.what.contains("exactly 8")
                && e.location.contains("linear") && e.fix.contains("build the mixer for length 12")
        }
        #expect {
            _ = try mixer.forward(Tensor(zeros: [2, 8, 5]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("hidden size C 5")
        }
    }

    @Test func badSettingsAndMisshapenStateAreTypedErrors() throws {
        let context = MixerBuildContext(sequenceLength: 4, hiddenSize: 4)
        #expect {
            _ = try MixerRegistry.shared.make("linear", configuration: MixerConfiguration(["seed": "-3"]), context: context)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("seed=-3") && e.location == "mixer linear"
        }
        #expect {
            _ = try MixerRegistry.shared.make("linear", configuration: MixerConfiguration(["axes": "tokens"]), context: context)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.fix.contains("sequence, hidden, both")
        }
        let mixer = try LinearMixer(sequenceLength: 4, hiddenSize: 4, random: SeededRandom(seed: 0))
        let x = Tensor(zeros: [1, 4, 4])
        let (_, residuals) = try mixer.forward(x, context: .training)
        #expect {
            _ = try mixer.backward(Tensor(zeros: [1, 4, 3]), residuals: residuals, context: .training)
        } throws: { error in
            (error as! MixLabError).code == .shapeMismatch
        }
        #expect {
            _ = try mixer.backward(x, residuals: MixerResiduals([x]), context: .training)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("residuals")
        }
        mixer.hiddenWeight!.value = Tensor(zeros: [4, 5])
        #expect {
            _ = try mixer.forward(x, context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .shapeMismatch && e.location.contains("hidden_weight") && e.fix.contains("Parameter.load")
        }
    }
}
