import MixLabCore

/// FFTW's real-to-complex transform of `(T, C)` examples and its complex-to-real inverse, along one or
/// both axes, with every example's half spectrum in one row-major layout.
///
/// The half spectrum of one example is `rows × columns` complex numbers, row-major, as interleaved floats
/// (real, imaginary), in numpy's layout:
///
/// | axes | transform | `rows` | `columns` | halved axis, length n_h | `length` n |
/// |---|---|---|---|---|---|
/// | `both` | `rfft2(x)` over (T, C) | T | C/2 + 1 | hidden, C | T·C |
/// | `hidden` | `rfft(x, axis=C)` per token | T | C/2 + 1 | hidden, C | C |
/// | `sequence` | `rfft(x, axis=T)` per feature | T/2 + 1 | C | sequence, T | T |
///
/// The full spectrum of a real example is Hermitian, `Z[k, l] = conj(Z[−k, −l])` (indices modulo the
/// lengths, along the transformed axes), so the half spectrum determines it: bins `0` and `n_h/2` (n_h even)
/// of the halved axis stand for themselves, every other bin also for its mirror image. `binWeight` is
/// that count (1 or 2); `unpackRow` rebuilds a row of the full spectrum.
///
/// `inverse` is FFTW's unnormalised complex-to-real transform: `inverse(forward(x)) = length · x`
/// (numpy's `irfft` without its 1/n). It overwrites its input, and it assumes the input is the half
/// spectrum of a real array: where a bin pairs with itself (bins 0 and n_h/2 of the halved axis), the
/// values must be Hermitian along the other transformed axis (`both`) or real (one axis). Callers that
/// multiply a spectrum by something arbitrary must restore this first (see `GlobalFilterFFT`).
///
/// **Stored layout.** What `forward` writes is the half spectrum above (`layout == .halfSpectrum`), except
/// along the sequence alone with an even C (`.packedColumns`): FFTW's strided real-to-complex column
/// transforms are slow (they do not vectorise across columns), so, as in `RealFourierFFT`, each row of X
/// is read as C/2 complex numbers — columns `2m` and `2m+1` packed as one complex column
/// `x_{2m} + i·x_{2m+1}` — and one contiguous-batch complex FFT along T transforms both:
/// `V = F_T(x_{2m} + i·x_{2m+1})`, stored as T rows of C/2 complex numbers, `storedRowStride` floats apart
/// (rows padded by 64 bytes: a power-of-two stride would map a whole column to the same cache sets).
/// The two real columns' spectra follow from Hermitian symmetry, with `k' = (T − k) mod T`:
/// `F x_{2m}[k] = (V[k] + conj V[k'])/2`, `F x_{2m+1}[k] = (V[k] − conj V[k'])/(2i)`. `inverse` is then the
/// complex inverse FFT of a packed spectrum (`U = Û_{2m} + i·Û_{2m+1}` gives `T·(y_{2m} + i·y_{2m+1})`).
/// `unpackRow` reads either layout.
///
/// Plans are made once per shape (cached by `FFTWPlanner`), single-threaded for batch-parallel loops
/// and multi-threaded for batches smaller than the thread count (`prefersBatchParallelism`).
public final class RealSpectrumFFT: @unchecked Sendable {
    /// The sequence length T.
    public let sequenceLength: Int
    /// The hidden size C.
    public let hiddenSize: Int
    /// The transformed axes.
    public let axes: MixingAxes
    /// Rows of the half spectrum: T, or T/2 + 1 when only the sequence is transformed.
    public let rows: Int
    /// Columns of the half spectrum: C/2 + 1, or C when only the sequence is transformed.
    public let columns: Int
    /// The total transform length n (T·C, C or T): `inverse(forward(x)) = n·x`.
    public let length: Int
    /// How `forward` stores a spectrum.
    public enum Layout: Sendable {
        /// The half spectrum, `rows × columns` complex numbers, contiguous.
        case halfSpectrum
        /// Sequence axis with an even C: T rows of C/2 packed complex numbers (see the type's notes).
        case packedColumns
    }

