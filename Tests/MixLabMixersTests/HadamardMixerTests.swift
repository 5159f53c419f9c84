import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTestKit
import Testing

@Suite struct HadamardMixerTests {
    // The conformance kit comes first: every axes choice and order, with lengths rejected (the kit's
    // default shapes include T = 5, 6 and C = 3, 10, which must raise unsupportedLength) or zero-padded.
    @Test(arguments: MixingAxes.allCases, HadamardOrder.allCases)
    func conformsToTheMixerContract(_ axes: MixingAxes, _ order: HadamardOrder) {
        let report = MixerConformance.check { _, _ in HadamardMixer(axes: axes, order: order) }
        #expect(report.passed, "\(report)")
        #expect(report.checksRun.isSuperset(of: [.adjoint, .linearity, .inputGradient, .inverse, .lengthRequirement]))
    }

    @Test(arguments: MixingAxes.allCases, HadamardOrder.allCases)
    func zeroPaddedMixerConforms(_ axes: MixingAxes, _ order: HadamardOrder) {
        let report = MixerConformance.check { _, _ in ZeroPaddedHadamardMixer(axes: axes, order: order) }
        #expect(report.passed, "\(report)")
        #expect(report.checksRun.isSuperset(of: [.adjoint, .linearity, .inputGradient, .batchIndependence]))
        #expect(!report.checksRun.contains(.inverse))
    }

    @Test(arguments: [Normalization.backward, .forward])
    func otherNormalisationsConform(_ normalization: Normalization) {
        let shapes = [[2, 4, 8], [1, 16, 2], [2, 6, 10]]
        let plain = MixerConformance.check(options: ConformanceOptions(shapes: shapes)) { _, _ in
            HadamardMixer(axes: .both, order: .sequency, normalization: normalization)
        }
        #expect(plain.passed, "\(plain)")
        let padded = MixerConformance.check(options: ConformanceOptions(shapes: shapes)) { _, _ in
            ZeroPaddedHadamardMixer(axes: .both, order: .natural, normalization: normalization)
        }
        #expect(padded.passed, "\(padded)")
    }

    // MARK: Golden values

    struct Fixture: Decodable {
        struct Case: Decodable {
            let shape: [Int]
            let axes: String
            let order: String
            let norm: String
            let padding: String
            let scipy: String
            let input: [Float]
            let output: [Double]
        }
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        try loadFixture("hadamard", as: Fixture.self)
    }

