import MixLabCore

/// `y = α ⊙ Re(F_T·X·F_C) + β ⊙ Im(F_T·X·F_C)` (or along one axis) with per-feature weights, and its
/// gradients, via FFTW and a Hermitian unpacking.
///
/// Each example goes through one FFT of real data (`RealSpectrumFFT`: real-to-complex, or packed column
/// pairs along the sequence); every row of the full spectrum is rebuilt from the stored spectrum
/// (`unpackRow`: mirrored entries are conjugated, so their imaginary parts change sign) and combined as
/// `α[c]·Re + β[c]·Im` on the fly.
///
/// With `R(X) = Re(F_T X F_C)` and `I(X) = Im(F_T X F_C)` — both symmetric linear maps, since
/// `R = A_T X A_C − S_T X S_C` and `I = −(S_T X A_C + A_T X S_C)` with the symmetric cosine and sine
/// matrices `A`, `S` — the gradients for an output gradient `G` are
///
///     ∂ℓ/∂X = R(α ⊙ G) + I(β ⊙ G),   ∂ℓ/∂α[c] = Σ_{b,t} G ⊙ R(X),   ∂ℓ/∂β[c] = Σ_{b,t} G ⊙ I(X):
///
/// two more FFTs for the input gradient (of `α ⊙ G` and of `β ⊙ G`) and the forward spectra, kept
/// by the forward pass or recomputed (one more FFT). Examples are split over threads in fixed chunks; each
/// chunk sums its own weight gradients, and chunks are added in order (deterministic for a given thread
/// count).
public final class PhaseFourierFFT: @unchecked Sendable {
    /// The forward transform and the half-spectrum layout.
    public let transform: RealSpectrumFFT

    /// Plans the transform for examples of shape `(sequenceLength, hiddenSize)`.
    ///
    /// - Throws: `MixLabError` when FFTW cannot plan the shape.
    public init(sequenceLength: Int, hiddenSize: Int, axes: MixingAxes) throws {
        transform = try RealSpectrumFFT(sequenceLength: sequenceLength, hiddenSize: hiddenSize, axes: axes)
    }

    /// Writes `α ⊙ Re + β ⊙ Im` of each example's transform to `output`; `α`, `β` hold C values.
    ///
    /// When `spectra` is given (`batch · transform.spectrumStride` floats, 64-byte aligned), each example's
    /// half spectrum is kept there for `backward`. `input` and `output` must not overlap.
    public func apply(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int,
        realWeight alpha: UnsafePointer<Float>, imaginaryWeight beta: UnsafePointer<Float>,
        spectra: UnsafeMutablePointer<Float>?
    ) {
        let (t, c) = (transform.sequenceLength, transform.hiddenSize)
        let stride = transform.spectrumStride
        let parallel = RealSpectrumFFT.prefersBatchParallelism(batch: batch)
        Parallelism.forEachChunk(of: batch, chunks: parallel ? Parallelism.threads : 1) { examples in
            let scratch = TensorStorage(count: stride + 2 * c, zeroed: false)
            let (real, imaginary) = (scratch.pointer + stride, scratch.pointer + stride + c)
            for b in examples {
                let z = spectra.map { $0 + b * stride } ?? scratch.pointer
                transform.forward(input + b * t * c, z, threaded: !parallel)
                for row in 0..<t {
                    transform.unpackRow(z, row: row, real: real, imaginary: imaginary)
                    combine(real, alpha, imaginary, beta, into: output + (b * t + row) * c, count: c)
                }
            }
        }
    }

