import MixLabCore

/// A mixer with an obviously-correct Double implementation to check its fast path against.
///
/// Tests compare against it on small shapes; `mixlab bench mixer` checks the first example of the
/// benchmarked shape before timing anything.
public protocol DenseReferenceProviding: TokenMixer {
    /// The output for `input` `(B, T, C)`, computed densely in Double, row-major.
    func denseReference(_ input: Tensor) throws -> [Double]
}
