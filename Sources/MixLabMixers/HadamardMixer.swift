import Foundation
import MixLabCore
import MixLabKernels

/// The Walsh–Hadamard transform over the sequence and hidden axes: FNet's mixing with ±1 entries.
///
/// For each example `X` of shape `(T, C)`:
///
///     y = s · W_T · X · W_C,   H_1 = [1],   H_2n = [[H_n, H_n], [H_n, −H_n]]
///
/// with `W = H` in natural (Sylvester) order, `H[i, j] = (−1)^popcount(i & j)` (`scipy.linalg.hadamard`),
/// or `W = P·H` in sequency (Walsh) order, whose row k has k sign changes (natural row
/// `bitreverse(gray(k))`). With `axes = sequence` or `hidden` only one factor is applied. The scale is
/// `s = 1/√N` for `ortho` (the default, unitary), `1` for `backward`, `1/N` for `forward`, where N is the
/// product of the transformed lengths.
///
/// - Lengths: powers of two on every transformed axis. Other lengths are an `unsupportedLength` error
///   naming the length and the next power of two — or, with `padding=zero` (`ZeroPaddedHadamardMixer`),
///   each axis is zero-padded to the next power of two N, transformed, and cropped back to n:
///   `y = s · crop(W_N · pad(x))`, whose matrix is the leading n×n block of `W_N` (scale from the padded
///   N). Cropping discards coefficients, so that map is **not invertible** (for n < N).
/// - Adjoint: `W` is symmetric in both orders, and so is its leading block, so the backward pass applies
///   the same map: `Aᵀ = A` (padded or not).
/// - Inverse: `W·W = N·I`, so `x = W_T · y · W_C / (s·N)`: the same kernel with another scale.
/// - Complexity: O(B·T·C·(log T + log C)) additions via butterflies (`WalshHadamardTransform`), no
///   multiplications besides the final scale; SIMD across C on the sequence axis, in-register 16-point
///   transforms on the hidden axis, parallel over the batch.
///
/// References: J. L. Walsh, "A closed set of normal orthogonal functions", Amer. J. Math. 45 (1923);
/// J. J. Sylvester (1867); K. G. Beauchamp, "Applications of Walsh and Related Functions" (1984) for
/// the sequency order; FNet (Lee-Thorp et al., arXiv 2105.03824) for the mixing setting;
/// `scipy.linalg.hadamard`.
public final class HadamardMixer: FixedLinearMixer, InvertibleMixer, @unchecked Sendable {
    /// What happens to lengths that are not powers of two (the registry key `padding`).
    public enum Padding: String, Sendable, CaseIterable {
        /// A typed `unsupportedLength` error (`HadamardMixer`).
        case reject
        /// Zero-pad to the next power of two and crop back (`ZeroPaddedHadamardMixer`, not invertible).
        case zero
    }

    /// The transformed axes.
    public var axes: MixingAxes { kernels.axes }
    /// The row order.
    public var order: HadamardOrder { kernels.order }
    /// The scaling convention.
    public var normalization: Normalization { kernels.normalization }
    /// Name `hadamard`, axes, linear, invertible, power-of-two lengths and the resolved configuration.
    public let descriptor: MixerDescriptor

    private let kernels: HadamardKernels

    /// The Walsh–Hadamard mixer for power-of-two lengths (default: both axes, natural order, unitary).
    public init(axes: MixingAxes = .both, order: HadamardOrder = .natural, normalization: Normalization = .ortho) {
        kernels = HadamardKernels(axes: axes, order: order, normalization: normalization)
        descriptor = kernels.descriptor(padding: .reject)
    }

