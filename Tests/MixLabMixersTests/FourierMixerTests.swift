import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTestKit
import Testing

@Suite struct FourierMixerTests {
    // The conformance kit comes first, for every axes choice and both computation paths.
    @Test(arguments: MixingAxes.allCases, [FourierMixer.Path.fft, .matrix, .auto])
    func conformsToTheMixerContract(_ axes: MixingAxes, _ path: FourierMixer.Path) {
        let report = MixerConformance.check { _, _ in FourierMixer(axes: axes, normalization: .ortho, path: path) }
        #expect(report.passed, "\(report)")
        #expect(report.checksRun.isSuperset(of: [.adjoint, .linearity, .inputGradient, .batchIndependence]))
    }

    @Test func unnormalisedMixerConforms() {
        let report = MixerConformance.check { _, _ in FourierMixer() }
        #expect(report.passed, "\(report)")
    }

    struct Fixture: Decodable {
        struct Case: Decodable {
            let shape: [Int]
            let axes: String
            let norm: String
            let numpy: String
            let input: [Float]
            let output: [Double]
        }
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        try loadFixture("fourier", as: Fixture.self)
    }

    @Test(arguments: [FourierMixer.Path.fft, .matrix])
    func matchesNumpyGoldenValues(_ path: FourierMixer.Path) throws {
        let fixture = try Self.fixture()
        #expect(fixture.cases.count >= 30)
        for golden in fixture.cases {
            let mixer = FourierMixer(
                axes: try MixingAxes(parsing: golden.axes, location: "fixture"),
                normalization: try Normalization(parsing: golden.norm, location: "fixture"), path: path)
            let y = try mixer.apply(try Tensor(shape: golden.shape, values: golden.input))
            let scale = max(golden.output.map(abs).max()!, 1)
            let error = zip(y.values, golden.output).map { abs(Double($0) - $1) }.max()!
            #expect(error <= 2e-6 * scale * Double(golden.shape[1] * golden.shape[2]).squareRoot(),
                    "\(golden.numpy) on \(golden.shape): max error \(error)")
        }
    }

    @Test func largeShapesMatchTheDenseReferenceOnBothPaths() throws {
        var random = SeededRandom(seed: 9)
        let shape = [2, 64, 48]
        let x = Tensor.normal(shape, using: &random)
        let reference = DenseReference.realPartOfDFT(x.values.map(Double.init), shape: shape, axes: .both, scale: 1)
        let scale = reference.map(abs).max()!
        for path in [FourierMixer.Path.fft, .matrix] {
            let y = try FourierMixer(path: path).apply(x)
            let error = zip(y.values, reference).map { abs(Double($0) - $1) }.max()!
            #expect(error < 1e-5 * scale, "path \(path): \(error)")
        }
    }

    @Test func autoPathFollowsTheMeasuredCrossover() {
        let mixer = FourierMixer()
        #expect(mixer.resolvedPath(sequenceLength: 16, hiddenSize: 16) == .matrix)
        #expect(mixer.resolvedPath(sequenceLength: 512, hiddenSize: 256) == .fft)
        #expect(FourierMixer(path: .matrix).resolvedPath(sequenceLength: 512, hiddenSize: 256) == .matrix)
    }

    @Test func impulseGivesACosineWave() throws {
        // Re(F·e₃)[t] = cos(2π·3t/8): the column of the real DFT matrix.
        var x = Tensor(zeros: [1, 8, 1])
        x[0, 3, 0] = 1
        let mixer = FourierMixer(axes: .sequence)
        let y = try mixer.apply(x)
        for t in 0..<8 {
            #expect(abs(y[0, t, 0] - Float(cos(2 * Double.pi * Double(3 * t) / 8))) < 1e-6)
        }
    }

    @Test func rejectsInputsThatAreNotRankThree() {
        #expect {
            _ = try FourierMixer().forward(Tensor(zeros: [4, 8]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .shapeMismatch && e.location.contains("fourier") && e.fix.contains("[1, T, C]")
        }
    }

    @Test func nonFiniteInputsPropagateOrAreRejectedOnRequest() throws {
        var x = Tensor(zeros: [2, 4, 4])
        x[1, 2, 3] = .nan
        // Default: NaN spreads over its own example (every output of example 1), never to example 0.
        let y = try FourierMixer().forward(x, context: .inference).output
        #expect((0..<16).allSatisfy { y[flat: $0] == 0 })
        #expect((16..<32).allSatisfy { y[flat: $0].isNaN })
        // On request: a typed error naming the index.
        #expect {
            _ = try FourierMixer().forward(x, context: MixerContext(checksFiniteInput: true))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .nonFiniteValue && e.what.contains("[1, 2, 3]")
        }
    }

    @Test func concurrentCallsAgreeWithSerialOnes() async throws {
        let mixer = FourierMixer()
        var random = SeededRandom(seed: 1)
        let inputs = (0..<8).map { _ in Tensor.normal([3, 12, 10], using: &random) }
        let serial = try inputs.map { try mixer.apply($0) }
        let parallel = try await withThrowingTaskGroup(of: (Int, Tensor).self) { group in
            for (index, x) in inputs.enumerated() { group.addTask { (index, try mixer.apply(x)) } }
            var results = [Tensor?](repeating: nil, count: inputs.count)
            for try await (index, y) in group { results[index] = y }
            return results
        }
        #expect(parallel.map { $0! } == serial)
    }
}

@Suite struct IdentityMixerTests {
    @Test func conformsToTheMixerContract() {
        let report = MixerConformance.check { _, _ in IdentityMixer() }
        #expect(report.passed, "\(report)")
        #expect(report.checksRun.contains(.inverse))
    }
}
