import CVectorKernels
import Foundation
import MixLabCore

/// FFTW's unnormalised DCT-II (`REDFT10`) along the sequence, hidden or both axes, or its inverse, for
/// a batch of `(T, C)` examples, through one complex FFT of the same size (Makhoul's algorithm).
///
/// With `R_n[k, j] = 2·cos(πk(2j+1)/(2n))` (FFTW's `REDFT10`, scipy's `dct(type=2)`) applied along each
/// transformed axis (`R = R_T ⊗ R_C` for both), the kernel computes
///
///     forward:  y = D_out · R · D_in · x          inverse:  y = D_out · R⁻¹ · D_in · x
///
/// where `D_in`, `D_out` are separable diagonal scalings (`SeparableScale`), folded into passes the
/// algorithm makes anyway. Every DCT-II/III variant follows: `REDFT01 = 2n·R⁻¹`, `R_nᵀ = REDFT01·diag(2, 1, …)`,
/// and scipy's `ortho` factors are diagonal.
///
/// Algorithm, one axis of length n: reorder `v[m] = x[2m]`, `v[n−1−m] = x[2m+1]`; `V = DFT(v)`; then
/// `(R·x)[k] = 2·Re(w^k·V[k])` with `w = e^{−iπ/(2n)}` (J. Makhoul, "A fast cosine transform in one and two
/// dimensions", IEEE Trans. ASSP 28(1), 1980). On a 2-D example with `Z` the half spectrum of FFTW's
/// real-to-complex transform of the reordered example, row `k` combines `A_k = w_T^k·Z[k] + w_T^{−k}·Z[T−k]`
/// (just `Z[k]` without the sequence axis) and `y[k, l] = 2·Re(w_C^l·A_k[l])` for `l ≤ C/2`,
/// `y[k, C−l] = −2·Im(w_C^l·A_k[l])`. Along the sequence alone (C even) each pair of adjacent columns is
/// read as one complex column, `W = DFT_T(v_even + i·v_odd)`, and row `k` of `y` read as complex numbers is
/// `w^k·W[k] + w^{−k}·W[T−k]` (indices mod T). The inverse undoes each step: `B[l] = (y[l] − i·y[C−l])/2`,
/// `A = w_C^{−l}·B`, `Z[k] = w_T^{−k}·(A_k − i·A_{T−k})/2` (`Z[0] = A_0/2`), inverse FFT, un-reorder, and a
/// division by the FFT length.
///
/// Work per example: one reordering pass, one FFT of the example's size (half-size real-to-complex for
/// `hidden` and `both`), one combining pass — O(TC·log(TC)), against FFTW's own `REDFT10`, which runs
/// without SIMD codelets and so more slowly. Examples are split over
/// `Parallelism.threads` threads (`forEachExample`). Along the sequence alone, C must be even (use
/// `RealToRealFFTW` for odd C).
public final class CosineTransformFFT: @unchecked Sendable {
    /// Which map the kernel computes.
    public enum Direction: Sendable {
        /// `D_out · R · D_in`.
        case forward
        /// `D_out · R⁻¹ · D_in`.
        case inverse
    }

    /// The sequence length T.
    public let sequenceLength: Int
    /// The hidden size C.
    public let hiddenSize: Int
    /// The transformed axes.
    public let axes: MixingAxes
    /// Forward or inverse.
    public let direction: Direction

    private let plans: ExamplePlans
    private let firstScratchFloats: Int
    private let secondScratchFloats: Int
    private let rowStride: Int  // floats between scratch rows along the sequence alone (padded)
    private let half: Int  // C/2 + 1

    // Scalings, in Float. `inputSequence`/`outputSequence` are indexed by rows of x (resp. y).
    private let inputSequence: [Float]
    private let inputHidden: [Float]
    private let outputSequence: [Float]  // the inverse folds 1/(FFT length) in
    private let outputHidden: [Float]
    // Forward: row coefficients α_k, β_k and column twiddles for the real and the mirrored outputs.
    // Inverse: row coefficients γ_k, δ_k and column coefficients u, v.
    private let rowFirst: [ComplexFloat]
    private let rowSecond: [ComplexFloat]
    private let columnFirstRe: [Float], columnFirstIm: [Float]
    private let columnSecondRe: [Float], columnSecondIm: [Float]

