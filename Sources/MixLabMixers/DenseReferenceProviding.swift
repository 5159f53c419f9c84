import MixLabCore
import MixLabKernels

/// A mixer with an obviously-correct Double implementation to check its fast path against.
///
/// Tests compare against it on small shapes; `mixlab bench mixer` checks the first example of the
/// benchmarked shape before timing anything.
public protocol DenseReferenceProviding: TokenMixer {
    /// The output for `input` `(B, T, C)`, computed densely in Double, row-major.
    func denseReference(_ input: Tensor) throws -> [Double]
}

extension FourierMixer: DenseReferenceProviding {
    /// `s · Re(F_T · X · F_C)` with explicit DFT matrices (`DenseReference.realPartOfDFT`).
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        let (t, c) = (input.shape[1], input.shape[2])
        let transformed = (axes.includesSequence ? t : 1) * (axes.includesHidden ? c : 1)
        return DenseReference.realPartOfDFT(
            input.values.map(Double.init), shape: input.shape, axes: axes,
            scale: normalization.forwardScale(length: transformed))
    }
}

extension IdentityMixer: DenseReferenceProviding {
    /// The input itself.
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        return input.values.map(Double.init)
    }
}
