import MixLabCore
import MixLabMixers
@testable import MixLabModels
import Testing

@Suite struct BlockTests {
    @Test(arguments: ["fourier", "identity"], NormPlacement.allCases)
    func blockGradientsMatchFiniteDifferences(_ mixerName: String, _ placement: NormPlacement) throws {
        var random = SeededRandom(seed: 3)
        let mixer = try MixerRegistry.shared.make(mixerName, configuration: MixerConfiguration(mixerName == "fourier" ? ["norm": "ortho"] : [:]))
        let block = EncoderBlock(prefix: "b.", mixer: mixer, hiddenSize: 8, intermediateSize: 12, dropout: try Dropout(probability: 0),
                                 placement: placement, layerNormEpsilon: 1e-5, random: &random)
        let x = Tensor.normal([2, 6, 8], using: &random)
        let g = Tensor.normal([2, 6, 8], using: &random)
        let context = MixerContext.inference
        let (_, cache) = try block.forward(x, context: context, random: &random)
        let dx = try block.backward(g, cache: cache, context: context)
        var check = GradientCheck(seed: 1, step: 1e-2)
        func loss(_ input: Tensor) throws -> Double {
            var r = SeededRandom(seed: 0)
            return try block.forward(input, context: context, random: &r).output.dot(g)
        }
        let inputError = try check.worstError(at: x, analytic: dx, loss)
        #expect(inputError < 2e-2, "\(mixerName) \(placement): input gradient relative error \(inputError)")
        for (name, parameter) in block.namedParameters {
            let error = try check.worstError(of: parameter) { try loss(x) }
            #expect(error < 2e-2, "\(mixerName) \(placement): \(name) relative error \(error)")
        }
    }
}