    /// Plans the kernel for `(sequenceLength, hiddenSize)` examples.
    ///
    /// `inputScale` and `outputScale` must be 1 along an axis that is not transformed.
    /// - Throws: `MixLabError.invalidArgument` for an odd C along the sequence alone, scales of the wrong
    ///   length or scaling an untransformed axis, or when FFTW cannot plan the shape.
    public init(
        sequenceLength t: Int, hiddenSize c: Int, axes: MixingAxes, direction: Direction,
        inputScale: SeparableScale, outputScale: SeparableScale
    ) throws {
        let location = "CosineTransformFFT"
        guard t >= 1, c >= 1, !(axes == .sequence && c % 2 == 1) else {
            throw MixLabError(
                .invalidArgument, what: "cannot transform (T, C) = (\(t), \(c)) along \(axes.rawValue)",
                location: location, fix: "use RealToRealFFTW for an odd hidden size along the sequence alone")
        }
        for scale in [inputScale, outputScale] {
            guard scale.sequence.count == t, scale.hidden.count == c,
                axes.includesSequence || scale.sequence.allSatisfy({ $0 == 1 }),
                axes.includesHidden || scale.hidden.allSatisfy({ $0 == 1 })
            else {
                throw MixLabError(
                    .invalidArgument, what: "scales of lengths (\(scale.sequence.count), \(scale.hidden.count)) "
                        + "do not fit (T, C) = (\(t), \(c)) along \(axes.rawValue)",
                    location: location, fix: "pass T and C factors, equal to 1 along an untransformed axis")
            }
        }
        sequenceLength = t
        hiddenSize = c
        self.axes = axes
        self.direction = direction
        half = c / 2 + 1
        rowStride = c + 16  // one 64-byte line more: a power-of-two stride would alias cache sets

        let forward = direction == .forward
        let description: FFTWPlanDescription
        switch axes {
        case .both:
            description = FFTWPlanDescription(kind: forward ? .realToComplex : .complexToReal, lengths: [t, c])
            firstScratchFloats = t * c
            secondScratchFloats = 2 * t * half
        case .hidden:
            description = FFTWPlanDescription(kind: forward ? .realToComplex : .complexToReal, lengths: [c], howMany: t)
            firstScratchFloats = t * c
            secondScratchFloats = 2 * t * half
        case .sequence:
            description = FFTWPlanDescription(
                kind: .complexToComplex(forward: forward), lengths: [t], howMany: c / 2, inputStride: rowStride / 2,
                inputDistance: 1, outputStride: rowStride / 2, outputDistance: 1)
            firstScratchFloats = t * rowStride
            secondScratchFloats = t * rowStride
        }
        plans = try ExamplePlans(description)

        let transformedLength = Double((axes.includesSequence ? t : 1) * (axes.includesHidden ? c : 1))
        inputSequence = inputScale.sequence.map { Float($0) }
        inputHidden = inputScale.hidden.map { Float($0) }
        outputSequence = outputScale.sequence.map { Float(forward ? $0 : $0 / transformedLength) }
        outputHidden = outputScale.hidden.map { Float($0) }

        let (tt, cc) = (Double(t), Double(c))
        var first = [ComplexFloat](repeating: ComplexFloat(0, 0), count: t)
        var second = first
        var firstRe = [Float](repeating: 0, count: half), firstIm = firstRe, secondRe = firstRe, secondIm = firstRe
        if forward {
            for k in 0..<t {
                if axes.includesSequence {
                    let s = outputScale.sequence[k], theta = Double.pi * Double(k) / (2 * tt)
                    first[k] = ComplexFloat(magnitude: s, phase: -theta)  // s·w_T^k
                    second[k] = ComplexFloat(magnitude: s, phase: theta)  // s·w_T^{−k}
                } else {
                    first[k] = ComplexFloat(1, 0)
                }
            }
            for l in 0..<half where axes.includesHidden {
                let theta = -Double.pi * Double(l) / (2 * cc)
                let direct = ComplexFloat(magnitude: 2 * outputScale.hidden[l], phase: theta)
                (firstRe[l], firstIm[l]) = (direct.re, direct.im)
                if l >= 1 && l <= c - half {
                    let mirrored = ComplexFloat(magnitude: -2 * outputScale.hidden[c - l], phase: theta)
                    (secondRe[l], secondIm[l]) = (mirrored.re, mirrored.im)
                }
            }
        } else {
            for k in 0..<t {
                if !axes.includesSequence {
                    first[k] = ComplexFloat(1, 0)
                } else if k == 0 {
                    first[k] = ComplexFloat(Float(inputScale.sequence[0] / 2), 0)
                } else {
                    let theta = Double.pi * Double(k) / (2 * tt)
                    first[k] = ComplexFloat(magnitude: inputScale.sequence[k] / 2, phase: theta)  // w_T^{−k}/2
                    second[k] = ComplexFloat(magnitude: inputScale.sequence[t - k] / 2, phase: theta - Double.pi / 2)
                }
            }
            for l in 0..<half where axes.includesHidden {
                let theta = Double.pi * Double(l) / (2 * cc)  // w_C^{−l}
                let u: ComplexFloat, v: ComplexFloat
                if l == 0 {
                    (u, v) = (ComplexFloat(Float(inputScale.hidden[0] / 2), 0), ComplexFloat(0, 0))
                } else if 2 * l == c {
                    // y[C − l] is y[l] itself: B = (1 − i)·y[l]/2.
                    (u, v) = (ComplexFloat(magnitude: inputScale.hidden[l] / 2 * 2.0.squareRoot(), phase: theta - Double.pi / 4),
                              ComplexFloat(0, 0))
                } else {
                    u = ComplexFloat(magnitude: inputScale.hidden[l] / 2, phase: theta)
                    v = ComplexFloat(magnitude: inputScale.hidden[c - l] / 2, phase: theta - Double.pi / 2)
                }
                (firstRe[l], firstIm[l], secondRe[l], secondIm[l]) = (u.re, u.im, v.re, v.im)
            }
        }
        rowFirst = first
        rowSecond = second
        (columnFirstRe, columnFirstIm, columnSecondRe, columnSecondIm) = (firstRe, firstIm, secondRe, secondIm)
    }

