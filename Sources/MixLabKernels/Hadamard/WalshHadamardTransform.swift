import MixLabCore

/// The order of the rows of a Walsh–Hadamard matrix.
public enum HadamardOrder: String, Sendable, CaseIterable {
    /// Sylvester's natural order, `H[i, j] = (−1)^popcount(i & j)`: `scipy.linalg.hadamard(n)`.
    case natural
    /// Walsh (sequency) order: row k has exactly k sign changes. Row k is natural row
    /// `bitreverse(gray(k))`, with `gray(k) = k ^ (k >> 1)`; the matrix stays symmetric.
    case sequency
}

/// The fast Walsh–Hadamard transform of a batch of `(T, C)` examples along the sequence axis, the
/// hidden axis, or both, in Float32.
///
/// Along an axis of length n (zero-padded to N, the next power of two, when n is not one), the
/// transform is `y = crop_n(W_N · pad_N(x))` with `W_N = H_N` (natural) or `P·H_N` (sequency), computed
/// with log₂N butterfly stages `(a, b) → (a + b, a − b)`: O(N log N) additions, no multiplications
/// except the final scale. The stages act on different bits of the index, so they commute and can run in
/// any order; radix-4 steps fuse two of them.
///
/// - Sequence axis: each butterfly combines two whole rows (SIMD across C). For a power-of-two T the
///   transform runs in place in the output, in passes that each take a group of index bits: a pass's
///   sub-problem (2^g rows, 2^lo rows apart) stays in L2 while all its stages run, and every access is a
///   whole contiguous row (one pass for [32, 512, 256], two for [8, 4096, 256]). The sequency
///   permutation moves to the input side (`W = P·H = H·Pᵀ`, W being symmetric): input row k is written
///   to row π(k) before the butterflies. A padded T instead gathers column strips into N-row scratch
///   (zero rows appended), transforms them there and scatters the first T rows back, permuted.
/// - Hidden axis: each row is copied to scratch (zero-padded), each 16-float vector gets a 16-point
///   transform in registers (four constant-geometry steps `x → (x_even + x_odd, x_even − x_odd)`), then
///   the stages with strides ≥ 16 combine whole vectors.
/// - Both: the hidden pass writes the output (scaled, rows already permuted), then the sequence passes
///   transform it in place.
///
/// Work is split over `Parallelism.threads` in fixed chunks (rows; sub-problems of a pass; example×strip
/// items), with no reductions, so results do not depend on timing or on the thread count.
///
/// `W` is symmetric (also in sequency order) and so is the cropped `crop·W·pad`, so the same kernel
/// computes the adjoint; `W·W = N·I` gives the inverse of the unpadded transform as the same kernel
/// with scale `1/(s·N)`.
public final class WalshHadamardTransform: @unchecked Sendable {
    /// The sequence length T.
    public let sequenceLength: Int
    /// The hidden size C.
    public let hiddenSize: Int
    /// The transformed axes.
    public let axes: MixingAxes
    /// The row order.
    public let order: HadamardOrder
    /// The length the sequence axis is transformed at: T rounded up to a power of two.
    public let paddedSequenceLength: Int
    /// The length the hidden axis is transformed at: C rounded up to a power of two.
    public let paddedHiddenSize: Int

    /// Sequency order: output index k reads natural index `permutation[k]` (empty in natural order).
    private let sequencePermutation: [Int]
    private let hiddenPermutation: [Int]
    /// Columns per strip of the padded sequence pass.
    private let stripWidth: Int

    /// Prepares the transform of `(sequenceLength, hiddenSize)` examples; lengths that are not powers
    /// of two are zero-padded to the next one.
    public init(sequenceLength: Int, hiddenSize: Int, axes: MixingAxes, order: HadamardOrder) {
        precondition(sequenceLength >= 1 && hiddenSize >= 1, "WalshHadamardTransform: empty example")
        self.sequenceLength = sequenceLength
        self.hiddenSize = hiddenSize
        self.axes = axes
        self.order = order
        paddedSequenceLength = Self.nextPowerOfTwo(sequenceLength)
        paddedHiddenSize = Self.nextPowerOfTwo(hiddenSize)
        sequencePermutation = order == .sequency ? Self.sequencyPermutation(paddedSequenceLength) : []
        hiddenPermutation = order == .sequency ? Self.sequencyPermutation(paddedHiddenSize) : []
        // About 128 KiB of strip (N rows) per thread: it stays in L2 next to the streamed rows.
        let budget = max(16, (32 * 1024 / paddedSequenceLength) / 16 * 16)
        stripWidth = min(budget, 256, (hiddenSize + 15) / 16 * 16)
    }

