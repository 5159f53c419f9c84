import Foundation
import MixLabCore

/// FFTW's unnormalised DCT-IV (`REDFT11`) along the sequence, hidden or both axes of a batch of `(T, C)`
/// examples, times a scale, through complex FFTs of half the length.
///
/// `REDFT11` along an axis of even length n: `y[k] = 2·Σ_j x[j]·cos(π(2j+1)(2k+1)/(4n))`. With `M = n/2`:
///
///     z[m] = (x[2m] + i·x[n−1−2m]) · e^{−iπ(4m+1)/(4n)}       (pack and pre-twiddle)
///     Z    = DFT_M(z)
///     u[k] = 2·Z[k] · e^{−iπk/n}                              (post-twiddle)
///     y[2k] = Re u[k],   y[n−1−2k] = −Im u[k]
///
/// (the standard half-length complex algorithm; see e.g. V. Britanak, P. Yip, K. R. Rao, "Discrete Cosine
/// and Sine Transforms", Academic Press 2007, §4). Along the hidden axis each row is packed into C/2 complex
/// numbers and transformed by a batched contiguous complex FFT; along the sequence axis rows `2m` and
/// `T−1−2m` are packed into one complex row and a column FFT of length T/2 runs across the rows
/// (vectorised over columns by FFTW); over both axes the hidden pass runs first, into scratch. The map is
/// symmetric, so it is its own adjoint; its inverse is itself divided by 2n per axis.
///
/// Work per example: complex FFTs of the example's size over half the points per axis, plus two light
/// passes per axis; FFTW's own `REDFT11` has no SIMD codelets, so it is slower than this (compare with
/// `mixlab bench mixer dct --set type=4` against a length that takes the `RealToRealFFTW` path). Every
/// transformed length must be even (odd lengths: use `RealToRealFFTW`). Examples are split over
/// `Parallelism.threads` threads (`forEachExample`).
public final class CosineTransformIVFFT: @unchecked Sendable {
    /// The sequence length T.
    public let sequenceLength: Int
    /// The hidden size C.
    public let hiddenSize: Int
    /// The transformed axes.
    public let axes: MixingAxes
    /// The factor applied to every output value.
    public let scale: Float

    private let hiddenPlans: ExamplePlans?
    private let sequencePlans: ExamplePlans?
    private let rowStride: Int  // floats between complex rows of the sequence pass (2C, padded)
    private let complexFloats: Int  // floats in each of the two complex scratch arrays

    // Hidden pass (split re/im, C/2 values): pre-twiddles a, post-twiddles b (with 2 and the scale).
    private let hiddenPreRe: [Float], hiddenPreIm: [Float], hiddenPostRe: [Float], hiddenPostIm: [Float]
    // Sequence pass (T/2 values).
    private let sequencePre: [ComplexFloat], sequencePost: [ComplexFloat]

    /// Plans the transform for `(sequenceLength, hiddenSize)` examples.
    ///
    /// - Throws: `MixLabError.invalidArgument` when a transformed length is odd, or when FFTW cannot plan
    ///   the shape.
    public init(sequenceLength t: Int, hiddenSize c: Int, axes: MixingAxes, scale: Double) throws {
        for (length, included) in [(t, axes.includesSequence), (c, axes.includesHidden)] where included && length % 2 == 1 {
            throw MixLabError(
                .invalidArgument, what: "cannot transform the odd length \(length) with half-length FFTs",
                location: "CosineTransformIVFFT", fix: "use RealToRealFFTW (FFTW's REDFT11) for odd lengths")
        }
        sequenceLength = t
        hiddenSize = c
        self.axes = axes
        self.scale = Float(scale)
        rowStride = 2 * c + 16  // one 64-byte line more: a power-of-two stride would alias cache sets
        complexFloats = max(t * c, (t / 2) * rowStride)
        // The scale goes into the post-twiddles of the pass that runs last (the sequence pass for both).
        let hiddenScale = axes == .hidden ? scale : 1
        let sequenceScale = axes.includesSequence ? scale : 1

        if axes.includesHidden {
            let (m, n) = (c / 2, Double(c))
            hiddenPlans = try ExamplePlans(FFTWPlanDescription(kind: .complexToComplex(forward: true), lengths: [m], howMany: t))
            let pre = (0..<m).map { ComplexFloat(magnitude: 1, phase: -Double.pi * Double(4 * $0 + 1) / (4 * n)) }
            let post = (0..<m).map { ComplexFloat(magnitude: 2 * hiddenScale, phase: -Double.pi * Double($0) / n) }
            (hiddenPreRe, hiddenPreIm) = (pre.map(\.re), pre.map(\.im))
            (hiddenPostRe, hiddenPostIm) = (post.map(\.re), post.map(\.im))
        } else {
            hiddenPlans = nil
            (hiddenPreRe, hiddenPreIm, hiddenPostRe, hiddenPostIm) = ([], [], [], [])
        }
        if axes.includesSequence {
            let (m, n) = (t / 2, Double(t))
            sequencePlans = try ExamplePlans(FFTWPlanDescription(
                kind: .complexToComplex(forward: true), lengths: [m], howMany: c, inputStride: rowStride / 2,
                inputDistance: 1, outputStride: rowStride / 2, outputDistance: 1))
            sequencePre = (0..<m).map { ComplexFloat(magnitude: 1, phase: -Double.pi * Double(4 * $0 + 1) / (4 * n)) }
            sequencePost = (0..<m).map { ComplexFloat(magnitude: 2 * sequenceScale, phase: -Double.pi * Double($0) / n) }
        } else {
            sequencePlans = nil
            (sequencePre, sequencePost) = ([], [])
        }
    }

