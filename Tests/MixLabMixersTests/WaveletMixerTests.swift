import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTestKit
import Testing

/// A family and GSL member, for parameterised tests.
struct WaveletChoice: Sendable, CustomTestStringConvertible {
    let family: WaveletFamily
    let k: Int
    var testDescription: String { "\(family.rawValue) k=\(k)" }

    /// One member of every family (the extremes of Daubechies and B-spline lengths), plain and centred.
    static let representative = [
        WaveletChoice(family: .haar, k: 2), WaveletChoice(family: .haarCentered, k: 2),
        WaveletChoice(family: .daubechies, k: 4), WaveletChoice(family: .daubechies, k: 20),
        WaveletChoice(family: .daubechiesCentered, k: 8), WaveletChoice(family: .bspline, k: 103),
        WaveletChoice(family: .bspline, k: 309), WaveletChoice(family: .bsplineCentered, k: 202),
    ]

    /// Every member GSL offers.
    static let all = WaveletFamily.allCases.flatMap { family in family.members.map { WaveletChoice(family: family, k: $0) } }
}

@Suite struct WaveletMixerTests {
    // The conformance kit comes first: every axes choice, a member of every family at full depth (the
    // kit's shapes include T = 1 and the non-powers of two 5, 6, 3, 10, which must be rejected). For the
    // B-splines the adjoint check is what tells the transposed analysis apart from the synthesis.
    @Test(arguments: MixingAxes.allCases, WaveletChoice.representative)
    func conformsToTheMixerContract(_ axes: MixingAxes, _ choice: WaveletChoice) throws {
        let report = MixerConformance.check { _, _ in try WaveletMixer(axes: axes, family: choice.family, member: choice.k) }
        #expect(report.passed, "\(report)")
        #expect(report.checksRun.isSuperset(of: [.adjoint, .linearity, .inputGradient, .inverse, .lengthRequirement]))
    }

    /// Fixed levels with learnable gains: parameter gradients, accumulation and save/load join the checks.
    @Test(arguments: MixingAxes.allCases, [WaveletChoice(family: .bspline, k: 202), WaveletChoice(family: .daubechies, k: 6)])
    func gainsAndFixedLevelsConform(_ axes: MixingAxes, _ choice: WaveletChoice) throws {
        let options = ConformanceOptions(shapes: [[2, 4, 4], [3, 8, 4], [1, 16, 8], [2, 4, 16], [2, 6, 8]])
        let report = MixerConformance.check(options: options) { _, _ in
            try WaveletMixer(axes: axes, family: choice.family, member: choice.k, levels: 2, learnsGains: true)
        }
        #expect(report.passed, "\(report)")
        #expect(report.checksRun.isSuperset(of: [.adjoint, .parameterGradient, .gradientAccumulation, .parameterRoundTrip, .inverse]))
    }

    // MARK: Golden values (PyWavelets)

    struct Fixture: Decodable {
        struct Case: Decodable {
            let shape: [Int]
            let axes: String
            let family: String
            let k: Int
            let levels: Int
            let pywt: String
            let call: String
            let input: [Float]
            let output: [Double]
        }
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        try loadFixture("wavelet", as: Fixture.self)
    }

    /// Where pywt's coefficient at position p (of n, L levels) sits in GSL's layout, and its sign.
    ///
    /// pywt's coefficients of x are GSL's coefficients of `roll(x, s·(2^L − 1))`, with detail band j
    /// (length n/2^j, starting at n/2^j) rolled back by `s·(2^(L−j) − 1)` and multiplied by `sign`.
    static func gslPosition(ofPywt p: Int, length n: Int, levels: Int, shift s: Int, sign: Double) -> (Int, Double) {
        guard p >= n >> levels else { return (p, 1) }
        let j = n.trailingZeroBitCount - (Int.bitWidth - 1 - p.leadingZeroBitCount)  // n/2^j ≤ p < n/2^(j−1)
        let start = n >> j
        let r = s * ((1 << (levels - j)) - 1)
        return (start + (((p - start + r) % start) + start) % start, sign)
    }

