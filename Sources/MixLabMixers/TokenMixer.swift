import MixLabCore

/// A token-mixing transform usable as the mixing sublayer of an FNet-style encoder block.
///
/// A mixer maps activations `(B, T, C)` to activations of the same shape. `forward` returns the output
/// and whatever the backward pass needs (`MixerResiduals`); `backward` turns the gradient of the loss with
/// respect to the output into the gradient with respect to the input and **adds** the gradients of its
/// parameters into `Parameter.gradient` (never overwrites them). A mixer must not leak information
/// across the batch axis, and must mix only the axes its descriptor declares.
///
/// Mixers without parameters that are linear in their input conform to `FixedLinearMixer` instead and
/// get `forward`/`backward` for free. A mixer that can compute only the first positions of its output
/// with less work (what a classifier's last block needs) may also conform to `FirstPositionsMixer`.
/// `MixLabTestKit.MixerConformance` checks all of these rules.
public protocol TokenMixer: AnyObject, Sendable {
    /// Name, axes, linearity, invertibility and length requirements.
    var descriptor: MixerDescriptor { get }

    /// The trainable (or frozen) tensors, named relative to the mixer (e.g. `order`, `sequence_weight`).
    var parameters: [Parameter] { get }

    /// Mixes `input` `(B, T, C)`; returns the output `(B, T, C)` and what `backward` needs.
    ///
    /// - Throws: `MixLabError` for a wrong rank, an unsupported length, or (when
    ///   `context.checksFiniteInput`) a NaN or infinity in `input`.
    func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals)

    /// The gradient with respect to the input of the forward pass that produced `residuals`; adds the
    /// parameters' gradients into `Parameter.gradient`.
    func backward(_ outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor
}
