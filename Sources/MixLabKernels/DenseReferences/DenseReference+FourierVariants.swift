import Foundation
import MixLabCore

/// Dense Double twins of the Fourier variants: zero-padded FNet, FNet keeping the phase, and the global
/// filter (GFNet). Definitions only: explicit DFT matrices, no FFT.
extension DenseReference {
    /// The top-left `n×n` block of the `p`-point DFT matrix, `F_p[j, k] = exp(−2πi·jk/p)` for `j, k < n`.
    ///
    /// Returns `cos(2π·jk/p)` and `−sin(2π·jk/p)` as row-major `n×n` arrays; `p = n` is `dftMatrix(n)`.
    /// Both blocks are symmetric. Applying it to `x` equals the first `n` outputs of the `p`-point DFT of
    /// `x` zero-padded to length `p` (`np.fft.fft(x, n=p)[:n]`).
    public static func croppedDFTMatrix(_ n: Int, transformLength p: Int) -> (real: [Double], imaginary: [Double]) {
        precondition(p >= n && n >= 1)
        var real = [Double](repeating: 0, count: n * n)
        var imaginary = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            for k in 0..<n {
                let angle = 2 * Double.pi * Double((j * k) % p) / Double(p)
                real[j * n + k] = cos(angle)
                imaginary[j * n + k] = -sin(angle)
            }
        }
        return (real, imaginary)
    }

    /// The real and imaginary parts of `M_T · X · M_C` (or one factor, per `axes`), where `M_n` is the
    /// cropped DFT matrix `croppedDFTMatrix(n, transformLength: p_n)` and `p_n = paddingFactor·n`.
    ///
    /// `paddingFactor = 1` is the plain 2-D DFT (`np.fft.fftn(x, axes=…)`); `2` is the DFT of `x`
    /// zero-padded to twice its length on each transformed axis, cropped back
    /// (`np.fft.fftn(x, s=(2T, 2C), axes=(1, 2))[:, :T, :C]`). With `M = A + iB`:
    /// `M_T X M_C = (A X A − B X B) + i(A X B + B X A)`.
    public static func partsOfDFT(
        _ x: [Double], shape: [Int], axes: MixingAxes, paddingFactor: Int = 1
    ) -> (real: [Double], imaginary: [Double]) {
        let (length, hidden) = (shape[1], shape[2])
        switch axes {
        case .sequence:
            let (a, b) = croppedDFTMatrix(length, transformLength: paddingFactor * length)
            return (applyAlongSequence(a, to: x, shape: shape), applyAlongSequence(b, to: x, shape: shape))
        case .hidden:
            let (a, b) = croppedDFTMatrix(hidden, transformLength: paddingFactor * hidden)
            return (applyAlongHidden(a, to: x, shape: shape), applyAlongHidden(b, to: x, shape: shape))
        case .both:
            let (aT, bT) = croppedDFTMatrix(length, transformLength: paddingFactor * length)
            let (aC, bC) = croppedDFTMatrix(hidden, transformLength: paddingFactor * hidden)
            let xa = applyAlongHidden(aC, to: x, shape: shape)
            let xb = applyAlongHidden(bC, to: x, shape: shape)
            let aXa = applyAlongSequence(aT, to: xa, shape: shape), bXb = applyAlongSequence(bT, to: xb, shape: shape)
            let aXb = applyAlongSequence(aT, to: xb, shape: shape), bXa = applyAlongSequence(bT, to: xa, shape: shape)
            return (zip(aXa, bXb).map { $0 - $1 }, zip(aXb, bXa).map { $0 + $1 })
        }
    }

    /// numpy's `irfft2(W ⊙ rfft2(x), s=(T, C))` over `(T, C)` for `both`, or `irfft(W ⊙ rfft(x))` along
    /// one axis, by explicit DFT sums; `W` is given by its real and imaginary parts, row-major over the
    /// half spectrum (`T × (C/2+1)`, or `(T/2+1) × C` for `sequence`).
    ///
    /// The inverse follows numpy's definition for any `U = W ⊙ Z`, Hermitian or not: a complex inverse DFT
    /// over the non-halved transformed axis, then along the halved axis of length m
    /// `y[j] = (1/m) Σ_{q ≤ m/2} w_q · Re(V[q] e^{+2πi·qj/m})` with `w_q = 1` for `q = 0` and `q = m/2`,
    /// `2` otherwise — the imaginary parts of bins 0 and m/2 are dropped.
    public static func globalFilter(
        _ x: [Double], shape: [Int], axes: MixingAxes, filterReal: [Double], filterImaginary: [Double]
    ) -> [Double] {
        let (batch, t, c) = (shape[0], shape[1], shape[2])
        let (ft, fc) = (dftMatrix(t), dftMatrix(c))
        let halved = axes == .sequence ? t : c
        let weight: (Int) -> Double = { $0 == 0 || 2 * $0 == halved ? 1 : 2 }
        var y = [Double](repeating: 0, count: x.count)
        for b in 0..<batch {
            let offset = b * t * c
            switch axes {
            case .sequence:
                let rows = t / 2 + 1
                precondition(filterReal.count == rows * c && filterImaginary.count == rows * c)
                for k in 0..<rows {
                    for m in 0..<c {
                        // Z[k, m] = Σ_j F_T[k, j] x[j, m]; U = W ⊙ Z.
                        var (zr, zi) = (0.0, 0.0)
                        for j in 0..<t {
                            zr += ft.real[k * t + j] * x[offset + j * c + m]
                            zi += ft.imaginary[k * t + j] * x[offset + j * c + m]
                        }
                        let (wr, wi) = (filterReal[k * c + m], filterImaginary[k * c + m])
                        let (ur, ui) = (wr * zr - wi * zi, wr * zi + wi * zr)
                        // y[j, m] += (w_k/T) Re(U e^{+2πi kj/T}); e^{+…} = conj F_T[k, j].
                        for j in 0..<t {
                            let (er, ei) = (ft.real[k * t + j], -ft.imaginary[k * t + j])
                            y[offset + j * c + m] += weight(k) / Double(t) * (ur * er - ui * ei)
                        }
                    }
                }
            case .hidden, .both:
                let columns = c / 2 + 1
                precondition(filterReal.count == t * columns && filterImaginary.count == t * columns)
                // P[j, l] = Σ_m x[j, m] F_C[l, m], l < C/2 + 1.
                var pr = [Double](repeating: 0, count: t * columns), pi = pr
                for j in 0..<t {
                    for l in 0..<columns {
                        for m in 0..<c {
                            pr[j * columns + l] += fc.real[l * c + m] * x[offset + j * c + m]
                            pi[j * columns + l] += fc.imaginary[l * c + m] * x[offset + j * c + m]
                        }
                    }
                }
                // Z = F_T · P along the sequence (both), or P itself (hidden).
                var zr = pr, zi = pi
                if axes == .both {
                    zr = [Double](repeating: 0, count: t * columns)
                    zi = zr
                    for k in 0..<t {
                        for j in 0..<t {
                            let (fr, fi) = (ft.real[k * t + j], ft.imaginary[k * t + j])
                            for l in 0..<columns {
                                zr[k * columns + l] += fr * pr[j * columns + l] - fi * pi[j * columns + l]
                                zi[k * columns + l] += fr * pi[j * columns + l] + fi * pr[j * columns + l]
                            }
                        }
                    }
                }
                // U = W ⊙ Z.
                var ur = zr, ui = zi
                for i in 0..<(t * columns) {
                    ur[i] = filterReal[i] * zr[i] - filterImaginary[i] * zi[i]
                    ui[i] = filterReal[i] * zi[i] + filterImaginary[i] * zr[i]
                }
                // V = conj(F_T) · U along the sequence (both; complex inverse DFT without 1/T), or U.
                var vr = ur, vi = ui
                if axes == .both {
                    vr = [Double](repeating: 0, count: t * columns)
                    vi = vr
                    for j in 0..<t {
                        for k in 0..<t {
                            let (er, ei) = (ft.real[j * t + k], -ft.imaginary[j * t + k])
                            for l in 0..<columns {
                                vr[j * columns + l] += er * ur[k * columns + l] - ei * ui[k * columns + l]
                                vi[j * columns + l] += er * ui[k * columns + l] + ei * ur[k * columns + l]
                            }
                        }
                    }
                }
                // y[j, m] = (1/n) Σ_l w_l Re(V[j, l] e^{+2πi lm/C}).
                let n = Double(axes == .both ? t * c : c)
                for j in 0..<t {
                    for m in 0..<c {
                        var sum = 0.0
                        for l in 0..<columns {
                            let (er, ei) = (fc.real[l * c + m], -fc.imaginary[l * c + m])
                            sum += weight(l) * (vr[j * columns + l] * er - vi[j * columns + l] * ei)
                        }
                        y[offset + j * c + m] = sum / n
                    }
                }
            }
        }
        return y
    }
}