    /// The convention pinned: MixLab follows GSL's alignment. Haar has shift 0, so its golden values are
    /// compared with pywt directly, at every level count; Daubechies and B-splines are compared after the
    /// exact circular-shift mapping (and B-spline k ≥ 200 detail signs) documented on `WaveletFilters`.
    @Test func matchesPywtGoldenValues() throws {
        let fixture = try Self.fixture()
        #expect(fixture.cases.count >= 30)
        for golden in fixture.cases {
            let axes = try MixingAxes(parsing: golden.axes, location: "fixture")
            let family = try #require(WaveletFamily(rawValue: golden.family))
            let mixer = try WaveletMixer(axes: axes, family: family, member: golden.k, levels: golden.levels)
            #expect(family.pywtName(member: golden.k) == golden.pywt)
            let (s, sign) = (mixer.filters.pywtShift, mixer.filters.pywtDetailSign)
            let (batch, t, c) = (golden.shape[0], golden.shape[1], golden.shape[2])
            let x = try Tensor(shape: golden.shape, values: golden.input)
            // roll(x, r) along each transformed axis: x'[i] = x[(i − r) mod n].
            let (rT, rC) = (axes.includesSequence ? s * ((1 << golden.levels) - 1) : 0,
                            axes.includesHidden ? s * ((1 << golden.levels) - 1) : 0)
            let rolled = Tensor(shape: golden.shape) { index in
                let (b, row, column) = (index / (t * c), (index / c) % t, index % c)
                return x[b, ((row - rT) % t + t) % t, ((column - rC) % c + c) % c]
            }
            let z = try mixer.forward(rolled, context: .inference).output
            var error = 0.0
            for b in 0..<batch {
                for row in 0..<t {
                    for column in 0..<c {
                        let (q, signT) = axes.includesSequence
                            ? Self.gslPosition(ofPywt: row, length: t, levels: golden.levels, shift: s, sign: sign) : (row, 1)
                        let (r, signC) = axes.includesHidden
                            ? Self.gslPosition(ofPywt: column, length: c, levels: golden.levels, shift: s, sign: sign) : (column, 1)
                        let expected = golden.output[(b * t + row) * c + column]
                        error = max(error, abs(signT * signC * Double(z[b, q, r]) - expected))
                    }
                }
            }
            let scale = max(golden.output.map(abs).max()!, 1)
            #expect(error <= 2e-6 * scale, "\(golden.call) on \(golden.shape): max error \(error)")
            if family == .haar {
                // No mapping at all: the mixer's own output is pywt's.
                let direct = try mixer.forward(x, context: .inference).output
                let directError = zip(direct.values, golden.output).map { abs(Double($0) - $1) }.max()!
                #expect(s == 0 && directError <= 2e-6 * scale, "haar \(golden.axes) level \(golden.levels): \(directError)")
            }
        }
        // Haar is pinned at every level count on each axis choice.
        let haarLevels = Set(fixture.cases.filter { $0.family == "haar" }.map { "\($0.axes)\($0.levels)" })
        #expect(haarLevels.isSuperset(of: ["sequence1", "sequence2", "sequence3", "sequence4", "hidden4", "both3"]))
    }

    @Test func pywtAlignmentFollowsTheTapCountAndOffset() throws {
        // s = nc/2 − 1 − offset: GSL's plain Daubechies k (k taps, pywt db(k/2)) is shifted by k/2 − 1.
        for k in WaveletFamily.daubechies.members {
            #expect(try WaveletFilters(family: .daubechies, member: k).pywtShift == k / 2 - 1)
            #expect(try WaveletFilters(family: .daubechiesCentered, member: k).pywtShift == -1)
        }
        #expect(try WaveletFilters(family: .haar, member: 2).pywtShift == 0)
        #expect(try WaveletFilters(family: .haarCentered, member: 2).pywtShift == -1)
        #expect(try WaveletFilters(family: .bspline, member: 103).pywtShift == 2)
        #expect(try WaveletFilters(family: .bspline, member: 309).pywtShift == 9)
        #expect(try WaveletFilters(family: .bspline, member: 103).pywtDetailSign == 1)
        #expect(try WaveletFilters(family: .bspline, member: 202).pywtDetailSign == -1)
    }

