import MixLabCore
import MixLabMixers
@testable import MixLabModels
import Testing

/// A classifier pooling the first token computes only that position in its last block
/// (`SequenceClassifier.computesOnlyPooledPosition`): the same logits, loss and gradients as computing
/// every position, for every mixer and both layer-norm placements.
@Suite struct PooledPositionTests {
    static let batch = try! TokenBatch(tokens: [[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 1, 2, 3, 0, 0, 0]],
                                       paddingMask: [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0, 0]])

    static func model(_ mixer: String, _ placement: NormPlacement, dropout: Float = 0.2, length: Int = 8) throws
        -> SequenceClassifier
    {
        var configuration = EncoderTests.tinyConfiguration(mixer: mixer, placement: placement)
        configuration.mixerSettings = [:]
        configuration.dropout = dropout
        let model = try SequenceClassifier(configuration, classes: 3, pooling: .first, sequenceLength: length, seed: 21)
        var initialisation = SeededRandom(seed: 22)
        for (name, parameter) in model.namedParameters {
            let noise = Tensor.normal(parameter.value.shape, standardDeviation: 0.3, using: &initialisation)
            parameter.value = name.hasSuffix("LayerNorm.weight") ? Tensor(shape: noise.shape, repeating: 1) + noise : noise
        }
        return model
    }

    /// In training with dropout (the pooled pass drops exactly what the full pass drops at position 0).
    @Test(arguments: MixerRegistry.shared.names, NormPlacement.allCases)
    func thePooledPositionAloneGivesTheSameLossAndGradients(_ mixer: String, _ placement: NormPlacement) throws {
        try Self.comparePaths(try Self.model(mixer, placement), batch: Self.batch, "\(mixer) \(placement)")
    }

    /// One token per example, and an example whose every token is padding.
    @Test(arguments: ["attention", "fourier"])
    func oneTokenAndFullyPaddedExamples(_ mixer: String) throws {
        let single = try TokenBatch(tokens: [[3], [4]])
        try Self.comparePaths(try Self.model(mixer, .post, length: 1), batch: single, "\(mixer), T = 1")
        let padded = try TokenBatch(tokens: [[1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 0, 0, 0, 0]],
                                    paddingMask: [[1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0]])
        try Self.comparePaths(try Self.model(mixer, .pre), batch: padded, "\(mixer), a fully padded example")
    }

    /// Logits (training and inference), loss and every gradient with and without the pooled-only path.
    static func comparePaths(_ model: SequenceClassifier, batch: TokenBatch, _ label: String) throws {
        let labels: [Int32] = [1, 2]
        var results: [(logits: Tensor, inference: Tensor, loss: Float, gradients: [Tensor])] = []
        for pooledOnly in [false, true] {
            model.computesOnlyPooledPosition = pooledOnly
            model.zeroGradients()
            var random = SeededRandom(seed: 0)
            let (logits, cache) = try model.logits(batch, training: true, random: &random)
            #expect(cache.head.hiddenShape == [2, pooledOnly ? 1 : batch.sequenceLength, 8], "\(label): the path taken")
            var lossRandom = SeededRandom(seed: 0)
            let loss = try model.lossAndGradients(batch, labels: labels, training: true, random: &lossRandom).loss
            results.append((logits, try model.logits(batch), loss, model.namedParameters.map(\.parameter.gradient)))
        }
        let (all, pooled) = (results[0], results[1])
        #expect(pooled.logits.maxAbsDifference(all.logits) <= 1e-5 * max(all.logits.maxAbs, 1), "\(label)")
        #expect(pooled.inference.maxAbsDifference(all.inference) <= 1e-5 * max(all.inference.maxAbs, 1))
        #expect(abs(pooled.loss - all.loss) <= 1e-5 * max(abs(all.loss), 1))
        for (index, (name, _)) in model.namedParameters.enumerated() {
            let scale = max(all.gradients[index].maxAbs, 1e-3)
            #expect(pooled.gradients[index].maxAbsDifference(all.gradients[index]) <= 1e-4 * scale,
                    "\(label): \(name)")
        }
    }

    /// A block asked for its first N positions (N = 1, 2, T) gives the full block's first N outputs,
    /// and its backward the full backward of the zero-padded gradient, with dropout on.
    @Test(arguments: ["attention", "fourier", "identity"], NormPlacement.allCases)
    func aBlockComputesItsFirstPositions(_ mixerName: String, _ placement: NormPlacement) throws {
        var random = SeededRandom(seed: 5)
        let mixer = try MixerRegistry.shared.make(
            mixerName, configuration: MixerConfiguration(mixerName == "attention" ? ["heads": "2"] : [:]),
            context: MixerBuildContext(sequenceLength: 6, hiddenSize: 8, random: SeededRandom(seed: 6)))
        let block = EncoderBlock(prefix: "b.", mixer: mixer, hiddenSize: 8, intermediateSize: 12,
                                 dropout: try Dropout(probability: 0.3), placement: placement,
                                 layerNormEpsilon: 1e-5, random: &random)
        let x = Tensor.normal([2, 6, 8], using: &random)
        for positions in [1, 2, 6] {
            let g = Tensor.normal([2, positions, 8], using: &random)
            var (r1, r2) = (SeededRandom(seed: 0), SeededRandom(seed: 0))
            let (full, fullCache) = try block.forward(x, context: .training, random: &r1)
            let (partial, cache) = try block.forward(x, context: .training, firstPositions: positions, random: &r2)
            #expect(partial.maxAbsDifference(full.firstPositions(positions)) <= 1e-5 * full.maxAbs, "N = \(positions)")
            for (_, parameter) in block.namedParameters { parameter.zeroGradient() }
            let dx = try block.backward(g, cache: cache, context: .training)
            let partialGradients = block.namedParameters.map(\.parameter.gradient)
            for (_, parameter) in block.namedParameters { parameter.zeroGradient() }
            let fullDx = try block.backward(g.padded(toPositions: 6), cache: fullCache, context: .training)
            #expect(dx.maxAbsDifference(fullDx) <= 1e-5 * fullDx.maxAbs, "\(mixerName) \(placement) N = \(positions)")
            for (index, (name, parameter)) in block.namedParameters.enumerated() {
                #expect(partialGradients[index].maxAbsDifference(parameter.gradient) <= 1e-4 * max(parameter.gradient.maxAbs, 1e-3),
                        "\(mixerName) \(placement) N = \(positions): \(name)")
            }
        }
    }

    @Test func meanPoolingReadsEveryPosition() throws {
        var configuration = EncoderTests.tinyConfiguration(mixer: "fourier")
        configuration.mixerSettings = [:]
        let model = try SequenceClassifier(configuration, classes: 3, pooling: .mean, sequenceLength: 8, seed: 21)
        var random = SeededRandom(seed: 0)
        let (_, cache) = try model.logits(Self.batch, training: true, random: &random)
        #expect(cache.head.hiddenShape == [2, 8, 8])
    }

    @Test func firstPositionsOutsideTheSequenceAreTypedErrors() throws {
        let model = try Self.model("attention", .post)
        var random = SeededRandom(seed: 0)
        for positions in [0, 9] {
            #expect { try model.encoder.forward(Self.batch, training: false, firstPositions: positions, random: &random) } throws: { error in
                (error as? MixLabError)?.code == .invalidArgument && "\(error)".contains("\(positions) first positions")
            }
            #expect(throws: MixLabError.self) { try model.encoder.hiddenStates(Self.batch, firstPositions: positions) }
        }
        let (hidden, cache) = try model.encoder.forward(Self.batch, training: false, firstPositions: 2, random: &random)
        #expect(hidden.shape == [2, 2, 8])
        #expect(throws: MixLabError.self) { try model.encoder.backward(Tensor(zeros: [2, 8, 8]), cache: cache) }
    }
}
