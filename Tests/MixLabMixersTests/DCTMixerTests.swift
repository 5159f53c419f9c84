import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTestKit
import Testing

@Suite struct DCTMixerTests {
    // The conformance kit comes first: every axes choice, type and normalisation, built through the
    // registry with the lengths in the build context (as the CLI and models do). The kit's shapes hold
    // T = 1, which the type-1 DCT refuses at construction, and even and odd C, so along the sequence both
    // the FFT path and the FFTW r2r fallback run.
    @Test(arguments: MixingAxes.allCases, DCTMixer.TransformType.allCases)
    func conformsToTheMixerContract(_ axes: MixingAxes, _ type: DCTMixer.TransformType) {
        for normalization in Normalization.allCases {
            let configuration = MixerConfiguration(
                ["axes": axes.rawValue, "type": String(type.rawValue), "norm": normalization.rawValue])
            let report = MixerConformance.check { t, c in
                try MixerRegistry.shared.make(
                    "dct", configuration: configuration, context: MixerBuildContext(sequenceLength: t, hiddenSize: c))
            }
            #expect(report.passed, "\(report)")
            #expect(report.checksRun.isSuperset(of: [.adjoint, .linearity, .inverse, .inputGradient, .batchIndependence]))
        }
    }

    // The same contract for mixers built directly (no lengths known): the type-1 DCT on T = 2 instead of 1.
    @Test(arguments: DCTMixer.TransformType.allCases)
    func directlyBuiltMixersConform(_ type: DCTMixer.TransformType) {
        var options = ConformanceOptions()
        options.shapes = options.shapes.map { $0[1] == 1 ? [$0[0], 2, $0[2]] : $0 }
        for axes in MixingAxes.allCases {
            let report = MixerConformance.check(options: options) { _, _ in DCTMixer(axes: axes, type: type) }
            #expect(report.passed, "\(report)")
        }
    }

    struct Fixture: Decodable {
        struct Case: Decodable {
            let shape: [Int]
            let axes: String
            let type: Int
            let norm: String
            let scipy: String
            let input: [Float]
            let output: [Double]
        }
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        try loadFixture("dct", as: Fixture.self)
    }

    static func mixer(for golden: Fixture.Case) throws -> DCTMixer {
        DCTMixer(
            axes: try MixingAxes(parsing: golden.axes, location: "fixture"),
            type: try #require(DCTMixer.TransformType(rawValue: golden.type)),
            normalization: try Normalization(parsing: golden.norm, location: "fixture"))
    }

