import MixLabCore

/// A learned global filter on the half spectrum, `Y = irfft(W ⊙ rfft(X))`, and its gradients, via FFTW.
///
/// Shapes and conventions are those of `RealSpectrumFFT` (numpy's `rfft2`/`irfft2`, or `rfft`/`irfft`
/// along one axis): the filter `W` has one complex value per half-spectrum bin, `rows × columns`.
///
/// **The operator.** numpy's `irfft` reads only the Hermitian part of a half spectrum where a bin pairs
/// with itself (it drops the imaginary part of bins 0 and n_h/2 after the complex inverse along the other
/// axis), so for any `W`
///
///     Y = L(W ⊙ Z),  Z = rfft(X),  L(U)[t, c] = (1/n) Σ_{k,l} w_{kl} · Re(U[k, l] · e^{+2πi(kt/T + lc/C)})
///
/// with `w_{kl}` the bin weight (1 for self-paired bins, 2 otherwise; `RealSpectrumFFT.binWeight`) and the
/// sum over the half spectrum. FFTW's complex-to-real transform is only defined for Hermitian-consistent
/// input, so the kernel multiplies by the *effective* filter `P(W)`: `W` with its self-paired bins replaced
/// by their Hermitian part, `(W[k, l] + conj(W[−k, l]))/2` along T for `both`, `Re W` for one axis.
/// `P(W) ⊙ Z` is then Hermitian-consistent and `L(P(W) ⊙ Z) = L(W ⊙ Z)` exactly (Z is Hermitian there).
///
/// **Gradients.** With `G = ∂ℓ/∂Y` and `Ĝ = rfft(G)`, the adjoint of `L` for the real inner product
/// `⟨A, B⟩ = Σ Re(conj(A)·B)` is `L*(G) = (w/n) ⊙ Ĝ` — the bin weights appear here, not `1/n` alone.
/// Hence `∂ℓ/∂W = conj(Z) ⊙ (w/n) ⊙ Ĝ`, summed over the batch (real part → `∂ℓ/∂Re W`, imaginary part →
/// `∂ℓ/∂Im W`). The adjoint of `rfft` is `rfft*(V)[t, c] = Re Σ_{k,l} V[k, l] e^{+2πi(…)} = n·L(V/w)`,
/// so the weights cancel in `∂ℓ/∂X = rfft*(conj(W) ⊙ L*(G)) = L(conj(W) ⊙ Ĝ) = irfft(conj(P(W)) ⊙ Ĝ)`:
/// the same kernel with the conjugate effective filter.
///
/// **Inverse.** `rfft(L(P(W) ⊙ Z)) = P(W) ⊙ Z`, so `X = irfft(rfft(Y) / P(W))` wherever `P(W)` has no
/// zero; `1/P(W)` is Hermitian-consistent like `P(W)`.
///
/// Work per example: one forward and one inverse real FFT plus one complex multiply per bin; the backward
/// pass adds two real FFTs (one when the forward spectra were kept) and one multiply-accumulate per bin.
/// Examples are split over threads in fixed chunks; each chunk sums its own filter gradient, and chunks
/// are added in order (deterministic for a given thread count).
public final class GlobalFilterFFT: @unchecked Sendable {
    /// The transforms and the half-spectrum layout.
    public let transform: RealSpectrumFFT
    /// `binWeight / length` per half-spectrum bin (the adjoint of the inverse transform), row-major.
    private let gradientWeights: [Float]

    /// How an effective filter will be used.
    public enum FilterUse: Sendable {
        /// `P(W) / n`, for the forward pass.
        case forward
        /// `conj(P(W)) / n`, for the input gradient.
        case adjoint
        /// `1 / (n·P(W))`, for the inverse (no check for zeros: see `projectedModulusRange`).
        case inverse
    }

    /// Plans the transforms for examples of shape `(sequenceLength, hiddenSize)`.
    ///
    /// - Throws: `MixLabError` when FFTW cannot plan the shape.
    public init(sequenceLength: Int, hiddenSize: Int, axes: MixingAxes) throws {
        let transform = try RealSpectrumFFT(sequenceLength: sequenceLength, hiddenSize: hiddenSize, axes: axes)
        self.transform = transform
        var weights = [Float](repeating: 0, count: transform.rows * transform.columns)
        for k in 0..<transform.rows {
            for l in 0..<transform.columns {
                weights[k * transform.columns + l] = Float(transform.binWeight(row: k, column: l)) / Float(transform.length)
            }
        }
        gradientWeights = weights
    }

