import Foundation
import MixLabCore
import MixLabKernels

/// FNet's RANDOM baseline: fixed random matrices along the sequence and hidden axes, never trained.
///
/// For each example `X` of shape `(T, C)`:
///
///     Y = R_T · X · R_Cᵀ,   R_T[i,j] ~ N(0, 1/T),  R_C[i,j] ~ N(0, 1/C)   (LeCun normal, σ = 1/√fan_in)
///
/// drawn once at construction and then fixed (no parameters: optimisers never see them). With
/// `axes = sequence` only `R_T` is applied, with `axes = hidden` only `R_C` (`Y[t,:] = R_C·X[t,:]`).
/// LeCun scaling keeps the expected squared norm of each mixed vector: `E‖R·x‖² = ‖x‖²`.
///
/// - Seeding: `R_T` comes from the sub-stream `derived(21)` of the build context's generator, `R_C` from
///   `derived(22)`; the `seed` key replaces the context's generator. Give each layer its own generator
///   (as FNet does) for a different draw per layer. The same seed gives the same integer stream on every
///   platform; the normals are made from it with libm's `log` and `cos` (Box–Muller), so matrices can
///   differ in the last bits between C libraries. JAX's `lecun_normal` draws a normal truncated at ±2σ and rescaled to the same variance;
///   this draws the untruncated normal.
/// - Adjoint: `G_b ↦ R_Tᵀ·G_b·R_C` (the backward pass). Inverse: none offered (the matrices are
///   invertible with probability 1, but badly conditioned for large n).
/// - Padding: ignored, like FNet.
/// - Lengths: exactly the T (and C) given at construction.
/// - Complexity: `2·B·T·C·(T + C)` flops each way on OpenBLAS (see `SeparableMatrixProduct`).
///
/// References: Lee-Thorp et al., "FNet: Mixing Tokens with Fourier Transforms", NAACL 2022 (arXiv
/// 2105.03824), the `RANDOM` model (GLUE dev average 56.6 at Base size); Y. LeCun, L. Bottou, G. Orr,
/// K.-R. Müller, "Efficient BackProp", 1998 (the 1/fan_in variance).
public final class RandomMixer: FixedLinearMixer, DenseReferenceProviding, Sendable {
    /// The mixed axes.
    public let axes: MixingAxes
    /// `R_T` (T×T), or nil for `axes = hidden`.
    public let sequenceMatrix: Tensor?
    /// `R_C` (C×C), or nil for `axes = sequence`.
    public let hiddenMatrix: Tensor?
    /// The mixer's name (`random`), axes, exact lengths of the mixed axes and settings (see `MixerDescriptor`).
    public let descriptor: MixerDescriptor

    /// A random mixer for sequence length `sequenceLength` and hidden size `hiddenSize`, drawn from `random`.
    ///
    /// Only the lengths of mixed axes are needed. `seed` is recorded in the descriptor when the caller
    /// derived `random` from it.
    ///
    /// - Throws: `MixLabError.invalidArgument` when a needed length is missing or below 1.
    public init(
        axes: MixingAxes = .both, sequenceLength: Int?, hiddenSize: Int?, random: SeededRandom, seed: Int? = nil
    ) throws {
        self.axes = axes
        let (t, c) = try SeparableMatrixMixing.mixedLengths(
            sequenceLength: sequenceLength, hiddenSize: hiddenSize, axes: axes, mixer: "random")
        var sequenceRandom = random.derived(21)
        var hiddenRandom = random.derived(22)
        sequenceMatrix = t.map { Tensor.normal([$0, $0], standardDeviation: Float(1 / Double($0).squareRoot()), using: &sequenceRandom) }
        hiddenMatrix = c.map { Tensor.normal([$0, $0], standardDeviation: Float(1 / Double($0).squareRoot()), using: &hiddenRandom) }
        descriptor = SeparableMatrixMixing.descriptor(
            name: "random", axes: axes, t: t, c: c, configuration: SeparableMatrixMixing.configuration(axes: axes, seed: seed))
    }

    /// `R_T·X_b·R_Cᵀ` for `input` `(B, T, C)`.
    public func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        let product = try SeparableMatrixMixing.product(for: input, axes: axes, mixer: "random")
        return product.apply(input, sequenceMatrix: sequenceMatrix, hiddenMatrix: hiddenMatrix)
    }

    /// `R_Tᵀ·G_b·R_C`.
    public func applyAdjoint(_ gradient: Tensor) throws -> Tensor {
        try descriptor.validate(gradient)
        let product = try SeparableMatrixMixing.product(for: gradient, axes: axes, mixer: "random")
        return product.adjoint(gradient, sequenceMatrix: sequenceMatrix, hiddenMatrix: hiddenMatrix)
    }
}

extension RandomMixer {
    /// `R_T·X_b·R_Cᵀ` in Double, with the matrices' Float values taken exactly.
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        return SeparableMatrixMixing.denseReference(input, sequenceMatrix: sequenceMatrix, hiddenMatrix: hiddenMatrix)
    }
}

extension RandomMixer {
    /// The registry entry: `random` with keys `axes`, `seed`; T and C come from the build context.
    public static let registration = MixerRegistration(
        name: "random",
        summary: "FNet's Random baseline: fixed seeded LeCun-normal R_T·X·R_Cᵀ, not trained (fixed T, C)",
        keys: [
            MixerConfigurationKey.axes(summary: "axes to mix"),
            SeparableMatrixMixing.seedKey(summary: "draw seed (default: the layer's generator)"),
        ]
    ) { configuration, context in
        let (random, seed) = try SeparableMatrixMixing.random(configuration, context: context, mixer: "random")
        return try RandomMixer(
            axes: try configuration.axes(mixer: "random"),
            sequenceLength: context.sequenceLength, hiddenSize: context.hiddenSize, random: random, seed: seed)
    }
}