    /// The smallest power of two ≥ n (`PowerOfTwo.atLeast`).
    public static func nextPowerOfTwo(_ n: Int) -> Int {
        PowerOfTwo.atLeast(n)
    }

    /// The natural index of sequency row k, for k < n (n a power of two): `bitreverse(gray(k))`.
    public static func sequencyPermutation(_ n: Int) -> [Int] {
        let bits = n.trailingZeroBitCount
        return (0..<n).map { k in
            let gray = k ^ (k >> 1)
            var reversed = 0
            for bit in 0..<bits where gray & (1 << bit) != 0 { reversed |= 1 << (bits - 1 - bit) }
            return reversed
        }
    }

    /// Writes `scale · crop(W_T · pad(X) · W_C)` (or one axis) for `batch` examples from `input` to `output`.
    ///
    /// `input` and `output` hold `batch·T·C` floats each and must not overlap.
    public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, scale: Float) {
        let t = sequenceLength
        // A power-of-two sequence axis is transformed in place in `output`; its sequency permutation
        // moves to the input side (W = P·H = H·Pᵀ, W being symmetric): row k is written to row π(k) first.
        let inPlace = axes.includesSequence && paddedSequenceLength == t
        let rowTarget = inPlace ? sequencePermutation : []
        switch axes {
        case .hidden:
            hiddenPass(input, output, batch: batch, scale: scale, rowTarget: [])
        case .sequence where inPlace:
            copyRows(input, output, batch: batch, scale: scale, rowTarget: rowTarget)
            sequenceInPlace(output, batch: batch)
        case .sequence:
            sequencePass(input, output, batch: batch, scale: scale)
        case .both where inPlace:
            hiddenPass(input, output, batch: batch, scale: scale, rowTarget: rowTarget)
            sequenceInPlace(output, batch: batch)
        case .both:
            hiddenPass(input, output, batch: batch, scale: 1, rowTarget: [])
            sequencePass(UnsafePointer(output), output, batch: batch, scale: scale)
        }
    }

    // MARK: Hidden axis

    /// Transforms every row; row t of each example is written to row `rowTarget[t]` (or t when empty).
    private func hiddenPass(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, scale: Float, rowTarget: [Int]
    ) {
        let (t, c, n) = (sequenceLength, hiddenSize, paddedHiddenSize)
        let rows = batch * t
        Parallelism.forEachChunk(of: rows) { range in
            let scratch = TensorStorage(count: n, zeroed: true)
            let v = scratch.pointer
            rowTarget.withUnsafeBufferPointer { targets in
                for row in range {
                    let source = input + row * c
                    let (b, r) = row.quotientAndRemainder(dividingBy: t)
                    let target = output + (b * t + (targets.isEmpty ? r : targets[r])) * c
                    copyFloats(source, to: v, count: c)
                    if n > c { (v + c).update(repeating: 0, count: n - c) }
                    Self.transformVector(v, count: n)
                    if hiddenPermutation.isEmpty {
                        scaleCopy(v, to: target, count: c, scale: scale)
                    } else {
                        hiddenPermutation.withUnsafeBufferPointer { p in
                            for k in 0..<c { target[k] = scale * v[p[k]] }
                        }
                    }
                }
            }
        }
    }

    /// The in-place natural-order transform of `n` contiguous floats (n a power of two; 64-byte aligned
    /// when n ≥ 16).
    static func transformVector(_ v: UnsafeMutablePointer<Float>, count n: Int) {
        guard n >= 16 else {
            var h = 1
            while h < n {
                var block = 0
                while block < n {
                    for i in block..<(block + h) {
                        let (a, b) = (v[i], v[i + h])
                        v[i] = a + b
                        v[i + h] = a - b
                    }
                    block += 2 * h
                }
                h *= 2
            }
            return
        }
        let raw = UnsafeMutableRawPointer(v)
        // Strides 1, 2, 4, 8: a 16-point transform inside each vector (constant geometry: after four
        // steps of x → (x_even + x_odd, x_even − x_odd) a vector holds H_16 · x in natural order).
        for offset in stride(from: 0, to: n, by: 16) {
            var x = raw.load(fromByteOffset: offset * 4, as: SIMD16<Float>.self)
            for _ in 0..<4 {
                let (even, odd) = (x.evenHalf, x.oddHalf)
                x = SIMD16(lowHalf: even + odd, highHalf: even - odd)
            }
            raw.storeBytes(of: x, toByteOffset: offset * 4, as: SIMD16<Float>.self)
        }
        // Strides ≥ 16: whole vectors, two stages at a time where possible.
        var h = 16
        while h < n {
            if 4 * h <= n {
                var block = 0
                while block < n {
                    var i = block
                    while i < block + h {
                        let a = raw.load(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                        let b = raw.load(fromByteOffset: (i + h) * 4, as: SIMD16<Float>.self)
                        let c = raw.load(fromByteOffset: (i + 2 * h) * 4, as: SIMD16<Float>.self)
                        let d = raw.load(fromByteOffset: (i + 3 * h) * 4, as: SIMD16<Float>.self)
                        let (s0, d0, s1, d1) = (a + b, a - b, c + d, c - d)
                        raw.storeBytes(of: s0 + s1, toByteOffset: i * 4, as: SIMD16<Float>.self)
                        raw.storeBytes(of: d0 + d1, toByteOffset: (i + h) * 4, as: SIMD16<Float>.self)
                        raw.storeBytes(of: s0 - s1, toByteOffset: (i + 2 * h) * 4, as: SIMD16<Float>.self)
                        raw.storeBytes(of: d0 - d1, toByteOffset: (i + 3 * h) * 4, as: SIMD16<Float>.self)
                        i += 16
                    }
                    block += 4 * h
                }
                h *= 4
            } else {
                var block = 0
                while block < n {
                    var i = block
                    while i < block + h {
                        let a = raw.load(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                        let b = raw.load(fromByteOffset: (i + h) * 4, as: SIMD16<Float>.self)
                        raw.storeBytes(of: a + b, toByteOffset: i * 4, as: SIMD16<Float>.self)
                        raw.storeBytes(of: a - b, toByteOffset: (i + h) * 4, as: SIMD16<Float>.self)
                        i += 16
                    }
                    block += 2 * h
                }
                h *= 2
            }
        }
    }

    // MARK: Sequence axis

    /// `output[b, rowTarget[t]] = scale · input[b, t]` (row t when `rowTarget` is empty).
    private func copyRows(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, scale: Float, rowTarget: [Int]
    ) {
        let (t, c) = (sequenceLength, hiddenSize)
        Parallelism.forEachChunk(of: batch * t) { range in
            rowTarget.withUnsafeBufferPointer { targets in
                for row in range {
                    let (b, r) = row.quotientAndRemainder(dividingBy: t)
                    scaleCopy(input + row * c, to: output + (b * t + (targets.isEmpty ? r : targets[r])) * c, count: c, scale: scale)
                }
            }
        }
    }

    /// The natural-order transform along T (a power of two) of every example of `data`, in place.
    ///
    /// The stages act on the bits of the row index; they are grouped into passes of at most
    /// `groupBits` bits, so one sub-problem (2^bits rows, 2^lo rows apart, whole rows of C floats)
    /// stays in L2 while all its stages run. Sub-problems of a pass are independent; consecutive ones
    /// touch adjacent rows, and each row access is a whole contiguous row.
    private func sequenceInPlace(_ data: UnsafeMutablePointer<Float>, batch: Int) {
        let (t, c) = (sequenceLength, hiddenSize)
        let bits = t.trailingZeroBitCount
        guard bits > 0 else { return }
        let groupBits = max(1, min(bits, (Self.passBudgetFloats / c).bitWidth - 1 - (Self.passBudgetFloats / c).leadingZeroBitCount))
        let passes = (bits + groupBits - 1) / groupBits
        let perPass = (bits + passes - 1) / passes  // balanced groups
        var lo = 0
        while lo < bits {
            let hi = min(bits, lo + perPass)
            let (span, stride) = (1 << (hi - lo), 1 << lo)
            let problems = t / span
            Parallelism.forEachChunk(of: batch * problems) { range in
                for item in range {
                    let (b, q) = item.quotientAndRemainder(dividingBy: problems)
                    let (outer, inner) = q.quotientAndRemainder(dividingBy: stride)
                    let first = b * t + outer * (span * stride) + inner
                    Self.transformRows(data + first * c, rows: span, rowStride: stride * c, count: c)
                }
            }
            lo = hi
        }
    }

    /// Floats per in-place pass sub-problem: 512 KiB, half of this machine's per-core L2.
    public static let passBudgetFloats = 128 * 1024

    private func sequencePass(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, scale: Float) {
        let (t, c, n, width) = (sequenceLength, hiddenSize, paddedSequenceLength, stripWidth)
        let strips = (c + width - 1) / width
        let exampleSize = t * c
        Parallelism.forEachChunk(of: batch * strips) { items in
            // Rows of `width` floats, contiguous: one strip of N rows.
            let scratch = TensorStorage(count: n * width, zeroed: true)
            let s = scratch.pointer
            for item in items {
                let (b, strip) = item.quotientAndRemainder(dividingBy: strips)
                let column = strip * width
                let count = min(width, c - column)
                let source = input + b * exampleSize + column
                let target = output + b * exampleSize + column
                for row in 0..<t { copyFloats(source + row * c, to: s + row * width, count: count) }
                for row in t..<n { (s + row * width).update(repeating: 0, count: count) }
                Self.transformRows(s, rows: n, rowStride: width, count: count)
                if sequencePermutation.isEmpty {
                    for row in 0..<t { scaleCopy(s + row * width, to: target + row * c, count: count, scale: scale) }
                } else {
                    sequencePermutation.withUnsafeBufferPointer { p in
                        for row in 0..<t { scaleCopy(s + p[row] * width, to: target + row * c, count: count, scale: scale) }
                    }
                }
            }
        }
    }

    /// The in-place natural-order transform along `rows` rows (a power of two) of `count` floats each,
    /// `rowStride` floats apart: every butterfly combines whole rows.
    static func transformRows(_ s: UnsafeMutablePointer<Float>, rows n: Int, rowStride: Int, count: Int) {
        var h = 1
        while h < n {
            if 4 * h <= n {
                for block in stride(from: 0, to: n, by: 4 * h) {
                    for i in block..<(block + h) {
                        butterfly4(
                            s + i * rowStride, s + (i + h) * rowStride, s + (i + 2 * h) * rowStride,
                            s + (i + 3 * h) * rowStride, count: count)
                    }
                }
                h *= 4
            } else {
                for block in stride(from: 0, to: n, by: 2 * h) {
                    for i in block..<(block + h) {
                        butterfly2(s + i * rowStride, s + (i + h) * rowStride, count: count)
                    }
                }
                h *= 2
            }
        }
    }
}

/// `(a, b) → (a + b, a − b)` elementwise over `count` floats.
@inline(__always)
private func butterfly2(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, count n: Int) {
    var i = 0
    while i + 16 <= n {
        let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
        let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(a + i).storeBytes(of: x + y, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(b + i).storeBytes(of: x - y, as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        let (x, y) = (a[i], b[i])
        a[i] = x + y
        b[i] = x - y
        i += 1
    }
}

/// Two butterfly stages on rows `a, b, c, d` (strides h and 2h): `H_2 ⊗ H_2` elementwise.
@inline(__always)
private func butterfly4(
    _ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ c: UnsafeMutablePointer<Float>,
    _ d: UnsafeMutablePointer<Float>, count n: Int
) {
    var i = 0
    while i + 16 <= n {
        let w = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
        let x = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
        let y = UnsafeRawPointer(c + i).loadUnaligned(as: SIMD16<Float>.self)
        let z = UnsafeRawPointer(d + i).loadUnaligned(as: SIMD16<Float>.self)
        let (s0, d0, s1, d1) = (w + x, w - x, y + z, y - z)
        UnsafeMutableRawPointer(a + i).storeBytes(of: s0 + s1, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(b + i).storeBytes(of: d0 + d1, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(c + i).storeBytes(of: s0 - s1, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(d + i).storeBytes(of: d0 - d1, as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        let (w, x, y, z) = (a[i], b[i], c[i], d[i])
        let (s0, d0, s1, d1) = (w + x, w - x, y + z, y - z)
        a[i] = s0 + s1
        b[i] = d0 + d1
        c[i] = s0 - s1
        d[i] = d0 - d1
        i += 1
    }
}

/// `target[i] = scale · source[i]` for `i < count`.
@inline(__always)
private func scaleCopy(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count n: Int, scale s: Float) {
    var i = 0
    while i + 16 <= n {
        let x = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + i).storeBytes(of: s * x, as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        target[i] = s * source[i]
        i += 1
    }
}
