import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTestKit
import Testing

@Suite struct HartleyMixerTests {
    // The conformance kit comes first: every axes choice, both operators, every normalisation. The kit's
    // shapes hold even and odd C, so along the sequence both the packed FFT and FFTW's DHT run.
    @Test(arguments: MixingAxes.allCases, HartleyMixer.Kind.allCases)
    func conformsToTheMixerContract(_ axes: MixingAxes, _ kind: HartleyMixer.Kind) {
        for normalization in Normalization.allCases {
            let report = MixerConformance.check { _, _ in HartleyMixer(axes: axes, kind: kind, normalization: normalization) }
            #expect(report.passed, "\(report)")
            #expect(report.checksRun.isSuperset(of: [.adjoint, .linearity, .inverse, .inputGradient, .batchIndependence]))
        }
    }

    struct Fixture: Decodable {
        struct Case: Decodable {
            let shape: [Int]
            let axes: String
            let kind: String
            let norm: String
            let numpy: String
            let input: [Float]
            let output: [Double]
        }
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        try loadFixture("hartley", as: Fixture.self)
    }

    static func mixer(for golden: Fixture.Case) throws -> HartleyMixer {
        HartleyMixer(
            axes: try MixingAxes(parsing: golden.axes, location: "fixture"),
            kind: try #require(HartleyMixer.Kind(rawValue: golden.kind)),
            normalization: try Normalization(parsing: golden.norm, location: "fixture"))
    }

