import MixLabCore

/// What a forward pass keeps for its backward pass: saved tensors, in an order the mixer defines.
public struct MixerResiduals: Sendable {
    /// The saved tensors, in an order only the mixer that saved them interprets.
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
