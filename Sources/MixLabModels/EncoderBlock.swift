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
/// Post-LN (FNet, BERT): `h = LN₁(x + Mix(x))`, `y = LN₂(h + Dropout(W₂·GELU(W₁·h + b₁) + b₂))`.
/// Pre-LN (LRA): `a = x + Mix(LN₁(x))`, `y = a + Dropout(W₂·GELU(W₁·LN₂(a) + b₁) + b₂)`.
/// No dropout on the mixing output (as in FNet). Parameter names follow HF FNet under `prefix`
/// (`fourier.output.LayerNorm`, `intermediate.dense`, `output.dense`, `output.LayerNorm`); the mixer's
/// parameters are named `prefix + "mixer." + name`.
/// Cost per example: the mixer's plus `4·T·H·F` flops for the feed-forward GEMMs forward (`8·T·H·F`
/// backward). The residual sums, dropout and bias gradients are fused into the LayerNorm, GELU and GEMM
/// passes (see `forward(_:context:firstPositions:keepsCache:random:)` and `backward`): a post-LN block
/// makes six passes over its activations forward and four backward besides the mixer and the GEMMs.
///
/// First positions only: when only the first N positions of the output are read (the last block under
/// a classifier that pools the first token), the block computes only those: the mixer reads every
/// position but returns N (`FirstPositionsMixer`, or its full output cut to N), and the residual sum,
/// the layer norms and the feed-forward layers run on `(B, N, H)`; dropout keeps the values the full
/// pass's mask keeps at those positions (`Dropout.mask(shape:firstPositions:training:random:)`). The
/// output is `Y[:, 0..<N, :]` of the full block up to rounding, and backward returns the gradient with
/// respect to the whole input; the feed-forward cost falls by a factor `T / N`.
public final class EncoderBlock: @unchecked Sendable {
    /// The prefix of the block's parameter names, e.g. `fnet.encoder.layer.0.`.
    public let prefix: String
    /// The mixing sublayer's token mixer; its parameters are named `prefix` + `mixer.` + name.
    public let mixer: any TokenMixer
    /// LN₁, the LayerNorm of the mixing sublayer (`fourier.output.LayerNorm`).
    public let mixingNorm: LayerNorm
    /// W₁ and b₁: the first feed-forward layer, `Dense(H → F)` (`intermediate.dense`).
    public let intermediate: Dense
    /// W₂ and b₂: the second feed-forward layer, `Dense(F → H)` (`output.dense`).
    public let output: Dense
    /// LN₂, the LayerNorm of the feed-forward sublayer (`output.LayerNorm`).
    public let outputNorm: LayerNorm
    /// The GELU form between the two feed-forward layers.
    public let activation: GELU
    /// Dropout on the feed-forward output (there is none on the mixing output).
    public let dropout: Dropout
    /// Where the layer norms sit: post-LN (FNet, BERT) or pre-LN (LRA).
    public let placement: NormPlacement
    /// Rows of the feed-forward layers an inference pass runs at once: `inferenceChunkFloats / F`, at
    /// least 256 so that the GEMMs stay efficient. Tests lower it to reach several chunks on small
    /// shapes; it is never changed while the block runs.
    var inferenceChunkRows: Int

    /// What backward needs from one forward pass.
    public struct Cache: Sendable {
        let input: Tensor
        /// N when the pass computed only the first N positions; nil for all of them.
        let firstPositions: Int?
        let mixerInput: Tensor
        let mixerResiduals: MixerResiduals
        let mixingNormCache: LayerNorm.Cache
        let feedForwardInput: Tensor
        /// `gelu′` at the pre-activation (`GELU.activate`), so backward evaluates no transcendental.
        let activationDerivative: Tensor
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
        inferenceChunkRows = max(256, Self.inferenceChunkFloats / intermediateSize)
    }

