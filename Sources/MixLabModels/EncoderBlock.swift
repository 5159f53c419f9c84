import MixLabCore
import MixLabMixers

/// Where the layer norms sit in an encoder block.
public enum NormPlacement: String, Sendable, CaseIterable, Codable {
    /// BERT/FNet: `h = LN(x + Mix(x))`, `y = LN(h + FFN(h))`.
    case post
    /// The LRA Transformer: `a = x + Mix(LN(x))`, `y = a + FFN(LN(a))`.
    case pre
}

/// One encoder block: a mixing sublayer (any `TokenMixer`) and a feed-forward sublayer, with residual
/// connections and layer norms.
///
/// Post-LN (FNet, BERT; ANCHORS §1): `h = LN₁(x + Mix(x))`, `y = LN₂(h + Dropout(W₂·GELU(W₁·h + b₁) + b₂))`.
/// Pre-LN (LRA): `a = x + Mix(LN₁(x))`, `y = a + Dropout(W₂·GELU(W₁·LN₂(a) + b₁) + b₂)`.
/// No dropout on the mixing output (as in FNet). Parameter names follow HF FNet under `prefix`
/// (`fourier.output.LayerNorm`, `intermediate.dense`, `output.dense`, `output.LayerNorm`); the mixer's
/// parameters are named `prefix + "mixer." + name`.
/// Cost per example: the mixer's plus `4·T·H·F` flops for the feed-forward GEMMs.
public final class EncoderBlock: @unchecked Sendable {
    public let prefix: String
    public let mixer: any TokenMixer
    public let mixingNorm: LayerNorm
    public let intermediate: Dense
    public let output: Dense
    public let outputNorm: LayerNorm
    public let activation: GELU
    public let dropout: Dropout
    public let placement: NormPlacement

    /// What backward needs from one forward pass.
    public struct Cache: Sendable {
        let input: Tensor
        let mixerInput: Tensor
        let mixerResiduals: MixerResiduals
        let mixingNormCache: LayerNorm.Cache
        let feedForwardInput: Tensor
        let preActivation: Tensor
        let activated: Tensor
        let dropoutMask: Tensor?
        let outputNormCache: LayerNorm.Cache
    }

    /// A block of hidden size H and feed-forward size F around `mixer`.
    public init(
        prefix: String, mixer: any TokenMixer, hiddenSize: Int, intermediateSize: Int, activation: GELU = .tanh,
        dropout: Dropout, placement: NormPlacement = .post, layerNormEpsilon: Float = 1e-12, random: inout SeededRandom
    ) {
        self.prefix = prefix
        self.mixer = mixer
        self.activation = activation
        self.dropout = dropout
        self.placement = placement
        mixingNorm = LayerNorm(name: prefix + "fourier.output.LayerNorm", size: hiddenSize, epsilon: layerNormEpsilon)
        intermediate = Dense(name: prefix + "intermediate.dense", inputSize: hiddenSize, outputSize: intermediateSize, random: &random)
        output = Dense(name: prefix + "output.dense", inputSize: intermediateSize, outputSize: hiddenSize, random: &random)
        outputNorm = LayerNorm(name: prefix + "output.LayerNorm", size: hiddenSize, epsilon: layerNormEpsilon)
    }

    /// The block's parameters with their full names (mixer parameters prefixed by `mixer.`).
    public var namedParameters: [(name: String, parameter: Parameter)] {
        mixer.parameters.map { (prefix + "mixer." + $0.name, $0) }
            + (mixingNorm.parameters + intermediate.parameters + output.parameters + outputNorm.parameters).map { ($0.name, $0) }
    }

    /// Runs the block on `(B, T, H)` activations.
    public func forward(_ x: Tensor, context: MixerContext, random: inout SeededRandom) throws -> (output: Tensor, cache: Cache) {
        switch placement {
        case .post:
            let (mixed, residuals) = try mixer.forward(x, context: context)
            let (h, normCache1) = try mixingNorm.forward(Elementwise.add(x, mixed))
            let (y, preActivation, activated, mask) = try feedForward(h, training: context.isTraining, random: &random)
            let (out, normCache2) = try outputNorm.forward(Elementwise.add(h, y))
            return (out, Cache(input: x, mixerInput: x, mixerResiduals: residuals, mixingNormCache: normCache1,
                               feedForwardInput: h, preActivation: preActivation, activated: activated,
                               dropoutMask: mask, outputNormCache: normCache2))
        case .pre:
            let (n1, normCache1) = try mixingNorm.forward(x)
            let (mixed, residuals) = try mixer.forward(n1, context: context)
            let a = Elementwise.add(x, mixed)
            let (n2, normCache2) = try outputNorm.forward(a)
            let (y, preActivation, activated, mask) = try feedForward(n2, training: context.isTraining, random: &random)
            return (Elementwise.add(a, y), Cache(input: x, mixerInput: n1, mixerResiduals: residuals, mixingNormCache: normCache1,
                                 feedForwardInput: n2, preActivation: preActivation, activated: activated,
                                 dropoutMask: mask, outputNormCache: normCache2))
        }
    }

    private func feedForward(_ h: Tensor, training: Bool, random: inout SeededRandom)
        throws -> (Tensor, Tensor, Tensor, Tensor?)
    {
        let preActivation = try intermediate.forward(h)
        let activated = activation.forward(preActivation)
        let projected = try output.forward(activated)
        let mask = dropout.mask(shape: projected.shape, training: training, random: &random)
        return (Dropout.apply(projected, mask: mask), preActivation, activated, mask)
    }

    private func feedForwardBackward(_ dy: Tensor, cache: Cache) throws -> Tensor {
        let dProjected = Dropout.apply(dy, mask: cache.dropoutMask)
        let dActivated = try output.backward(dProjected, input: cache.activated)
        let dPre = activation.backward(dActivated, input: cache.preActivation)
        return try intermediate.backward(dPre, input: cache.feedForwardInput)
    }

    /// Adds every parameter's gradient and returns the gradient with respect to the block's input.
    public func backward(_ dy: Tensor, cache: Cache, context: MixerContext) throws -> Tensor {
        switch placement {
        case .post:
            let dSum = outputNorm.backward(dy, cache: cache.outputNormCache)
            let dh = Elementwise.add(dSum, try feedForwardBackward(dSum, cache: cache))
            let dResidual = mixingNorm.backward(dh, cache: cache.mixingNormCache)
            return Elementwise.add(dResidual, try mixer.backward(dResidual, residuals: cache.mixerResiduals, context: context))
        case .pre:
            let dn2 = try feedForwardBackward(dy, cache: cache)
            let da = Elementwise.add(dy, outputNorm.backward(dn2, cache: cache.outputNormCache))
            let dn1 = try mixer.backward(da, residuals: cache.mixerResiduals, context: context)
            return Elementwise.add(da, mixingNorm.backward(dn1, cache: cache.mixingNormCache))
        }
    }
}