    @Test func matchesScipyGoldenValues() throws {
        let fixture = try Self.fixture()
        #expect(fixture.cases.count >= 150)
        #expect(Set(fixture.cases.map(\.type)) == [1, 2, 3, 4] && Set(fixture.cases.map(\.norm)).count == 3)
        for golden in fixture.cases {
            let y = try Self.mixer(for: golden).apply(try Tensor(shape: golden.shape, values: golden.input))
            let scale = max(golden.output.map(abs).max()!, 1)
            let error = zip(y.values, golden.output).map { abs(Double($0) - $1) }.max()!
            #expect(error <= 2e-6 * scale * Double(golden.shape[1] * golden.shape[2]).squareRoot(),
                    "\(golden.scipy) on \(golden.shape): max error \(error)")
        }
    }

    @Test func inverseRecoversTheGoldenInputs() throws {
        for golden in try Self.fixture().cases {
            let x = try Self.mixer(for: golden).inverse(try Tensor(shape: golden.shape, values: golden.output.map(Float.init)))
            let error = zip(x.values, golden.input).map { abs(Double($0 - $1)) }.max()!
            #expect(error <= 1e-5 * max(Double(golden.input.map(abs).max()!), 1), "inverse of \(golden.scipy): \(error)")
        }
    }

    /// Shapes where the vectorised loops run (C ≥ 34, C/2 ≥ 16), with odd T, even and odd C.
    static let largeShapes = [[2, 37, 70], [1, 33, 67], [2, 64, 48]]

    @Test(arguments: DCTMixer.TransformType.allCases)
    func largeShapesMatchTheDenseReference(_ type: DCTMixer.TransformType) throws {
        var random = SeededRandom(seed: 31)
        for shape in Self.largeShapes {
            let x = Tensor.normal(shape, using: &random)
            for axes in MixingAxes.allCases {
                for normalization in Normalization.allCases {
                    let mixer = DCTMixer(axes: axes, type: type, normalization: normalization)
                    let reference = try mixer.denseReference(x)
                    let y = try mixer.apply(x)
                    let scale = reference.map(abs).max()!
                    let error = zip(y.values, reference).map { abs(Double($0) - $1) }.max()!
                    #expect(error < 2e-6 * scale, "\(mixer.descriptor.summary) on \(shape): \(error) of \(scale)")
                }
            }
        }
    }

    @Test(arguments: DCTMixer.TransformType.allCases)
    func largeShapesHaveTheAdjointAndTheInverse(_ type: DCTMixer.TransformType) throws {
        var random = SeededRandom(seed: 32)
        for shape in Self.largeShapes {
            let (x, g) = (Tensor.normal(shape, using: &random), Tensor.normal(shape, using: &random))
            for axes in MixingAxes.allCases {
                for normalization in Normalization.allCases {
                    let mixer = DCTMixer(axes: axes, type: type, normalization: normalization)
                    let (ax, atg) = (try mixer.apply(x), try mixer.applyAdjoint(g))
                    let adjointError = abs(ax.dot(g) - x.dot(atg)) / (ax.norm * g.norm)
                    #expect(adjointError < 2e-6, "\(mixer.descriptor.summary) on \(shape): ⟨Ax, g⟩ − ⟨x, Aᵀg⟩ = \(adjointError)")
                    let back = try mixer.inverse(ax)
                    #expect(back.maxAbsDifference(x) < 1e-4 * x.maxAbs, "\(mixer.descriptor.summary) on \(shape): round trip")
                }
            }
        }
    }

    @Test(arguments: MixingAxes.allCases)
    func orthonormalDCTTwoHasTheOrthonormalDCTThreeAsAdjointAndInverse(_ axes: MixingAxes) throws {
        var random = SeededRandom(seed: 33)
        let g = Tensor.normal([2, 9, 12], using: &random)
        let two = DCTMixer(axes: axes, type: .two, normalization: .ortho)
        let three = try DCTMixer(axes: axes, type: .three, normalization: .ortho).apply(g)
        #expect(try two.applyAdjoint(g).maxAbsDifference(three) < 1e-5)
        #expect(try two.inverse(g).maxAbsDifference(three) < 1e-5)
        // Orthogonal: the norm is kept.
        #expect(abs(try two.apply(g).norm - g.norm) < 1e-5 * g.norm)
    }

    @Test func constantInputGoesToTheFirstCoefficient() throws {
        // Orthonormal DCT-II of a constant c over both axes: c·√(TC) at (0, 0), zero elsewhere.
        let y = try DCTMixer().apply(Tensor(shape: [1, 4, 9], repeating: 2))
        #expect(abs(y[0, 0, 0] - 2 * 6) < 1e-5)
        #expect((1..<36).allSatisfy { abs(y[flat: $0]) < 1e-5 })
    }

    @Test func oneMixerServesSeveralShapes() throws {
        let mixer = DCTMixer(axes: .both, type: .three, normalization: .forward)
        var random = SeededRandom(seed: 34)
        for shape in [[1, 4, 6], [2, 5, 3], [1, 4, 6], [1, 1, 7]] {
            let x = Tensor.normal(shape, using: &random)
            let reference = try mixer.denseReference(x)
            let error = zip(try mixer.apply(x).values, reference).map { abs(Double($0) - $1) }.max()!
            #expect(error < 1e-6, "\(shape): \(error)")
        }
    }

    @Test func buildsFromTheRegistry() throws {
        let mixer = try MixerRegistry.shared.make(
            "dct", configuration: MixerConfiguration(["axes": "sequence", "type": "4", "norm": "forward"]))
        let dct = try #require(mixer as? DCTMixer)
        #expect(dct.axes == .sequence && dct.type == .four && dct.normalization == .forward)
        #expect(mixer.descriptor.summary == "dct(axes=sequence, norm=forward, type=4)")
        let defaults = try #require(try MixerRegistry.shared.make("dct") as? DCTMixer)
        #expect(defaults.axes == .both && defaults.type == .two && defaults.normalization == .ortho)
        #expect(defaults.descriptor.isInvertible && defaults.descriptor.isLinear)
    }

    @Test func concurrentCallsAgreeWithSerialOnes() async throws {
        // One mixer shared by tasks: kernels are built once per shape under a lock and run concurrently.
        let mixer = DCTMixer(axes: .both, type: .two, normalization: .ortho)
        var random = SeededRandom(seed: 5)
        let inputs = (0..<8).map { index in Tensor.normal([index % 3 + 1, 12, 10], using: &random) }
        let serial = try inputs.map { try mixer.apply($0) }
        let parallel = try await withThrowingTaskGroup(of: (Int, Tensor).self) { group in
            for (index, x) in inputs.enumerated() { group.addTask { (index, try mixer.apply(x)) } }
            var results = [Tensor?](repeating: nil, count: inputs.count)
            for try await (index, y) in group { results[index] = y }
            return results
        }
        #expect(parallel.map { $0! } == serial)
    }

    // MARK: Bad input

    @Test(arguments: ["5", "0", "two", "2.0"])
    func rejectsAnUnknownType(_ value: String) {
        #expect {
            _ = try MixerRegistry.shared.make("dct", configuration: MixerConfiguration(["type": value]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("type=\(value)") && e.location.contains("dct")
                && e.fix.contains("from 1 to 4")
        }
    }

    @Test func rejectsAnUnknownNormalisationOrAxis() {
        #expect {
            _ = try MixerRegistry.shared.make("dct", configuration: MixerConfiguration(["norm": "unitary"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("norm=unitary") && e.location.contains("dct")
                && e.fix.contains("backward, ortho, forward")
        }
        #expect {
            _ = try MixerRegistry.shared.make("dct", configuration: MixerConfiguration(["axes": "batch"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("axes=batch") && e.fix.contains("sequence, hidden, both")
        }
        #expect {
            _ = try MixerRegistry.shared.make("dct", configuration: MixerConfiguration(["kind": "2"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unknownConfigKey && e.what.contains("kind") && e.fix.contains("axes, type, norm")
        }
    }

    @Test func rejectsTooShortLengthsForTypeOne() throws {
        let sequence = DCTMixer(axes: .sequence, type: .one, normalization: .ortho)
        for run in [sequence.apply, sequence.applyAdjoint, sequence.inverse] {
            #expect {
                _ = try run(Tensor(zeros: [2, 1, 4]))
            } throws: { error in
                let e = error as! MixLabError
                return e.code == .unsupportedLength && e.what.contains("sequence length T 1")
                    && e.what.contains("at least 2") && e.location.contains("dct(") && e.location.contains("type=1")
                    && e.fix.contains("type 2, 3 or 4")
            }
        }
        #expect {
            _ = try DCTMixer(axes: .both, type: .one).forward(Tensor(zeros: [1, 3, 1]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("hidden size C 1")
        }
        // Refused at construction when the registry knows the lengths.
        #expect {
            _ = try MixerRegistry.shared.make(
                "dct", configuration: MixerConfiguration(["type": "1"]), context: MixerBuildContext(sequenceLength: 1, hiddenSize: 8))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("sequence length T 1")
        }
        _ = try MixerRegistry.shared.make(
            "dct", configuration: MixerConfiguration(["type": "1", "axes": "hidden"]),
            context: MixerBuildContext(sequenceLength: 1, hiddenSize: 8))
        // The untransformed axis may have length 1, and the other types take any length.
        _ = try DCTMixer(axes: .hidden, type: .one).apply(Tensor(zeros: [1, 1, 4]))
        _ = try DCTMixer(axes: .both, type: .two).apply(Tensor(zeros: [1, 1, 1]))
    }

    @Test func rejectsInputsThatAreNotRankThree() {
        #expect {
            _ = try DCTMixer().inverse(Tensor(zeros: [4, 8]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .shapeMismatch && e.location.contains("dct")
        }
    }
}