    /// The Hermitian projection `P(W)` as interleaved complex Doubles (row-major, `rows × columns`).
    private func projected(real: UnsafePointer<Float>, imaginary: UnsafePointer<Float>) -> [Double] {
        let (rows, columns) = (transform.rows, transform.columns)
        var w = [Double](repeating: 0, count: 2 * rows * columns)
        for i in 0..<(rows * columns) {
            w[2 * i] = Double(real[i])
            w[2 * i + 1] = Double(imaginary[i])
        }
        // Self-paired bins: along T for `both` (a Hermitian column), alone otherwise (a real value).
        for bin in transform.selfPairedBins {
            switch transform.axes {
            case .both:
                let t = transform.sequenceLength
                for k in 0...(t / 2) {
                    let (a, b) = (k * columns + bin, ((t - k) % t) * columns + bin)
                    let re = (Double(real[a]) + Double(real[b])) / 2
                    let im = (Double(imaginary[a]) - Double(imaginary[b])) / 2
                    (w[2 * a], w[2 * a + 1]) = (re, im)
                    (w[2 * b], w[2 * b + 1]) = (re, -im)
                }
            case .hidden:
                for k in 0..<rows { w[2 * (k * columns + bin) + 1] = 0 }
            case .sequence:
                for l in 0..<columns { w[2 * (bin * columns + l) + 1] = 0 }
            }
        }
        return w
    }

    /// The filter the kernels multiply by, interleaved complex, `2·rows·columns` floats.
    ///
    /// `real` and `imaginary` are `W`, row-major `rows × columns`.
    public func effectiveFilter(real: UnsafePointer<Float>, imaginary: UnsafePointer<Float>, for use: FilterUse) -> [Float] {
        let w = projected(real: real, imaginary: imaginary)
        let n = Double(transform.length)
        var result = [Float](repeating: 0, count: w.count)
        for i in 0..<(w.count / 2) {
            let (re, im) = (w[2 * i], w[2 * i + 1])
            switch use {
            case .forward: (result[2 * i], result[2 * i + 1]) = (Float(re / n), Float(im / n))
            case .adjoint: (result[2 * i], result[2 * i + 1]) = (Float(re / n), Float(-im / n))
            case .inverse:
                let modulus2 = re * re + im * im
                (result[2 * i], result[2 * i + 1]) = (Float(re / (n * modulus2)), Float(-im / (n * modulus2)))
            }
        }
        return result
    }

    /// The smallest and largest modulus of `P(W)`, and the bin `(row, column)` of the smallest; both
    /// moduli are NaN, and the bin is the first non-finite one, when `W` holds a NaN or an infinity.
    public func projectedModulusRange(
        real: UnsafePointer<Float>, imaginary: UnsafePointer<Float>
    ) -> (minimum: Double, row: Int, column: Int, maximum: Double) {
        let w = projected(real: real, imaginary: imaginary)
        let columns = transform.columns
        var (minimum, at, maximum) = (Double.infinity, 0, 0.0)
        for i in 0..<(w.count / 2) {
            guard w[2 * i].isFinite && w[2 * i + 1].isFinite else { return (.nan, i / columns, i % columns, .nan) }
            let modulus = (w[2 * i] * w[2 * i] + w[2 * i + 1] * w[2 * i + 1]).squareRoot()
            if modulus < minimum { (minimum, at) = (modulus, i) }
            maximum = max(maximum, modulus)
        }
        return (minimum, at / columns, at % columns, maximum)
    }

    /// `Y = irfft(filter ⊙ rfft(X))` for `batch` examples, with `filter` from `effectiveFilter`.
    ///
    /// When `spectra` is given (`batch · transform.spectrumStride` floats, 64-byte aligned), each
    /// example's `rfft(X)` is kept there for `backward`. `input` and `output` must not overlap.
    public func apply(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, filter: UnsafePointer<Float>,
        spectra: UnsafeMutablePointer<Float>?
    ) {
        let exampleSize = transform.sequenceLength * transform.hiddenSize
        let (stride, bins) = (transform.spectrumStride, transform.rows * transform.columns)
        let parallel = RealSpectrumFFT.prefersBatchParallelism(batch: batch)
        Parallelism.forEachChunk(of: batch, chunks: parallel ? Parallelism.threads : 1) { examples in
            let scratch = TensorStorage(count: stride, zeroed: false)
            for b in examples {
                let z = spectra.map { $0 + b * stride } ?? scratch.pointer
                transform.forward(input + b * exampleSize, z, threaded: !parallel)
                multiplyComplex(z, filter, into: scratch.pointer, count: bins)
                transform.inverse(scratch.pointer, output + b * exampleSize, threaded: !parallel)
            }
        }
    }

