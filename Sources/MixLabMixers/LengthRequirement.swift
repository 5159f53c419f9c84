import MixLabCore

/// The lengths of one axis that a mixer accepts.
public enum LengthRequirement: Sendable, Equatable, CustomStringConvertible {
    /// Any length of 1 or more.
    case any
    /// Powers of two: 1, 2, 4, 8, …
    case powerOfTwo
    /// Exactly this length (learned matrices fix it at construction).
    case exactly(Int)
    /// Multiples of this number.
    case multiple(of: Int)
    /// This length or longer.
    case atLeast(Int)

    /// Whether `length` is accepted.
    public func accepts(_ length: Int) -> Bool {
        guard length >= 1 else { return false }
        switch self {
        case .any: return true
        case .powerOfTwo: return PowerOfTwo.contains(length)
        case .exactly(let n): return length == n
        case .multiple(let m): return length % m == 0
        case .atLeast(let n): return length >= n
        }
    }

    /// The smallest accepted length at least `length` (what to pad to), or nil for `exactly` below it.
    public func paddedLength(for length: Int) -> Int? {
        let n = max(length, 1)
        switch self {
        case .any: return n
        case .powerOfTwo: return PowerOfTwo.atLeast(n)
        case .exactly(let required): return required >= n ? required : nil
        case .multiple(let m): return (n + m - 1) / m * m
        case .atLeast(let minimum): return max(n, minimum)
        }
    }

    /// A length this requirement rejects, for tests of the error path (nil for `any`).
    public var rejectedExample: Int? {
        switch self {
        case .any: return nil
        case .powerOfTwo: return 6
        case .exactly(let n): return n + 1
        case .multiple(let m): return m > 1 ? m + 1 : nil
        case .atLeast(let n): return n > 1 ? n - 1 : nil
        }
    }

    /// `any length`, `a power of two`, …
    public var description: String {
        switch self {
        case .any: return "any length"
        case .powerOfTwo: return "a power of two"
        case .exactly(let n): return "exactly \(n)"
        case .multiple(let m): return "a multiple of \(m)"
        case .atLeast(let n): return "at least \(n)"
        }
    }

    /// Throws `unsupportedLength` naming the mixer, the axis and the fix when `length` is rejected.
    public func check(_ length: Int, axis: String, mixer: String) throws {
        guard !accepts(length) else { return }
        let fix: String
        if let padded = paddedLength(for: length) {
            fix = "pad the input to \(padded), or choose a length that is \(description)"
        } else {
            fix = "use \(description), or build the mixer for length \(length)"
        }
        throw MixLabError(
            .unsupportedLength, what: "\(axis) \(length) is not \(description)", location: mixer, fix: fix)
    }
}
