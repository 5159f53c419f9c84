import Foundation
import MixLabCore
import MixLabKernels
@testable import MixLabModels
import Testing

@Suite struct VectorMathTests {
    @Test func tanhIsAccurateNearZeroAndSaturates() {
        var worst: Float = 0
        for i in 0..<2_001 {
            let x = -10 + Float(i) * 0.01
            worst = max(worst, abs(VectorMath.tanh(SIMD16(repeating: x))[0] - Float(Foundation.tanh(Double(x)))))
        }
        #expect(worst < 2e-7, "max absolute error \(worst)")
        let tiny = VectorMath.tanh(SIMD16(repeating: 1e-6))[0]
        #expect(abs(tiny - 1e-6) < 1e-12)
        #expect(VectorMath.tanh(SIMD16(repeating: 50))[0] == 1)
    }
}

@Suite struct LayerTests {
    @Test func denseMatchesItsDefinitionAndGradients() throws {
        var random = SeededRandom(seed: 1)
        let dense = Dense(name: "d", inputSize: 5, outputSize: 3, random: &random)
        dense.bias!.value = Tensor.normal([3], using: &random)
        let x = Tensor.normal([2, 4, 5], using: &random)
        let y = try dense.forward(x)
        #expect(y.shape == [2, 4, 3])
        for row in 0..<8 {
            for o in 0..<3 {
                var sum = dense.bias!.value[o]
                for i in 0..<5 { sum += x[flat: row * 5 + i] * dense.weight.value[o, i] }
                #expect(abs(y[flat: row * 3 + o] - sum) < 1e-5)
            }
        }
        let g = Tensor.normal(y.shape, using: &random)
        let dx = try dense.backward(g, input: x)
        var check = GradientCheck()
        #expect(try check.worstError(at: x, analytic: dx) { try dense.forward($0).dot(g) } < 1e-3)
        #expect(try check.worstError(of: dense.weight) { try dense.forward(x).dot(g) } < 1e-3)
        #expect(try check.worstError(of: dense.bias!) { try dense.forward(x).dot(g) } < 1e-3)
        #expect(throws: MixLabError.self) { try dense.forward(Tensor(zeros: [2, 4])) }
    }

    @Test func layerNormNormalisesAndHasCorrectGradients() throws {
        var random = SeededRandom(seed: 2)
        let norm = LayerNorm(name: "ln", size: 6, epsilon: 1e-5)
        norm.weight.value = Tensor.normal([6], mean: 1, standardDeviation: 0.3, using: &random)
        norm.bias.value = Tensor.normal([6], using: &random)
        let x = Tensor.normal([3, 2, 6], mean: 2, standardDeviation: 3, using: &random)
        let (y, cache) = try norm.forward(x)
        for row in 0..<6 {
            let n = (0..<6).map { cache.normalized[flat: row * 6 + $0] }
            #expect(abs(n.reduce(0, +) / 6) < 1e-5)
            #expect(abs(n.map { $0 * $0 }.reduce(0, +) / 6 - 1) < 1e-3)
        }
        let g = Tensor.normal(y.shape, using: &random)
        let dx = norm.backward(g, cache: cache)
        var check = GradientCheck()
        #expect(try check.worstError(at: x, analytic: dx) { try norm.forward($0).output.dot(g) } < 2e-2)
        #expect(try check.worstError(of: norm.weight) { try norm.forward(x).output.dot(g) } < 2e-2)
        #expect(try check.worstError(of: norm.bias) { try norm.forward(x).output.dot(g) } < 2e-2)
    }

