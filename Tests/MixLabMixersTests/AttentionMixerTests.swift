import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTestKit
import Testing

@Suite struct AttentionMixerTests {
    /// Shapes with an even C, for two heads (T = 1, odd and non-power-of-two T included).
    static let evenShapes = [[2, 1, 4], [2, 5, 6], [3, 8, 4], [2, 6, 10], [1, 16, 8]]

    /// Replaces BERT's small initial weights (σ = 0.02, nearly uniform softmax) by large ones (σ = 0.5)
    /// and non-zero biases, so checks exercise a peaked, clearly nonlinear softmax.
    static func sharpen(_ mixer: AttentionMixer, seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        for parameter in mixer.parameters {
            let scale: Float = parameter.value.rank == 2 ? 0.5 : 0.1
            try parameter.load(Tensor.normal(parameter.value.shape, standardDeviation: scale, using: &random))
        }
    }

    // MARK: Conformance (first)

    // The kit's gradient checks use its default tolerances (1e-2 relative against central differences
    // with step 1e-2): attention is smooth, and Float32 rounding in the differences stays near 1e-4.
    @Test(arguments: [1, 2], AttentionMixer.ProbabilityStorage.allCases)
    func conformsToTheMixerContract(_ heads: Int, _ storage: AttentionMixer.ProbabilityStorage) {
        let options = ConformanceOptions(shapes: heads == 1 ? ConformanceOptions().shapes : Self.evenShapes)
        let report = MixerConformance.check(options: options) { _, c in
            try AttentionMixer(hiddenSize: c, heads: heads, probabilities: storage, random: SeededRandom(seed: 3))
        }
        #expect(report.passed, "\(report)")
        #expect(report.checksRun.isSuperset(of: [
            .inputGradient, .parameterGradient, .gradientAccumulation, .batchIndependence, .parameterRoundTrip,
        ]))
        #expect(!report.checksRun.contains(.linearity))
    }

    /// With large weights the softmax is far from uniform. The finite-difference step is reduced to
    /// 3e-3 (tolerance unchanged at 1e-2): with the default 1e-2, the central difference's own
    /// truncation error (O(step²) times the third derivative, large for a peaked softmax) reaches
    /// 2–3.5 % for the query and key weights at [1, 16, 8]; 3e-3 cuts it about 11×.
    @Test(arguments: [1, 2])
    func conformsWithPeakedAttention(_ heads: Int) {
        let options = ConformanceOptions(shapes: Self.evenShapes, finiteDifferenceStep: 3e-3, directions: 3)
        let report = MixerConformance.check(options: options) { _, c in
            let mixer = try AttentionMixer(hiddenSize: c, heads: heads, random: SeededRandom(seed: 4))
            try Self.sharpen(mixer, seed: UInt64(c))
            return mixer
        }
        #expect(report.passed, "\(report)")
    }

    @Test func registeredMixerPassesTheKitWithTwoHeadsSkippingOddHiddenSizes() {
        // Default shapes include C = 3: heads = 2 refuses it with `unsupportedLength`, which the kit
        // accepts as a declared refusal; every other shape is checked.
        let report = MixerConformance.check { t, c in
            try MixerRegistry.shared.make(
                "attention", configuration: MixerConfiguration(["heads": "2"]),
                context: MixerBuildContext(sequenceLength: t, hiddenSize: c))
        }
        #expect(report.passed, "\(report)")
        #expect(report.mixer == "attention(heads=2, probabilities=auto)")
    }

    @Test func keyBiasHasNoEffectAndAZeroGradient() throws {
        let shape = [2, 9, 8]
        var random = SeededRandom(seed: 5)
        let x = Tensor.normal(shape, using: &random), g = Tensor.normal(shape, using: &random)
        let mixer = try AttentionMixer(hiddenSize: 8, heads: 2, random: SeededRandom(seed: 6))
        try Self.sharpen(mixer, seed: 7)
        let (y, residuals) = try mixer.forward(x, context: .training)
        _ = try mixer.backward(g, residuals: residuals, context: .training)
        #expect(mixer.keyBias.gradient.maxAbs == 0)
        #expect(mixer.queryBias.gradient.maxAbs > 0 && mixer.valueBias.gradient.maxAbs > 0)
        // The key bias cannot change the output (softmax is shift-invariant per row) and is left out:
        // a large change leaves the output bitwise equal, which the dense reference (which adds it)
        // confirms up to rounding …
        try mixer.keyBias.load(mixer.keyBias.value + Tensor.normal([8], using: &random))
        let shifted = try mixer.forward(x, context: .training).output
        #expect(shifted == y)
        #expect(Self.relativeError(shifted.values, try mixer.denseReference(x)) < 5e-6)
        // … while the same change of the query bias does not.
        try mixer.queryBias.load(mixer.queryBias.value + Tensor.normal([8], using: &random))
        #expect(Double(try mixer.forward(x, context: .training).output.maxAbsDifference(y)) > 1e-2 * Double(y.maxAbs))
    }

    // MARK: Golden values (PyTorch)

    struct Fixture: Decodable {
        struct Case: Decodable {
            let shape: [Int]
            let heads: Int
            let torch: String
            let input: [Float]
            let outputGradient: [Float]
            let paddingMask: [Float]?
            let parameters: [String: [Float]]
            let output: [Double]
            let inputGradient: [Double]
            let parameterGradients: [String: [Double]]
        }
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        try loadFixture("attention", as: Fixture.self, snakeCaseKeys: true)
    }

    /// `max|a − b| / max(max|b|, 1e-3)`.
    static func relativeError(_ a: [Float], _ b: [Double]) -> Double {
        let scale = max(b.map(abs).max() ?? 0, 1e-3)
        return zip(a, b).map { abs(Double($0) - $1) }.max()! / scale
    }

    @Test(arguments: [AttentionMixer.ProbabilityStorage.save, .recompute])
    func matchesPyTorchOutputsAndGradients(_ storage: AttentionMixer.ProbabilityStorage) throws {
        let fixture = try Self.fixture()
        #expect(fixture.cases.count == 6)
        #expect(fixture.cases.contains { $0.paddingMask != nil } && fixture.cases.contains { $0.heads == 4 })
        for golden in fixture.cases {
            let (c, label) = (golden.shape[2], "\(golden.shape) heads \(golden.heads)")
            let mixer = try AttentionMixer(hiddenSize: c, heads: golden.heads, probabilities: storage)
            for parameter in mixer.parameters {
                try parameter.load(Tensor(shape: parameter.value.shape, values: try #require(golden.parameters[parameter.name])))
            }
            let mask = try golden.paddingMask.map { try Tensor(shape: [golden.shape[0], golden.shape[1]], values: $0) }
            let context = MixerContext(isTraining: true, paddingMask: mask)
            let (y, residuals) = try mixer.forward(try Tensor(shape: golden.shape, values: golden.input), context: context)
            // Float32 against float64: measured errors are at most 3e-7 relative to the largest value
            // (outputs and every gradient); 2e-6 leaves a margin of ~7×.
            #expect(Self.relativeError(y.values, golden.output) < 2e-6, "output \(label): \(golden.torch)")
            let dX = try mixer.backward(
                try Tensor(shape: golden.shape, values: golden.outputGradient), residuals: residuals, context: context)
            #expect(Self.relativeError(dX.values, golden.inputGradient) < 2e-6, "input gradient \(label)")
            for parameter in mixer.parameters {
                let expected = try #require(golden.parameterGradients[parameter.name])
                let error = Self.relativeError(parameter.gradient.values, expected)
                #expect(error < 2e-6, "gradient of \(parameter.name) \(label): \(error)")
            }
        }
    }

    // MARK: Fast path against the dense Double reference

    @Test(arguments: [1, 3])
    func matchesTheDenseReferenceWithPaddingAndOddLengths(_ heads: Int) throws {
        // T = 37 and d = 8 leave SIMD tails (37 = 2·16 + 5) in every row pass.
        let shape = [3, 37, 24]
        var random = SeededRandom(seed: 11)
        let x = Tensor.normal(shape, using: &random)
        var mask = Tensor(shape: [3, 37], repeating: 1)
        for t in 30..<37 { mask[0, t] = 0 }
        for t in [0, 5, 17] { mask[2, t] = 0 }
        for sharp in [false, true] {
            let mixer = try AttentionMixer(hiddenSize: 24, heads: heads, random: SeededRandom(seed: 12))
            if sharp { try Self.sharpen(mixer, seed: 13) }
            for padding in [nil, mask] {
                let y = try mixer.forward(x, context: MixerContext(paddingMask: padding)).output
                let reference = try mixer.denseReference(x, paddingMask: padding)
                let error = Self.relativeError(y.values, reference)
                // Measured ≤ 1.0e-6 (Float32 fast path against Double).
                #expect(error < 5e-6, "sharp \(sharp), padded \(padding != nil): \(error)")
            }
        }
    }

    @Test func queryBlocksGiveTheSameResultAsWholeRows() throws {
        try BLAS.requireAvailable(for: "test")  // the kernel calls OpenBLAS directly: load it even when this test runs first
        // The mixer only splits query rows into blocks beyond T = 512; drive the kernel directly with
        // blocks of 5 rows (7 blocks, the last one partial) against one block of all 33 rows.
        let (batch, t, c, heads) = (2, 33, 16, 2)
        var random = SeededRandom(seed: 21)
        let qkv = Tensor.normal([batch, t, 3 * c], using: &random)
        let dO = Tensor.normal([batch, t, c], using: &random)
        var bias = Tensor(zeros: [batch, t])
        for j in [3, 31, 32] { bias[1, j] = -.infinity }
        func run(rows: Int, saving: Bool) -> (o: [Float], dQKV: [Float]) {
            let core = ScaledDotProductAttention(batch: batch, length: t, hidden: c, heads: heads, rowsPerBlock: rows)
            var o = Tensor(zeros: [batch, t, c]), statistics = Tensor(zeros: [core.statisticsCount])
            var p = Tensor(zeros: [core.probabilityCount]), dQKV = Tensor(zeros: [batch, t, 3 * c])
            qkv.withUnsafeBufferPointer { qkv in
                bias.withUnsafeBufferPointer { bias in
                    o.withUnsafeMutableBufferPointer { o in
                        statistics.withUnsafeMutableBufferPointer { s in
                            p.withUnsafeMutableBufferPointer { p in
                                core.forward(qkv: qkv.baseAddress!, keyBias: bias.baseAddress!, output: o.baseAddress!,
                                             probabilities: saving ? p.baseAddress! : nil, statistics: s.baseAddress!)
                                dO.withUnsafeBufferPointer { dO in
                                    dQKV.withUnsafeMutableBufferPointer { dQKV in
                                        core.backward(
                                            qkv: qkv.baseAddress!, keyBias: bias.baseAddress!,
                                            probabilities: saving ? UnsafePointer(p.baseAddress!) : nil,
                                            statistics: s.baseAddress!, outputGradient: dO.baseAddress!,
                                            qkvGradient: dQKV.baseAddress!)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return (o.values, dQKV.values)
        }
        let whole = run(rows: t, saving: true)
        for saving in [true, false] {
            let blocked = run(rows: 5, saving: saving)
            #expect(Self.relativeError(blocked.o, whole.o.map(Double.init)) < 1e-6)
            #expect(Self.relativeError(blocked.dQKV, whole.dQKV.map(Double.init)) < 1e-5)
            // Padded keys of example 1 get no key or value gradient.
            for j in [3, 31, 32] {
                #expect((c..<(3 * c)).allSatisfy { blocked.dQKV[(t + j) * 3 * c + $0] == 0 })
            }
        }
    }

    /// Querying the first N positions gives the first N rows of the full pass, with padded keys, both
    /// probability storages, and query blocks smaller than N (the kernel driven directly).
    @Test(arguments: [AttentionMixer.ProbabilityStorage.save, .recompute])
    func firstPositionsMatchTheFullPassWithPadding(_ storage: AttentionMixer.ProbabilityStorage) throws {
        var random = SeededRandom(seed: 41)
        let shape = [3, 37, 16]
        let x = Tensor.normal(shape, using: &random)
        var mask = Tensor(shape: [3, 37], repeating: 1)
        for t in 20..<37 { mask[1, t] = 0 }
        for t in 0..<37 { mask[2, t] = 0 }  // no real key at all: outputs are the bias, gradients zero
        let mixer = try AttentionMixer(hiddenSize: 16, heads: 2, probabilities: storage, random: SeededRandom(seed: 42))
        try Self.sharpen(mixer, seed: 43)
        let context = MixerContext(isTraining: true, paddingMask: mask)
        let (y, fullResiduals) = try mixer.forward(x, context: context)
        for positions in [1, 5, 37] {
            let g = Tensor.normal([3, positions, 16], using: &random)
            for parameter in mixer.parameters { parameter.zeroGradient() }
            let (partial, residuals) = try mixer.forward(x, firstPositions: positions, context: context)
            #expect(partial.shape == [3, positions, 16])
            #expect(residuals.tensors[3].count == (storage == .save ? 3 * 2 * positions * 37 : 0))
            let dX = try mixer.backward(firstPositions: g, residuals: residuals, context: context)
            let partialGradients = mixer.parameters.map(\.gradient)
            for parameter in mixer.parameters { parameter.zeroGradient() }
            let fullDX = try mixer.backward(g.padded(toPositions: 37), residuals: fullResiduals, context: context)
            #expect(partial.maxAbsDifference(y.firstPositions(positions)) <= 1e-6 * y.maxAbs, "N = \(positions)")
            #expect(dX.maxAbsDifference(fullDX) <= 1e-5 * fullDX.maxAbs, "N = \(positions)")
            for (index, parameter) in mixer.parameters.enumerated() {
                let scale = max(parameter.gradient.maxAbs, 1e-6)
                #expect(partialGradients[index].maxAbsDifference(parameter.gradient) <= 1e-5 * scale,
                        "N = \(positions): \(parameter.name)")
            }
        }
        #expect(throws: MixLabError.self) { try mixer.forward(x, firstPositions: 0, context: context) }
        #expect(throws: MixLabError.self) { try mixer.forward(x, firstPositions: 38, context: context) }
        let (_, residuals) = try mixer.forward(x, firstPositions: 2, context: context)
        #expect(throws: MixLabError.self) {
            try mixer.backward(firstPositions: Tensor(zeros: [3, 3, 16]), residuals: residuals, context: context)
        }
    }

    @Test func queryBlocksWithFewerQueriesThanKeysGiveTheFirstRows() throws {
        try BLAS.requireAvailable(for: "test")  // the kernel calls OpenBLAS directly: load it even when this test runs first
        let (batch, t, c, heads, queries) = (2, 21, 8, 2, 11)
        var random = SeededRandom(seed: 44)
        let qkv = Tensor.normal([batch, t, 3 * c], using: &random)
        let dO = Tensor.normal([batch, queries, c], using: &random)
        func run(queries: Int, rows: Int?, outputGradient: Tensor) -> (o: Tensor, dQKV: Tensor) {
            let core = ScaledDotProductAttention(batch: batch, length: t, hidden: c, heads: heads, queries: queries, rowsPerBlock: rows)
            var o = Tensor(zeros: [batch, queries, c]), statistics = Tensor(zeros: [core.statisticsCount])
            var dQKV = Tensor(shape: [batch, t, 3 * c], repeating: .nan)  // every value must be written
            qkv.withUnsafeBufferPointer { qkv in
                o.withUnsafeMutableBufferPointer { o in
                    statistics.withUnsafeMutableBufferPointer { s in
                        core.forward(qkv: qkv.baseAddress!, keyBias: nil, output: o.baseAddress!, probabilities: nil,
                                     statistics: s.baseAddress!)
                        outputGradient.withUnsafeBufferPointer { dO in
                            dQKV.withUnsafeMutableBufferPointer { dQKV in
                                core.backward(qkv: qkv.baseAddress!, keyBias: nil, probabilities: nil, statistics: s.baseAddress!,
                                              outputGradient: dO.baseAddress!, qkvGradient: dQKV.baseAddress!)
                            }
                        }
                    }
                }
            }
            return (o, dQKV)
        }
        let full = run(queries: t, rows: nil, outputGradient: dO.padded(toPositions: t))
        let partial = run(queries: queries, rows: 4, outputGradient: dO)
        #expect(partial.o.maxAbsDifference(full.o.firstPositions(queries)) <= 1e-6 * full.o.maxAbs)
        #expect(partial.dQKV.values.allSatisfy { $0.isFinite }, "every gradient written, dQ of unqueried rows as 0")
        #expect(partial.dQKV.maxAbsDifference(full.dQKV) <= 1e-5 * full.dQKV.maxAbs)
    }

    @Test func savedAndRecomputedProbabilitiesGiveBitwiseEqualResults() throws {
        var random = SeededRandom(seed: 31)
        let shape = [2, 40, 16]
        let x = Tensor.normal(shape, using: &random), g = Tensor.normal(shape, using: &random)
        var mask = Tensor(shape: [2, 40], repeating: 1)
        for t in 25..<40 { mask[1, t] = 0 }
        var results: [(Tensor, Tensor, [Tensor])] = []
        for storage in [AttentionMixer.ProbabilityStorage.save, .recompute] {
            let mixer = try AttentionMixer(hiddenSize: 16, heads: 2, probabilities: storage, random: SeededRandom(seed: 32))
            try Self.sharpen(mixer, seed: 33)
            let context = MixerContext(isTraining: true, paddingMask: mask)
            let (y, residuals) = try mixer.forward(x, context: context)
            #expect(residuals.tensors[3].count == (storage == .save ? 2 * 2 * 40 * 40 : 0))
            let dX = try mixer.backward(g, residuals: residuals, context: context)
            results.append((y, dX, mixer.parameters.map(\.gradient)))
        }
        #expect(results[0].0 == results[1].0)
        #expect(results[0].1 == results[1].1)
        #expect(results[0].2 == results[1].2)
    }

    @Test func autoStorageSavesProbabilitiesUpToOneGibibyte() throws {
        let mixer = try AttentionMixer(hiddenSize: 256, heads: 4)
        #expect(mixer.savesProbabilities(batch: 32, length: 512))  // 128 MiB
        #expect(mixer.savesProbabilities(batch: 4, length: 4096))  // exactly 1 GiB
        #expect(!mixer.savesProbabilities(batch: 8, length: 4096))  // 2 GiB
        #expect(try AttentionMixer(hiddenSize: 8, probabilities: .recompute).savesProbabilities(batch: 1, length: 2) == false)
    }

    // MARK: Padding mask

    @Test func paddedKeysDoNotInfluenceRealQueries() throws {
        let shape = [2, 7, 8]
        var random = SeededRandom(seed: 41)
        let x = Tensor.normal(shape, using: &random)
        var mask = Tensor(shape: [2, 7], repeating: 1)
        let padded = [(0, 5), (0, 6), (1, 3)]
        for (b, t) in padded { mask[b, t] = 0 }
        let mixer = try AttentionMixer(hiddenSize: 8, heads: 2, random: SeededRandom(seed: 42))
        try Self.sharpen(mixer, seed: 43)
        let context = MixerContext(paddingMask: mask)
        let y = try mixer.forward(x, context: context).output
        var changed = x
        for (b, t) in padded {
            for channel in 0..<8 { changed[b, t, channel] = 10 * Float(channel) - 30 }
        }
        let y2 = try mixer.forward(changed, context: context).output
        // Every real query's output is bitwise unchanged (its weights on padded keys are exactly 0) …
        for b in 0..<2 {
            for t in 0..<7 where mask[b, t] == 1 {
                #expect((0..<8).allSatisfy { y2[b, t, $0] == y[b, t, $0] }, "query [\(b), \(t)]")
            }
        }
        // … while without the mask the change is visible: the test can fail.
        let unmasked = try mixer.forward(changed, context: .inference).output
        #expect(unmasked.maxAbsDifference(try mixer.forward(x, context: .inference).output) > 1e-3)

        // Backward: with no gradient on padded queries, padded tokens get exactly zero input gradient.
        var g = Tensor.normal(shape, using: &random)
        for (b, t) in padded {
            for channel in 0..<8 { g[b, t, channel] = 0 }
        }
        let (_, residuals) = try mixer.forward(x, context: context)
        let dX = try mixer.backward(g, residuals: residuals, context: context)
        for (b, t) in padded {
            #expect((0..<8).allSatisfy { dX[b, t, $0] == 0 }, "token [\(b), \(t)]")
        }
        #expect(dX.maxAbs > 0)
    }

    @Test(arguments: [AttentionMixer.ProbabilityStorage.save, .recompute])
    func anExampleWithEveryTokenPaddedGivesTheOutputBiasAndZeroGradients(_ storage: AttentionMixer.ProbabilityStorage) throws {
        let shape = [2, 5, 8]
        var random = SeededRandom(seed: 51)
        let x = Tensor.normal(shape, using: &random), g = Tensor.normal(shape, using: &random)
        var mask = Tensor(shape: [2, 5], repeating: 1)
        for t in 0..<5 { mask[1, t] = 0 }
        let mixer = try AttentionMixer(hiddenSize: 8, heads: 2, probabilities: storage, random: SeededRandom(seed: 52))
        try Self.sharpen(mixer, seed: 53)
        let context = MixerContext(isTraining: true, paddingMask: mask)
        let (y, residuals) = try mixer.forward(x, context: context)
        let bias = mixer.outputBias.value
        for t in 0..<5 {
            #expect((0..<8).allSatisfy { y[1, t, $0] == bias[$0] })
        }
        #expect(y.firstNonFiniteIndex() == nil)
        let dX = try mixer.backward(g, residuals: residuals, context: context)
        #expect(dX.firstNonFiniteIndex() == nil)
        #expect((40..<80).allSatisfy { dX[flat: $0] == 0 })
        #expect(mixer.parameters.allSatisfy { $0.gradient.firstNonFiniteIndex() == nil })
        // Example 0 is unaffected by example 1's padding.
        let alone = try mixer.forward(Tensor(shape: [1, 5, 8]) { x[flat: $0] }, context: .inference).output
        #expect(Self.relativeError(Array(y.values[0..<40]), alone.values.map(Double.init)) < 1e-6)
    }

    // MARK: Construction and registry

    @Test func registryBuildsNamedHuggingFaceLayoutParameters() throws {
        let context = MixerBuildContext(hiddenSize: 64, random: SeededRandom(seed: 61))
        let mixer = try MixerRegistry.shared.make("attention", configuration: MixerConfiguration(["heads": "4"]), context: context)
        let attention = try #require(mixer as? AttentionMixer)
        #expect(attention.heads == 4 && attention.hiddenSize == 64 && attention.probabilityStorage == .auto)
        #expect(mixer.parameters.map(\.name) == [
            "query.weight", "query.bias", "key.weight", "key.bias", "value.weight", "value.bias",
            "output.weight", "output.bias",
        ])
        #expect(mixer.descriptor.axes == .both && !mixer.descriptor.isLinear && !mixer.descriptor.isInvertible)
        #expect(mixer.descriptor.sequenceLength == .any && mixer.descriptor.hiddenSize == .exactly(64))
        for parameter in mixer.parameters {
            if parameter.name.hasSuffix("bias") {
                #expect(parameter.value.shape == [64] && parameter.value.maxAbs == 0)
            } else {
                #expect(parameter.value.shape == [64, 64])
                let standardDeviation = (parameter.value.dot(parameter.value) / 4096).squareRoot()
                #expect(abs(standardDeviation - 0.02) < 0.002, "\(parameter.name): σ = \(standardDeviation)")
            }
        }
        // Each weight has its own stream; the same seed gives the same weights, another seed others.
        #expect(attention.queryWeight.value != attention.keyWeight.value)
        let again = try #require(try MixerRegistry.shared.make("attention", context: context) as? AttentionMixer)
        #expect(again.outputWeight.value == attention.outputWeight.value)
        let other = try #require(
            try MixerRegistry.shared.make("attention", context: MixerBuildContext(hiddenSize: 64, random: SeededRandom(seed: 62)))
                as? AttentionMixer)
        #expect(other.outputWeight.value != attention.outputWeight.value)
    }

    @Test func headsThatDoNotDivideTheHiddenSizeAreATypedError() {
        #expect {
            _ = try MixerRegistry.shared.make(
                "attention", configuration: MixerConfiguration(["heads": "4"]), context: MixerBuildContext(hiddenSize: 10))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("C = 10") && e.what.contains("heads = 4")
                && e.location.contains("attention") && e.fix.contains("1, 2, 5, 10")
        }
    }

    @Test func badSettingsAndMissingHiddenSizeAreTypedErrors() {
        #expect {
            _ = try MixerRegistry.shared.make(
                "attention", configuration: MixerConfiguration(["heads": "0"]), context: MixerBuildContext(hiddenSize: 8))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.what.contains("heads=0") && e.location.contains("attention")
        }
        #expect {
            _ = try MixerRegistry.shared.make(
                "attention", configuration: MixerConfiguration(["probabilities": "keep"]), context: MixerBuildContext(hiddenSize: 8))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidConfigValue && e.fix.contains("auto, save, recompute")
        }
        #expect {
            _ = try MixerRegistry.shared.make("attention")
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("hidden size") && e.fix.contains("hiddenSize")
        }
    }

    @Test func badInputsAndMasksAreTypedErrors() throws {
        let mixer = try AttentionMixer(hiddenSize: 8, heads: 2)
        #expect {
            _ = try mixer.forward(Tensor(zeros: [2, 5, 6]), context: .inference)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .unsupportedLength && e.what.contains("hidden size C 6") && e.what.contains("exactly 8")
                && e.location.contains("attention")
        }
        #expect {
            _ = try mixer.forward(Tensor(zeros: [2, 5, 8]), context: MixerContext(paddingMask: Tensor(zeros: [2, 4])))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .shapeMismatch && e.what.contains("[2, 4]") && e.location.contains("padding mask")
        }
        var additive = Tensor(shape: [2, 5], repeating: 1)
        additive[1, 2] = -10_000
        #expect {
            _ = try mixer.forward(Tensor(zeros: [2, 5, 8]), context: MixerContext(paddingMask: additive))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("[1, 2]") && e.what.contains("-10000")
                && e.fix.contains("1 for real tokens")
        }
        #expect {
            _ = try mixer.backward(Tensor(zeros: [2, 5, 8]), residuals: .none, context: .inference)
        } throws: { error in
            (error as! MixLabError).code == .invalidArgument
        }
        let (_, residuals) = try mixer.forward(Tensor(zeros: [2, 5, 8]), context: .inference)
        #expect {
            _ = try mixer.backward(Tensor(zeros: [2, 4, 8]), residuals: residuals, context: .inference)
        } throws: { error in
            (error as! MixLabError).code == .shapeMismatch
        }
    }

    // MARK: Vectorised exp

    /// Error of `VectorExponential.exp` in units in the last place of the correctly rounded result.
    static func ulpError(_ x: Float) -> Double {
        let exact = Foundation.exp(Double(x))
        let rounded = Float(exact)
        return abs(Double(VectorExponential.exp(x)) - exact) / Double(rounded.ulp)
    }

    // Measured worst case over these inputs: 0.91 ulp (at x ≈ −6.58).
    @Test func vectorExponentialIsWithinOneAndAHalfUlpOfFoundation() {
        var random = SeededRandom(seed: 71)
        let (low, high) = (VectorExponential.lowerLimit, VectorExponential.upperLimit)
        var inputs: [Float] = (0...20_000).map { low + (high - low) * Float($0) / 20_000 }
        inputs += (0..<20_000).map { _ in Float(random.nextUniform() * 20 - 10) }  // softmax's usual range
        inputs += (0..<2_000).map { _ in Float(random.nextUniform() * 1e-3 - 5e-4) }  // near 0
        inputs += [low, high, -1e-30, 1e-30, 0.5 * .ulpOfOne, -0.346_573_6, 0.346_573_6]
        // The buffer version (with a tail: count is not a multiple of 16) against the scalar one.
        var buffered = [Float](repeating: 0, count: inputs.count)
        inputs.withUnsafeBufferPointer { x in
            buffered.withUnsafeMutableBufferPointer { y in
                VectorExponential.exp(x.baseAddress!, y.baseAddress!, count: x.count)
            }
        }
        #expect(inputs.count % 16 != 0)
        var worst = (error: 0.0, x: Float(0))
        for (index, x) in inputs.enumerated() {
            let error = Self.ulpError(x)
            if error > worst.error { worst = (error, x) }
            #expect(buffered[index] == VectorExponential.exp(x))
        }
        #expect(worst.error <= 1.5, "worst: \(worst.error) ulp at x = \(worst.x)")
        let relative = inputs.map { abs(Double(VectorExponential.exp($0)) / Foundation.exp(Double($0)) - 1) }.max()!
        #expect(relative < 1.8e-7)
    }

    @Test func vectorExponentialEdgeCases() {
        #expect(VectorExponential.exp(0) == 1)
        #expect(VectorExponential.exp(-0.0) == 1)
        // Very negative inputs (and results that would be subnormal) give exactly 0, never NaN.
        for x: Float in [-87.4, -88, -100, -1e4, -1e30, -.greatestFiniteMagnitude, -.infinity] {
            #expect(VectorExponential.exp(x) == 0, "exp(\(x))")
        }
        #expect(VectorExponential.exp(VectorExponential.lowerLimit) >= Float.leastNormalMagnitude)
        for x: Float in [88.8, 100, 1e30, .infinity] {
            #expect(VectorExponential.exp(x) == .infinity, "exp(\(x))")
        }
        #expect(VectorExponential.exp(VectorExponential.upperLimit).isFinite)
        #expect(VectorExponential.exp(Float.nan).isNaN)
        #expect(abs(VectorExponential.exp(1) - Float(M_E)) <= Float(M_E).ulp)
    }
}
