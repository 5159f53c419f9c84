import MixLabCore

/// Inverted dropout: in training, each value is kept with probability `1 − p` and scaled by `1/(1 − p)`;
/// in evaluation, the identity.
///
/// The mask comes from a `SeededRandom` passed in by the caller, so the same seed reproduces the same
/// masks. O(n).
///
/// Reference: N. Srivastava et al., "Dropout: A Simple Way to Prevent Neural Networks from Overfitting",
/// JMLR 15, 2014.
public struct Dropout: Sendable {
    /// The probability of dropping a value, in [0, 1).
    public let probability: Float

    /// A dropout layer.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` when `probability` is outside [0, 1).
    public init(probability: Float, location: String = "dropout") throws {
        guard probability >= 0, probability < 1 else {
            throw MixLabError(
                .invalidConfigValue, what: "dropout probability \(probability) is outside [0, 1)", location: location,
                fix: "use a probability from 0 (no dropout) up to, but not including, 1 (FNet uses 0.1)")
        }
        self.probability = probability
    }

    /// The kept-and-scaled mask (`0` or `1/(1 − p)` per value), or nil when nothing is dropped.
    public func mask(shape: [Int], training: Bool, random: inout SeededRandom) -> Tensor? {
        guard training, probability > 0 else { return nil }
        let keep = 1 / (1 - probability)
        let threshold = UInt64(Double(probability) * Double(UInt64.max))
        return Tensor(shape: shape) { _ in random.next() >= threshold ? keep : 0 }
    }

    /// `x ⊙ mask` (the identity when `mask` is nil). Backward is the same product with the same mask.
    public static func apply(_ x: Tensor, mask: Tensor?) -> Tensor {
        guard let mask else { return x }
        var y = Tensor(uninitialized: x.shape)
        x.withUnsafeBufferPointer { px in
            mask.withUnsafeBufferPointer { pm in
                y.withUnsafeMutableBufferPointer { py in
                    for i in 0..<py.count { py[i] = px[i] * pm[i] }
                }
            }
        }
        return y
    }
}