    // MARK: GSL itself

    /// At full depth the Float filter bank is GSL's `gsl_wavelet_transform` (forward and inverse), for
    /// every member GSL offers, along columns (strided) and rows.
    @Test(arguments: WaveletChoice.all)
    func fullDepthEqualsGSLsOwnTransform(_ choice: WaveletChoice) throws {
        let filters = try WaveletFilters(family: choice.family, member: choice.k)
        var random = SeededRandom(seed: 3)
        let (n, width) = (32, 5)
        let x = Tensor.normal([1, n, width], using: &random)
        let mixer = try WaveletMixer(axes: .sequence, family: choice.family, member: choice.k)
        let y = try mixer.forward(x, context: .inference).output
        let back = try mixer.inverse(x)  // inverse of x itself, against GSL's inverse
        for column in 0..<width {
            // GSL transforms `count` values `stride` apart from the array's start: start at the column.
            var forward = Array(x.values.map(Double.init)[column...])
            try filters.gslTransform(&forward, stride: width, count: n)
            var inverse = Array(x.values.map(Double.init)[column...])
            try filters.gslTransform(&inverse, stride: width, count: n, inverse: true)
            for row in 0..<n {
                #expect(abs(Double(y[0, row, column]) - forward[row * width]) < 1e-5, "\(choice) forward [\(row), \(column)]")
                #expect(abs(Double(back[0, row, column]) - inverse[row * width]) < 1e-5, "\(choice) inverse [\(row), \(column)]")
            }
        }
        let rows = try WaveletMixer(axes: .hidden, family: choice.family, member: choice.k)
        let line = Tensor.normal([1, 1, 64], using: &random)
        var reference = line.values.map(Double.init)
        try filters.gslTransform(&reference, count: 64)
        let fast = try rows.forward(line, context: .inference).output
        #expect(zip(fast.values, reference).allSatisfy { abs(Double($0) - $1) < 1e-5 }, "\(choice) rows")
    }

    /// `axes = both` at full depth is GSL's "standard" 2-D transform `gsl_wavelet2d_transform`.
    @Test(arguments: WaveletChoice.representative)
    func bothAxesAtFullDepthEqualGSLs2DStandardTransform(_ choice: WaveletChoice) throws {
        let filters = try WaveletFilters(family: choice.family, member: choice.k)
        var random = SeededRandom(seed: 4)
        let n = 16
        let x = Tensor.normal([1, n, n], using: &random)
        let mixer = try WaveletMixer(axes: .both, family: choice.family, member: choice.k)
        var forward = x.values.map(Double.init)
        try filters.gslTransform2D(&forward, size: n)
        let y = try mixer.forward(x, context: .inference).output
        #expect(zip(y.values, forward).allSatisfy { abs(Double($0) - $1) < 1e-5 }, "\(choice) forward")
        var inverse = x.values.map(Double.init)
        try filters.gslTransform2D(&inverse, size: n, inverse: true)
        let back = try mixer.inverse(x)
        #expect(zip(back.values, inverse).allSatisfy { abs(Double($0) - $1) < 1e-5 }, "\(choice) inverse")
    }

    // MARK: Dense Double references

