import MixLabCore
@testable import MixLabModels
import Testing

@Suite struct TokenClassifierTests {
    /// Labels for `EncoderTests.batch` (2 × 6): −100 on the two padding positions and on one real token.
    static let labels: [Int32] = [2, 0, 1, -100, 3, 1, 0, 3, 2, 2, -100, -100]

    @Test(arguments: NormPlacement.allCases)
    func everyParameterGradientMatchesFiniteDifferences(_ placement: NormPlacement) throws {
        let model = try TokenClassifier(EncoderTests.tinyConfiguration(mixer: "fourier", placement: placement), classes: 4,
                                        sequenceLength: 6, labelSmoothing: 0.1, seed: 6)
        // Larger weights than FNet's σ = 0.02 give gradients that Float32 central differences resolve.
        var initialisation = SeededRandom(seed: 78)
        for (name, parameter) in model.namedParameters {
            let noise = Tensor.normal(parameter.value.shape, standardDeviation: 0.3, using: &initialisation)
            parameter.value = name.hasSuffix("LayerNorm.weight") ? Tensor(shape: noise.shape, repeating: 1) + noise : noise
        }
        var random = SeededRandom(seed: 0)
        model.zeroGradients()
        let result = try model.lossAndGradients(EncoderTests.batch, labels: Self.labels, training: false, random: &random)
        #expect(result.counted == 9)
        var check = GradientCheck(seed: 10, step: 1e-2)
        for (name, parameter) in model.namedParameters {
            let error = try check.worstError(of: parameter) {
                var r = SeededRandom(seed: 0)
                let (logits, _) = try model.logits(EncoderTests.batch, training: false, random: &r)
                return Double(try model.loss.evaluate(logits: logits, labels: Self.labels).loss)
            }
            #expect(error < 3e-2, "\(placement): \(name): relative error \(error)")
        }
    }

    @Test func ignoredPositionsGetNoGradientAndNamesFollowHuggingFace() throws {
        let model = try TokenClassifier(EncoderTests.tinyConfiguration(mixer: "fourier"), classes: 4, sequenceLength: 6, seed: 2)
        var random = SeededRandom(seed: 0)
        let (logits, _) = try model.logits(EncoderTests.batch, training: false, random: &random)
        #expect(logits.shape == [2, 6, 4])
        let gradient = try model.loss.evaluate(logits: logits, labels: Self.labels).gradient
        for row in [3, 10, 11] {
            #expect((0..<4).allSatisfy { gradient[flat: row * 4 + $0] == 0 }, "row \(row) is ignored")
        }
        let names = model.namedParameters.map(\.name)
        #expect(names.suffix(2) == ["classifier.weight", "classifier.bias"])
        #expect(names.contains("fnet.embeddings.word_embeddings.weight") && Set(names).count == names.count)
        #expect(!names.contains { $0.contains("pooler") })
        #expect(throws: MixLabError.self) {
            try TokenClassifier(EncoderTests.tinyConfiguration(mixer: "fourier"), classes: 1, sequenceLength: 6, seed: 2)
        }
        #expect(throws: MixLabError.self) {
            try TokenClassifier(EncoderTests.tinyConfiguration(mixer: "fourier"), classes: 3, sequenceLength: 6, labelSmoothing: 1, seed: 2)
        }
        var labelRandom = SeededRandom(seed: 0)
        #expect(throws: MixLabError.self) {
            try model.lossAndGradients(EncoderTests.batch, labels: [Int32](repeating: 0, count: 2), training: false, random: &labelRandom)
        }
    }
}
