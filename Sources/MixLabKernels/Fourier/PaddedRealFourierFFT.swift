import MixLabCore

/// `Re(F_2T · X̃ · F_2C)` cropped to `(T, C)`, where `X̃` is `X` zero-padded to `(2T, 2C)` (or along one
/// axis), via FFTW's real-to-complex transform of the padded example.
///
/// Each example is copied into a zero-filled scratch of the padded shape (the padding is written once per
/// scratch and never touched again: FFTW's real-to-complex plans preserve their input) and transformed
/// with one real-to-complex FFT:
///
/// | axes | padded | half spectrum | output |
/// |---|---|---|---|
/// | `both` | (2T, 2C) | (2T, C + 1) | `Re Z[k, l]`, k < T, l < C |
/// | `hidden` | (T, 2C), rows | (T, C + 1) | `Re Z[t, l]`, l < C |
/// | `sequence` | (2T, C), columns | (T + 1, C) | `Re Z[k, c]`, k < T |
///
/// Every kept frequency lies in the half spectrum (l < C ≤ C, k < T ≤ T), so no Hermitian fill is needed.
///
/// With an even C two faster routes replace the real-to-complex transforms along the sequence, where
/// FFTW's strided column transforms are slow (`RealFourierFFT` does the same for FNet):
/// - `sequence`: columns `2m` and `2m+1` are packed as one complex column, one complex FFT of length 2T
///   transforms both (`V = F_2T(x̃_{2m} + i·x̃_{2m+1})`), and since `Re F x̃[k] = Re F x̃[2T − k]` for real
///   `x̃`, output row k is `(V[k] + V[(2T − k) mod 2T])/2` read as floats.
/// - `both`: the sequence axis first, packed as above; the unpacked columns
///   `W[k, 2m] = (V[k] + conj V[k'])/2`, `W[k, 2m+1] = −i(V[k] − conj V[k'])/2` (`k' = 2T − k`, k < T) are
///   `M_T·X`; then each row of W, zero-padded to 2C, goes through a contiguous complex FFT of length 2C, and
///   `y[k, l] = Re` of its first C outputs. The column pass thus covers C/2 packed columns instead of the
///   C + 1 columns of the 2-D real transform, which dominate its cost for long sequences.
///
/// The map is linear and symmetric (its matrix is the top-left block of the symmetric `Re(F_2n)` on each
/// axis), so the same kernel computes its adjoint.
///
/// Work per example: FFTs over the padded size, 4·T·C points for `both` — four times the size of FNet's
/// `RealFourierFFT`, which bounds how close it can come to that kernel's speed.
public final class PaddedRealFourierFFT: @unchecked Sendable {
    /// The sequence length T.
    public let sequenceLength: Int
    /// The hidden size C.
    public let hiddenSize: Int
    /// The transformed (padded) axes.
    public let axes: MixingAxes

    private let paddedRows: Int
    private let paddedColumns: Int
    /// Complex numbers per row of the half spectrum.
    private let spectrumColumns: Int
    /// Whether columns are packed in pairs (even C, sequence or both axes).
    private let packed: Bool
    private let spectrumFloats: Int
    private let singleThreadPlan: FFTWPlan
    private let multiThreadPlan: FFTWPlan
    /// `both` with an even C: the row transforms (complex, length 2C) after the packed column pass.
    private let rowPlans: (single: FFTWPlan, threaded: FFTWPlan)?

