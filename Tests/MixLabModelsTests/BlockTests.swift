import MixLabCore
import MixLabMixers
@testable import MixLabModels
import Testing

@Suite struct BlockTests {
    /// Without dropout in evaluation mode, and with dropout in training mode (every forward pass draws the
    /// same mask from the same seed, so the loss is a fixed function of the input and the parameters).
    @Test(arguments: ["fourier", "identity"], NormPlacement.allCases)
    func blockGradientsMatchFiniteDifferences(_ mixerName: String, _ placement: NormPlacement) throws {
        for probability: Float in [0, 0.3] {
            var random = SeededRandom(seed: 3)
            let mixer = try MixerRegistry.shared.make(mixerName, configuration: MixerConfiguration(mixerName == "fourier" ? ["norm": "ortho"] : [:]))
            let block = EncoderBlock(prefix: "b.", mixer: mixer, hiddenSize: 8, intermediateSize: 12,
                                     dropout: try Dropout(probability: probability), placement: placement,
                                     layerNormEpsilon: 1e-5, random: &random)
            let x = Tensor.normal([2, 6, 8], using: &random)
            let g = Tensor.normal([2, 6, 8], using: &random)
            let context = probability > 0 ? MixerContext.training : MixerContext.inference
            func forward(_ input: Tensor) throws -> (output: Tensor, cache: EncoderBlock.Cache) {
                var r = SeededRandom(seed: 0)
                return try block.forward(input, context: context, random: &r)
            }
            let cache = try forward(x).cache
            #expect((cache.dropoutMask != nil) == (probability > 0))
            let dx = try block.backward(g, cache: cache, context: context)
            var check = GradientCheck(seed: 1, step: 1e-2)
            func loss(_ input: Tensor) throws -> Double { try forward(input).output.dot(g) }
            let inputError = try check.worstError(at: x, analytic: dx, loss)
            #expect(inputError < 2e-2, "\(mixerName) \(placement) p = \(probability): input gradient relative error \(inputError)")
            for (name, parameter) in block.namedParameters {
                let error = try check.worstError(of: parameter) { try loss(x) }
                #expect(error < 2e-2, "\(mixerName) \(placement) p = \(probability): \(name) relative error \(error)")
            }
        }
    }

    /// The inference path (no caches, activation in place) gives the training path's evaluation output.
    @Test(arguments: ["fourier", "attention"], NormPlacement.allCases)
    func forwardWithoutCacheGivesTheSameOutput(_ mixerName: String, _ placement: NormPlacement) throws {
        var random = SeededRandom(seed: 4)
        let mixer = try MixerRegistry.shared.make(
            mixerName, configuration: MixerConfiguration(mixerName == "attention" ? ["heads": "2"] : [:]),
            context: MixerBuildContext(sequenceLength: 6, hiddenSize: 8, random: SeededRandom(seed: 1)))
        let block = EncoderBlock(prefix: "b.", mixer: mixer, hiddenSize: 8, intermediateSize: 12, dropout: try Dropout(probability: 0.1),
                                 placement: placement, random: &random)
        let x = Tensor.normal([3, 6, 8], using: &random)
        var r1 = SeededRandom(seed: 0), r2 = SeededRandom(seed: 0)
        let (kept, cache) = try block.forward(x, context: .inference, keepsCache: true, random: &r1)
        let (plain, none) = try block.forward(x, context: .inference, keepsCache: false, random: &r2)
        #expect(cache != nil && none == nil)
        #expect(plain == kept)
    }

    /// With more rows than one chunk, inference runs the feed-forward layers a chunk of rows at a time,
    /// partial last chunk included, and still gives the cached pass's output (to rounding: the GEMMs are
    /// split differently).
    @Test(arguments: NormPlacement.allCases)
    func chunkedInferenceFeedForwardGivesTheSameOutput(_ placement: NormPlacement) throws {
        var random = SeededRandom(seed: 5)
        let (length, hidden) = (20, 8)
        let mixer = try MixerRegistry.shared.make(
            "fourier", configuration: MixerConfiguration([:]), context: MixerBuildContext(sequenceLength: length, hiddenSize: hidden))
        let block = EncoderBlock(prefix: "b.", mixer: mixer, hiddenSize: hidden, intermediateSize: 12,
                                 dropout: try Dropout(probability: 0.1), placement: placement, random: &random)
        #expect(block.inferenceChunkRows == 1 << 21 / 12)
        block.inferenceChunkRows = 16  // 60 rows: chunks of 16, 16, 16 and 12
        let x = Tensor.normal([3, length, hidden], using: &random)
        var r1 = SeededRandom(seed: 0), r2 = SeededRandom(seed: 0)
        let kept = try block.forward(x, context: .inference, keepsCache: true, random: &r1).output
        let chunked = try block.forward(x, context: .inference, keepsCache: false, random: &r2).output
        let difference = zip(kept.values, chunked.values).map { abs($0 - $1) }.max() ?? 0
        #expect(difference <= 1e-4, "largest difference \(difference)")
    }
}
