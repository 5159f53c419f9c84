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
/// Along the sequence alone with an even C, strided real-to-complex column transforms are slow; instead,
/// as in `RealFourierFFT`, columns `2m` and `2m+1` are packed as one complex column, one complex FFT of
/// length 2T transforms both (`V = F_2T(x̃_{2m} + i·x̃_{2m+1})`), and since `Re F x̃[k] = Re F x̃[2T − k]`
/// for real `x̃`, output row k is `(V[k] + V[(2T − k) mod 2T])/2` read as floats.
/// The map is linear and symmetric (its matrix is the top-left block of the symmetric `Re(F_2n)` on each
/// axis), so the same kernel computes its adjoint.
///
/// Work per example: one real FFT of the padded size, 4·T·C points for `both` — four times the size of
/// FNet's `RealFourierFFT`, which bounds how close it can come to that kernel's speed.
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
    /// Whether columns are packed in pairs (sequence axis, even C).
    private let packed: Bool
    private let spectrumFloats: Int
    private let singleThreadPlan: FFTWPlan
    private let multiThreadPlan: FFTWPlan

    /// Plans the transform for examples of shape `(sequenceLength, hiddenSize)`.
    ///
    /// - Throws: `MixLabError` when FFTW cannot plan the shape.
    public init(sequenceLength t: Int, hiddenSize c: Int, axes: MixingAxes) throws {
        sequenceLength = t
        hiddenSize = c
        self.axes = axes
        paddedRows = axes.includesSequence ? 2 * t : t
        paddedColumns = axes.includesHidden ? 2 * c : c
        packed = axes == .sequence && c % 2 == 0
        let description: FFTWPlanDescription
        switch axes {
        case .sequence where c % 2 == 0:
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
    }

    /// Writes the mixed batch to `output`; `input` and `output` hold `batch` examples of T·C floats and
    /// must not overlap.
    public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int) {
        let (t, c) = (sequenceLength, hiddenSize)
        let paddedFloats = (paddedRows * paddedColumns + 15) / 16 * 16
        let parallel = RealSpectrumFFT.prefersBatchParallelism(batch: batch)
        Parallelism.forEachChunk(of: batch, chunks: parallel ? Parallelism.threads : 1) { examples in
            // Padded input (zeros outside the example, written once), then the half spectrum.
            let scratch = TensorStorage(count: paddedFloats + spectrumFloats, zeroed: true)
            let (padded, spectrum) = (scratch.pointer, scratch.pointer + paddedFloats)
            let plan = parallel ? singleThreadPlan : multiThreadPlan
            for b in examples {
                let x = input + b * t * c
                if paddedColumns == c {
                    padded.update(from: x, count: t * c)
                } else {
                    for row in 0..<t { (padded + row * paddedColumns).update(from: x + row * c, count: c) }
                }
                let y = output + b * t * c
                if packed {
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