    /// scipy.linalg.hadamard (natural) and its rows sorted by sign changes (sequency), every axes choice,
    /// every normalisation on small shapes, and zero-padding to the next power of two.
    @Test func matchesScipyGoldenValues() throws {
        let fixture = try Self.fixture()
        #expect(fixture.cases.count >= 100)
        #expect(Set(fixture.cases.map(\.padding)) == ["reject", "zero"])
        for golden in fixture.cases {
            let axes = try MixingAxes(parsing: golden.axes, location: "fixture")
            let order = try #require(HadamardOrder(rawValue: golden.order))
            let normalization = try Normalization(parsing: golden.norm, location: "fixture")
            let mixer: any FixedLinearMixer = golden.padding == "zero"
                ? ZeroPaddedHadamardMixer(axes: axes, order: order, normalization: normalization)
                : HadamardMixer(axes: axes, order: order, normalization: normalization)
            let y = try mixer.apply(try Tensor(shape: golden.shape, values: golden.input))
            let scale = max(golden.output.map(abs).max()!, 1)
            let error = zip(y.values, golden.output).map { abs(Double($0) - $1) }.max()!
            #expect(error <= 2e-6 * scale * Double(golden.shape[1] * golden.shape[2]).squareRoot(),
                    "\(golden.scipy) \(golden.axes) \(golden.order) \(golden.norm) on \(golden.shape): max error \(error)")
        }
    }

    // MARK: Fast path against the dense Double reference

    /// Shapes that reach every kernel branch: hidden sizes with radix-4 and radix-2 vector stages, scalar
    /// rows (C < 16), strips narrower than C with a remainder, sequence lengths with odd stage counts.
    @Test(arguments: [[2, 64, 128], [3, 32, 48], [1, 128, 8], [2, 8, 256], [2, 512, 4], [1, 2, 32]])
    func fastPathMatchesTheDenseReference(_ shape: [Int]) throws {
        var random = SeededRandom(seed: 17)
        let x = Tensor.normal(shape, using: &random)
        for axes in MixingAxes.allCases {
            for order in HadamardOrder.allCases {
                let padded = ZeroPaddedHadamardMixer(axes: axes, order: order, normalization: .ortho)
                let reference = try padded.denseReference(x)
                let y = try padded.apply(x)
                let scale = reference.map(abs).max()!
                let error = zip(y.values, reference).map { abs(Double($0) - $1) }.max()!
                #expect(error < 1e-5 * scale, "\(shape) axes=\(axes) order=\(order): \(error)")
                let powerOfTwo = [shape[1], shape[2]].enumerated().allSatisfy { index, n in
                    (index == 0 ? !axes.includesSequence : !axes.includesHidden) || n & (n - 1) == 0
                }
                if powerOfTwo {
                    let plain = HadamardMixer(axes: axes, order: order, normalization: .ortho)
                    #expect(try plain.apply(x) == y, "padding must not change power-of-two results")
                    #expect(try plain.denseReference(x) == reference)
                }
            }
        }
    }

    /// An example larger than one in-place pass (T·C > `WalshHadamardTransform.passBudgetFloats`): the
    /// sequence stages are split into two passes over the rows.
    @Test(arguments: HadamardOrder.allCases)
    func multiPassSequenceTransformMatchesTheDenseReference(_ order: HadamardOrder) throws {
        let shape = [1, 256, 1024]
        #expect(shape[1] * shape[2] > WalshHadamardTransform.passBudgetFloats)
        var random = SeededRandom(seed: 23)
        let x = Tensor.normal(shape, using: &random)
        let mixer = HadamardMixer(axes: .sequence, order: order, normalization: .ortho)
        let reference = try mixer.denseReference(x)
        let y = try mixer.apply(x)
        let error = zip(y.values, reference).map { abs(Double($0) - $1) }.max()!
        #expect(error < 1e-5 * reference.map(abs).max()!)
    }

    @Test func denseSequencyMatrixHasKSignChangesInRowK() {
        for n in [1, 2, 4, 8, 32] {
            let w = DenseReference.hadamardMatrix(n, order: .sequency)
            for row in 0..<n {
                let changes = (1..<n).filter { w[row * n + $0] != w[row * n + $0 - 1] }.count
                #expect(changes == row, "n=\(n) row \(row)")
            }
            // The fast kernel's formula (bit-reversed Gray code) selects the same rows.
            let natural = DenseReference.hadamardMatrix(n, order: .natural)
            let permutation = WalshHadamardTransform.sequencyPermutation(n)
            for k in 0..<n {
                #expect(Array(w[(k * n)..<(k * n + n)]) == Array(natural[(permutation[k] * n)..<(permutation[k] * n + n)]))
            }
        }
    }

    @Test func identityColumnsGiveTheSequencyMatrix() throws {
        // y = W·I = W: the fast kernel's sequency rows, read back, have k sign changes in row k.
        let n = 16
        let eye = Tensor(shape: [1, n, n]) { $0 / n == $0 % n ? 1 : 0 }
        let w = try HadamardMixer(axes: .sequence, order: .sequency, normalization: .backward).apply(eye)
        for row in 0..<n {
            let changes = (1..<n).filter { w[0, row, $0] != w[0, row, $0 - 1] }.count
            #expect(changes == row)
            #expect((0..<n).allSatisfy { abs(w[0, row, $0]) == 1 })
        }
    }

    // MARK: Inverse

    @Test(arguments: Normalization.allCases)
    func inverseUndoesTheTransformAndTwiceIsNTimesIdentity(_ normalization: Normalization) throws {
        var random = SeededRandom(seed: 5)
        let x = Tensor.normal([2, 32, 64], using: &random)
        for order in HadamardOrder.allCases {
            let mixer = HadamardMixer(axes: .both, order: order, normalization: normalization)
            let back = try mixer.inverse(try mixer.apply(x))
            #expect(back.maxAbsDifference(x) < 1e-5 * x.maxAbs)
        }
        // W·W = N·I with N = T·C, unnormalised.
        let plain = HadamardMixer(axes: .both, order: .sequency, normalization: .backward)
        let twice = try plain.apply(try plain.apply(x))
        #expect(twice.maxAbsDifference(Float(32 * 64) * x) < 1e-3 * Float(32 * 64) * x.maxAbs)
    }

    @Test func zeroPaddingIsNotInvertibleButEqualsThePaddedTransformCropped() throws {
        // T = 3 pads to 4: y = crop(W_4 · pad(x)). Transforming by hand through a padded tensor agrees.
        var random = SeededRandom(seed: 8)
        let x = Tensor.normal([1, 3, 5], using: &random)
        let padded = Tensor(shape: [1, 4, 8]) { index in
            let (t, c) = (index / 8, index % 8)
            return t < 3 && c < 5 ? x[0, t, c] : 0
        }
        let full = try HadamardMixer(axes: .both, order: .natural, normalization: .ortho).apply(padded)
        let y = try ZeroPaddedHadamardMixer(axes: .both, order: .natural, normalization: .ortho).apply(x)
        for t in 0..<3 {
            for c in 0..<5 { #expect(abs(y[0, t, c] - full[0, t, c]) < 1e-6) }
        }
        let mixer: any TokenMixer = ZeroPaddedHadamardMixer()
        #expect(!mixer.descriptor.isInvertible && !(mixer is any InvertibleMixer))
        #expect(mixer.descriptor.sequenceLength == .any && mixer.descriptor.hiddenSize == .any)
    }

    // MARK: Registry and bad input

    @Test func registryBuildsEitherMixerFromThePaddingKey() throws {
        let plain = try MixerRegistry.shared.make("hadamard")
        let hadamard = try #require(plain as? HadamardMixer)
        #expect(hadamard.axes == .both && hadamard.order == .natural && hadamard.normalization == .ortho)
        #expect(plain.descriptor.sequenceLength == .powerOfTwo && plain.descriptor.isInvertible)
        #expect(plain.descriptor.summary == "hadamard(axes=both, norm=ortho, order=natural, padding=reject)")
        let zero = try MixerRegistry.shared.make(
            "hadamard", configuration: MixerConfiguration(["padding": "zero", "order": "sequency", "axes": "hidden"]))
        let padded = try #require(zero as? ZeroPaddedHadamardMixer)
        #expect(padded.axes == .hidden && padded.order == .sequency && !zero.descriptor.isInvertible)
    }

    @Test func nonPowerOfTwoIsRejectedWithTheNextPowerOfTwo() {
        #expect {
            _ = try HadamardMixer().forward(Tensor(zeros: [2, 12, 8]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.location.contains("hadamard") && e.what.contains("12")
                && e.what.contains("16") && e.fix.contains("padding=zero")
        }
        #expect {
            _ = try HadamardMixer(axes: .hidden).apply(Tensor(zeros: [1, 4, 100]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("hidden size C 100") && e.what.contains("128")
        }
        #expect {
            _ = try HadamardMixer().inverse(Tensor(zeros: [1, 6, 8]))
        } throws: { error in
            (error as! MixLabError).code == .unsupportedLength
        }
        // Only transformed axes are constrained.
        #expect(throws: Never.self) { _ = try HadamardMixer(axes: .sequence).apply(Tensor(zeros: [1, 8, 7])) }
    }

    @Test func unknownOrderAndPaddingListTheAllowedValues() {
        #expect {
            _ = try MixerRegistry.shared.make("hadamard", configuration: MixerConfiguration(["order": "walsh"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("order=walsh") && e.location.contains("hadamard")
                && e.fix.contains("natural") && e.fix.contains("sequency")
        }
        #expect {
            _ = try MixerRegistry.shared.make("hadamard", configuration: MixerConfiguration(["padding": "reflect"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("padding=reflect") && e.fix.contains("reject")
                && e.fix.contains("zero")
        }
    }

    @Test func rejectsInputsThatAreNotRankThree() {
        #expect {
            _ = try HadamardMixer().forward(Tensor(zeros: [4, 8]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .shapeMismatch && e.location.contains("hadamard")
        }
    }
}
