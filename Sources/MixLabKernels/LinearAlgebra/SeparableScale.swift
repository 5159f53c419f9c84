import MixLabCore

/// A diagonal scaling of one `(T, C)` example that factors over the two axes:
/// `X[t, c] ↦ s_T[t] · s_C[c] · X[t, c]`.
///
/// Normalised real-to-real transforms (scipy's `ortho` DCT, their adjoints and inverses) are an
/// unnormalised FFTW-style transform between two such scalings; kernels fold them into passes they make
/// anyway. Values are given in Double and rounded to Float once by the kernels.
public struct SeparableScale: Sendable, Equatable {
    /// `s_T`, one factor per sequence position (T values).
    public var sequence: [Double]
    /// `s_C`, one factor per hidden feature (C values).
    public var hidden: [Double]

    /// A scaling from its two factors.
    public init(sequence: [Double], hidden: [Double]) {
        self.sequence = sequence
        self.hidden = hidden
    }

    /// The identity scaling of `(T, C)` examples.
    public static func identity(sequenceLength: Int, hiddenSize: Int) -> SeparableScale {
        SeparableScale(
            sequence: [Double](repeating: 1, count: sequenceLength), hidden: [Double](repeating: 1, count: hiddenSize))
    }

    /// Whether every factor is 1 (then kernels skip the pass).
    public var isIdentity: Bool {
        sequence.allSatisfy { $0 == 1 } && hidden.allSatisfy { $0 == 1 }
    }

    /// The factor of element `(t, c)`.
    public func factor(_ t: Int, _ c: Int) -> Double { sequence[t] * hidden[c] }
}
