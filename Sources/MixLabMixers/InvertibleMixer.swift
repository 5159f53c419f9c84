import MixLabCore

/// A mixer whose map can be undone: `inverse(forward(x)) = x` up to rounding.
public protocol InvertibleMixer: TokenMixer {
    /// The input that `forward` maps to `output`.
    func inverse(_ output: Tensor) throws -> Tensor
}