    /// The block's parameters with their full names (mixer parameters prefixed by `mixer.`).
    public var namedParameters: [(name: String, parameter: Parameter)] {
        mixer.parameters.map { (prefix + "mixer." + $0.name, $0) }
            + (mixingNorm.parameters + intermediate.parameters + output.parameters + outputNorm.parameters).map { ($0.name, $0) }
    }

    /// Runs the block on `(B, T, H)` activations; with `firstPositions` N, computes only the first N
    /// positions of the output, `(B, N, H)`.
    ///
    /// - Throws: the mixer's errors, and `MixLabError.invalidArgument` when N is not in `1 ... T`.
    public func forward(_ x: Tensor, context: MixerContext, firstPositions: Int? = nil, random: inout SeededRandom) throws
        -> (output: Tensor, cache: Cache)
    {
        let (output, cache) = try forward(x, context: context, firstPositions: firstPositions, keepsCache: true, random: &random)
        return (output, cache!)
    }

    /// Runs the block, keeping what backward needs only when `keepsCache` is set (inference keeps
    /// nothing: the activation is applied in place and no LayerNorm keeps its normalised input).
    ///
    /// Passes over the `(B·T, ·)` activations (`(B·N, ·)` after the mixer with `firstPositions`),
    /// post-LN: the mixer; one fused residual sum + LayerNorm; the first GEMM onto its bias; GELU in
    /// place (writing `gelu′` beside it in training); the second GEMM onto its bias; the dropout mask;
    /// one fused `LN(h + mask ⊙ y)`.
    func forward(
        _ x: Tensor, context: MixerContext, firstPositions: Int? = nil, keepsCache: Bool, random: inout SeededRandom
    ) throws -> (output: Tensor, cache: Cache?) {
        if let firstPositions {
            guard x.rank == 3, firstPositions >= 1, firstPositions <= x.shape[1] else {
                throw MixLabError(
                    .invalidArgument, what: "\(firstPositions) first positions of an input of shape \(Shape.describe(x.shape))",
                    location: "\(prefix) block", fix: "ask for 1 ... T positions of a (B, T, H) input")
            }
        }
        let residualInput = firstPositions.map { x.firstPositions($0) } ?? x
        switch placement {
        case .post:
            let (mixed, residuals) = try mix(x, firstPositions: firstPositions, context: context)
            let (h, normCache1) = try mixingNorm.forward(residualInput, adding: mixed, mask: nil, keepsCache: keepsCache)
            let (projected, activated, derivative) = try feedForward(h, keepsCache: keepsCache)
            let mask = dropoutMask(projected, input: x, firstPositions: firstPositions, context: context, random: &random)
            let (out, normCache2) = try outputNorm.forward(h, adding: projected, mask: mask, keepsCache: keepsCache)
            guard keepsCache, let normCache1, let normCache2, let derivative else { return (out, nil) }
            return (out, Cache(input: x, firstPositions: firstPositions, mixerInput: x, mixerResiduals: residuals,
                               mixingNormCache: normCache1,
                               feedForwardInput: h, activationDerivative: derivative, activated: activated,
                               dropoutMask: mask, outputNormCache: normCache2))
        case .pre:
            let (n1, normCache1) = try mixingNorm.forward(x, adding: nil, mask: nil, keepsCache: keepsCache)
            let (mixed, residuals) = try mix(n1, firstPositions: firstPositions, context: context)
            let a = Elementwise.add(residualInput, mixed)
            let (n2, normCache2) = try outputNorm.forward(a, adding: nil, mask: nil, keepsCache: keepsCache)
            let (projected, activated, derivative) = try feedForward(n2, keepsCache: keepsCache)
            let mask = dropoutMask(projected, input: x, firstPositions: firstPositions, context: context, random: &random)
            let out = Elementwise.add(a, projected, mask: mask)
            guard keepsCache, let normCache1, let normCache2, let derivative else { return (out, nil) }
            return (out, Cache(input: x, firstPositions: firstPositions, mixerInput: n1, mixerResiduals: residuals,
                               mixingNormCache: normCache1,
                               feedForwardInput: n2, activationDerivative: derivative, activated: activated,
                               dropoutMask: mask, outputNormCache: normCache2))
        }
    }

