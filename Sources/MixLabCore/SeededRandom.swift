import Foundation

/// A seeded pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// The same seed gives the same stream on every platform and thread count. Streams for independent
/// purposes (each layer's initialisation, dropout, data order) come from `derived(_:)`, so adding a
/// consumer never shifts the numbers another consumer sees.
///
/// Reference: D. Blackman, S. Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS 2021.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)
    /// The seed this generator started from.
    public let seed: UInt64

    /// A generator whose stream is determined by `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        var mixer = seed
        state = (Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer))
    }

    private static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) <<< 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 <<< 45
        return result
    }

    /// An independent generator for the sub-stream `index` of this generator's seed.
    public func derived(_ index: UInt64) -> SeededRandom {
        var mixer = seed ^ (index &* 0xD1B5_4A32_D192_ED03)
        return SeededRandom(seed: Self.splitMix(&mixer))
    }

    /// A uniform value in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in `0 ..< bound` without modulo bias (Lemire's multiply-and-reject).
    ///
    /// Written out rather than taken from `Int.random(in:using:)`, whose algorithm the standard library
    /// does not promise to keep: generated data must stay the same across Swift versions.
    /// Reference: D. Lemire, "Fast random integer generation in an interval", ACM TOMACS 29(1), 2019.
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "nextIndex(below:) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// A uniform integer in `range`.
    public mutating func nextInteger(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + nextIndex(below: range.count)
    }

    /// A standard normal value (Box–Muller on two uniforms).
    public mutating func nextNormal() -> Double {
        let u1 = 1.0 - nextUniform()  // (0, 1]: log is finite
        let u2 = nextUniform()
        return (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
    }
}

infix operator <<< : BitwiseShiftPrecedence

extension UInt64 {
    /// Rotate left.
    fileprivate static func <<< (value: UInt64, amount: UInt64) -> UInt64 {
        (value << amount) | (value >> (64 - amount))
    }
}

extension Tensor {
    /// A tensor of independent normal values with the given mean and standard deviation.
    public static func normal(
        _ shape: [Int], mean: Float = 0, standardDeviation: Float = 1, using random: inout SeededRandom
    ) -> Tensor {
        Tensor(shape: shape) { _ in mean + standardDeviation * Float(random.nextNormal()) }
    }

    /// A tensor of independent uniform values in [lower, upper).
    public static func uniform(
        _ shape: [Int], lower: Float = -1, upper: Float = 1, using random: inout SeededRandom
    ) -> Tensor {
        Tensor(shape: shape) { _ in lower + (upper - lower) * Float(random.nextUniform()) }
    }
}
