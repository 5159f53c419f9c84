import MixLabCore
import MixLabKernels

/// FNet's LINEAR baseline: learned dense matrices along the sequence and hidden axes.
///
/// For each example `X` of shape `(T, C)`:
///
///     Y = W_seq · X · W_hiddenᵀ,   W_seq ∈ ℝ^{T×T} (`sequence_weight`),  W_hidden ∈ ℝ^{C×C} (`hidden_weight`)
///
/// `W_hidden` maps each token's feature vector (`Y[t,:] = W_hidden·X[t,:]`, PyTorch's `[out, in]`
/// layout); a kernel stored `[in, out]` and applied as `X·K` (Flax's convention) is `K = W_hiddenᵀ`. With `axes = sequence` only `W_seq` exists (`Y = W_seq·X`), with
/// `axes = hidden` only `W_hidden` (`Y = X·W_hiddenᵀ`).
///
/// - Initialisation: every entry normal(0, σ = 0.02), FNet's (and BERT's) kernel initialiser.
///   `W_seq` comes from the sub-stream `derived(11)` of the build context's generator (or of `seed`),
///   `W_hidden` from `derived(12)`: give each layer its own generator for a different draw per layer.
/// - Gradients: `dX_b = W_seqᵀ·G_b·W_hidden`, `dW_seq += Σ_b G_b·(X_b·W_hiddenᵀ)ᵀ`,
///   `dW_hidden += Σ_b (W_seqᵀ·G_b)ᵀ·X_b`, added into `Parameter.gradient` (see `SeparableMatrixProduct`).
///   The backward pass uses the weights of its forward pass (kept in the residuals).
/// - Linear in the input; not invertible in general (no inverse is offered).
/// - Padding: ignored, like FNet; padding tokens are mixed like any other token.
/// - Lengths: exactly the T (and C) given at construction (`MixerBuildContext.sequenceLength` /
///   `hiddenSize`); the matrices are sized for them.
/// - Complexity: `2·B·T·C·(T + C)` flops forward (OpenBLAS sgemm: one GEMM over all B·T tokens for the
///   hidden side, one per example for the sequence side), twice that backward; `T² + C²` parameters.
///
/// References: Lee-Thorp et al., "FNet: Mixing Tokens with Fourier Transforms", NAACL 2022 (arXiv
/// 2105.03824), the `LINEAR` model (GLUE dev average 77.0 at Base size, vs FNet 76.7 and BERT 83.3);
/// google-research `f_net`.
public final class LinearMixer: TokenMixer, DenseReferenceProviding, Sendable {
    /// The standard deviation of the initial weights (FNet's 0.02).
    public static let initialStandardDeviation: Float = 0.02

    /// The mixed axes.
    public let axes: MixingAxes
    /// `W_seq` (T×T), named `sequence_weight`; nil for `axes = hidden`.
    public let sequenceWeight: Parameter?
    /// `W_hidden` (C×C), named `hidden_weight`; nil for `axes = sequence`.
    public let hiddenWeight: Parameter?
    /// The mixer's name (`linear`), axes, exact lengths of the mixed axes and settings (see `MixerDescriptor`).
    public let descriptor: MixerDescriptor

    /// The weights, sequence first.
    public var parameters: [Parameter] { [sequenceWeight, hiddenWeight].compactMap { $0 } }

    /// A linear mixer for sequence length `sequenceLength` and hidden size `hiddenSize`, initialised
    /// from `random`.
    ///
    /// Only the lengths of mixed axes are needed (`sequenceLength` for `sequence`/`both`, `hiddenSize`
    /// for `hidden`/`both`). `seed` is recorded in the descriptor when the caller derived `random` from it.
    ///
    /// - Throws: `MixLabError.invalidArgument` when a needed length is missing or below 1.
    public init(
        axes: MixingAxes = .both, sequenceLength: Int?, hiddenSize: Int?, random: SeededRandom, seed: Int? = nil
    ) throws {
        self.axes = axes
        let (t, c) = try SeparableMatrixMixing.mixedLengths(
            sequenceLength: sequenceLength, hiddenSize: hiddenSize, axes: axes, mixer: "linear")
        var sequenceRandom = random.derived(11)
        var hiddenRandom = random.derived(12)
        let sigma = Self.initialStandardDeviation
        sequenceWeight = t.map {
            Parameter(name: "sequence_weight", value: Tensor.normal([$0, $0], standardDeviation: sigma, using: &sequenceRandom))
        }
        hiddenWeight = c.map {
            Parameter(name: "hidden_weight", value: Tensor.normal([$0, $0], standardDeviation: sigma, using: &hiddenRandom))
        }
        descriptor = SeparableMatrixMixing.descriptor(
            name: "linear", axes: axes, t: t, c: c, configuration: SeparableMatrixMixing.configuration(axes: axes, seed: seed))
    }

    /// `W_seq·X_b·W_hiddenᵀ` for `input` `(B, T, C)`; keeps the input, the weights and `X·W_hiddenᵀ`.
    public func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals) {
        try SeparableMatrixMixing.forward(input, context: context, descriptor: descriptor, sequence: sequenceWeight, hidden: hiddenWeight)
    }

    /// `W_seqᵀ·G_b·W_hidden`; adds the weights' gradients into their `gradient`.
    public func backward(_ outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor {
        try SeparableMatrixMixing.backward(
            outputGradient, residuals: residuals, descriptor: descriptor, sequence: sequenceWeight, hidden: hiddenWeight)
    }

    /// `W_seq·X_b·W_hiddenᵀ` in Double for the current weights.
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        return SeparableMatrixMixing.denseReference(input, sequenceMatrix: sequenceWeight?.value, hiddenMatrix: hiddenWeight?.value)
    }
}

extension LinearMixer {
    /// The registry entry: `linear` with keys `axes`, `seed`; T and C come from the build context.
    public static let registration = MixerRegistration(
        name: "linear",
        summary: "FNet's Linear baseline: learned W_seq·X·W_hiddenᵀ (T×T and C×C, init normal 0.02; fixed T, C)",
        keys: [
            MixerConfigurationKey.axes(summary: "axes to mix"),
            SeparableMatrixMixing.seedKey(summary: "initialisation seed (default: the layer's generator)"),
        ]
    ) { configuration, context in
        let (random, seed) = try SeparableMatrixMixing.random(configuration, context: context, mixer: "linear")
        return try LinearMixer(
            axes: try configuration.axes(mixer: "linear"),
            sequenceLength: context.sequenceLength, hiddenSize: context.hiddenSize, random: random, seed: seed)
    }
}