    /// How `forward` stores a spectrum.
    public let layout: Layout
    /// Floats between stored rows: `2·columns` (half spectrum) or `C + 16` (packed).
    public let storedRowStride: Int
    /// Floats one stored spectrum occupies.
    public let spectrumFloats: Int
    /// Floats between consecutive spectra in a batch buffer: `spectrumFloats` rounded up to 16, so that
    /// every spectrum in the buffer is 64-byte aligned like the buffer.
    public let spectrumStride: Int

    private let forwardSingle: FFTWPlan
    private let forwardThreaded: FFTWPlan
    private let inverseSingle: FFTWPlan
    private let inverseThreaded: FFTWPlan

    /// Plans both directions for examples of shape `(sequenceLength, hiddenSize)`.
    ///
    /// - Throws: `MixLabError` when FFTW cannot plan the shape.
    public init(sequenceLength t: Int, hiddenSize c: Int, axes: MixingAxes) throws {
        sequenceLength = t
        hiddenSize = c
        self.axes = axes
        switch axes {
        case .both: (rows, columns, length) = (t, c / 2 + 1, t * c)
        case .hidden: (rows, columns, length) = (t, c / 2 + 1, c)
        case .sequence: (rows, columns, length) = (t / 2 + 1, c, t)
        }
        layout = axes == .sequence && c % 2 == 0 ? .packedColumns : .halfSpectrum
        storedRowStride = layout == .packedColumns ? c + 16 : 2 * columns
        spectrumFloats = layout == .packedColumns ? t * storedRowStride : 2 * rows * columns
        spectrumStride = (spectrumFloats + 15) / 16 * 16
        // Examples of a (B, T, C) tensor start 64-byte aligned when T·C is a multiple of 16 floats;
        // spectra always do (`spectrumStride`).
        let aligned = (t * c) % 16 == 0
        let forward: FFTWPlanDescription
        let inverse: FFTWPlanDescription
        switch axes {
        case .both:
            forward = FFTWPlanDescription(kind: .realToComplex, lengths: [t, c], aligned: aligned)
            inverse = FFTWPlanDescription(kind: .complexToReal, lengths: [t, c], aligned: aligned)
        case .hidden:
            forward = FFTWPlanDescription(
                kind: .realToComplex, lengths: [c], howMany: t, inputDistance: c, outputDistance: c / 2 + 1,
                aligned: aligned)
            inverse = FFTWPlanDescription(
                kind: .complexToReal, lengths: [c], howMany: t, inputDistance: c / 2 + 1, outputDistance: c,
                aligned: aligned)
        case .sequence where c % 2 == 0:
            // Packed column pairs: one complex FFT along T per pair (see the type's notes).
            forward = FFTWPlanDescription(
                kind: .complexToComplex(forward: true), lengths: [t], howMany: c / 2, inputStride: c / 2,
                inputDistance: 1, outputStride: (c + 16) / 2, outputDistance: 1, aligned: aligned)
            inverse = FFTWPlanDescription(
                kind: .complexToComplex(forward: false), lengths: [t], howMany: c / 2, inputStride: (c + 16) / 2,
                inputDistance: 1, outputStride: c / 2, outputDistance: 1, aligned: aligned)
        case .sequence:
            // Column transforms: element (k, c) of the half spectrum is complex number k·C + c.
            forward = FFTWPlanDescription(
                kind: .realToComplex, lengths: [t], howMany: c, inputStride: c, inputDistance: 1,
                outputStride: c, outputDistance: 1, aligned: aligned)
            inverse = FFTWPlanDescription(
                kind: .complexToReal, lengths: [t], howMany: c, inputStride: c, inputDistance: 1,
                outputStride: c, outputDistance: 1, aligned: aligned)
        }
        forwardSingle = try FFTWPlanner.shared.plan(forward)
        inverseSingle = try FFTWPlanner.shared.plan(inverse)
        var threadedForward = forward, threadedInverse = inverse
        threadedForward.threads = Parallelism.threads
        threadedInverse.threads = Parallelism.threads
        forwardThreaded = try FFTWPlanner.shared.plan(threadedForward)
        inverseThreaded = try FFTWPlanner.shared.plan(threadedInverse)
    }

