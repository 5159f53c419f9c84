import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTestKit
import Testing

@Suite struct FourierPaddedMixerTests {
    // The conformance kit comes first, for every axes choice; the adjoint test checks that the map is
    // self-adjoint (backward applies the same kernel).
    @Test(arguments: MixingAxes.allCases)
    func conformsToTheMixerContract(_ axes: MixingAxes) {
        let report = MixerConformance.check { _, _ in FourierPaddedMixer(axes: axes) }
        #expect(report.passed, "\(report)")
        #expect(report.checksRun.isSuperset(of: [.adjoint, .linearity, .inputGradient, .batchIndependence]))
    }

    struct Fixture: Decodable {
        struct Case: Decodable {
            let shape: [Int]
            let axes: String
            let numpy: String
            let input: [Float]
            let output: [Double]
        }
        let cases: [Case]
    }

    @Test func matchesNumpyGoldenValues() throws {
        let fixture = try loadFixture("fourier_padded", as: Fixture.self)
        #expect(fixture.cases.count == 21)
        for golden in fixture.cases {
            let mixer = FourierPaddedMixer(axes: try MixingAxes(parsing: golden.axes, location: "fixture"))
            let y = try mixer.apply(try Tensor(shape: golden.shape, values: golden.input))
            let (error, scale) = GlobalFilterMixerTests.maxError(y.values, golden.output)
            #expect(error <= 2e-6 * scale * Double(golden.shape[1] * golden.shape[2]).squareRoot(),
                    "\(golden.numpy) on \(golden.shape): max error \(error)")
        }
    }

    @Test(arguments: MixingAxes.allCases)
    func fastPathMatchesTheDenseReference(_ axes: MixingAxes) throws {
        let mixer = FourierPaddedMixer(axes: axes)
        for shape in [[3, 32, 24], [2, 33, 20], [1, 24, 17]] {
            var random = SeededRandom(seed: 4)
            let x = Tensor.normal(shape, using: &random)
            let y = try mixer.apply(x)
            let (error, scale) = GlobalFilterMixerTests.maxError(y.values, try mixer.denseReference(x))
            #expect(error < 1e-5 * scale, "axes=\(axes) \(shape): \(error)")
        }
    }

    /// The padded transform has no wrap-around: FNet along the sequence maps every odd sequence
    /// (`x[j] = −x[T − j]`) to zero, the padded one does not, and its kernel is `cos(π·jk/T)`.
    @Test func doesNotWrapAround() throws {
        let t = 8
        var x = Tensor(zeros: [1, t, 1])
        x[0, 1, 0] = 1
        x[0, t - 1, 0] = -1
        let fnet = try FourierMixer(axes: .sequence, path: .fft).apply(x)
        #expect(fnet.maxAbs < 1e-6)
        let padded = try FourierPaddedMixer(axes: .sequence).apply(x)
        for k in 0..<t {
            let expected = cos(Double.pi * Double(k) / Double(t)) - cos(Double.pi * Double((t - 1) * k) / Double(t))
            #expect(abs(Double(padded[0, k, 0]) - expected) < 1e-6, "k = \(k)")
        }
        #expect(padded.maxAbs > 1)
    }

    @Test func registryBuildsItByName() throws {
        let mixer = try MixerRegistry.shared.make("fourier-padded", configuration: MixerConfiguration(["axes": "hidden"]))
        #expect(mixer.descriptor.summary == "fourier-padded(axes=hidden)")
        #expect(mixer.parameters.isEmpty && mixer.descriptor.isLinear && !mixer.descriptor.isInvertible)
    }

    // MARK: Bad input

    @Test func rejectsBadSettingsAndShapes() {
        #expect {
            _ = try MixerRegistry.shared.make("fourier-padded", configuration: MixerConfiguration(["axes": "all"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("axes=all") && e.location.contains("fourier-padded")
                && e.fix.contains("sequence, hidden, both")
        }
        #expect {
            _ = try MixerRegistry.shared.make("fourier-padded", configuration: MixerConfiguration(["pad": "2"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unknownConfigKey && e.what.contains("pad") && e.fix.contains("axes")
        }
        #expect {
            _ = try FourierPaddedMixer().forward(Tensor(zeros: [4, 8]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .shapeMismatch && e.location.contains("fourier-padded") && e.fix.contains("[1, T, C]")
        }
    }
}