    @Test func matchesNumpyGoldenValues() throws {
        let fixture = try Self.fixture()
        #expect(fixture.cases.count >= 90)
        #expect(Set(fixture.cases.map(\.kind)) == ["fnet", "separable"])
        for golden in fixture.cases {
            let y = try Self.mixer(for: golden).apply(try Tensor(shape: golden.shape, values: golden.input))
            let scale = max(golden.output.map(abs).max()!, 1)
            let error = zip(y.values, golden.output).map { abs(Double($0) - $1) }.max()!
            #expect(error <= 2e-6 * scale * Double(golden.shape[1] * golden.shape[2]).squareRoot(),
                    "\(golden.kind) \(golden.numpy) on \(golden.shape): max error \(error)")
        }
    }

    @Test func inverseRecoversTheGoldenInputs() throws {
        for golden in try Self.fixture().cases {
            let x = try Self.mixer(for: golden).inverse(try Tensor(shape: golden.shape, values: golden.output.map(Float.init)))
            let error = zip(x.values, golden.input).map { abs(Double($0 - $1)) }.max()!
            #expect(error <= 1e-5 * max(Double(golden.input.map(abs).max()!), 1), "inverse of \(golden.numpy): \(error)")
        }
    }

    /// Shapes where the vectorised loops run (C ≥ 34, C/2 ≥ 16), with odd T, even and odd C.
    static let largeShapes = [[2, 37, 70], [1, 33, 67], [2, 64, 48]]

    @Test(arguments: HartleyMixer.Kind.allCases)
    func largeShapesMatchTheDenseReference(_ kind: HartleyMixer.Kind) throws {
        var random = SeededRandom(seed: 41)
        for shape in Self.largeShapes {
            let x = Tensor.normal(shape, using: &random)
            for axes in MixingAxes.allCases {
                for normalization in Normalization.allCases {
                    let mixer = HartleyMixer(axes: axes, kind: kind, normalization: normalization)
                    let reference = try mixer.denseReference(x)
                    let y = try mixer.apply(x)
                    let scale = reference.map(abs).max()!
                    let error = zip(y.values, reference).map { abs(Double($0) - $1) }.max()!
                    #expect(error < 2e-6 * scale, "\(mixer.descriptor.summary) on \(shape): \(error) of \(scale)")
                    // Symmetric (self-adjoint), and H·H = N·I.
                    let g = Tensor.normal(shape, using: &random)
                    let adjointError = abs(y.dot(g) - x.dot(try mixer.applyAdjoint(g))) / (y.norm * g.norm)
                    #expect(adjointError < 2e-6, "\(mixer.descriptor.summary) on \(shape): adjoint \(adjointError)")
                    #expect(try mixer.inverse(y).maxAbsDifference(x) < 1e-4 * x.maxAbs)
                }
            }
        }
    }

    @Test func theTwoKindsDifferOverBothAxesAndCoincideOnOne() throws {
        var random = SeededRandom(seed: 42)
        let x = Tensor.normal([2, 6, 10], using: &random)
        let fnet = try HartleyMixer(kind: .fnet).apply(x)
        let separable = try HartleyMixer(kind: .separable).apply(x)
        #expect(fnet.maxAbsDifference(separable) > 0.1 * fnet.maxAbs)
        for axes in [MixingAxes.sequence, .hidden] {
            let a = try HartleyMixer(axes: axes, kind: .fnet).apply(x)
            let b = try HartleyMixer(axes: axes, kind: .separable).apply(x)
            #expect(a.maxAbsDifference(b) <= 1e-6 * a.maxAbs)
        }
        // Over both axes, `separable` is the 1-D transform along one axis after the other.
        let alongHidden = try HartleyMixer(axes: .hidden).apply(x)
        let successive = try HartleyMixer(axes: .sequence).apply(alongHidden)
        #expect(successive.maxAbsDifference(separable) <= 1e-5 * separable.maxAbs)
    }

    @Test func fnetKindOfAnImpulseIsTheNonSeparableCasKernel() throws {
        // An impulse at (j, m) = (2, 3) gives one column of the kernel: y[k, l] = cas(2π(jk/T + ml/C)).
        // The ortho transform is an involution (H·H = N·I).
        var x = Tensor(zeros: [1, 5, 6])
        x[0, 2, 3] = 1
        let y = try HartleyMixer().apply(x)
        for k in 0..<5 {
            for l in 0..<6 {
                let angle = 2 * Double.pi * (Double(2 * k) / 5 + Double(3 * l) / 6)
                #expect(abs(Double(y[0, k, l]) - (cos(angle) + sin(angle))) < 1e-5, "(\(k), \(l))")
            }
        }
        #expect(try HartleyMixer(normalization: .ortho).apply(try HartleyMixer(normalization: .ortho).apply(x)).maxAbsDifference(x) < 1e-6)
    }

    @Test func buildsFromTheRegistry() throws {
        let mixer = try MixerRegistry.shared.make(
            "hartley", configuration: MixerConfiguration(["axes": "hidden", "kind": "separable", "norm": "ortho"]))
        let hartley = try #require(mixer as? HartleyMixer)
        #expect(hartley.axes == .hidden && hartley.kind == .separable && hartley.normalization == .ortho)
        #expect(mixer.descriptor.summary == "hartley(axes=hidden, kind=separable, norm=ortho)")
        let defaults = try #require(try MixerRegistry.shared.make("hartley") as? HartleyMixer)
        #expect(defaults.axes == .both && defaults.kind == .fnet && defaults.normalization == .backward)
        #expect(defaults.descriptor.isInvertible && defaults.descriptor.isLinear)
    }

    @Test func concurrentCallsAgreeWithSerialOnes() async throws {
        // One mixer shared by tasks: kernels are built once per shape under a lock and run concurrently.
        let mixer = HartleyMixer(kind: .separable)
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

    @Test func rejectsAnUnknownKindNormalisationOrAxis() {
        #expect {
            _ = try MixerRegistry.shared.make("hartley", configuration: MixerConfiguration(["kind": "dht"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("kind=dht") && e.location.contains("hartley")
                && e.fix.contains("separable") && e.fix.contains("fnet")
        }
        #expect {
            _ = try MixerRegistry.shared.make("hartley", configuration: MixerConfiguration(["norm": "none"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("norm=none") && e.fix.contains("backward, ortho, forward")
        }
        #expect {
            _ = try MixerRegistry.shared.make("hartley", configuration: MixerConfiguration(["axes": "tokens"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("axes=tokens") && e.fix.contains("sequence, hidden, both")
        }
        #expect {
            _ = try MixerRegistry.shared.make("hartley", configuration: MixerConfiguration(["type": "2"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unknownConfigKey && e.fix.contains("axes, kind, norm")
        }
    }

    @Test func rejectsInputsThatAreNotRankThree() {
        #expect {
            _ = try HartleyMixer().inverse(Tensor(zeros: [4, 8]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .shapeMismatch && e.location.contains("hartley")
        }
    }
}