    /// The input gradient `R(α ⊙ G) + I(β ⊙ G)` into `inputGradient`; `∂ℓ/∂α` and `∂ℓ/∂β` (C values each)
    /// added into `realWeightGradient` and `imaginaryWeightGradient`.
    ///
    /// The forward spectra come from `spectra` when the forward pass kept them, otherwise they are
    /// recomputed from `input`.
    public func backward(
        _ outputGradient: UnsafePointer<Float>, batch: Int, realWeight alpha: UnsafePointer<Float>,
        imaginaryWeight beta: UnsafePointer<Float>, input: UnsafePointer<Float>, spectra: UnsafePointer<Float>?,
        inputGradient: UnsafeMutablePointer<Float>, realWeightGradient: UnsafeMutablePointer<Float>,
        imaginaryWeightGradient: UnsafeMutablePointer<Float>
    ) {
        let (t, c) = (transform.sequenceLength, transform.hiddenSize)
        let stride = transform.spectrumStride
        let parallel = RealSpectrumFFT.prefersBatchParallelism(batch: batch)
        let chunks = parallel ? max(1, min(Parallelism.threads, batch)) : 1
        // Per chunk: ∂ℓ/∂α then ∂ℓ/∂β, added in chunk order afterwards.
        let partials = TensorStorage(count: chunks * 2 * c, zeroed: true)
        Parallelism.forEachChunk(of: batch, chunks: chunks) { examples in
            let chunk = (0..<chunks).first { Parallelism.chunkRange($0, of: batch, chunks: chunks) == examples }!
            let (alphaGradient, betaGradient) = (partials.pointer + chunk * 2 * c, partials.pointer + chunk * 2 * c + c)
            let scaled = TensorStorage(count: t * c, zeroed: false)  // α ⊙ G, then β ⊙ G
            let spectrum = TensorStorage(count: stride, zeroed: false)
            let rows = TensorStorage(count: 2 * c, zeroed: false)
            let (real, imaginary) = (rows.pointer, rows.pointer + c)
            for b in examples {
                let g = outputGradient + b * t * c
                let dx = inputGradient + b * t * c
                // R(α ⊙ G) …
                scaleColumns(g, by: alpha, into: scaled.pointer, rows: t, columns: c)
                transform.forward(scaled.pointer, spectrum.pointer, threaded: !parallel)
                for row in 0..<t {
                    transform.unpackRow(spectrum.pointer, row: row, real: real, imaginary: imaginary)
                    (dx + row * c).update(from: real, count: c)
                }
                // … + I(β ⊙ G).
                scaleColumns(g, by: beta, into: scaled.pointer, rows: t, columns: c)
                transform.forward(scaled.pointer, spectrum.pointer, threaded: !parallel)
                for row in 0..<t {
                    transform.unpackRow(spectrum.pointer, row: row, real: real, imaginary: imaginary)
                    addInPlace(imaginary, into: dx + row * c, count: c)
                }
                // ∂ℓ/∂α += Σ_t G ⊙ R(X), ∂ℓ/∂β += Σ_t G ⊙ I(X).
                let z: UnsafePointer<Float>
                if let spectra {
                    z = spectra + b * stride
                } else {
                    transform.forward(input + b * t * c, spectrum.pointer, threaded: !parallel)
                    z = UnsafePointer(spectrum.pointer)
                }
                for row in 0..<t {
                    transform.unpackRow(z, row: row, real: real, imaginary: imaginary)
                    multiplyAdd(g + row * c, real, into: alphaGradient, count: c)
                    multiplyAdd(g + row * c, imaginary, into: betaGradient, count: c)
                }
            }
        }
        for chunk in 0..<chunks {
            let partial = partials.pointer + chunk * 2 * c
            for i in 0..<c {
                realWeightGradient[i] += partial[i]
                imaginaryWeightGradient[i] += partial[c + i]
            }
        }
    }
}

/// `out[i] = a[i]·α[i] + b[i]·β[i]` for `i < n`.
@inline(__always)
private func combine(
    _ a: UnsafePointer<Float>, _ alpha: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ beta: UnsafePointer<Float>,
    into out: UnsafeMutablePointer<Float>, count n: Int
) {
    var i = 0
    while i + 16 <= n {
        let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
        let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
        let p = UnsafeRawPointer(alpha + i).loadUnaligned(as: SIMD16<Float>.self)
        let q = UnsafeRawPointer(beta + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(out + i).storeBytes(of: x * p + y * q, as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        out[i] = a[i] * alpha[i] + b[i] * beta[i]
        i += 1
    }
}

/// `out[r, c] = g[r, c]·w[c]` for a row-major `rows × columns` block.
@inline(__always)
private func scaleColumns(
    _ g: UnsafePointer<Float>, by w: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, columns n: Int
) {
    for r in 0..<rows {
        let (source, target) = (g + r * n, out + r * n)
        var i = 0
        while i + 16 <= n {
            let x = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD16<Float>.self)
            let p = UnsafeRawPointer(w + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(target + i).storeBytes(of: x * p, as: SIMD16<Float>.self)
            i += 16
        }
        while i < n {
            target[i] = source[i] * w[i]
            i += 1
        }
    }
}

/// `out[i] += a[i]` for `i < n`.
@inline(__always)
private func addInPlace(_ a: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count n: Int) {
    var i = 0
    while i + 16 <= n {
        let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
        let y = UnsafeRawPointer(out + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(out + i).storeBytes(of: x + y, as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        out[i] += a[i]
        i += 1
    }
}

/// `out[i] += a[i]·b[i]` for `i < n`.
@inline(__always)
private func multiplyAdd(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count n: Int) {
    var i = 0
    while i + 16 <= n {
        let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
        let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
        let s = UnsafeRawPointer(out + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(out + i).storeBytes(of: s + x * y, as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        out[i] += a[i] * b[i]
        i += 1
    }
}