    /// The input gradient `irfft(adjointFilter ⊙ rfft(G))` into `inputGradient`, and `∂ℓ/∂W` added into
    /// `filterGradient` (interleaved complex, `2·rows·columns` floats).
    ///
    /// The forward spectra come from `spectra` when the forward pass kept them, otherwise they are
    /// recomputed from `input`. `adjointFilter` comes from `effectiveFilter(…, for: .adjoint)`.
    public func backward(
        _ outputGradient: UnsafePointer<Float>, batch: Int, adjointFilter: UnsafePointer<Float>,
        input: UnsafePointer<Float>, spectra: UnsafePointer<Float>?, inputGradient: UnsafeMutablePointer<Float>,
        filterGradient: UnsafeMutablePointer<Float>
    ) {
        let exampleSize = transform.sequenceLength * transform.hiddenSize
        let (stride, bins) = (transform.spectrumStride, transform.rows * transform.columns)
        let parallel = RealSpectrumFFT.prefersBatchParallelism(batch: batch)
        let chunks = parallel ? max(1, min(Parallelism.threads, batch)) : 1
        // One filter-gradient sum per chunk, added in chunk order afterwards.
        let partials = TensorStorage(count: chunks * 2 * bins, zeroed: true)
        gradientWeights.withUnsafeBufferPointer { weights in
            Parallelism.forEachChunk(of: batch, chunks: chunks) { examples in
                let chunk = (0..<chunks).first { Parallelism.chunkRange($0, of: batch, chunks: chunks) == examples }!
                let partial = partials.pointer + chunk * 2 * bins
                let gradientSpectrum = TensorStorage(count: stride, zeroed: false)
                let recomputed = spectra == nil ? TensorStorage(count: stride, zeroed: false) : nil
                for b in examples {
                    transform.forward(outputGradient + b * exampleSize, gradientSpectrum.pointer, threaded: !parallel)
                    let z: UnsafePointer<Float>
                    if let spectra {
                        z = spectra + b * stride
                    } else {
                        transform.forward(input + b * exampleSize, recomputed!.pointer, threaded: !parallel)
                        z = UnsafePointer(recomputed!.pointer)
                    }
                    accumulateFilterGradient(z, gradientSpectrum.pointer, weights: weights.baseAddress!, into: partial, count: bins)
                    multiplyComplex(gradientSpectrum.pointer, adjointFilter, into: gradientSpectrum.pointer, count: bins)
                    transform.inverse(gradientSpectrum.pointer, inputGradient + b * exampleSize, threaded: !parallel)
                }
            }
        }
        for chunk in 0..<chunks {
            let partial = partials.pointer + chunk * 2 * bins
            for i in 0..<(2 * bins) { filterGradient[i] += partial[i] }
        }
    }
}

/// `u[i] = z[i] · w[i]` for `n` interleaved complex numbers (`u` may be `z`).
@inline(__always)
private func multiplyComplex(
    _ z: UnsafePointer<Float>, _ w: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>, count n: Int
) {
    var i = 0
    while i + 8 <= n {
        let zv = UnsafeRawPointer(z + 2 * i).loadUnaligned(as: SIMD16<Float>.self)
        let wv = UnsafeRawPointer(w + 2 * i).loadUnaligned(as: SIMD16<Float>.self)
        let (zr, zi, wr, wi) = (zv.evenHalf, zv.oddHalf, wv.evenHalf, wv.oddHalf)
        let re = zr * wr - zi * wi
        let im = zr * wi + zi * wr
        UnsafeMutableRawPointer(u + 2 * i).storeBytes(of: interleave(re, im), as: SIMD16<Float>.self)
        i += 8
    }
    while i < n {
        let (zr, zi, wr, wi) = (z[2 * i], z[2 * i + 1], w[2 * i], w[2 * i + 1])
        u[2 * i] = zr * wr - zi * wi
        u[2 * i + 1] = zr * wi + zi * wr
        i += 1
    }
}

/// `p[i] += weight[i] · conj(z[i]) · g[i]` for `n` interleaved complex numbers.
@inline(__always)
private func accumulateFilterGradient(
    _ z: UnsafePointer<Float>, _ g: UnsafePointer<Float>, weights: UnsafePointer<Float>,
    into p: UnsafeMutablePointer<Float>, count n: Int
) {
    var i = 0
    while i + 8 <= n {
        let zv = UnsafeRawPointer(z + 2 * i).loadUnaligned(as: SIMD16<Float>.self)
        let gv = UnsafeRawPointer(g + 2 * i).loadUnaligned(as: SIMD16<Float>.self)
        let weight = UnsafeRawPointer(weights + i).loadUnaligned(as: SIMD8<Float>.self)
        let (zr, zi, gr, gi) = (zv.evenHalf, zv.oddHalf, gv.evenHalf, gv.oddHalf)
        let re = weight * (zr * gr + zi * gi)
        let im = weight * (zr * gi - zi * gr)
        let sum = UnsafeRawPointer(p + 2 * i).loadUnaligned(as: SIMD16<Float>.self) + interleave(re, im)
        UnsafeMutableRawPointer(p + 2 * i).storeBytes(of: sum, as: SIMD16<Float>.self)
        i += 8
    }
    while i < n {
        let (zr, zi, gr, gi) = (z[2 * i], z[2 * i + 1], g[2 * i], g[2 * i + 1])
        p[2 * i] += weights[i] * (zr * gr + zi * gi)
        p[2 * i + 1] += weights[i] * (zr * gi - zi * gr)
        i += 1
    }
}

/// `(a0, b0, a1, b1, …)` from two vectors of 8.
@inline(__always)
private func interleave(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD16<Float> {
    SIMD16<Float>(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
}