    /// Writes the transformed batch to `output`; `input` and `output` hold `batch` examples of T·C floats.
    ///
    /// `input` must not overlap `output`; any alignment is fine (FFTW only sees the kernel's scratch).
    public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int) {
        let exampleSize = sequenceLength * hiddenSize
        // Two complex arrays, the hidden pass's result (both axes), one split row.
        let scratchFloats = 2 * complexFloats + (axes == .both ? exampleSize : 0) + hiddenSize
        forEachExample(batch: batch, scratchFloats: scratchFloats) { b, scratch, threads in
            let packed = scratch
            let spectrum = scratch + complexFloats
            let intermediate = spectrum + complexFloats  // T·C floats, both axes only
            let row = intermediate + (axes == .both ? exampleSize : 0)
            let (x, y) = (input + b * exampleSize, output + b * exampleSize)
            switch axes {
            case .hidden:
                hiddenPass(x, y, packed, spectrum, row, threads: threads)
            case .sequence:
                sequencePass(x, y, packed, spectrum, threads: threads)
            case .both:
                hiddenPass(x, intermediate, packed, spectrum, row, threads: threads)
                sequencePass(intermediate, y, packed, spectrum, threads: threads)
            }
        }
    }

    /// `REDFT11` along each row of `x` (T rows of C floats) into `y`.
    private func hiddenPass(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ packed: UnsafeMutablePointer<Float>,
        _ spectrum: UnsafeMutablePointer<Float>, _ row: UnsafeMutablePointer<Float>, threads: Int
    ) {
        let (t, c) = (sequenceLength, hiddenSize)
        let plans = hiddenPlans!
        hiddenPreRe.withUnsafeBufferPointer { aRe in
            hiddenPreIm.withUnsafeBufferPointer { aIm in
                for r in 0..<t { packRow(x + r * c, aRe.baseAddress!, aIm.baseAddress!, to: packed + r * c, count: c) }
            }
        }
        plans.plan(threads: threads).executeComplexToComplex(packed, spectrum)
        hiddenPostRe.withUnsafeBufferPointer { bRe in
            hiddenPostIm.withUnsafeBufferPointer { bIm in
                for r in 0..<t {
                    unpackRow(spectrum + r * c, bRe.baseAddress!, bIm.baseAddress!, row, to: y + r * c, count: c)
                }
            }
        }
    }

    /// `REDFT11` along the columns of `x` (T rows of C floats) into `y`.
    private func sequencePass(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ packed: UnsafeMutablePointer<Float>,
        _ spectrum: UnsafeMutablePointer<Float>, threads: Int
    ) {
        let (t, c, stride) = (sequenceLength, hiddenSize, rowStride)
        let plans = sequencePlans!
        for m in 0..<(t / 2) {
            // Row m of z: (x[2m] + i·x[T−1−2m]) · a[m].
            let a = sequencePre[m]
            combineRealRows(x + 2 * m * c, x + (t - 1 - 2 * m) * c, a, to: packed + m * stride, count: c)
        }
        plans.plan(threads: threads).executeComplexToComplex(packed, spectrum)
        for k in 0..<(t / 2) {
            // u = b[k]·Z[k]; y[2k] = Re u, y[T−1−2k] = −Im u.
            splitTwiddledRow(spectrum + k * stride, sequencePost[k], real: y + 2 * k * c, negatedImaginary: y + (t - 1 - 2 * k) * c, count: c)
        }
    }
}