    /// `LN(x + m ⊙ z)` in one pass equals the composition; the fused backward gives the plain `dx`, its
    /// masked copy with column sums, and the same `dγ`, `dβ`.
    @Test func fusedLayerNormMatchesTheComposition() throws {
        var random = SeededRandom(seed: 6)
        let (fused, plain) = (LayerNorm(name: "a", size: 37, epsilon: 1e-5), LayerNorm(name: "b", size: 37, epsilon: 1e-5))
        let gamma = Tensor.normal([37], mean: 1, standardDeviation: 0.3, using: &random)
        let beta = Tensor.normal([37], using: &random)
        for norm in [fused, plain] {
            norm.weight.value = gamma
            norm.bias.value = beta
        }
        let x = Tensor.normal([3, 5, 37], using: &random), z = Tensor.normal([3, 5, 37], using: &random)
        let mask = try #require(try Dropout(probability: 0.4).mask(shape: x.shape, training: true, random: &random))
        let (y, cache) = try fused.forward(x, adding: z, mask: mask, keepsCache: true)
        let (reference, referenceCache) = try plain.forward(Elementwise.add(x, Dropout.apply(z, mask: mask)))
        #expect(y == reference)
        let noCache = try fused.forward(x, adding: z, mask: mask, keepsCache: false)
        #expect(noCache.output == reference && noCache.cache == nil)

        let dy = Tensor.normal(x.shape, using: &random)
        let (dx, masked, columnSums) = fused.backward(dy, cache: try #require(cache), mask: mask)
        let referenceDx = plain.backward(dy, cache: referenceCache)
        let worst = zip(dx.values, referenceDx.values).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5)
        let maskedDx = try #require(masked)
        #expect(maskedDx == Dropout.apply(dx, mask: mask))
        for j in 0..<37 {
            let sum = (0..<15).map { maskedDx[flat: $0 * 37 + j] }.reduce(0, +)
            #expect(abs(columnSums[j] - sum) < 1e-5)
        }
        for (a, b) in [(fused.weight, plain.weight), (fused.bias, plain.bias)] {
            #expect(zip(a.gradient.values, b.gradient.values).allSatisfy { abs($0 - $1) < 1e-5 })
        }
        #expect(fused.backward(dy, cache: try #require(cache), mask: nil).masked == nil)
    }

    /// In place with the derivative kept: the activations of `forward` bit for bit, the derivative of
    /// `backward`.
    @Test(arguments: GELU.allCases)
    func geluActivationInPlaceKeepsItsDerivative(_ kind: GELU) throws {
        var random = SeededRandom(seed: 7)
        let x = Tensor.normal([53], standardDeviation: 3, using: &random)
        var activated = x
        let derivative = try #require(kind.activate(&activated, keepingDerivative: true))
        #expect(activated == kind.forward(x))
        let reference = kind.backward(Tensor(shape: [53], repeating: 1), input: x)
        #expect(zip(derivative.values, reference.values).allSatisfy { abs($0 - $1) < 1e-6 })
        var again = x
        #expect(kind.activate(&again, keepingDerivative: false) == nil)
        #expect(again == activated)
    }

    @Test func denseAddsItsInputGradientOntoAnotherGradient() throws {
        try BLAS.requireAvailable(for: "test")
        var random = SeededRandom(seed: 8)
        let dense = Dense(name: "d", inputSize: 5, outputSize: 3, random: &random)
        let dy = Tensor.normal([4, 3], using: &random)
        let other = Tensor.normal([4, 5], using: &random)
        var target = other
        dense.addInputGradient(dy, into: &target)
        let reference = Elementwise.add(other, dense.inputGradient(dy))
        #expect(zip(target.values, reference.values).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(other != target, "the copy it started from is unchanged")
    }