    /// Writes the transformed batch to `output`; `input` and `output` hold `batch` examples of T·C floats.
    ///
    /// `input` must not overlap `output`; any alignment is fine (FFTW only sees the kernel's scratch).
    public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int) {
        let exampleSize = sequenceLength * hiddenSize
        let scratchFloats = firstScratchFloats + secondScratchFloats + 4 * half
        forEachExample(batch: batch, scratchFloats: scratchFloats) { b, scratch, threads in
            transform(input + b * exampleSize, output + b * exampleSize, scratch, plans.plan(threads: threads))
        }
    }

    /// The row of the reordered example that row `r` of x goes to: even rows first, ascending, then odd
    /// rows descending (`v[m] = x[2m]`, `v[T−1−m] = x[2m+1]`). Loops run over rows of x in memory order,
    /// so the tensor side streams and only the scratch (in cache) is accessed out of order.
    @inline(__always)
    private func reorderedRow(_ r: Int) -> Int {
        r % 2 == 0 ? r / 2 : sequenceLength - 1 - r / 2
    }

    private func transform(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
        _ plan: FFTWPlan
    ) {
        let first = scratch  // reordered real example (or packed complex rows along the sequence)
        let second = scratch + firstScratchFloats  // its spectrum
        let rows = second + secondScratchFloats  // 2 split complex rows of `half` values (inverse)
        switch direction {
        case .forward: forward(x, y, first, second, plan)
        case .inverse: inverse(x, y, first, second, rows, plan)
        }
    }

    private func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ reordered: UnsafeMutablePointer<Float>,
        _ spectrum: UnsafeMutablePointer<Float>, _ plan: FFTWPlan
    ) {
        let (t, c) = (sequenceLength, hiddenSize)
        if axes == .sequence {
            let stride = rowStride
            inputSequence.withUnsafeBufferPointer { scale in
                for r in 0..<t {
                    scaleRow(x + r * c, times: scale[r], to: reordered + reorderedRow(r) * stride, count: c)
                }
            }
            plan.executeComplexToComplex(reordered, spectrum)
            for k in 0..<t {
                combineComplexRows(
                    spectrum + k * stride, rowFirst[k], spectrum + ((t - k) % t) * stride, rowSecond[k],
                    to: y + k * c, count: c / 2)
            }
            return
        }
        let both = axes == .both
        inputSequence.withUnsafeBufferPointer { sequenceScale in
            inputHidden.withUnsafeBufferPointer { hiddenScale in
                for r in 0..<t {
                    gatherReordered(
                        x + r * c, scale: hiddenScale.baseAddress!, times: sequenceScale[r],
                        to: reordered + (both ? reorderedRow(r) : r) * c, count: c)
                }
            }
        }
        plan.executeRealToComplex(reordered, spectrum)
        let h = half
        columnFirstRe.withUnsafeBufferPointer { directRe in
            columnFirstIm.withUnsafeBufferPointer { directIm in
                columnSecondRe.withUnsafeBufferPointer { mirroredRe in
                    columnSecondIm.withUnsafeBufferPointer { mirroredIm in
                        let tables = ColumnTables(
                            firstRe: directRe.baseAddress!, firstIm: directIm.baseAddress!,
                            secondRe: mirroredRe.baseAddress!, secondIm: mirroredIm.baseAddress!)
                        for k in 0..<t {
                            let mirror = both ? (t - k) % t : k
                            cosineOutputRow(
                                spectrum + 2 * k * h, rowFirst[k], spectrum + 2 * mirror * h, rowSecond[k], tables,
                                to: y + k * c, count: c, half: h)
                        }
                    }
                }
            }
        }
    }

    private func inverse(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ reordered: UnsafeMutablePointer<Float>,
        _ spectrum: UnsafeMutablePointer<Float>, _ rows: UnsafeMutablePointer<Float>, _ plan: FFTWPlan
    ) {
        let (t, c) = (sequenceLength, hiddenSize)
        if axes == .sequence {
            let stride = rowStride
            for k in 0..<t {
                combineComplexRows(
                    x + k * c, rowFirst[k], x + ((t - k) % t) * c, rowSecond[k], to: spectrum + k * stride, count: c / 2)
            }
            plan.executeComplexToComplex(spectrum, reordered)
            outputSequence.withUnsafeBufferPointer { scale in
                for r in 0..<t {
                    scaleRow(reordered + reorderedRow(r) * stride, times: scale[r], to: y + r * c, count: c)
                }
            }
            return
        }
        let h = half
        let (aRe, aIm, bRe, bIm) = (rows, rows + h, rows + 2 * h, rows + 3 * h)
        columnFirstRe.withUnsafeBufferPointer { uRe in
            columnFirstIm.withUnsafeBufferPointer { uIm in
                columnSecondRe.withUnsafeBufferPointer { vRe in
                    columnSecondIm.withUnsafeBufferPointer { vIm in
                        let tables = ColumnTables(
                            firstRe: uRe.baseAddress!, firstIm: uIm.baseAddress!,
                            secondRe: vRe.baseAddress!, secondIm: vIm.baseAddress!)
                        if axes == .hidden {
                            for k in 0..<t {
                                cosineInputRow(x + k * c, tables, re: aRe, im: aIm, count: c, half: h)
                                combineSplitRows(
                                    aRe, aIm, rowFirst[k], aRe, aIm, ComplexFloat(0, 0), to: spectrum + 2 * k * h, count: h)
                            }
                        } else {
                            // Rows k and T − k depend on each other: build both A rows, then both Z rows.
                            for k in 0...(t / 2) {
                                let mirror = (t - k) % t
                                cosineInputRow(x + k * c, tables, re: aRe, im: aIm, count: c, half: h)
                                if mirror == k {
                                    combineSplitRows(
                                        aRe, aIm, rowFirst[k], aRe, aIm, rowSecond[k], to: spectrum + 2 * k * h, count: h)
                                } else {
                                    cosineInputRow(x + mirror * c, tables, re: bRe, im: bIm, count: c, half: h)
                                    combineSplitRows(
                                        aRe, aIm, rowFirst[k], bRe, bIm, rowSecond[k], to: spectrum + 2 * k * h, count: h)
                                    combineSplitRows(
                                        bRe, bIm, rowFirst[mirror], aRe, aIm, rowSecond[mirror],
                                        to: spectrum + 2 * mirror * h, count: h)
                                }
                            }
                        }
                    }
                }
            }
        }
        plan.executeComplexToReal(spectrum, reordered)
        let both = axes == .both
        outputSequence.withUnsafeBufferPointer { sequenceScale in
            outputHidden.withUnsafeBufferPointer { hiddenScale in
                for r in 0..<t {
                    scatterReordered(
                        reordered + (both ? reorderedRow(r) : r) * c, scale: hiddenScale.baseAddress!,
                        times: sequenceScale[r], to: y + r * c, count: c)
                }
            }
        }
    }
}