/// `z[m] = (x[2m] + i·x[n−1−2m])·a[m]` for `m < n/2`, written as interleaved complex numbers.
@inline(__always)
private func packRow(
    _ x: UnsafePointer<Float>, _ aRe: UnsafePointer<Float>, _ aIm: UnsafePointer<Float>,
    to z: UnsafeMutablePointer<Float>, count n: Int
) {
    let half = n / 2
    var m = 0
    while m + 16 <= half {
        let even = deinterleave16(x + 2 * m).0  // x[2m + 2j]
        let odd = reversed16(deinterleave16(x + n - 2 * m - 32).1)  // x[n − 1 − 2m − 2j]
        let (ar, ai) = (load16(aRe + m), load16(aIm + m))
        store32(interleave16(even * ar - odd * ai, even * ai + odd * ar), z + 2 * m)
        m += 16
    }
    while m < half {
        let (even, odd) = (x[2 * m], x[n - 1 - 2 * m])
        z[2 * m] = even * aRe[m] - odd * aIm[m]
        z[2 * m + 1] = even * aIm[m] + odd * aRe[m]
        m += 1
    }
}

/// `u[k] = b[k]·Z[k]` for `k < n/2`, then `y[2k] = Re u[k]`, `y[n−1−2k] = −Im u[k]`; `row` holds `n`
/// floats of scratch.
@inline(__always)
private func unpackRow(
    _ spectrum: UnsafePointer<Float>, _ bRe: UnsafePointer<Float>, _ bIm: UnsafePointer<Float>,
    _ row: UnsafeMutablePointer<Float>, to y: UnsafeMutablePointer<Float>, count n: Int
) {
    let half = n / 2
    let (real, negatedImaginary) = (row, row + half)
    var k = 0
    while k + 16 <= half {
        let (zr, zi) = deinterleave16(spectrum + 2 * k)
        let (br, bi) = (load16(bRe + k), load16(bIm + k))
        store16(zr * br - zi * bi, real + k)
        store16(-(zr * bi + zi * br), negatedImaginary + k)
        k += 16
    }
    while k < half {
        let (zr, zi) = (spectrum[2 * k], spectrum[2 * k + 1])
        real[k] = zr * bRe[k] - zi * bIm[k]
        negatedImaginary[k] = -(zr * bIm[k] + zi * bRe[k])
        k += 1
    }
    // y[2k] = real[k]; y[2k+1] = y[n−1−2(half−1−k)] = negatedImaginary[half − 1 − k].
    k = 0
    while k + 16 <= half {
        let odd = reversed16(load16(negatedImaginary + half - k - 16))
        store32(interleave16(load16(real + k), odd), y + 2 * k)
        k += 16
    }
    while k < half {
        y[2 * k] = real[k]
        y[2 * k + 1] = negatedImaginary[half - 1 - k]
        k += 1
    }
}

/// `out[c] = a·(p[c] + i·q[c])` for `n` values, written as interleaved complex numbers.
@inline(__always)
private func combineRealRows(
    _ p: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ a: ComplexFloat, to out: UnsafeMutablePointer<Float>,
    count n: Int
) {
    var i = 0
    while i + 16 <= n {
        let (pv, qv) = (load16(p + i), load16(q + i))
        store32(interleave16(a.re * pv - a.im * qv, a.im * pv + a.re * qv), out + 2 * i)
        i += 16
    }
    while i < n {
        out[2 * i] = a.re * p[i] - a.im * q[i]
        out[2 * i + 1] = a.im * p[i] + a.re * q[i]
        i += 1
    }
}

/// With `u = b·z[i]` for `n` interleaved complex numbers: `real[i] = Re u`, `negatedImaginary[i] = −Im u`.
@inline(__always)
private func splitTwiddledRow(
    _ z: UnsafePointer<Float>, _ b: ComplexFloat, real: UnsafeMutablePointer<Float>,
    negatedImaginary: UnsafeMutablePointer<Float>, count n: Int
) {
    var i = 0
    while i + 16 <= n {
        let (zr, zi) = deinterleave16(z + 2 * i)
        store16(b.re * zr - b.im * zi, real + i)
        store16(-(b.re * zi + b.im * zr), negatedImaginary + i)
        i += 16
    }
    while i < n {
        let (zr, zi) = (z[2 * i], z[2 * i + 1])
        real[i] = b.re * zr - b.im * zi
        negatedImaginary[i] = -(b.re * zi + b.im * zr)
        i += 1
    }
}
