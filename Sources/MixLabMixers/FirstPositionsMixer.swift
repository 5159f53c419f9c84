import MixLabCore

/// A token mixer that can compute only the first positions of its output, with less work than all of
/// them: what the last block of a classifier that pools the first token needs.
///
/// `forward(_:firstPositions:context:)` with `N ≤ T` returns `Y[:, 0..<N, :]`, the first N positions of
/// `forward(_:context:)`'s output (up to rounding), reading every position of the input; its backward
/// takes the gradient of those N positions and returns the gradient with respect to the whole input,
/// `(B, T, C)` — the full backward pass's result for an output gradient that is zero beyond position N.
///
/// Conforming is optional: `EncoderBlock` runs any other mixer whole and keeps its first N positions.
/// A mixer conforms when it can do better, as attention does by querying only N positions (scores
/// `N × T` instead of `T × T`). `MixLabTestKit.MixerConformance` checks both identities.
public protocol FirstPositionsMixer: TokenMixer {
    /// The first `positions` positions of the output, `(B, N, C)`, and what the matching backward needs.
    ///
    /// - Throws: as `forward(_:context:)`, and `MixLabError.invalidArgument` when `positions` is not in
    ///   `1 ... T`.
    func forward(_ input: Tensor, firstPositions positions: Int, context: MixerContext) throws
        -> (output: Tensor, residuals: MixerResiduals)

    /// The gradient with respect to the whole input `(B, T, C)` given the gradient of the first N output
    /// positions `(B, N, C)`; adds the parameters' gradients into `Parameter.gradient`.
    func backward(firstPositions outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws
        -> Tensor
}

extension FirstPositionsMixer {
    /// Checks that `positions` is in `1 ... T` for an input `(B, T, C)`.
    public func validateFirstPositions(_ positions: Int, of input: Tensor) throws {
        let length = input.rank == 3 ? input.shape[1] : 0
        guard positions >= 1, positions <= length else {
            throw MixLabError(
                .invalidArgument, what: "\(positions) first positions requested of an input of shape \(Shape.describe(input.shape))",
                location: "\(descriptor.summary) forward(firstPositions:)",
                fix: "ask for 1 ... T positions of a (B, T, C) input")
        }
    }
}