    /// Plans the transform for examples of shape `(sequenceLength, hiddenSize)`.
    ///
    /// - Throws: `MixLabError` when FFTW cannot plan the shape.
    public init(sequenceLength t: Int, hiddenSize c: Int, axes: MixingAxes) throws {
        sequenceLength = t
        hiddenSize = c
        self.axes = axes
        paddedRows = axes.includesSequence ? 2 * t : t
        paddedColumns = axes.includesHidden ? 2 * c : c
        packed = axes != .hidden && c % 2 == 0
        let description: FFTWPlanDescription
        switch axes {
        case .sequence where c % 2 == 0, .both where c % 2 == 0:
            // Rows padded by 64 bytes, as in RealFourierFFT: a power-of-two stride maps a column to one cache set.
            description = FFTWPlanDescription(
                kind: .complexToComplex(forward: true), lengths: [2 * t], howMany: c / 2, inputStride: c / 2,
                inputDistance: 1, outputStride: (c + 16) / 2, outputDistance: 1)
            spectrumColumns = (c + 16) / 2
            spectrumFloats = 2 * t * (c + 16)
        case .both:
            description = FFTWPlanDescription(kind: .realToComplex, lengths: [2 * t, 2 * c])
            spectrumColumns = c + 1
            spectrumFloats = 2 * (2 * t) * (c + 1)
        case .hidden:
            description = FFTWPlanDescription(
                kind: .realToComplex, lengths: [2 * c], howMany: t, inputDistance: 2 * c, outputDistance: c + 1)
            spectrumColumns = c + 1
            spectrumFloats = 2 * t * (c + 1)
        case .sequence:
            description = FFTWPlanDescription(
                kind: .realToComplex, lengths: [2 * t], howMany: c, inputStride: c, inputDistance: 1,
                outputStride: c, outputDistance: 1)
            spectrumColumns = c
            spectrumFloats = 2 * (t + 1) * c
        }
        singleThreadPlan = try FFTWPlanner.shared.plan(description)
        var threaded = description
        threaded.threads = Parallelism.threads
        multiThreadPlan = try FFTWPlanner.shared.plan(threaded)
        if axes == .both && packed {
            let rows = FFTWPlanDescription(kind: .complexToComplex(forward: true), lengths: [2 * c], howMany: t)
            var threadedRows = rows
            threadedRows.threads = Parallelism.threads
            rowPlans = (try FFTWPlanner.shared.plan(rows), try FFTWPlanner.shared.plan(threadedRows))
        } else {
            rowPlans = nil
        }
    }

    /// Writes the mixed batch to `output`; `input` and `output` hold `batch` examples of T·C floats and
    /// must not overlap.
    public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int) {
        let (t, c) = (sequenceLength, hiddenSize)
        let packedBoth = rowPlans != nil
        // The packed `both` route reads only the first C columns of the padded input (2T × C).
        let paddedFloats = ((packedBoth ? 2 * t * c : paddedRows * paddedColumns) + 15) / 16 * 16
        // Packed `both`: the column spectrum, reused for the row transforms' output (T × 2C complex).
        let spectrumRegion = ((packedBoth ? max(spectrumFloats, 4 * t * c) : spectrumFloats) + 15) / 16 * 16
        let rowInputFloats = packedBoth ? 4 * t * c : 0
        let parallel = RealSpectrumFFT.prefersBatchParallelism(batch: batch)
        Parallelism.forEachChunk(of: batch, chunks: parallel ? Parallelism.threads : 1) { examples in
            // Padded input (zeros outside the example, written once), then the spectrum, then (packed
            // `both`) the zero-padded rows of M_T·X, whose padding is also written once.
            let scratch = TensorStorage(count: paddedFloats + spectrumRegion + rowInputFloats, zeroed: true)
            let (padded, spectrum) = (scratch.pointer, scratch.pointer + paddedFloats)
            let plan = parallel ? singleThreadPlan : multiThreadPlan
            for b in examples {
                let x = input + b * t * c
                if paddedColumns == c || packedBoth {
                    padded.update(from: x, count: t * c)
                } else {
                    for row in 0..<t { (padded + row * paddedColumns).update(from: x + row * c, count: c) }
                }
                let y = output + b * t * c
                if let rowPlans {
                    plan.executeComplexToComplex(padded, spectrum)
                    let rowInput = spectrum + spectrumRegion
                    let rowStride = 2 * spectrumColumns
                    for row in 0..<t {
                        unpackColumnPairs(
                            spectrum + row * rowStride, spectrum + ((2 * t - row) % (2 * t)) * rowStride,
                            into: rowInput + row * 4 * c, pairs: c / 2)
                    }
                    (parallel ? rowPlans.single : rowPlans.threaded).executeComplexToComplex(rowInput, spectrum)
                    for row in 0..<t {
                        copyRealParts(spectrum + row * 4 * c, to: y + row * c, count: c)
                    }
                } else if packed {
                    plan.executeComplexToComplex(padded, spectrum)
                    let rowStride = 2 * spectrumColumns
                    for row in 0..<t {
                        averageRows(
                            spectrum + row * rowStride, spectrum + ((2 * t - row) % (2 * t)) * rowStride, to: y + row * c,
                            count: c)
                    }
                } else {
                    plan.executeRealToComplex(padded, spectrum)
                    for row in 0..<t {
                        copyRealParts(spectrum + 2 * row * spectrumColumns, to: y + row * c, count: c)
                    }
                }
            }
        }
    }
}