    /// Whether a batch should be split over threads (one single-threaded plan per thread) rather than
    /// transformed example by example with FFTW's own threads.
    public static func prefersBatchParallelism(batch: Int) -> Bool {
        batch >= Parallelism.threads || Parallelism.threads == 1
    }

    /// The spectrum of one example, in the stored layout: `T·C` floats in, `spectrumFloats` out (arrays
    /// must not overlap).
    ///
    /// `threaded` selects the plan that uses FFTW's threads. The input is preserved.
    @inline(__always)
    public func forward(_ input: UnsafePointer<Float>, _ spectrum: UnsafeMutablePointer<Float>, threaded: Bool) {
        let plan = threaded ? forwardThreaded : forwardSingle
        switch layout {
        case .halfSpectrum: plan.executeRealToComplex(input, spectrum)
        case .packedColumns: plan.executeComplexToComplex(input, spectrum)
        }
    }

    /// The unnormalised inverse of one stored spectrum (possibly destroyed) into `T·C` floats.
    @inline(__always)
    public func inverse(_ spectrum: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>, threaded: Bool) {
        let plan = threaded ? inverseThreaded : inverseSingle
        switch layout {
        case .halfSpectrum: plan.executeComplexToReal(spectrum, output)
        case .packedColumns: plan.executeComplexToComplex(spectrum, output)
        }
    }

    /// How many bins of the full spectrum the half-spectrum bin `(row, column)` stands for: 1 for bins 0
    /// and n_h/2 (n_h even) of the halved axis, 2 for the others.
    public func binWeight(row: Int, column: Int) -> Int {
        let (bin, halvedLength) = axes == .sequence ? (row, sequenceLength) : (column, hiddenSize)
        return bin == 0 || 2 * bin == halvedLength ? 1 : 2
    }

    /// The half-spectrum bins that pair with themselves along the halved axis (0, and n_h/2 when n_h is
    /// even): columns for `both`/`hidden`, rows for `sequence`.
    public var selfPairedBins: [Int] {
        let halvedLength = axes == .sequence ? sequenceLength : hiddenSize
        return halvedLength % 2 == 0 && halvedLength > 1 ? [0, halvedLength / 2] : [0]
    }

    /// Row `t` of the full spectrum (C values) from a stored spectrum, split into real and imaginary parts.
    ///
    /// The full spectrum of one example has shape `(T, C)` for every `axes` (only the transformed axes are
    /// frequency axes). Entries missing from the half spectrum are conjugates of mirrored ones:
    /// `Z[k, l] = conj(Z[(T − k) mod T, C − l])` for `both`, `conj(Z[k, C − l])` for `hidden`,
    /// `conj(Z[T − k, c])` for `sequence`.
    public func unpackRow(
        _ spectrum: UnsafePointer<Float>, row t: Int, real: UnsafeMutablePointer<Float>,
        imaginary: UnsafeMutablePointer<Float>
    ) {
        let c = hiddenSize
        if layout == .packedColumns {
            unpackPackedRow(
                spectrum + t * storedRowStride, spectrum + ((sequenceLength - t) % sequenceLength) * storedRowStride,
                real: real, imaginary: imaginary, count: c / 2)
            return
        }
        switch axes {
        case .sequence:
            if t < rows {
                deinterleave(spectrum + 2 * t * c, real: real, imaginary: imaginary, count: c, imaginarySign: 1)
            } else {
                deinterleave(spectrum + 2 * (sequenceLength - t) * c, real: real, imaginary: imaginary, count: c, imaginarySign: -1)
            }
        case .both, .hidden:
            let half = columns
            let mirrorRow = axes == .both ? (sequenceLength - t) % sequenceLength : t
            deinterleave(spectrum + 2 * t * half, real: real, imaginary: imaginary, count: half, imaginarySign: 1)
            // Columns half..<C hold conj(Z[mirrorRow, C − l]): C − l runs from C − half down to 1.
            deinterleaveReversed(
                spectrum + 2 * mirrorRow * half, last: c - half, real: real + half, imaginary: imaginary + half,
                count: c - half)
        }
    }
}