/// Per-column complex coefficients, split into real and imaginary parts (`half` values each).
private struct ColumnTables {
    let firstRe: UnsafePointer<Float>, firstIm: UnsafePointer<Float>
    let secondRe: UnsafePointer<Float>, secondIm: UnsafePointer<Float>
}

/// `v = reorder(s·f ⊙ x)` for one row of `n` floats: `v[m] = x[2m]`, `v[n−1−m] = x[2m+1]` (in the C
/// kernels, compiled per instruction set: the shuffles spill on the baseline's 128-bit vectors).
@inline(__always)
private func gatherReordered(
    _ x: UnsafePointer<Float>, scale f: UnsafePointer<Float>, times s: Float, to v: UnsafeMutablePointer<Float>,
    count n: Int
) {
    mixlab_dct_gather_reordered(x, f, s, v, n)
}

/// The inverse of `gatherReordered`, scaled: `x[2m] = s·f[2m]·v[m]`, `x[2m+1] = s·f[2m+1]·v[n−1−m]`.
@inline(__always)
private func scatterReordered(
    _ v: UnsafePointer<Float>, scale f: UnsafePointer<Float>, times s: Float, to x: UnsafeMutablePointer<Float>,
    count n: Int
) {
    let scale = SIMD16<Float>(repeating: s)
    var m = 0
    while 2 * m + 32 <= n {
        let (fe, fo) = deinterleave16(f + 2 * m)
        let even = scale * fe * load16(v + m)
        let odd = scale * fo * reversed16(load16(v + n - m - 16))
        store32(interleave16(even, odd), x + 2 * m)
        m += 16
    }
    while 2 * m < n {
        x[2 * m] = s * f[2 * m] * v[m]
        if 2 * m + 1 < n { x[2 * m + 1] = s * f[2 * m + 1] * v[n - 1 - m] }
        m += 1
    }
}

