import MixLabCore
import MixLabMixers
@testable import MixLabModels
import Testing

/// `last` pooling reads each example's last non-padding token (a causal mixer's summary position),
/// forward and backward, and the classifier then computes every position of its last block.
@Suite struct LastTokenPoolingTests {
    /// Three examples of length 5: unpadded, padded after 3 tokens, and padded everywhere.
    static let mask = try! Tensor(shape: [3, 5], values: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])

    @Test func poolsTheLastRealTokenOfEachExample() throws {
        var random = SeededRandom(seed: 3)
        let head = SequenceClassificationHead(hiddenSize: 4, classes: 2, pooling: .last, random: &random)
        #expect(head.pooler == nil && head.parameters.count == 2)
        let hidden = Tensor.normal([3, 5, 4], using: &random)
        let (logits, cache) = try head.forward(hidden, paddingMask: Self.mask)
        // Example 0 pools position 4, example 1 position 2, example 2 (no real token) zeros.
        let expected = Tensor(shape: [3, 4]) { index in
            let (b, j) = (index / 4, index % 4)
            return b == 0 ? hidden[0, 4, j] : b == 1 ? hidden[1, 2, j] : 0
        }
        #expect(cache.pooled == expected)
        #expect(logits == (try head.classifier.forward(expected)))
        #expect(logits.values.allSatisfy { $0.isFinite })
        // Without a mask every example pools position T − 1.
        let (_, unmasked) = try head.forward(hidden, paddingMask: nil)
        #expect(unmasked.pooled == Tensor(shape: [3, 4]) { hidden[$0 / 4, 4, $0 % 4] })
    }

    @Test func backwardReachesOnlyThePooledPositions() throws {
        var random = SeededRandom(seed: 4)
        let head = SequenceClassificationHead(hiddenSize: 4, classes: 2, pooling: .last, random: &random)
        let hidden = Tensor.normal([3, 5, 4], using: &random)
        let (_, cache) = try head.forward(hidden, paddingMask: Self.mask)
        let dHidden = try head.backward(Tensor.normal([3, 2], using: &random), cache: cache)
        for b in 0..<3 {
            for t in 0..<5 {
                let pooled = (b == 0 && t == 4) || (b == 1 && t == 2)
                let norm = (0..<4).map { abs(dHidden[b, t, $0]) }.reduce(0, +)
                #expect(pooled ? norm > 0 : norm == 0, "example \(b), position \(t)")
            }
        }
    }

    /// The head's input and parameter gradients against central differences of the loss.
    @Test func headGradientsMatchFiniteDifferences() throws {
        var random = SeededRandom(seed: 5)
        let head = SequenceClassificationHead(hiddenSize: 4, classes: 3, pooling: .last, random: &random)
        let loss = try CrossEntropy(labelSmoothing: 0)
        let labels: [Int32] = [2, 0, 1]
        let hidden = Tensor.normal([3, 5, 4], using: &random)
        func value(_ h: Tensor) throws -> Double {
            Double(try loss.evaluate(logits: head.forward(h, paddingMask: Self.mask).logits, labels: labels).loss)
        }
        for parameter in head.parameters { parameter.zeroGradient() }
        let (logits, cache) = try head.forward(hidden, paddingMask: Self.mask)
        let dHidden = try head.backward(try loss.evaluate(logits: logits, labels: labels).gradient, cache: cache)
        var check = GradientCheck(seed: 6)
        #expect(try check.worstError(at: hidden, analytic: dHidden, value) < 1e-2)
        for parameter in head.parameters {
            let error = try check.worstError(of: parameter) { try value(hidden) }
            #expect(error < 1e-2, "\(parameter.name): relative error \(error)")
        }
    }

    /// The whole classifier (every mixer family's representative, with padding): gradients against
    /// central differences, and the last block computes all T positions despite
    /// `computesOnlyPooledPosition`.
    @Test(arguments: ["fourier", "attention"])
    func classifierTrainsThroughTheLastToken(_ mixer: String) throws {
        var configuration = EncoderTests.tinyConfiguration(mixer: mixer)
        configuration.mixerSettings = [:]
        let model = try SequenceClassifier(configuration, classes: 3, pooling: .last, sequenceLength: 8, seed: 21)
        #expect(model.computesOnlyPooledPosition)
        let batch = PooledPositionTests.batch
        var random = SeededRandom(seed: 0)
        let (_, cache) = try model.logits(batch, training: false, random: &random)
        #expect(cache.head.hiddenShape == [2, 8, 8])
        #expect(cache.head.weights[7] == 1 && cache.head.weights[8 + 4] == 1 && cache.head.weights.reduce(0, +) == 2)
        var initialisation = SeededRandom(seed: 22)
        for (name, parameter) in model.namedParameters {
            let noise = Tensor.normal(parameter.value.shape, standardDeviation: 0.3, using: &initialisation)
            parameter.value = name.hasSuffix("LayerNorm.weight") ? Tensor(shape: noise.shape, repeating: 1) + noise : noise
        }
        let labels: [Int32] = [1, 2]
        model.zeroGradients()
        _ = try model.lossAndGradients(batch, labels: labels, training: false, random: &random)
        var check = GradientCheck(seed: 9)
        for (name, parameter) in model.namedParameters {
            let error = try check.worstError(of: parameter) {
                Double(try model.loss.evaluate(logits: model.logits(batch), labels: labels).loss)
            }
            #expect(error < 3e-2, "\(mixer): \(name): relative error \(error)")
        }
    }
}