/// `out[i] = Re z[i]` for `i < n`, where `z` holds interleaved complex numbers.
@inline(__always)
private func copyRealParts(_ z: UnsafePointer<Float>, to out: UnsafeMutablePointer<Float>, count n: Int) {
    var i = 0
    while i + 16 <= n {
        let pairs = UnsafeRawPointer(z + 2 * i).loadUnaligned(as: SIMD32<Float>.self)
        UnsafeMutableRawPointer(out + i).storeBytes(of: pairs.evenHalf, as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        out[i] = z[2 * i]
        i += 1
    }
}

/// `out[i] = (a[i] + b[i]) / 2` for `i < n`.
@inline(__always)
private func averageRows(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, to out: UnsafeMutablePointer<Float>, count n: Int) {
    var i = 0
    while i + 16 <= n {
        let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
        let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(out + i).storeBytes(of: 0.5 * (x + y), as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        out[i] = 0.5 * (a[i] + b[i])
        i += 1
    }
}

/// The complex values of two real columns' spectra from packed rows `a = V[k]`, `b = V[k']` of
/// `V = F(x_{2m} + i·x_{2m+1})`: `out[2m] = (a + conj b)/2`, `out[2m+1] = −i(a − conj b)/2`, interleaved.
@inline(__always)
private func unpackColumnPairs(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, pairs: Int
) {
    var m = 0
    while m + 4 <= pairs {
        // Four pairs: 8 floats of a and b each, 16 floats out.
        let x = UnsafeRawPointer(a + 2 * m).loadUnaligned(as: SIMD8<Float>.self)
        let y = UnsafeRawPointer(b + 2 * m).loadUnaligned(as: SIMD8<Float>.self)
        let (s, d) = (0.5 * (x + y), 0.5 * (x - y))
        // Per pair (ar, ai), (br, bi): (s_r, d_i, s_i, −d_r) = ((ar+br)/2, (ai−bi)/2, (ai+bi)/2, (br−ar)/2).
        let result = SIMD16<Float>(
            s[0], d[1], s[1], -d[0], s[2], d[3], s[3], -d[2], s[4], d[5], s[5], -d[4], s[6], d[7], s[7], -d[6])
        UnsafeMutableRawPointer(out + 4 * m).storeBytes(of: result, as: SIMD16<Float>.self)
        m += 4
    }
    while m < pairs {
        let (ar, ai, br, bi) = (a[2 * m], a[2 * m + 1], b[2 * m], b[2 * m + 1])
        out[4 * m] = 0.5 * (ar + br)
        out[4 * m + 1] = 0.5 * (ai - bi)
        out[4 * m + 2] = 0.5 * (ai + bi)
        out[4 * m + 3] = 0.5 * (br - ar)
        m += 1
    }
}
