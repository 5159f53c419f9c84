/// Powers of two (1, 2, 4, 8, …): the lengths radix-2 transforms accept (Walsh–Hadamard matrices,
/// GSL's periodic wavelet transforms, Haar bases), and what to zero-pad other lengths to.
public enum PowerOfTwo {
    /// Whether `n` is a power of two: `n ≥ 1` with a single bit set (`n & (n − 1) == 0`). Zero and
    /// negative numbers are not. O(1).
    @inlinable
    public static func contains(_ n: Int) -> Bool {
        n >= 1 && n & (n - 1) == 0
    }

    /// The smallest power of two ≥ `n` (1 for `n ≤ 1`): the length to zero-pad `n` to. O(1).
    ///
    /// - Precondition: `n ≤ 2^62` (the result fits in an `Int`).
    @inlinable
    public static func atLeast(_ n: Int) -> Int {
        guard n > 1 else { return 1 }
        precondition(n <= 1 << (Int.bitWidth - 2), "PowerOfTwo.atLeast: \(n) has no power of two above it in Int")
        return 1 << (Int.bitWidth - (n - 1).leadingZeroBitCount)
    }
}
