import MixLabCore
import MixLabMixers
@testable import MixLabModels
import Testing

/// The two-tower `PairClassifier`: gradients against finite differences, pairing of rows, errors.
@Suite struct PairClassifierTests {
    /// Two pairs: rows 0 and 1 are the first documents, rows 2 and 3 the second ones (padded differently).
    static let batch = try! TokenBatch(
        tokens: [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 0, 0], [3, 3, 2, 1, 0, 0], [6, 5, 4, 3, 2, 1]],
        paddingMask: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]])

    /// Every parameter (the shared encoder's, the pooler's, the MLP's) against central differences of
    /// the loss, for every pooling.
    @Test(arguments: ["fourier", "attention"], Pooling.allCases)
    func everyParameterGradientMatchesFiniteDifferences(_ mixer: String, _ pooling: Pooling) throws {
        let model = try PairClassifier(EncoderTests.tinyConfiguration(mixer: mixer), classes: 2, pooling: pooling, sequenceLength: 6, seed: 5)
        let labels: [Int32] = [1, 0]
        // As in the sequence classifier's check: larger weights than FNet's σ = 0.02, so gradients are O(1).
        var initialisation = SeededRandom(seed: 78)
        for (name, parameter) in model.namedParameters {
            let noise = Tensor.normal(parameter.value.shape, standardDeviation: 0.3, using: &initialisation)
            parameter.value = name.hasSuffix("LayerNorm.weight") ? Tensor(shape: noise.shape, repeating: 1) + noise : noise
        }
        var random = SeededRandom(seed: 0)
        model.zeroGradients()
        _ = try model.lossAndGradients(Self.batch, labels: labels, training: false, random: &random)
        #expect(model.namedParameters.contains { $0.name == "pair.mlp.weight" } && model.namedParameters.contains { $0.name == "classifier.bias" })
        #expect(model.namedParameters.contains { $0.name == "fnet.pooler.dense.weight" } == (pooling == .first))
        // The head's ReLUs have kinks: the usual step of 1e-2 along a random direction moves some of the
        // 2·(M + M/2) pre-activations across zero, where a difference quotient is not a derivative; 1e-3 does not.
        var check = GradientCheck(seed: 9, step: 1e-3)
        for (name, parameter) in model.namedParameters {
            let error = try check.worstError(of: parameter) {
                Double(try model.loss.evaluate(logits: model.logits(Self.batch), labels: labels).loss)
            }
            #expect(error < 3e-2, "\(mixer), \(pooling): \(name): relative error \(error)")
        }
    }

    /// Row b is paired with row B + b: reordering the pairs reorders the logits and changes nothing else,
    /// and swapping a pair's two documents changes its logits (the features [u, v, u⊙v, u−v] are ordered).
    @Test func rowsBAndBPlusBFormOnePair() throws {
        let model = try PairClassifier(EncoderTests.tinyConfiguration(mixer: "fourier"), classes: 3, sequenceLength: 6, seed: 3)
        let rows: [[Int]] = [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 1, 2], [3, 3, 2, 1, 4, 4], [6, 5, 4, 3, 2, 1]]
        func logits(_ order: [Int]) throws -> Tensor { try model.logits(TokenBatch(tokens: order.map { rows[$0] })) }
        let straight = try logits([0, 1, 2, 3])
        let reordered = try logits([1, 0, 3, 2])
        #expect(straight.shape == [2, 3])
        for k in 0..<3 {
            #expect(abs(straight[0, k] - reordered[1, k]) < 1e-6 && abs(straight[1, k] - reordered[0, k]) < 1e-6)
        }
        let swapped = try logits([2, 3, 0, 1])
        #expect((0..<3).contains { abs(straight[0, $0] - swapped[0, $0]) > 1e-6 })
    }

    @Test func badSettingsAndInputsSayWhatIsWrong() throws {
        let configuration = EncoderTests.tinyConfiguration(mixer: "fourier")
        #expect(throws: MixLabError.self) { try PairClassifier(configuration, classes: 1, sequenceLength: 6, seed: 1) }
        var narrow = configuration
        narrow.intermediateSize = 1
        #expect(throws: MixLabError.self) { try PairClassifier(narrow, classes: 2, sequenceLength: 6, seed: 1) }
        let model = try PairClassifier(configuration, classes: 2, sequenceLength: 6, seed: 1)
        let odd = try TokenBatch(tokens: [[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]])
        let error = #expect(throws: MixLabError.self) { try model.logits(odd) }
        #expect(error?.what.contains("3 rows") == true)
    }
}