    /// `apply`, after checking rank, lengths (an error that names the next power of two) and, when asked,
    /// finiteness.
    public func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals) {
        try validate(input, checksFinite: context.checksFiniteInput)
        return (try apply(input), .none)
    }

    /// `s · W_T · X · W_C` (or one axis) for `input` of shape `(B, T, C)`.
    public func apply(_ input: Tensor) throws -> Tensor {
        try validate(input)
        return kernels.transform(input, inverse: false)
    }

    /// The adjoint, which equals `apply` (`W` is symmetric).
    public func applyAdjoint(_ gradient: Tensor) throws -> Tensor {
        try apply(gradient)
    }

    /// `W_T · Y · W_C / (s·N)`: the input that `apply` maps to `output`.
    public func inverse(_ output: Tensor) throws -> Tensor {
        try validate(output)
        return kernels.transform(output, inverse: true)
    }

    private func validate(_ input: Tensor, checksFinite: Bool = false) throws {
        if input.rank == 3 {
            if axes.includesSequence { try Self.requirePowerOfTwo(input.shape[1], axis: "sequence length T", mixer: descriptor.summary) }
            if axes.includesHidden { try Self.requirePowerOfTwo(input.shape[2], axis: "hidden size C", mixer: descriptor.summary) }
        }
        try descriptor.validate(input, checksFinite: checksFinite)
    }

    /// Throws `unsupportedLength` naming the length, the next power of two, and `padding=zero`.
    static func requirePowerOfTwo(_ length: Int, axis: String, mixer: String) throws {
        guard !PowerOfTwo.contains(length) else { return }
        let next = PowerOfTwo.atLeast(length)
        throw MixLabError(
            .unsupportedLength, what: "\(axis) \(length) is not a power of two (the next one is \(next))",
            location: mixer,
            fix: "pad the input to \(next), or set padding=zero to zero-pad to \(next) and crop inside the mixer "
                + "(the map is then not invertible)")
    }
}

/// The Walsh–Hadamard mixer with `padding=zero`: every transformed axis of length n is zero-padded to the
/// next power of two N, transformed, and cropped back to n.
///
/// `y = s · crop_T(W_{N_T} · pad(X) · W_{N_C}) = s · W_T[:T, :T] · X · W_C[:C, :C]`, with s from the
/// padded lengths (`ortho`: `1/√(N_T·N_C)`). Any length; equals `HadamardMixer` on powers of two.
/// The map is self-adjoint (a leading block of a symmetric matrix), so backward applies it again.
/// Not invertible: cropping drops the coefficients beyond n. See `HadamardMixer` for the definitions.
public final class ZeroPaddedHadamardMixer: FixedLinearMixer, @unchecked Sendable {
    /// The transformed axes.
    public var axes: MixingAxes { kernels.axes }
    /// The row order.
    public var order: HadamardOrder { kernels.order }
    /// The scaling convention (from the padded lengths).
    public var normalization: Normalization { kernels.normalization }
    /// Name `hadamard`, axes, linear, any lengths and the resolved configuration (`padding=zero`).
    public let descriptor: MixerDescriptor

    private let kernels: HadamardKernels

    /// The zero-padding Walsh–Hadamard mixer (default: both axes, natural order, `ortho`).
    public init(axes: MixingAxes = .both, order: HadamardOrder = .natural, normalization: Normalization = .ortho) {
        kernels = HadamardKernels(axes: axes, order: order, normalization: normalization)
        descriptor = kernels.descriptor(padding: .zero)
    }

    /// `s · crop(W_T · pad(X) · W_C)` (or one axis) for `input` of shape `(B, T, C)`.
    public func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        return kernels.transform(input, inverse: false)
    }

    /// The adjoint, which equals `apply`.
    public func applyAdjoint(_ gradient: Tensor) throws -> Tensor {
        try apply(gradient)
    }
}

/// The settings, descriptor, per-shape kernels and scales shared by the two Hadamard mixers.
private final class HadamardKernels: Sendable {
    let axes: MixingAxes
    let order: HadamardOrder
    let normalization: Normalization
    private let cache = KernelCache<[Int], WalshHadamardTransform>()

    init(axes: MixingAxes, order: HadamardOrder, normalization: Normalization) {
        self.axes = axes
        self.order = order
        self.normalization = normalization
    }

