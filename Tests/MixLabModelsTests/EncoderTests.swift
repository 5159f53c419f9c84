import MixLabCore
import MixLabMixers
@testable import MixLabModels
import Testing

@Suite struct EncoderTests {
    static func tinyConfiguration(mixer: String, placement: NormPlacement = .post) -> EncoderConfiguration {
        var configuration = EncoderConfiguration()
        configuration.vocabularySize = 11
        configuration.embeddingSize = 6
        configuration.hiddenSize = 8
        configuration.layers = 2
        configuration.intermediateSize = 12
        configuration.maxPositions = 16
        configuration.mixer = mixer
        if mixer == "fourier" { configuration.mixerSettings = ["norm": "ortho"] }
        configuration.normPlacement = placement
        configuration.dropout = 0
        configuration.layerNormEpsilon = 1e-5
        return configuration
    }

    static let batch = try! TokenBatch(tokens: [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 0, 0]],
                                       tokenTypes: [[0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 0, 0]],
                                       paddingMask: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]])

    /// Whole-model gradient check: every parameter against central differences of the loss (with
    /// `first` pooling through the last block's pooled-position pass, attention's included).
    @Test(arguments: ["fourier", "identity", "attention"], NormPlacement.allCases)
    func everyParameterGradientMatchesFiniteDifferences(_ mixer: String, _ placement: NormPlacement) throws {
        for pooling in Pooling.allCases { try checkGradients(mixer, placement, pooling) }
    }

    func checkGradients(_ mixer: String, _ placement: NormPlacement, _ pooling: Pooling) throws {
        let model = try SequenceClassifier(Self.tinyConfiguration(mixer: mixer, placement: placement), classes: 3,
                                           pooling: pooling, sequenceLength: 6, seed: 5)
        let labels: [Int32] = [2, 0]
        // FNet's initialisation (σ = 0.02) makes every gradient ~1e-5, below what Float32 central
        // differences resolve; larger weights give O(1) gradients that the check can see.
        var initialisation = SeededRandom(seed: 77)
        for (name, parameter) in model.namedParameters {
            let noise = Tensor.normal(parameter.value.shape, standardDeviation: 0.3, using: &initialisation)
            parameter.value = name.hasSuffix("LayerNorm.weight") ? Tensor(shape: noise.shape, repeating: 1) + noise : noise
        }
        var random = SeededRandom(seed: 0)
        model.zeroGradients()
        _ = try model.lossAndGradients(Self.batch, labels: labels, training: false, random: &random)
        var check = GradientCheck(seed: 9, step: 1e-2)
        for (name, parameter) in model.namedParameters {
            let error = try check.worstError(of: parameter) {
                var r = SeededRandom(seed: 0)
                let (logits, _) = try model.logits(Self.batch, training: false, random: &r)
                return Double(try model.loss.evaluate(logits: logits, labels: labels).loss)
            }
            #expect(error < 3e-2, "\(mixer), \(placement), \(pooling): \(name): relative error \(error)")
        }
    }

    /// Inference without caches gives the evaluation-mode forward pass's values, bit for bit.
    @Test(arguments: ["fourier", "attention"], NormPlacement.allCases)
    func cacheFreeInferenceMatchesTheEvaluationForwardPass(_ mixer: String, _ placement: NormPlacement) throws {
        var configuration = Self.tinyConfiguration(mixer: mixer, placement: placement)
        configuration.dropout = 0.1
        let model = try SequenceClassifier(configuration, classes: 3, sequenceLength: 6, seed: 2)
        var random = SeededRandom(seed: 0)
        let (hidden, _) = try model.encoder.forward(Self.batch, training: false, random: &random)
        #expect(try model.encoder.hiddenStates(Self.batch) == hidden)
        let (logits, _) = try model.logits(Self.batch, training: false, random: &random)
        #expect(try model.logits(Self.batch) == logits)
    }

    @Test func parameterNamesFollowTheHuggingFaceLayout() throws {
        let model = try SequenceClassifier(Self.tinyConfiguration(mixer: "fourier"), classes: 2, sequenceLength: 6, seed: 1)
        let names = model.namedParameters.map(\.name)
        #expect(Set(names).count == names.count)
        for expected in [
            "fnet.embeddings.word_embeddings.weight", "fnet.embeddings.position_embeddings.weight",
            "fnet.embeddings.token_type_embeddings.weight", "fnet.embeddings.LayerNorm.weight",
            "fnet.embeddings.projection.weight", "fnet.encoder.layer.1.fourier.output.LayerNorm.bias",
            "fnet.encoder.layer.0.intermediate.dense.weight", "fnet.encoder.layer.0.output.dense.bias",
            "fnet.encoder.layer.1.output.LayerNorm.weight", "fnet.pooler.dense.weight", "classifier.weight",
        ] {
            #expect(names.contains(expected), "missing \(expected)")
        }
        #expect(model.encoder.blocks[0].intermediate.weight.value.shape == [12, 8])
    }

    @Test func sameSeedSameModelAndLosses() throws {
        func losses() throws -> [Float] {
            var configuration = Self.tinyConfiguration(mixer: "fourier")
            configuration.dropout = 0.1
            let model = try SequenceClassifier(configuration, classes: 3, sequenceLength: 6, seed: 42)
            var random = SeededRandom(seed: 1)
            return try (0..<3).map { _ in try model.lossAndGradients(Self.batch, labels: [1, 2], training: true, random: &random).loss }
        }
        let first = try losses()
        #expect(first == (try losses()))
        #expect(Set(first).count > 1, "dropout draws differ between steps")
    }

    @Test func badConfigurationsAndInputsSayWhatIsWrong() throws {
        var configuration = Self.tinyConfiguration(mixer: "fourier")
        configuration.hiddenSize = 0
        #expect { try Encoder(configuration, sequenceLength: 6, seed: 1) } throws: { error in
            (error as? MixLabError)?.what.contains("hiddenSize = 0") == true
        }
        configuration = Self.tinyConfiguration(mixer: "fourir")
        #expect { try Encoder(configuration, sequenceLength: 6, seed: 1) } throws: { error in
            (error as? MixLabError)?.code == .unknownMixer
        }
        configuration = Self.tinyConfiguration(mixer: "fourier")
        configuration.attentionLayers = 3
        #expect(throws: MixLabError.self) { try Encoder(configuration, sequenceLength: 6, seed: 1) }
        configuration = Self.tinyConfiguration(mixer: "fourier")
        #expect { try Encoder(configuration, sequenceLength: 17, seed: 1) } throws: { error in
            (error as? MixLabError)?.fix.contains("maxPositions") == true
        }
        let encoder = try Encoder(Self.tinyConfiguration(mixer: "fourier"), sequenceLength: 6, seed: 1)
        var random = SeededRandom(seed: 0)
        let outOfVocabulary = try TokenBatch(tokens: [[1, 2, 11]])
        #expect { try encoder.forward(outOfVocabulary, training: false, random: &random) } throws: { error in
            (error as? MixLabError)?.what.contains("token id 11 at [b, t] = [0, 2]") == true
        }
        #expect(throws: MixLabError.self) { try TokenBatch(tokens: [[1, 2], [3]]) }
        #expect(throws: MixLabError.self) { try SequenceClassifier(Self.tinyConfiguration(mixer: "fourier"), classes: 1, sequenceLength: 6, seed: 1) }
    }
}