    /// The dropout mask of the feed-forward output: with `firstPositions`, the first N positions of the
    /// mask the full pass would draw (so both passes drop the same values).
    private func dropoutMask(
        _ projected: Tensor, input: Tensor, firstPositions: Int?, context: MixerContext, random: inout SeededRandom
    ) -> Tensor? {
        guard let firstPositions else {
            return dropout.mask(shape: projected.shape, training: context.isTraining, random: &random)
        }
        let fullShape = [input.shape[0], input.shape[1], projected.shape[2]]
        return dropout.mask(shape: fullShape, firstPositions: firstPositions, training: context.isTraining, random: &random)
    }

    /// The mixer's output at every position, or at the first N: by the mixer's own partial pass when it
    /// is a `FirstPositionsMixer`, otherwise its whole output cut to N.
    private func mix(_ input: Tensor, firstPositions: Int?, context: MixerContext) throws
        -> (output: Tensor, residuals: MixerResiduals)
    {
        guard let firstPositions else { return try mixer.forward(input, context: context) }
        if let partial = mixer as? any FirstPositionsMixer {
            return try partial.forward(input, firstPositions: firstPositions, context: context)
        }
        let (output, residuals) = try mixer.forward(input, context: context)
        return (output.firstPositions(firstPositions), residuals)
    }

    /// The mixer's input gradient `(B, T, H)` for the gradient of the positions `mix` returned.
    private func mixBackward(_ gradient: Tensor, cache: Cache, context: MixerContext) throws -> Tensor {
        guard cache.firstPositions != nil else {
            return try mixer.backward(gradient, residuals: cache.mixerResiduals, context: context)
        }
        if let partial = mixer as? any FirstPositionsMixer {
            return try partial.backward(firstPositions: gradient, residuals: cache.mixerResiduals, context: context)
        }
        return try mixer.backward(
            gradient.padded(toPositions: cache.input.shape[1]), residuals: cache.mixerResiduals, context: context)
    }

    /// `W₂·GELU(W₁·h + b₁) + b₂` (before dropout), the activations, and `gelu′` when kept.
    ///
    /// Without a cache (inference) the activations are not needed afterwards, so the rows go through in
    /// chunks of `inferenceChunkRows`: the `(B·T, F)` activations, the largest tensor of the block, never
    /// exist whole (128 MiB at B·T = 65536, F = 512; 8 MiB per chunk). The returned activations are
    /// then empty.
    private func feedForward(_ h: Tensor, keepsCache: Bool) throws -> (projected: Tensor, activated: Tensor, derivative: Tensor?) {
        let rows = h.count / intermediate.inputSize
        let chunkRows = inferenceChunkRows
        guard !keepsCache, rows > chunkRows else {
            var activated = try intermediate.forward(h)
            let derivative = activation.activate(&activated, keepingDerivative: keepsCache)
            return (try output.forward(activated), activated, derivative)
        }
        var projected = Tensor(uninitialized: Array(h.shape.dropLast()) + [output.outputSize])
        for start in stride(from: 0, to: rows, by: chunkRows) {
            let chunk = start..<min(rows, start + chunkRows)
            var activated = try intermediate.forward(h.rows(chunk, width: intermediate.inputSize))
            _ = activation.activate(&activated, keepingDerivative: false)
            projected.replaceRows(startingAt: chunk.lowerBound, with: try output.forward(activated))
        }
        return (projected, Tensor(zeros: [0]), nil)
    }

    /// Floats of feed-forward activations an inference pass holds at once (8 MiB).
    static let inferenceChunkFloats = 1 << 21

