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
        let block = 65_536
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
