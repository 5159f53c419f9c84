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
/// get `forward`/`backward` for free. `MixLabTestKit.MixerConformance` checks all of these rules.
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

/// What a forward pass keeps for its backward pass: saved tensors, in an order the mixer defines.
public struct MixerResiduals: Sendable {
    /// The saved tensors.
    public var tensors: [Tensor]

    /// Residuals holding `tensors`.
    public init(_ tensors: [Tensor] = []) {
        self.tensors = tensors
    }

    /// Nothing saved (linear mixers without parameters).
    public static let none = MixerResiduals()

    /// Bytes held, for memory accounting.
    public var byteCount: Int { tensors.reduce(0) { $0 + $1.count * MemoryLayout<Float>.stride } }
}

/// Per-call information for a mixer: training or evaluation, padding, input checks.
public struct MixerContext: Sendable {
    /// Training mode (dropout and other stochastic behaviour on) or evaluation.
    public var isTraining: Bool
    /// `(B, T)` with 1 for real tokens and 0 for padding, or nil when nothing is padded. Attention uses
    /// it; FNet's Fourier mixing ignores it, as the original does (pad inputs to a fixed length).
    public var paddingMask: Tensor?
    /// Whether `forward` rejects NaN and infinite inputs with an error naming the first bad index
    /// (one extra pass over the input). Off by default: non-finite values then propagate (a linear
    /// transform spreads one NaN to every output that depends on it).
    public var checksFiniteInput: Bool

    /// A context for one call.
    public init(isTraining: Bool = false, paddingMask: Tensor? = nil, checksFiniteInput: Bool = false) {
        self.isTraining = isTraining
        self.paddingMask = paddingMask
        self.checksFiniteInput = checksFiniteInput
    }

    /// Evaluation mode, no padding, no input checks.
    public static let inference = MixerContext()
    /// Training mode, no padding, no input checks.
    public static let training = MixerContext(isTraining: true)
}