    /// The descriptor of the mixer with `padding`: `reject` declares power-of-two lengths and an inverse,
    /// `zero` any length and no inverse.
    func descriptor(padding: HadamardMixer.Padding) -> MixerDescriptor {
        let rejects = padding == .reject
        return MixerDescriptor(
            name: "hadamard", axes: axes, isLinear: true, isInvertible: rejects,
            sequenceLength: rejects && axes.includesSequence ? .powerOfTwo : .any,
            hiddenSize: rejects && axes.includesHidden ? .powerOfTwo : .any,
            configuration: [
                "axes": axes.rawValue, "order": order.rawValue, "norm": normalization.rawValue, "padding": padding.rawValue,
            ])
    }

    /// The forward map, or (`inverse`, power-of-two lengths) its inverse, of a validated `(B, T, C)` input.
    func transform(_ input: Tensor, inverse: Bool) -> Tensor {
        let (t, c) = (input.shape[1], input.shape[2])
        let kernel = cache.kernel(for: [t, c]) { WalshHadamardTransform(sequenceLength: t, hiddenSize: c, axes: axes, order: order) }
        let transformed = (axes.includesSequence ? kernel.paddedSequenceLength : 1)
            * (axes.includesHidden ? kernel.paddedHiddenSize : 1)
        let s = normalization.forwardScale(length: transformed)
        let scale = Float(inverse ? 1 / (s * Double(transformed)) : s)
        return mapExamples(input) { x, y, batch in kernel.apply(x, y, batch: batch, scale: scale) }
    }
}

extension HadamardMixer: DenseReferenceProviding {
    /// `s · W_T · X · W_C` with dense Sylvester matrices (`DenseReference.walshHadamard`).
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try validate(input)
        let (t, c) = (input.shape[1], input.shape[2])
        let transformed = (axes.includesSequence ? t : 1) * (axes.includesHidden ? c : 1)
        return DenseReference.walshHadamard(
            input.values.map(Double.init), shape: input.shape, axes: axes, order: order,
            scale: normalization.forwardScale(length: transformed))
    }
}

extension ZeroPaddedHadamardMixer: DenseReferenceProviding {
    /// `s · W_T[:T, :T] · X · W_C[:C, :C]` with dense Sylvester matrices of the padded orders.
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        let (t, c) = (input.shape[1], input.shape[2])
        let transformed = (axes.includesSequence ? PowerOfTwo.atLeast(t) : 1) * (axes.includesHidden ? PowerOfTwo.atLeast(c) : 1)
        return DenseReference.walshHadamard(
            input.values.map(Double.init), shape: input.shape, axes: axes, order: order,
            scale: normalization.forwardScale(length: transformed))
    }
}

extension HadamardMixer {
    /// The registry entry: `hadamard` with keys `axes`, `order`, `norm`, `padding`.
    public static let registration = MixerRegistration(
        name: "hadamard",
        summary: "Walsh–Hadamard transform s·W_T·X·W_C (fast butterflies, natural or sequency order)",
        keys: [
            MixerConfigurationKey.axes(),
            MixerConfigurationKey("order", default: "natural", allowed: "natural|sequency", summary: "Sylvester or Walsh row order"),
            MixerConfigurationKey("norm", default: "ortho", allowed: "backward|ortho|forward", summary: "scaling (scipy names)"),
            MixerConfigurationKey(
                "padding", default: "reject", allowed: "reject|zero",
                summary: "non-power-of-two lengths: error, or zero-pad and crop (not invertible)"),
        ]
    ) { configuration, _ in
        let axes = try configuration.axes(mixer: "hadamard")
        let order = try configuration.option("order", default: HadamardOrder.natural, mixer: "hadamard")
        let normalization = try configuration.option("norm", default: Normalization.ortho, mixer: "hadamard")
        switch try configuration.option("padding", default: HadamardMixer.Padding.reject, mixer: "hadamard") {
        case .reject: return HadamardMixer(axes: axes, order: order, normalization: normalization)
        case .zero: return ZeroPaddedHadamardMixer(axes: axes, order: order, normalization: normalization)
        }
    }
}