    /// The matrices written from the step's definition: equal to GSL on identity columns at full depth,
    /// synthesis · analysis = I at every depth, and the direct filter bank equals the matrix.
    @Test(arguments: WaveletChoice.all)
    func denseMatricesAgreeWithGSLAndInvertEachOther(_ choice: WaveletChoice) throws {
        let f = try WaveletFilters(family: choice.family, member: choice.k)
        let n = 16
        let full = DenseReference.waveletAnalysisMatrix(
            low: f.analysisLow, high: f.analysisHigh, offset: f.offset, length: n, levels: 4)
        for column in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[column] = 1
            try f.gslTransform(&e, count: n)
            for row in 0..<n { #expect(abs(full[row * n + column] - e[row]) < 1e-12, "\(choice) [\(row), \(column)]") }
        }
        var random = SeededRandom(seed: 6)
        let signal = (0..<n).map { _ in random.nextNormal() }
        for levels in 1...4 {
            let w = DenseReference.waveletAnalysisMatrix(
                low: f.analysisLow, high: f.analysisHigh, offset: f.offset, length: n, levels: levels)
            let r = DenseReference.waveletSynthesisMatrix(
                low: f.synthesisLow, high: f.synthesisHigh, offset: f.offset, length: n, levels: levels)
            for i in 0..<n {
                for j in 0..<n {
                    let product = (0..<n).reduce(0.0) { $0 + r[i * n + $1] * w[$1 * n + j] }
                    #expect(abs(product - (i == j ? 1 : 0)) < 1e-10, "\(choice) L=\(levels): (W⁻¹W)[\(i), \(j)] = \(product)")
                }
            }
            let direct = DenseReference.waveletAnalysis(
                signal, low: f.analysisLow, high: f.analysisHigh, offset: f.offset, levels: levels)
            for i in 0..<n {
                let product = (0..<n).reduce(0.0) { $0 + w[i * n + $1] * signal[$1] }
                #expect(abs(direct[i] - product) < 1e-12)
            }
        }
    }

    /// The fast Float kernel in all three directions against dense matrices: forward `W_T X W_Cᵀ`,
    /// backward `W_Tᵀ G W_C` (transposed analysis matrices), inverse with the synthesis matrices.
    @Test(arguments: WaveletChoice.representative)
    func fastPathMatchesTheDenseMatricesInEveryDirection(_ choice: WaveletChoice) throws {
        let f = try WaveletFilters(family: choice.family, member: choice.k)
        var random = SeededRandom(seed: 12)
        for (shape, levels) in [([2, 32, 64], 3), ([3, 16, 8], 2), ([1, 64, 40], 6), ([2, 8, 32], 1)] {
            let (t, c) = (shape[1], shape[2])
            for axes in MixingAxes.allCases {
                if axes.includesHidden && c & (c - 1) != 0 { continue }
                if axes.includesHidden && levels > c.trailingZeroBitCount { continue }
                let x = Tensor.normal(shape, using: &random)
                let mixer = try WaveletMixer(axes: axes, family: choice.family, member: choice.k, levels: levels)
                func matrices(_ low: [Double], _ high: [Double], synthesis: Bool) -> ([Double]?, [Double]?) {
                    func make(_ n: Int) -> [Double] {
                        synthesis
                            ? DenseReference.waveletSynthesisMatrix(low: low, high: high, offset: f.offset, length: n, levels: levels)
                            : DenseReference.waveletAnalysisMatrix(low: low, high: high, offset: f.offset, length: n, levels: levels)
                    }
                    return (axes.includesSequence ? make(t) : nil, axes.includesHidden ? make(c) : nil)
                }
                let (wT, wC) = matrices(f.analysisLow, f.analysisHigh, synthesis: false)
                let (rT, rC) = matrices(f.synthesisLow, f.synthesisHigh, synthesis: true)
                let xs = x.values.map(Double.init)
                let expected = [
                    DenseReference.applySeparable(sequence: wT, hidden: wC, to: xs, shape: shape),
                    DenseReference.applySeparable(
                        sequence: wT.map { DenseReference.transpose($0, t) }, hidden: wC.map { DenseReference.transpose($0, c) },
                        to: xs, shape: shape),
                    DenseReference.applySeparable(sequence: rT, hidden: rC, to: xs, shape: shape),
                ]
                let (y, residuals) = try mixer.forward(x, context: .inference)
                let fast = [y, try mixer.backward(x, residuals: residuals, context: .inference), try mixer.inverse(x)]
                for (name, (got, want)) in zip(["forward", "backward", "inverse"], zip(fast, expected)) {
                    let scale = max(want.map(abs).max()!, 1)
                    let error = zip(got.values, want).map { abs(Double($0) - $1) }.max()!
                    #expect(error < 1e-5 * scale, "\(choice) \(axes) \(shape) L=\(levels) \(name): \(error)")
                }
                #expect(try mixer.denseReference(x).enumerated().allSatisfy { abs($1 - expected[0][$0]) < 1e-9 })
            }
        }
    }

