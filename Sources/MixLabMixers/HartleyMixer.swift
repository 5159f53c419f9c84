import Foundation
import MixLabCore
import MixLabKernels

/// Discrete Hartley transforms over the sequence axis, the hidden axis, or both: two different operators
/// over both axes, chosen by `kind`.
///
/// With `cas θ = cos θ + sin θ`, for each example `X` of shape `(T, C)`:
///
///     fnet:       y[k, l] = s · Σ_{j,m} X[j, m] · cas(2π(jk/T + ml/C))  =  s · (Re F − Im F)[k, l]
///     separable:  y[k, l] = s · Σ_{j,m} X[j, m] · cas(2πjk/T) · cas(2πml/C)  =  s · (H_T · X · H_C)[k, l]
///
/// where `F = fft2(X)` with numpy's sign (`e^{−2πi(…)}`) and `H_n[j, k] = cas(2πjk/n)`. `fnet` is the
/// FNet paper's Hartley ablation (Lee-Thorp et al. 2022): the non-separable 2-D kernel. `separable` is the product
/// of 1-D Hartley transforms along each axis (what FFTW's multi-dimensional `FFTW_DHT` computes); the
/// two differ over both axes, since `cas a·cas b = cos(a − b) + sin(a + b) ≠ cas(a + b)`. With
/// `axes = sequence` or `hidden` the two kinds coincide: both are the 1-D transform
/// `s·(Re − Im)(fft(x))` along that axis. Shapes: `(B, T, C) → (B, T, C)`.
///
/// - Normalisation (scipy names, N the product of the transformed lengths): `backward` `s = 1`
///   (unnormalised, FNet's convention), `ortho` `s = 1/√N` (then orthogonal), `forward` `s = 1/N`.
/// - Adjoint: both kernels are symmetric in `(j, m) ↔ (k, l)`, so the map is self-adjoint and the
///   backward pass applies the same transform.
/// - Inverse: `H·H = N·I` for both (the `fnet` kernel is the 1-D Hartley transform of the group
///   Z_T × Z_C), so `inverse(y) = H·y/(s·N)`.
/// - Lengths: any T and C ≥ 1.
/// - Complexity: O(B·T·C·log(TC)): one FFTW real-to-complex transform and one pass over the output per
///   example (`HartleyFFT`), the same work as the Fourier mixer; along the sequence with an odd C, FFTW's
///   `FFTW_DHT` on strided columns (slower).
///
/// References: R. N. Bracewell, "Discrete Hartley transform", JOSA 73(12), 1983; J. Lee-Thorp et al.,
/// "FNet: Mixing Tokens with Fourier Transforms", NAACL 2022 (arXiv 2105.03824), mixing ablations.
public final class HartleyMixer: FixedLinearMixer, InvertibleMixer, @unchecked Sendable {
    /// Which 2-D Hartley operator (they coincide along one axis).
    public typealias Kind = HartleyFFT.Kind

    /// The transformed axes.
    public let axes: MixingAxes
    /// The operator over both axes.
    public let kind: Kind
    /// The scaling convention.
    public let normalization: Normalization
    /// The mixer's name (`hartley`), axes, linearity, invertibility and settings (see `MixerDescriptor`).
    public let descriptor: MixerDescriptor

    private struct KernelKey: Hashable {
        let sequenceLength: Int
        let hiddenSize: Int
        let inverse: Bool
    }

    private let kernels = KernelCache<KernelKey, HartleyFFT>()

    /// FNet's Hartley variant over both axes, unnormalised, by default.
    public init(axes: MixingAxes = .both, kind: Kind = .fnet, normalization: Normalization = .backward) {
        self.axes = axes
        self.kind = kind
        self.normalization = normalization
        self.descriptor = MixerDescriptor(
            name: "hartley", axes: axes, isLinear: true, isInvertible: true,
            configuration: ["axes": axes.rawValue, "kind": kind.rawValue, "norm": normalization.rawValue])
    }

    /// `s·H·x` for `input` of shape `(B, T, C)`.
    public func apply(_ input: Tensor) throws -> Tensor {
        try run(input, inverse: false)
    }

    /// The adjoint, which equals `apply` (the map is symmetric).
    public func applyAdjoint(_ gradient: Tensor) throws -> Tensor {
        try run(gradient, inverse: false)
    }

    /// `H·y/(s·N)`, the input that `apply` maps to `output`.
    public func inverse(_ output: Tensor) throws -> Tensor {
        try run(output, inverse: true)
    }

    /// The product of the transformed lengths.
    private func transformedLength(_ t: Int, _ c: Int) -> Int {
        (axes.includesSequence ? t : 1) * (axes.includesHidden ? c : 1)
    }

    private func run(_ input: Tensor, inverse: Bool) throws -> Tensor {
        try descriptor.validate(input)
        let (t, c) = (input.shape[1], input.shape[2])
        let kernel = try kernels.kernel(for: KernelKey(sequenceLength: t, hiddenSize: c, inverse: inverse)) {
            let n = transformedLength(t, c)
            let s = normalization.forwardScale(length: n)
            return try HartleyFFT(
                sequenceLength: t, hiddenSize: c, axes: axes, kind: kind, scale: Float(inverse ? 1 / (s * Double(n)) : s))
        }
        return mapExamples(input) { x, y, batch in kernel.apply(x, y, batch: batch) }
    }
}

extension HartleyMixer: DenseReferenceProviding {
    /// The transform with explicit cas matrices (`DenseReference.fnetHartley` or `separableHartley`).
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        let x = input.values.map(Double.init)
        let s = normalization.forwardScale(length: transformedLength(input.shape[1], input.shape[2]))
        switch kind {
        case .fnet: return DenseReference.fnetHartley(x, shape: input.shape, axes: axes, scale: s)
        case .separable: return DenseReference.separableHartley(x, shape: input.shape, axes: axes, scale: s)
        }
    }
}

extension HartleyMixer {
    /// The registry entry: `hartley` with keys `axes`, `kind`, `norm`.
    public static let registration = MixerRegistration(
        name: "hartley",
        summary: "discrete Hartley transform: FNet's Re(fft2) − Im(fft2) or the separable product of 1-D DHTs",
        keys: [
            MixerConfigurationKey.axes(),
            MixerConfigurationKey(
                "kind", default: "fnet", allowed: "fnet|separable",
                summary: "fnet: cas(2π(jk/T+ml/C)); separable: cas·cas (same on one axis)"),
            MixerConfigurationKey("norm", default: "backward", allowed: "backward|ortho|forward", summary: "scaling (scipy names)"),
        ]
    ) { configuration, _ in
        HartleyMixer(
            axes: try configuration.axes(mixer: "hartley"),
            kind: try configuration.option("kind", default: HartleyMixer.Kind.fnet, mixer: "hartley"),
            normalization: try configuration.option("norm", default: Normalization.backward, mixer: "hartley"))
    }
}
