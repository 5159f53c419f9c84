import MixLabCore

/// No mixing: `y = x`. FNet's "FF-only" baseline, where tokens interact only through nothing at all.
///
/// Linear, self-adjoint and its own inverse; any length; O(1) (the output shares the input's storage).
/// Reference: Lee-Thorp et al., FNet (arXiv 2105.03824), §4, the `FF_ONLY` model (GLUE average 49.3).
public final class IdentityMixer: FixedLinearMixer, InvertibleMixer, Sendable {
    /// The mixer's name (`identity`), linearity and invertibility; any lengths, no settings (see `MixerDescriptor`).
    public let descriptor = MixerDescriptor(name: "identity", axes: .hidden, isLinear: true, isInvertible: true)

    /// The identity mixer (stateless: every instance is the same map).
    public init() {}

    /// Returns `input` unchanged.
    public func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        return input
    }

    /// Returns `gradient` unchanged.
    public func applyAdjoint(_ gradient: Tensor) throws -> Tensor {
        try apply(gradient)
    }

    /// Returns `output` unchanged.
    public func inverse(_ output: Tensor) throws -> Tensor {
        try apply(output)
    }
}

extension IdentityMixer: DenseReferenceProviding {
    /// The input itself.
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        return input.values.map(Double.init)
    }
}

extension IdentityMixer {
    /// The registry entry: `identity`, no keys.
    public static let registration = MixerRegistration(
        name: "identity", summary: "no mixing, y = x (FNet's FF-only baseline)", keys: []
    ) { _, _ in
        IdentityMixer()
    }
}