    /// For the biorthogonal B-splines the backward pass (adjoint) and the inverse differ; for the
    /// orthogonal families they coincide.
    @Test func adjointIsTheInverseOnlyForOrthogonalFamilies() throws {
        var random = SeededRandom(seed: 21)
        let g = Tensor.normal([1, 32, 16], using: &random)
        for choice in WaveletChoice.all {
            let mixer = try WaveletMixer(axes: .both, family: choice.family, member: choice.k, levels: 2)
            let adjoint = try mixer.backward(g, residuals: .none, context: .inference)
            let inverse = try mixer.inverse(g)
            let gap = adjoint.maxAbsDifference(inverse) / g.maxAbs
            if choice.family.isOrthogonal {
                #expect(gap < 1e-5, "\(choice): \(gap)")
            } else {
                #expect(gap > 1e-2, "\(choice): adjoint equals inverse (\(gap))")
            }
        }
    }

    // MARK: Gains

    @Test func gainsScaleTheirSubbandAndInvertUnlessZero() throws {
        var random = SeededRandom(seed: 2)
        let x = Tensor.normal([2, 16, 8], using: &random)
        let plain = try WaveletMixer(axes: .both, family: .daubechies, member: 4, levels: 2)
        let gained = try WaveletMixer(axes: .both, family: .daubechies, member: 4, levels: 2, learnsGains: true)
        let gains = try #require(gained.gains)
        #expect(gains.value.shape == [3, 3] && gains.value.values.allSatisfy { $0 == 1 })
        #expect(try gained.forward(x, context: .inference).output == plain.forward(x, context: .inference).output)
        // Block (T-band 1 = cD_2: rows 4..<8) × (C-band 2 = cD_1: columns 4..<8) gets gain 3.
        gains.value[1, 2] = 3
        let y = try gained.forward(x, context: .inference).output
        let z = try plain.forward(x, context: .inference).output
        for b in 0..<2 {
            for t in 0..<16 {
                for c in 0..<8 {
                    let factor: Float = (4..<8).contains(t) && (4..<8).contains(c) ? 3 : 1
                    #expect(abs(y[b, t, c] - factor * z[b, t, c]) <= 1e-6 * abs(z[b, t, c]))
                }
            }
        }
        #expect(try gained.inverse(y).maxAbsDifference(x) < 1e-5)
        // ∂G[1, 2] = Σ over that block of ∂y · Z (here ∂y = 1).
        let ones = Tensor(shape: x.shape, repeating: 1)
        _ = try gained.backward(ones, residuals: gained.forward(x, context: .training).residuals, context: .training)
        var blockSum: Float = 0
        for b in 0..<2 { for t in 4..<8 { for c in 4..<8 { blockSum += z[b, t, c] } } }
        #expect(abs(gains.gradient[1, 2] - blockSum) < 1e-4)
        gains.value[2, 0] = 0
        #expect {
            _ = try gained.inverse(y)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("[2, 0]") && e.location.contains("wavelet")
        }
    }

    @Test func subbandsFollowTheCoefficientLayout() {
        // n = 16, L = 3: [cA_3: 0..<2 | cD_3: 2..<4 | cD_2: 4..<8 | cD_1: 8..<16].
        let expected = [0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3]
        #expect((0..<16).map { WaveletMixer.subband($0, length: 16, levels: 3) } == expected)
        #expect((0..<4).map { WaveletMixer.subband($0, length: 4, levels: 2) } == [0, 1, 2, 2])
    }

    // MARK: Registry and bad input

    @Test func registryBuildsTheConfiguredMixer() throws {
        let mixer = try MixerRegistry.shared.make(
            "wavelet",
            configuration: MixerConfiguration(["family": "bspline", "k": "202", "levels": "2", "gains": "true"]),
            context: MixerBuildContext(sequenceLength: 16, hiddenSize: 8))
        let wavelet = try #require(mixer as? WaveletMixer)
        #expect(wavelet.family == .bspline && wavelet.member == 202 && wavelet.levels == 2 && wavelet.axes == .both)
        #expect(mixer.parameters.map(\.name) == ["gains"] && mixer.parameters[0].value.shape == [3, 3])
        #expect(mixer.descriptor.summary == "wavelet(axes=both, family=bspline, gains=true, k=202, levels=2)")
        let defaults = try #require(try MixerRegistry.shared.make("wavelet") as? WaveletMixer)
        #expect(defaults.family == .haar && defaults.member == 2 && defaults.levels == nil && defaults.gains == nil)
        #expect(defaults.descriptor.sequenceLength == .powerOfTwo && defaults.descriptor.isInvertible)
    }

    @Test func unknownFamilyListsTheFamilies() {
        #expect {
            _ = try MixerRegistry.shared.make("wavelet", configuration: MixerConfiguration(["family": "coiflet"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("family=coiflet") && e.location.contains("wavelet")
                && e.fix.contains("daubechies") && e.fix.contains("bspline-centered")
        }
    }

    @Test func memberOutsideTheFamilyListsTheMembers() {
        #expect {
            _ = try WaveletMixer(family: .daubechies, member: 5)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("k=5") && e.what.contains("daubechies")
                && e.location.contains("wavelet") && e.fix.contains("4, 6, 8") && e.fix.contains("db2")
        }
        #expect {
            _ = try MixerRegistry.shared.make("wavelet", configuration: MixerConfiguration(["family": "bspline", "k": "4"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("k=4") && e.fix.contains("103") && e.fix.contains("309")
        }
        #expect {
            _ = try MixerRegistry.shared.make("wavelet", configuration: MixerConfiguration(["k": "4"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("haar") && e.fix.contains("2")
        }
        #expect {
            _ = try MixerRegistry.shared.make("wavelet", configuration: MixerConfiguration(["k": "db2"]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("k=db2")
        }
        #expect(throws: MixLabError.self) { try WaveletFilters(family: .haar, member: 3) }
    }

    @Test func tooManyLevelsNamesTheValueAndTheMaximum() throws {
        let mixer = try WaveletMixer(axes: .sequence, family: .haar, levels: 3)
        #expect {
            _ = try mixer.forward(Tensor(zeros: [1, 4, 8]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("levels=3") && e.what.contains("maximum 2")
                && e.what.contains("sequence length T 4") && e.location.contains("wavelet") && e.fix.contains("levels ≤ 2")
        }
        // Both axes: the shorter one bounds the levels.
        #expect {
            _ = try WaveletMixer(axes: .both, levels: 3).forward(Tensor(zeros: [1, 16, 4]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("hidden size C 4") && e.what.contains("maximum 2")
        }
        // Known lengths are checked at construction (the registry passes the model's).
        #expect {
            _ = try MixerRegistry.shared.make(
                "wavelet", configuration: MixerConfiguration(["levels": "5"]), context: MixerBuildContext(sequenceLength: 8, hiddenSize: 64))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("levels=5") && e.what.contains("maximum 3")
        }
        for bad in ["0", "deep", "31"] {
            #expect {
                _ = try MixerRegistry.shared.make("wavelet", configuration: MixerConfiguration(["levels": bad]))
            } throws: { error in
                let e = error as! MixLabError
                return e.code == .invalidConfigValue && e.what.contains("levels=\(bad)")
            }
        }
    }

    @Test func gainsNeedAFixedLevelCount() {
        #expect {
            _ = try WaveletMixer(learnsGains: true)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("gains=true") && e.fix.contains("levels")
        }
    }

    @Test func nonPowerOfTwoIsRejected() {
        #expect {
            _ = try WaveletMixer(axes: .hidden).forward(Tensor(zeros: [1, 3, 12]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("hidden size C 12") && e.fix.contains("16")
                && e.location.contains("wavelet")
        }
        #expect {
            _ = try WaveletMixer().forward(Tensor(zeros: [8, 8]), context: .inference)
        } throws: { error in
            (error as! MixLabError).code == .shapeMismatch
        }
    }
}
