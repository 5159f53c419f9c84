import MixLabCore

/// A mixer without parameters that is a fixed linear map `y = A·x`: implement `apply` and `applyAdjoint`.
///
/// `forward` is `apply` and `backward` is `applyAdjoint` (`Aᵀ·g`), so the adjoint is all a new transform
/// needs for training. Adjoint is not inverse: FNet's `Re(FFT2)` is self-adjoint but not invertible;
/// invertible transforms add `InvertibleMixer`.
public protocol FixedLinearMixer: TokenMixer {
    /// `A·x` for `x` of shape `(B, T, C)`.
    func apply(_ input: Tensor) throws -> Tensor
    /// `Aᵀ·g` for `g` of shape `(B, T, C)`.
    func applyAdjoint(_ gradient: Tensor) throws -> Tensor
}

extension FixedLinearMixer {
    /// No parameters.
    public var parameters: [Parameter] { [] }

    /// `apply`, after validating the input; saves nothing.
    public func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals) {
        try descriptor.validate(input, checksFinite: context.checksFiniteInput)
        return (try apply(input), .none)
    }

    /// `applyAdjoint` of the output gradient.
    public func backward(_ outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor {
        try applyAdjoint(outputGradient)
    }
}
