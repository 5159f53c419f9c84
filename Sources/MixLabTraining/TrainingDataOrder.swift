import MixLabCore
import MixLabTasks

/// The order in which a run visits the training examples: a seeded pseudo-random permutation per
/// epoch, read as one endless stream.
///
/// **Stream.** The epochs' permutations are concatenated, and step `s` (1-based) trains on the stream
/// positions `(s − 1)·B ..< s·B`: no example is dropped, every batch has `B` examples, and a batch may
/// straddle two epochs (with `B > N`, one batch holds an example more than once). Position `p` is the
/// example `π_e(p mod N)` with `e = ⌊p / N⌋`.
///
/// **Permutation.** `π_e` is a keyed permutation of `0..<N` computed index by index, as
/// `tf.random.experimental.index_shuffle` does for tf.data's global shuffling: a balanced Feistel
/// network on `2h` bits (the smallest `h ≥ 1` with `4^h ≥ N`), 6 rounds `(L, R) → (R, L ⊕ F_k(R))` whose
/// round function `F_k(x)` is the SplitMix64 finaliser of `x + k` cut to `h` bits, with the round keys
/// `k` the first 6 outputs of `SeededRandom(seed: seed).derived(20_000).derived(e)`; indices that land
/// outside `0..<N` are encrypted again until they land inside ("cycle walking", at most ~4 rounds of
/// walking on average since the domain is below `4N`), which keeps it a bijection of `0..<N`. A
/// Feistel network with at least 4 rounds of independent pseudo-random functions is a strong
/// pseudo-random permutation (Luby–Rackoff), so the order has no structure a model could exploit.
///
/// Why not Fisher–Yates: the permutation of `N` indices would cost O(N) memory and time per epoch, and
/// synthetic tasks accept splits of up to 2³¹ examples. Here the batch of step `s` is a pure function
/// of (seed, N, B, s) computed in O(B) time and O(1) memory: a resumed run recomputes it from the step
/// alone, and nothing about the data order needs saving.
///
/// References: M. Luby, C. Rackoff, "How to construct pseudorandom permutations from pseudorandom
/// functions", SIAM J. Comput. 17(2), 1988; J. Black, P. Rogaway, "Ciphers with arbitrary finite
/// domains", CT-RSA 2002 (cycle walking); S. Vigna, SplitMix64 (the finaliser).
public struct TrainingDataOrder: Sendable {
    /// The number of training examples N.
    public let count: Int
    /// The run's seed.
    public let seed: UInt64
    /// Feistel rounds.
    public static let rounds = 6
    /// h: half the permutation's bit width.
    private let halfBits: UInt64
    /// The epoch whose round keys are held, or −1.
    private var epoch = -1
    private var keys: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)

    /// The order of `count` examples for `seed`.
    ///
    /// - Throws: `MixLabError.invalidArgument` when there are no training examples.
    public init(count: Int, seed: UInt64) throws {
        guard count >= 1 else {
            throw MixLabError(.invalidArgument, what: "the task has no training examples", location: "training data order",
                              fix: "check the task's settings (its train split is empty)")
        }
        guard count <= 1 << 62 else {
            throw MixLabError(.invalidArgument, what: "\(count) training examples are more than the 2⁶² the data order handles",
                              location: "training data order", fix: "use a smaller training split")
        }
        self.count = count
        self.seed = seed
        var bits: UInt64 = 1
        while (UInt64(1) << (2 * bits)) < UInt64(count) { bits += 1 }
        halfBits = bits
    }

    /// The example visited at position `index` of epoch `epoch` (0-based): `π_epoch(index)`.
    public static func example(at index: Int, count: Int, seed: UInt64, epoch: Int) throws -> Int {
        var order = try TrainingDataOrder(count: count, seed: seed)
        return order.example(atPosition: epoch * count + index)
    }

    /// The whole visiting order of epoch `epoch`, for inspection and tests (O(N)).
    public static func permutation(count: Int, seed: UInt64, epoch: Int) throws -> [Int] {
        var order = try TrainingDataOrder(count: count, seed: seed)
        return (0..<count).map { order.example(atPosition: epoch * count + $0) }
    }

    /// The example at stream position `position` (0-based).
    public mutating func example(atPosition position: Int) -> Int {
        let (wantedEpoch, offset) = position.quotientAndRemainder(dividingBy: count)
        if wantedEpoch != epoch {
            var random = SeededRandom(seed: seed).derived(20_000).derived(UInt64(wantedEpoch))
            keys = (random.next(), random.next(), random.next(), random.next(), random.next(), random.next())
            epoch = wantedEpoch
        }
        var value = UInt64(offset)
        repeat { value = encrypt(value) } while value >= UInt64(count)
        return Int(value)
    }

    /// Writes the example indices of step `step` (1-based) with batch size `indices.count` into `indices`.
    public mutating func fill(_ indices: inout [Int], step: Int) {
        let start = (step - 1) * indices.count
        for i in indices.indices { indices[i] = example(atPosition: start + i) }
    }

    /// Epochs completed after `step` steps of batch size `batch` (fractional).
    public func epochs(afterStep step: Int, batch: Int) -> Double {
        Double(step) * Double(batch) / Double(count)
    }

    /// One pass of the Feistel network over `2h` bits.
    private func encrypt(_ value: UInt64) -> UInt64 {
        let mask = (UInt64(1) << halfBits) - 1
        var (left, right) = (value >> halfBits, value & mask)
        func round(_ key: UInt64) {
            (left, right) = (right, left ^ (Self.mix(right &+ key) & mask))
        }
        round(keys.0)
        round(keys.1)
        round(keys.2)
        round(keys.3)
        round(keys.4)
        round(keys.5)
        return (left << halfBits) | right
    }

    /// The SplitMix64 finaliser: a bijective 64-bit mix whose output bits each depend on every input bit.
    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
