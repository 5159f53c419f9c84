import Foundation
import MixLab
import MixLabTestKit
import SmoothingMixer
import Testing

/// Registers the mixer in `MixerRegistry.shared` once for the whole test process (tests run in parallel).
private let registeredInShared: Void = {
    try! MixerRegistry.shared.register(ExponentialSmoothingMixer.registration)
}()

@Suite struct ExponentialSmoothingMixerTests {
    /// The contract every mixer meets: shapes, adjoint, gradients (of the input and of `decay_logit`),
    /// accumulation, the tridiagonal inverse, parameter round trip.
    @Test func passesTheConformanceKit() {
        let report = MixerConformance.check { _, c in try ExponentialSmoothingMixer(hiddenSize: c) }
        #expect(report.passed, "\(report)")
    }

    /// The same through the shared registry by name, with longer decays (a worse-conditioned inverse).
    @Test func passesTheKitByNameFromTheSharedRegistry() {
        _ = registeredInShared
        let configuration = MixerConfiguration(["timescale": "40"])
        let report = MixerConformance.check { t, c in
            try MixerRegistry.shared.make(
                ExponentialSmoothingMixer.name, configuration: configuration,
                context: MixerBuildContext(sequenceLength: t, hiddenSize: c))
        }
        #expect(report.passed, "\(report)")
        #expect(MixerRegistry.shared.names.contains(ExponentialSmoothingMixer.name))
    }

    @Test func matchesItsDenseReference() throws {
        let mixer = try ExponentialSmoothingMixer(hiddenSize: 5, timescale: 30)
        var random = SeededRandom(seed: 3)
        let x = Tensor.normal([2, 19, 5], using: &random)
        let fast = try mixer.forward(x, context: .inference).output.values
        let dense = try mixer.denseReference(x)
        let scale = dense.map(abs).max()!
        let error = zip(fast, dense).map { abs(Double($0) - $1) }.max()!
        #expect(error / scale < 1e-6)
    }

    /// Far from the ends, a cosine of frequency ω comes out scaled by the Poisson kernel
    /// `(1 − λ)²/(1 − 2λ·cos ω + λ²)`, and a decay near 0 leaves the input unchanged.
    @Test func filtersLikeThePoissonKernel() throws {
        let mixer = try ExponentialSmoothingMixer(hiddenSize: 1)
        let t = 200
        for (logit, frequency) in [(Float(0), 0.3), (2, 0.3), (2, 2.5), (-1, 1.0)] {
            mixer.decayLogit.value = try Tensor(shape: [1], values: [logit])
            let lambda = 1 / (1 + exp(-Double(logit)))
            let x = Tensor(shape: [1, t, 1]) { Float(cos(frequency * Double($0))) }
            let y = try mixer.forward(x, context: .inference).output
            let response = (1 - lambda) * (1 - lambda) / (1 - 2 * lambda * cos(frequency) + lambda * lambda)
            for i in 90..<110 {
                #expect(abs(Double(y[0, i, 0]) - response * cos(frequency * Double(i))) < 1e-4, "λ = \(lambda), ω = \(frequency), t = \(i)")
            }
        }
        mixer.decayLogit.value = try Tensor(shape: [1], values: [-30])
        var random = SeededRandom(seed: 4)
        let x = Tensor.normal([1, 7, 1], using: &random)
        #expect(try mixer.forward(x, context: .inference).output.maxAbsDifference(x) < 1e-6)
    }

    /// Registered by name, the mixer builds an encoder; a forward/backward step reaches `decay_logit` in
    /// every layer, and a few SGD steps on one batch lower the loss.
    @Test func trainsInsideAnEncoder() throws {
        _ = registeredInShared
        var configuration = EncoderConfiguration()
        configuration.vocabularySize = 11
        configuration.embeddingSize = 8
        configuration.hiddenSize = 8
        configuration.layers = 2
        configuration.intermediateSize = 16
        configuration.maxPositions = 8
        configuration.dropout = 0
        configuration.mixer = ExponentialSmoothingMixer.name
        configuration.mixerSettings = ["timescale": "4"]
        let model = try SequenceClassifier(configuration, classes: 2, sequenceLength: 8, seed: 1)
        let decays = model.namedParameters.filter { $0.name.hasSuffix("decay_logit") }
        #expect(decays.count == 2)
        let batch = try TokenBatch(tokens: [[1, 2, 3, 4, 5, 6, 7, 8], [8, 7, 6, 5, 4, 3, 2, 1]])
        let labels: [Int32] = [0, 1]
        let optimizer = try SGD(momentum: 0.9)
        var losses: [Float] = []
        for step in 0..<8 {
            var random = SeededRandom(seed: 2).derived(UInt64(step))
            model.zeroGradients()
            let result = try model.lossAndGradients(batch, labels: labels, training: true, random: &random)
            if step == 0 {
                for (name, parameter) in decays {
                    #expect(parameter.gradient.values.contains { $0 != 0 }, "\(name) received no gradient")
                }
            }
            losses.append(result.loss)
            optimizer.step(model.namedParameters, learningRate: 0.05)
        }
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(losses.last! < losses.first!, "\(losses)")
    }

    @Test func refusesBadSettingsWithTheirFix() throws {
        let registry = MixerRegistry()
        try registry.register(ExponentialSmoothingMixer.registration)
        let context = MixerBuildContext(sequenceLength: 8, hiddenSize: 4)
        for settings in [["timescale": "0"], ["timescale": "fast"], ["decay": "0.5"]] {
            #expect(throws: MixLabError.self) {
                try registry.make(ExponentialSmoothingMixer.name, configuration: MixerConfiguration(settings), context: context)
            }
        }
        #expect(throws: MixLabError.self) { try registry.make(ExponentialSmoothingMixer.name) }
        #expect(throws: MixLabError.self) { try ExponentialSmoothingMixer(hiddenSize: 0) }
        let mixer = try ExponentialSmoothingMixer(hiddenSize: 4)
        #expect(throws: MixLabError.self) { try mixer.forward(Tensor(zeros: [1, 8, 3]), context: .inference) }
    }
}