/// `real[i] = Re z[i]`, `imaginary[i] = s·Im z[i]` for `i < n`, from interleaved complex `z`.
@inline(__always)
private func deinterleave(
    _ z: UnsafePointer<Float>, real: UnsafeMutablePointer<Float>, imaginary: UnsafeMutablePointer<Float>, count n: Int,
    imaginarySign s: Float
) {
    var i = 0
    while i + 16 <= n {
        let pairs = UnsafeRawPointer(z + 2 * i).loadUnaligned(as: SIMD32<Float>.self)
        UnsafeMutableRawPointer(real + i).storeBytes(of: pairs.evenHalf, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(imaginary + i).storeBytes(of: s * pairs.oddHalf, as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        real[i] = z[2 * i]
        imaginary[i] = s * z[2 * i + 1]
        i += 1
    }
}

/// `real[k] = Re z[m − k]`, `imaginary[k] = −Im z[m − k]` for `k < n`, where `m = last`: the conjugates
/// of `z[m], z[m−1], …, z[m−n+1]` (the mirrored half of a Hermitian spectrum).
@inline(__always)
private func deinterleaveReversed(
    _ z: UnsafePointer<Float>, last m: Int, real: UnsafeMutablePointer<Float>, imaginary: UnsafeMutablePointer<Float>,
    count n: Int
) {
    var k = 0
    while k + 16 <= n {
        // z[m − k − 15] … z[m − k], ascending; reversed into lanes k … k + 15.
        let pairs = UnsafeRawPointer(z + 2 * (m - k - 15)).loadUnaligned(as: SIMD32<Float>.self)
        UnsafeMutableRawPointer(real + k).storeBytes(of: reversed(pairs.evenHalf), as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(imaginary + k).storeBytes(of: -reversed(pairs.oddHalf), as: SIMD16<Float>.self)
        k += 16
    }
    while k < n {
        real[k] = z[2 * (m - k)]
        imaginary[k] = -z[2 * (m - k) + 1]
        k += 1
    }
}

@inline(__always)
private func reversed(_ v: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16<Float>(v[15], v[14], v[13], v[12], v[11], v[10], v[9], v[8], v[7], v[6], v[5], v[4], v[3], v[2], v[1], v[0])
}

/// Row k of the full spectra of packed column pairs, from rows `a = V[k]` and `b = V[(T − k) mod T]` of
/// `V = F(x_{2m} + i·x_{2m+1})`: with `s = (a + b)/2` and `d = (a − b)/2` as float rows,
/// `Re F x_{2m} = s[2m]`, `Re F x_{2m+1} = s[2m+1]`, `Im F x_{2m} = d[2m+1]`, `Im F x_{2m+1} = −d[2m]`.
@inline(__always)
private func unpackPackedRow(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, real: UnsafeMutablePointer<Float>,
    imaginary: UnsafeMutablePointer<Float>, count pairs: Int
) {
    var m = 0
    while m + 8 <= pairs {
        let x = UnsafeRawPointer(a + 2 * m).loadUnaligned(as: SIMD16<Float>.self)
        let y = UnsafeRawPointer(b + 2 * m).loadUnaligned(as: SIMD16<Float>.self)
        let (s, d) = (0.5 * (x + y), 0.5 * (x - y))
        UnsafeMutableRawPointer(real + 2 * m).storeBytes(of: s, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(imaginary + 2 * m).storeBytes(of: interleavePairs(d.oddHalf, -d.evenHalf), as: SIMD16<Float>.self)
        m += 8
    }
    while m < pairs {
        let (ar, ai, br, bi) = (a[2 * m], a[2 * m + 1], b[2 * m], b[2 * m + 1])
        real[2 * m] = 0.5 * (ar + br)
        real[2 * m + 1] = 0.5 * (ai + bi)
        imaginary[2 * m] = 0.5 * (ai - bi)
        imaginary[2 * m + 1] = 0.5 * (br - ar)
        m += 1
    }
}

/// `(a0, b0, a1, b1, …)` from two vectors of 8.
@inline(__always)
private func interleavePairs(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD16<Float> {
    SIMD16<Float>(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
}
