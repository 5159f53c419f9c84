import MixLabCore
import MixLabKernels

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
    ///
    /// One draw from `random` seeds the call; value `i` then uses 32 bits of the stream derived for its
    /// block of 65,536 values, so the mask does not depend on how many threads generate it.
    public func mask(shape: [Int], training: Bool, random: inout SeededRandom) -> Tensor? {
        guard training, probability > 0 else { return nil }
        let keep = 1 / (1 - probability)
        let threshold = UInt32(min(Double(probability) * 4_294_967_296, 4_294_967_295))
        let base = SeededRandom(seed: random.next())
        var mask = Tensor(uninitialized: shape)
        let block = Self.block
        mask.withUnsafeMutableBufferPointer { pm in
            let (out, count) = (pm.baseAddress!, pm.count)
            let blocks = (count + block - 1) / block
            Parallelism.forEachRange(of: blocks, minimumPerThread: 1) { range in
                for index in range {
                    var stream = base.derived(UInt64(index))
                    var i = index * block
                    let end = min(i + block, count)
                    while i < end {
                        let bits = stream.next()
                        out[i] = UInt32(truncatingIfNeeded: bits) >= threshold ? keep : 0
                        if i + 1 < end { out[i + 1] = UInt32(truncatingIfNeeded: bits >> 32) >= threshold ? keep : 0 }
                        i += 2
                    }
                }
            }
        }
        return mask
    }

    /// The first `positions` positions of the mask `mask(shape:training:random:)` would give for the
    /// `(B, T, C)` shape `shape`, as a `(B, N, C)` tensor, taking the same one draw from `random`: what a
    /// block that computes only its first N positions needs to drop exactly what the full pass drops.
    ///
    /// Values are generated block by block as the full mask's are, up to the last needed value of each
    /// block (blocks without one are skipped): O(B·N·C) when an example spans at least a block
    /// (`T·C ≥ 65,536`), never more than the full mask's generation.
    ///
    /// - Precondition: `shape` is `(B, T, C)` and `1 ≤ positions ≤ T`.
    public func mask(shape: [Int], firstPositions positions: Int, training: Bool, random: inout SeededRandom) -> Tensor? {
        precondition(shape.count == 3 && positions >= 1 && positions <= shape[1],
                     "Dropout.mask: \(positions) first positions of shape \(shape)")
        guard training, probability > 0 else { return nil }
        let keep = 1 / (1 - probability)
        let threshold = UInt32(min(Double(probability) * 4_294_967_296, 4_294_967_295))
        let base = SeededRandom(seed: random.next())
        let (batch, width) = (shape[0], shape[2])
        let (span, stride) = (positions * width, shape[1] * width)  // kept and total values per example
        let count = batch * stride
        var mask = Tensor(uninitialized: [batch, positions, width])
        let block = Self.block
        mask.withUnsafeMutableBufferPointer { pm in
            let out = pm.baseAddress!
            let blocks = (count + block - 1) / block
            Parallelism.forEachRange(of: blocks, minimumPerThread: 1) { range in
                for index in range {
                    let (start, end) = (index * block, min(index * block + block, count))
                    // The end of the last kept value in this block, if any.
                    var last = start
                    for example in (start / stride)...((end - 1) / stride) {
                        let (low, high) = (max(example * stride, start), min(example * stride + span, end))
                        if low < high { last = high }
                    }
                    guard last > start else { continue }
                    var stream = base.derived(UInt64(index))
                    var (example, offset) = (start / stride, start % stride)
                    var i = start
                    func store(_ word: UInt32) {
                        if offset < span { out[example * span + offset] = word >= threshold ? keep : 0 }
                        offset += 1
                        if offset == stride { (example, offset) = (example + 1, 0) }
                        i += 1
                    }
                    while i < last {
                        let bits = stream.next()
                        store(UInt32(truncatingIfNeeded: bits))
                        if i < last { store(UInt32(truncatingIfNeeded: bits >> 32)) }
                    }
                }
            }
        }
        return mask
    }

    /// Values of a mask generated from one derived stream.
    private static let block = 65_536

    /// `x ⊙ mask` (the identity when `mask` is nil). Backward is the same product with the same mask.
    public static func apply(_ x: Tensor, mask: Tensor?) -> Tensor {
        guard let mask else { return x }
        precondition(mask.shape == x.shape, "Dropout.apply: mask shape \(mask.shape) differs from input shape \(x.shape)")
        var y = Tensor(uninitialized: x.shape)
        x.withUnsafeBufferPointer { px in
            mask.withUnsafeBufferPointer { pm in
                y.withUnsafeMutableBufferPointer { py in
                    let (input, m, output) = (px.baseAddress!, pm.baseAddress!, py.baseAddress!)
                    Parallelism.forEachRange(of: x.count, minimumPerThread: Elementwise.grain) { range in
                        var i = range.lowerBound
                        while i + 16 <= range.upperBound {
                            let u = UnsafeRawPointer(input + i).loadUnaligned(as: SIMD16<Float>.self)
                            let v = UnsafeRawPointer(m + i).loadUnaligned(as: SIMD16<Float>.self)
                            UnsafeMutableRawPointer(output + i).storeBytes(of: u * v, as: SIMD16<Float>.self)
                            i += 16
                        }
                        while i < range.upperBound {
                            output[i] = input[i] * m[i]
                            i += 1
                        }
                    }
                }
            }
        }
        return y
    }
}
