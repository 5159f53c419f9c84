import MixLabCore

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
