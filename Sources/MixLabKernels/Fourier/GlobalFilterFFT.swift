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
/// **Packed sequence transforms.** Along the sequence alone with an even C, `RealSpectrumFFT` packs
/// columns `2m`, `2m+1` as one complex column `V = F_T(x_{2m} + i·x_{2m+1})`. The filter then acts on a
/// packed spectrum as `U[k] = A[k]·V[k] + B[k]·conj V[T − k]` with `A = (H_{2m} + H_{2m+1})/2`,
/// `B = (H_{2m} − H_{2m+1})/2` (`H` the Hermitian-extended effective filter), which equals
/// `H_{2m}·F x_{2m} + i·H_{2m+1}·F x_{2m+1}`; one complex inverse FFT returns both filtered columns. The
/// filter gradient unpacks `F x_{2m}[k] = (V[k] + conj V[T−k])/2`, `F x_{2m+1}[k] = −i(V[k] − conj V[T−k])/2`.
///
/// Work per example: one forward and one inverse FFT plus one complex multiply per bin; the backward
/// pass adds two FFTs (one when the forward spectra were kept) and one multiply-accumulate per bin.
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

    /// The filter the kernels multiply by, in the form `apply` and `backward` expect.
    ///
    /// `real` and `imaginary` are `W`, row-major `rows × columns`. For the half-spectrum layout the result
    /// is `H` (the filter for `use`: `P(W)/n`, its conjugate, or `1/(n·P(W))`), interleaved complex,
    /// `2·rows·columns` floats. For packed column pairs (`RealSpectrumFFT.Layout.packedColumns`) it is
    /// `[A | B]`, two `T × C/2` complex arrays: with `H_c[k]` extended to every k ∈ [0, T) by
    /// `H_c[T − k] = conj H_c[k]`, `A = (H_{2m} + H_{2m+1})/2` and `B = (H_{2m} − H_{2m+1})/2`, so that the
    /// packed product is `U[k] = A[k]·V[k] + B[k]·conj V[T − k]` (`= H_{2m} F x_{2m} + i·H_{2m+1} F x_{2m+1}`).
    public func effectiveFilter(real: UnsafePointer<Float>, imaginary: UnsafePointer<Float>, for use: FilterUse) -> [Float] {
        var w = projected(real: real, imaginary: imaginary)
        let n = Double(transform.length)
        for i in 0..<(w.count / 2) {
            let (re, im) = (w[2 * i], w[2 * i + 1])
            switch use {
            case .forward: (w[2 * i], w[2 * i + 1]) = (re / n, im / n)
            case .adjoint: (w[2 * i], w[2 * i + 1]) = (re / n, -im / n)
            case .inverse:
                let modulus2 = re * re + im * im
                (w[2 * i], w[2 * i + 1]) = (re / (n * modulus2), -im / (n * modulus2))
            }
        }
        guard transform.layout == .packedColumns else { return w.map(Float.init) }
        let (t, c) = (transform.sequenceLength, transform.hiddenSize)
        let pairs = c / 2
        var result = [Float](repeating: 0, count: 2 * 2 * t * pairs)
        for k in 0..<t {
            // H_c[k] from the half spectrum: row k, or the conjugate of row T − k.
            let (row, sign) = k <= t / 2 ? (k, 1.0) : (t - k, -1.0)
            for m in 0..<pairs {
                let even = 2 * (row * c + 2 * m), odd = even + 2
                let (er, ei) = (w[even], sign * w[even + 1])
                let (or, oi) = (w[odd], sign * w[odd + 1])
                let a = 2 * (k * pairs + m), b = 2 * t * pairs + a
                (result[a], result[a + 1]) = (Float((er + or) / 2), Float((ei + oi) / 2))
                (result[b], result[b + 1]) = (Float((er - or) / 2), Float((ei - oi) / 2))
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
        let packed = transform.layout == .packedColumns
        let parallel = RealSpectrumFFT.prefersBatchParallelism(batch: batch)
        Parallelism.forEachChunk(of: batch, chunks: parallel ? Parallelism.threads : 1) { examples in
            // The product (destroyed by the inverse), and the forward spectrum when it is not kept.
            let scratch = TensorStorage(count: 2 * stride, zeroed: false)
            let product = scratch.pointer
            for b in examples {
                let z = spectra.map { $0 + b * stride } ?? (packed ? scratch.pointer + stride : product)
                transform.forward(input + b * exampleSize, z, threaded: !parallel)
                if packed {
                    multiplyPacked(z, filter, into: product)
                } else {
                    multiplyComplex(z, filter, into: product, count: bins)
                }
                transform.inverse(product, output + b * exampleSize, threaded: !parallel)
            }
        }
    }

    /// `U[k] = A[k]·V[k] + B[k]·conj V[(T − k) mod T]` for packed spectra (`A`, `B` from `effectiveFilter`).
    private func multiplyPacked(_ v: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        let (t, pairs, rowStride) = (transform.sequenceLength, transform.hiddenSize / 2, transform.storedRowStride)
        let b = filter + 2 * t * pairs
        for k in 0..<t {
            let mirror = (t - k) % t
            multiplyPackedRow(
                v + k * rowStride, v + mirror * rowStride, filter + 2 * k * pairs, b + 2 * k * pairs,
                into: u + k * rowStride, count: pairs)
        }
    }

    /// Adds `∂ℓ/∂W` of one example to `partial` (filter layout, `(T/2+1) × C` complex) from packed spectra
    /// `V = F(x_{2m} + i·x_{2m+1})` and `Ĝ` of the output gradient: `F x_{2m}[k] = (V[k] + conj V[k'])/2`,
    /// `F x_{2m+1}[k] = −i(V[k] − conj V[k'])/2` (likewise for G), then `conj(Z)·(w_k/T)·Ĝ` per column.
    private func accumulatePackedFilterGradient(
        _ v: UnsafePointer<Float>, _ g: UnsafePointer<Float>, weights: UnsafePointer<Float>,
        into partial: UnsafeMutablePointer<Float>
    ) {
        let (t, c, rowStride) = (transform.sequenceLength, transform.hiddenSize, transform.storedRowStride)
        for k in 0...(t / 2) {
            let mirror = (t - k) % t
            let (vk, vm, gk, gm) = (v + k * rowStride, v + mirror * rowStride, g + k * rowStride, g + mirror * rowStride)
            let p = partial + 2 * k * c
            let weight = weights[k * c]  // w_k / T, the same for every column of row k
            for m in 0..<(c / 2) {
                let (ar, ai, br, bi) = (vk[2 * m], vk[2 * m + 1], vm[2 * m], vm[2 * m + 1])
                let (cr, ci, dr, di) = (gk[2 * m], gk[2 * m + 1], gm[2 * m], gm[2 * m + 1])
                // Z_even = (a + conj b)/2, Z_odd = −i(a − conj b)/2; likewise G from c, d.
                let (zer, zei, zor, zoi) = ((ar + br) / 2, (ai - bi) / 2, (ai + bi) / 2, (br - ar) / 2)
                let (ger, gei, gor, goi) = ((cr + dr) / 2, (ci - di) / 2, (ci + di) / 2, (dr - cr) / 2)
                p[4 * m] += weight * (zer * ger + zei * gei)
                p[4 * m + 1] += weight * (zer * gei - zei * ger)
                p[4 * m + 2] += weight * (zor * gor + zoi * goi)
                p[4 * m + 3] += weight * (zor * goi - zoi * gor)
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
        let packed = transform.layout == .packedColumns
        let parallel = RealSpectrumFFT.prefersBatchParallelism(batch: batch)
        let chunks = parallel ? max(1, min(Parallelism.threads, batch)) : 1
        // One filter-gradient sum per chunk, added in chunk order afterwards.
        let partials = TensorStorage(count: chunks * 2 * bins, zeroed: true)
        gradientWeights.withUnsafeBufferPointer { weights in
            Parallelism.forEachChunk(of: batch, chunks: chunks) { examples in
                let chunk = (0..<chunks).first { Parallelism.chunkRange($0, of: batch, chunks: chunks) == examples }!
                let partial = partials.pointer + chunk * 2 * bins
                // Ĝ, then the forward spectrum when it was not kept (later the packed product).
                let scratch = TensorStorage(count: 2 * stride, zeroed: false)
                let (gradientSpectrum, second) = (scratch.pointer, scratch.pointer + stride)
                for b in examples {
                    transform.forward(outputGradient + b * exampleSize, gradientSpectrum, threaded: !parallel)
                    let z: UnsafePointer<Float>
                    if let spectra {
                        z = spectra + b * stride
                    } else {
                        transform.forward(input + b * exampleSize, second, threaded: !parallel)
                        z = UnsafePointer(second)
                    }
                    if packed {
                        accumulatePackedFilterGradient(z, gradientSpectrum, weights: weights.baseAddress!, into: partial)
                        multiplyPacked(gradientSpectrum, adjointFilter, into: second)
                        transform.inverse(second, inputGradient + b * exampleSize, threaded: !parallel)
                    } else {
                        accumulateFilterGradient(z, gradientSpectrum, weights: weights.baseAddress!, into: partial, count: bins)
                        multiplyComplex(gradientSpectrum, adjointFilter, into: gradientSpectrum, count: bins)
                        transform.inverse(gradientSpectrum, inputGradient + b * exampleSize, threaded: !parallel)
                    }
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

/// `u[m] = a[m]·v[m] + b[m]·conj(w[m])` for `n` interleaved complex numbers (one packed row).
@inline(__always)
private func multiplyPackedRow(
    _ v: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    into u: UnsafeMutablePointer<Float>, count n: Int
) {
    var i = 0
    while i + 8 <= n {
        let vv = UnsafeRawPointer(v + 2 * i).loadUnaligned(as: SIMD16<Float>.self)
        let wv = UnsafeRawPointer(w + 2 * i).loadUnaligned(as: SIMD16<Float>.self)
        let av = UnsafeRawPointer(a + 2 * i).loadUnaligned(as: SIMD16<Float>.self)
        let bv = UnsafeRawPointer(b + 2 * i).loadUnaligned(as: SIMD16<Float>.self)
        let (vr, vi, wr, wi) = (vv.evenHalf, vv.oddHalf, wv.evenHalf, wv.oddHalf)
        let (ar, ai, br, bi) = (av.evenHalf, av.oddHalf, bv.evenHalf, bv.oddHalf)
        let re = ar * vr - ai * vi + br * wr + bi * wi
        let im = ar * vi + ai * vr + bi * wr - br * wi
        UnsafeMutableRawPointer(u + 2 * i).storeBytes(of: interleave(re, im), as: SIMD16<Float>.self)
        i += 8
    }
    while i < n {
        let (vr, vi, wr, wi) = (v[2 * i], v[2 * i + 1], w[2 * i], w[2 * i + 1])
        let (ar, ai, br, bi) = (a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1])
        u[2 * i] = ar * vr - ai * vi + br * wr + bi * wi
        u[2 * i + 1] = ar * vi + ai * vr + bi * wr - br * wi
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