/// One output row of the forward transform: `A = α·z + β·mirror` (complex, `half` values), then
/// `y[l] = Re(first[l]·A[l])` for `l < half` and `y[n−l] = Im(second[l]·A[l])` for `1 ≤ l ≤ n − half`.
///
/// In the C kernels (compiled per instruction set): two loops (direct, then mirrored outputs) each form
/// `A` from the rows, which the first loop left in L1 — cheaper than picking lanes out of vectors where
/// the two ranges overlap a block.
@inline(__always)
private func cosineOutputRow(
    _ z: UnsafePointer<Float>, _ alpha: ComplexFloat, _ mirror: UnsafePointer<Float>, _ beta: ComplexFloat,
    _ tables: ColumnTables, to y: UnsafeMutablePointer<Float>, count n: Int, half: Int
) {
    mixlab_dct_output_row(
        z, alpha.re, alpha.im, mirror, beta.re, beta.im, tables.firstRe, tables.firstIm, tables.secondRe,
        tables.secondIm, y, n, half)
}

/// One row of the inverse's first step: `A[l] = first[l]·y[l] + second[l]·y[n−l]` for `l < half`
/// (`second[0] = 0`), into split real and imaginary parts.
@inline(__always)
private func cosineInputRow(
    _ y: UnsafePointer<Float>, _ tables: ColumnTables, re: UnsafeMutablePointer<Float>,
    im: UnsafeMutablePointer<Float>, count n: Int, half: Int
) {
    re[0] = tables.firstRe[0] * y[0]
    im[0] = tables.firstIm[0] * y[0]
    var l = 1
    while l + 16 <= half {
        let direct = load16(y + l)
        let mirrored = reversed16(load16(y + n - l - 15))  // y[n − (l + j)] for j = 0…15
        store16(load16(tables.firstRe + l) * direct + load16(tables.secondRe + l) * mirrored, re + l)
        store16(load16(tables.firstIm + l) * direct + load16(tables.secondIm + l) * mirrored, im + l)
        l += 16
    }
    while l < half {
        let (direct, mirrored) = (y[l], y[n - l])
        re[l] = tables.firstRe[l] * direct + tables.secondRe[l] * mirrored
        im[l] = tables.firstIm[l] * direct + tables.secondIm[l] * mirrored
        l += 1
    }
}

/// `out[l] = γ·a[l] + δ·b[l]` for `n` complex numbers given as split parts, written interleaved.
@inline(__always)
private func combineSplitRows(
    _ aRe: UnsafePointer<Float>, _ aIm: UnsafePointer<Float>, _ gamma: ComplexFloat,
    _ bRe: UnsafePointer<Float>, _ bIm: UnsafePointer<Float>, _ delta: ComplexFloat,
    to out: UnsafeMutablePointer<Float>, count n: Int
) {
    var l = 0
    while l + 16 <= n {
        let (ar, ai, br, bi) = (load16(aRe + l), load16(aIm + l), load16(bRe + l), load16(bIm + l))
        let re = gamma.re * ar - gamma.im * ai + delta.re * br - delta.im * bi
        let im = gamma.re * ai + gamma.im * ar + delta.re * bi + delta.im * br
        store32(interleave16(re, im), out + 2 * l)
        l += 16
    }
    while l < n {
        let (ar, ai, br, bi) = (aRe[l], aIm[l], bRe[l], bIm[l])
        out[2 * l] = gamma.re * ar - gamma.im * ai + delta.re * br - delta.im * bi
        out[2 * l + 1] = gamma.re * ai + gamma.im * ar + delta.re * bi + delta.im * br
        l += 1
    }
}
