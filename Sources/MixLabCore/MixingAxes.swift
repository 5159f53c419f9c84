/// Which axes of a `(B, T, C)` activation a mixer transforms.
///
/// `sequence` mixes tokens (the T axis), `hidden` mixes features within each token (the C axis), `both`
/// applies a 2-D transform over `(T, C)` as FNet does. The batch axis is never mixed.
public enum MixingAxes: String, Sendable, CaseIterable, Codable {
    case sequence, hidden, both

    /// Whether the sequence axis is transformed.
    public var includesSequence: Bool { self != .hidden }
    /// Whether the hidden axis is transformed.
    public var includesHidden: Bool { self != .sequence }

    /// Parses `sequence`, `hidden` or `both`.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` listing the allowed values.
    public init(parsing text: String, location: String) throws {
        guard let value = MixingAxes(rawValue: text) else {
            throw MixLabError(
                .invalidConfigValue, what: "'\(text)' is not a mixing axis", location: location,
                fix: "use one of: \(MixingAxes.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = value
    }
}

/// How a transform is scaled, in scipy.fft's vocabulary.
///
/// For a transform of total length n (the product of the transformed lengths): `backward` leaves the
/// forward transform unscaled (FNet's choice and numpy's default), `ortho` scales it by 1/√n (unitary
/// when the underlying transform is), `forward` scales it by 1/n.
public enum Normalization: String, Sendable, CaseIterable, Codable {
    case backward, ortho, forward

    /// The factor applied to a forward transform of total length `n`.
    public func forwardScale(length n: Int) -> Double {
        switch self {
        case .backward: return 1
        case .ortho: return 1 / Double(n).squareRoot()
        case .forward: return 1 / Double(n)
        }
    }

    /// Parses `backward`, `ortho` or `forward`.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` listing the allowed values.
    public init(parsing text: String, location: String) throws {
        guard let value = Normalization(rawValue: text) else {
            throw MixLabError(
                .invalidConfigValue, what: "'\(text)' is not a normalisation", location: location,
                fix: "use one of: \(Normalization.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = value
    }
}