    /// Adds the feed-forward parameters' gradients given `dProjected` (the gradient of `W₂·a + b₂`)
    /// and, when an earlier pass already summed them, its column sums; returns the gradient with respect
    /// to the first GEMM's output, `dPre = (dProjected·W₂) ⊙ gelu′`. The caller turns it into the input
    /// gradient (`dPre·W₁`).
    private func feedForwardBackward(_ dProjected: Tensor, projectedColumnSums: [Float]?, cache: Cache) -> Tensor {
        output.addParameterGradients(dProjected, input: cache.activated, biasGradient: projectedColumnSums)
        var dPre = output.inputGradient(dProjected)
        let preColumnSums = Elementwise.multiplyInPlaceWithColumnSums(
            &dPre, by: cache.activationDerivative, width: intermediate.outputSize)
        intermediate.addParameterGradients(dPre, input: cache.feedForwardInput, biasGradient: preColumnSums)
        return dPre
    }

    /// Adds every parameter's gradient and returns the gradient with respect to the block's input,
    /// `(B, T, H)`, given the gradient of its output (`(B, N, H)` after a first-positions pass).
    ///
    /// Post-LN: one fused LayerNorm backward pass gives `dSum`, `mask ⊙ dSum` and the second bias's
    /// gradient; the GEMMs `dW₂`, `dA = dProjected·W₂`; one pass `dPre = dA ⊙ gelu′` with the first
    /// bias's gradient; `dW₁`; then `dh = dSum + dPre·W₁` as one GEMM adding onto `dSum` (the residual
    /// path), the mixing LayerNorm's backward, the mixer's, and the residual sum in place.
    public func backward(_ dy: Tensor, cache: Cache, context: MixerContext) throws -> Tensor {
        let rows = dy.count / outputNorm.size
        let outputShape = cache.firstPositions.map { [cache.input.shape[0], $0, cache.input.shape[2]] } ?? cache.input.shape
        guard dy.shape == outputShape, rows * intermediate.outputSize == cache.activated.count else {
            throw MixLabError.shapeMismatch(
                expected: Shape.describe(outputShape), found: dy.shape, location: "\(prefix) block output gradient",
                fix: "pass the gradient of this block's forward output")
        }
        switch placement {
        case .post:
            var (dSum, dMasked, projectedColumnSums) = outputNorm.backward(dy, cache: cache.outputNormCache, mask: cache.dropoutMask)
            let dPre = feedForwardBackward(dMasked ?? dSum, projectedColumnSums: projectedColumnSums, cache: cache)
            dMasked = nil
            intermediate.addInputGradient(dPre, into: &dSum)  // dh = dSum + dPre·W₁
            let dResidual = mixingNorm.backward(dSum, cache: cache.mixingNormCache)
            var dx = try mixBackward(dResidual, cache: cache, context: context)
            Self.addResidualGradient(dResidual, into: &dx, firstPositions: cache.firstPositions)
            return dx
        case .pre:
            let dPre: Tensor
            if let mask = cache.dropoutMask {
                let (dProjected, columnSums) = Elementwise.multiplyWithColumnSums(dy, mask, width: outputNorm.size)
                dPre = feedForwardBackward(dProjected, projectedColumnSums: columnSums, cache: cache)
            } else {
                dPre = feedForwardBackward(dy, projectedColumnSums: nil, cache: cache)
            }
            var da = outputNorm.backward(intermediate.inputGradient(dPre), cache: cache.outputNormCache)
            Elementwise.addInPlace(&da, dy)
            let dn1 = try mixBackward(da, cache: cache, context: context)
            var dx = mixingNorm.backward(dn1, cache: cache.mixingNormCache)
            Self.addResidualGradient(da, into: &dx, firstPositions: cache.firstPositions)
            return dx
        }
    }

    /// `dx += dResidual`, into the first N positions of `dx` after a first-positions pass.
    private static func addResidualGradient(_ dResidual: Tensor, into dx: inout Tensor, firstPositions: Int?) {
        if firstPositions == nil {
            Elementwise.addInPlace(&dx, dResidual)
        } else {
            dx.addIntoFirstPositions(dResidual)
        }
    }
}
