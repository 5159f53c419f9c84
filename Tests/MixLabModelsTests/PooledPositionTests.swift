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

    static func model(_ mixer: String, _ placement: NormPlacement) throws -> SequenceClassifier {
        var configuration = EncoderTests.tinyConfiguration(mixer: mixer, placement: placement)
        configuration.mixerSettings = [:]
        let model = try SequenceClassifier(configuration, classes: 3, pooling: .first, sequenceLength: 8, seed: 21)
        var initialisation = SeededRandom(seed: 22)
        for (name, parameter) in model.namedParameters {
            let noise = Tensor.normal(parameter.value.shape, standardDeviation: 0.3, using: &initialisation)
            parameter.value = name.hasSuffix("LayerNorm.weight") ? Tensor(shape: noise.shape, repeating: 1) + noise : noise
        }
        return model
    }

    @Test(arguments: MixerRegistry.shared.names, NormPlacement.allCases)
    func thePooledPositionAloneGivesTheSameLossAndGradients(_ mixer: String, _ placement: NormPlacement) throws {
        let model = try Self.model(mixer, placement)
        let labels: [Int32] = [1, 2]
        var results: [(logits: Tensor, inference: Tensor, loss: Float, gradients: [Tensor])] = []
        for pooledOnly in [false, true] {
            model.computesOnlyPooledPosition = pooledOnly
            model.zeroGradients()
            var random = SeededRandom(seed: 0)
            let (logits, _) = try model.logits(Self.batch, training: true, random: &random)
            var lossRandom = SeededRandom(seed: 0)
            let loss = try model.lossAndGradients(Self.batch, labels: labels, training: true, random: &lossRandom).loss
            results.append((logits, try model.logits(Self.batch), loss, model.namedParameters.map(\.parameter.gradient)))
        }
        let (all, pooled) = (results[0], results[1])
        #expect(pooled.logits.maxAbsDifference(all.logits) <= 1e-5 * max(all.logits.maxAbs, 1), "\(mixer) \(placement)")
        #expect(pooled.inference.maxAbsDifference(all.inference) <= 1e-5 * max(all.inference.maxAbs, 1))
        #expect(abs(pooled.loss - all.loss) <= 1e-5 * max(abs(all.loss), 1))
        for (index, (name, _)) in model.namedParameters.enumerated() {
            let scale = max(all.gradients[index].maxAbs, 1e-3)
            #expect(pooled.gradients[index].maxAbsDifference(all.gradients[index]) <= 1e-4 * scale,
                    "\(mixer) \(placement): \(name)")
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