/// The whole-model gradient check with every registered mixer in turn (T = C = 8 so that the
/// power-of-two transforms accept the shapes).
@Suite struct EveryMixerGradientTests {
    static let batch = try! TokenBatch(tokens: [[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 1, 2, 3, 0, 0, 0]],
                                       paddingMask: [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0, 0]])

    @Test(arguments: MixerRegistry.shared.names)
    func everyParameterGradientMatchesFiniteDifferences(_ mixer: String) throws {
        var configuration = EncoderTests.tinyConfiguration(mixer: mixer)
        configuration.mixerSettings = [:]
        configuration.embeddingSize = 8
        let model = try SequenceClassifier(configuration, classes: 3, pooling: .mean, sequenceLength: 8, seed: 12)
        var initialisation = SeededRandom(seed: 13)
        for (name, parameter) in model.namedParameters {
            let noise = Tensor.normal(parameter.value.shape, standardDeviation: 0.3, using: &initialisation)
            parameter.value = name.hasSuffix("LayerNorm.weight") ? Tensor(shape: noise.shape, repeating: 1) + noise : noise
        }
        let labels: [Int32] = [1, 2]
        var random = SeededRandom(seed: 0)
        model.zeroGradients()
        _ = try model.lossAndGradients(Self.batch, labels: labels, training: false, random: &random)
        var check = GradientCheck(seed: 14)
        for (name, parameter) in model.namedParameters {
            let error = try check.worstError(of: parameter) {
                var r = SeededRandom(seed: 0)
                let (logits, _) = try model.logits(Self.batch, training: false, random: &r)
                return Double(try model.loss.evaluate(logits: logits, labels: labels).loss)
            }
            #expect(error < 3e-2, "\(mixer): \(name): relative error \(error)")
        }
    }
}