    @Test(arguments: GELU.allCases)
    func geluMatchesItsFormulaAndDerivative(_ kind: GELU) throws {
        let x = try Tensor(shape: [41], values: (0..<41).map { Float($0 - 20) * 0.25 })
        let y = kind.forward(x)
        for i in 0..<41 {
            let v = Double(x[i])
            let reference = kind == .tanh
                ? 0.5 * v * (1 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)))
                : 0.5 * v * (1 + erf(v / 2.squareRoot()))
            #expect(abs(Double(y[i]) - reference) < 2e-6, "gelu(\(v))")
        }
        var random = SeededRandom(seed: 3)
        let g = Tensor.normal([41], using: &random)
        var check = GradientCheck(step: 1e-3)
        #expect(check.worstError(at: x, analytic: kind.backward(g, input: x)) { kind.forward($0).dot(g) } < 1e-2)
    }

    @Test func dropoutKeepsExpectationAndIsSeeded() throws {
        let dropout = try Dropout(probability: 0.25)
        var a = SeededRandom(seed: 4), b = SeededRandom(seed: 4)
        let mask = try #require(dropout.mask(shape: [10_000], training: true, random: &a))
        #expect(mask == dropout.mask(shape: [10_000], training: true, random: &b))
        let kept = mask.values.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 4.0 / 3) < 1e-6 })
        #expect(abs(Double(kept.count) / 10_000 - 0.75) < 0.02)
        #expect(dropout.mask(shape: [4], training: false, random: &a) == nil)
        #expect(throws: MixLabError.self) { try Dropout(probability: 1) }
        #expect(throws: MixLabError.self) { try Dropout(probability: -0.1) }
    }

    /// The first-positions mask is the full mask cut to its first positions, from the same one draw:
    /// examples shorter and longer than a generation block (65,536 values), an odd total, N = T.
    @Test(arguments: [([3, 5, 7], 1), ([3, 5, 7], 5), ([2, 300, 256], 1), ([2, 300, 256], 7), ([5, 9000, 3], 4000), ([1, 1, 3], 1)])
    func firstPositionsMaskIsTheFullMaskCut(_ shape: [Int], _ positions: Int) throws {
        let dropout = try Dropout(probability: 0.3)
        var full = SeededRandom(seed: 8), partial = SeededRandom(seed: 8)
        let whole = try #require(dropout.mask(shape: shape, training: true, random: &full))
        let cut = try #require(dropout.mask(shape: shape, firstPositions: positions, training: true, random: &partial))
        #expect(cut.shape == [shape[0], positions, shape[2]])
        #expect(cut == whole.firstPositions(positions))
        #expect(full.next() == partial.next(), "both take one draw")
        #expect(dropout.mask(shape: shape, firstPositions: positions, training: false, random: &partial) == nil)
    }

    @Test func crossEntropyMatchesDefinitionWithSmoothingAndIgnoredRows() throws {
        let logits = try Tensor(shape: [3, 4], values: [1, 2, 3, 4, 0, 0, 0, 0, 100, -100, 0, 50])
        let loss = try CrossEntropy(labelSmoothing: 0.1)
        let result = try loss.evaluate(logits: logits, labels: [3, -100, 0])
        func rowLoss(_ z: [Double], _ label: Int) -> Double {
            let m = z.max()!, logSum = log(z.map { exp($0 - m) }.reduce(0, +))
            return z.indices.map { k in -((k == label ? 0.9 : 0) + 0.025) * (z[k] - m - logSum) }.reduce(0, +)
        }
        let expected = (rowLoss([1, 2, 3, 4], 3) + rowLoss([100, -100, 0, 50], 0)) / 2
        #expect(abs(Double(result.loss) - expected) < 1e-5)
        #expect(result.counted == 2 && result.correct == 2)
        #expect((4..<8).allSatisfy { result.gradient[flat: $0] == 0 })
        var check = GradientCheck(step: 1e-2)
        #expect(try check.worstError(at: logits, analytic: result.gradient) { Double(try loss.evaluate(logits: $0, labels: [3, -100, 0]).loss) } < 1e-2)
        #expect(throws: MixLabError.self) { try loss.evaluate(logits: logits, labels: [4, 0, 0]) }
        #expect(throws: MixLabError.self) { try loss.evaluate(logits: logits, labels: [0, 0]) }
        #expect(throws: MixLabError.self) { try CrossEntropy(labelSmoothing: 1) }
    }
}

@Suite struct HybridPlacementTests {
    // The FNet code's placements for L = 12, k = 2 (and the paper's TOP choice).
    @Test func placesAttentionLayersAsTheOriginalCode() {
        #expect(HybridPlacement.bottom.attentionLayers(layers: 12, attentionLayers: 2) == [0, 1])
        #expect(HybridPlacement.middle.attentionLayers(layers: 12, attentionLayers: 2) == [5, 6])
        #expect(HybridPlacement.mixed.attentionLayers(layers: 12, attentionLayers: 2) == [0, 6])
        #expect(HybridPlacement.top.attentionLayers(layers: 12, attentionLayers: 2) == [10, 11])
        #expect(HybridPlacement.top.attentionLayers(layers: 4, attentionLayers: 0) == [])
        #expect(HybridPlacement.middle.attentionLayers(layers: 5, attentionLayers: 1) == [2])
    }
}
