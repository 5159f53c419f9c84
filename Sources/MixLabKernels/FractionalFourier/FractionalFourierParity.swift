import Foundation
import MixLabCore

/// Candan's orthogonal change of coordinates `P` that splits a length-N axis into its even and odd
/// parts, and the block-diagonal GEMMs that act in those coordinates.
///
///     (P·x)[0]            = x[0]
///     (P·x)[j]            = (x[j] + x[N−j]) / √2        j = 1 … h,  h = ⌊(N−1)/2⌋
///     (P·x)[h+1]          = x[N/2]                      (even N only)
///     (P·x)[E + j − 1]    = (x[N−j] − x[j]) / √2        j = 1 … h,  E = ⌊N/2⌋ + 1 (`evenCount`)
///
/// Every fractional Fourier matrix maps even sequences (`x[n] = x[−n mod N]`) to even ones and odd to
/// odd, so `P·F^a·Pᵀ = diag(F_even, F_odd)` with blocks of about N/2: applying `F^a` as
/// `Pᵀ·diag(F_even, F_odd)·P·x` takes half the multiply-adds of the dense N×N product, for O(N) extra
/// work in the two butterflies. `FractionalFourierMatrix` and `FractionalFourierSpectral` work this way.
public enum FractionalFourierParity {
    /// The dimension of the even subspace, `⌊N/2⌋ + 1`.
    public static func evenCount(_ n: Int) -> Int { n / 2 + 1 }

    private static let half = Float(1 / 2.0.squareRoot())

    /// `y = P·x` within each of `rows` contiguous rows of length `n` (the hidden axis). `x ≠ y`.
    public static func foldHidden(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, length n: Int) {
        let (h, e, r) = ((n - 1) / 2, evenCount(n), half)
        Parallelism.forEachChunk(of: rows) { range in
            for row in range {
                let xr = x + row * n, yr = y + row * n
                yr[0] = xr[0]
                if h > 0 {
                    for j in 1...h {
                        let (a, b) = (xr[j], xr[n - j])
                        yr[j] = r * (a + b)
                        yr[e + j - 1] = r * (b - a)
                    }
                }
                if n % 2 == 0 && n >= 2 { yr[h + 1] = xr[n / 2] }
            }
        }
    }

    /// `x = Pᵀ·y` within each row (the inverse of `foldHidden`). `x ≠ y`.
    public static func unfoldHidden(_ y: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>, rows: Int, length n: Int) {
        let (h, e, r) = ((n - 1) / 2, evenCount(n), half)
        Parallelism.forEachChunk(of: rows) { range in
            for row in range {
                let yr = y + row * n, xr = x + row * n
                xr[0] = yr[0]
                if h > 0 {
                    for j in 1...h {
                        let (even, odd) = (yr[j], yr[e + j - 1])
                        xr[j] = r * (even - odd)
                        xr[n - j] = r * (even + odd)
                    }
                }
                if n % 2 == 0 && n >= 2 { xr[n / 2] = yr[h + 1] }
            }
        }
    }

    /// `Y = P·X` for each of `batch` examples of `n` rows × `width` columns (the sequence axis). `x ≠ y`.
    public static func foldSequence(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, length n: Int, width c: Int
    ) {
        let (h, e, r) = ((n - 1) / 2, evenCount(n), half)
        Parallelism.forEachChunk(of: batch) { examples in
            for b in examples {
                let xb = x + b * n * c, yb = y + b * n * c
                (yb).update(from: xb, count: c)
                if h > 0 {
                    for j in 1...h {
                        let (a, bb) = (xb + j * c, xb + (n - j) * c)
                        let (even, odd) = (yb + j * c, yb + (e + j - 1) * c)
                        for i in 0..<c {
                            even[i] = r * (a[i] + bb[i])
                            odd[i] = r * (bb[i] - a[i])
                        }
                    }
                }
                if n % 2 == 0 && n >= 2 { (yb + (h + 1) * c).update(from: xb + (n / 2) * c, count: c) }
            }
        }
    }

    /// `X = Pᵀ·Y` for each example (the inverse of `foldSequence`). `x ≠ y`.
    public static func unfoldSequence(
        _ y: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>, batch: Int, length n: Int, width c: Int
    ) {
        let (h, e, r) = ((n - 1) / 2, evenCount(n), half)
        Parallelism.forEachChunk(of: batch) { examples in
            for b in examples {
                let yb = y + b * n * c, xb = x + b * n * c
                xb.update(from: yb, count: c)
                if h > 0 {
                    for j in 1...h {
                        let (even, odd) = (yb + j * c, yb + (e + j - 1) * c)
                        let (a, bb) = (xb + j * c, xb + (n - j) * c)
                        for i in 0..<c {
                            a[i] = r * (even[i] - odd[i])
                            bb[i] = r * (even[i] + odd[i])
                        }
                    }
                }
                if n % 2 == 0 && n >= 2 { (xb + (n / 2) * c).update(from: yb + (h + 1) * c, count: c) }
            }
        }
    }

    /// `y = P_T·X·P_Cᵀ` per example on the transformed axes (`scratch`: `batch·T·C` floats, used for both).
    public static func fold(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        batch: Int, sequenceLength t: Int, hiddenSize c: Int, axes: MixingAxes
    ) {
        switch axes {
        case .hidden: foldHidden(x, y, rows: batch * t, length: c)
        case .sequence: foldSequence(x, y, batch: batch, length: t, width: c)
        case .both:
            foldHidden(x, scratch, rows: batch * t, length: c)
            foldSequence(scratch, y, batch: batch, length: t, width: c)
        }
    }

    /// `x = P_Tᵀ·Y·P_C` per example (the inverse of `fold`).
    public static func unfold(
        _ y: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        batch: Int, sequenceLength t: Int, hiddenSize c: Int, axes: MixingAxes
    ) {
        switch axes {
        case .hidden: unfoldHidden(y, x, rows: batch * t, length: c)
        case .sequence: unfoldSequence(y, x, batch: batch, length: t, width: c)
        case .both:
            unfoldSequence(y, scratch, batch: batch, length: t, width: c)
            unfoldHidden(scratch, x, rows: batch * t, length: c)
        }
    }

    // MARK: Block-diagonal products (OpenBLAS; callers have checked availability)

    /// `out[:, blocks] = beta·out + x[:, blocks] · op(M_block)` for `rows` rows folded along the hidden
    /// axis: columns `0..<E` use the even block (E×E), columns `E..<n` the odd block.
    static func hiddenBlockProduct(
        _ x: UnsafePointer<Float>, lda: Int, _ out: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, length n: Int,
        even: UnsafePointer<Float>, odd: UnsafePointer<Float>, transpose: Bool = false, beta: Float = 0
    ) {
        let e = evenCount(n), o = n - e
        BLAS.sgemm(transposeB: transpose, m: rows, n: e, k: e, a: x, lda: lda, b: even, ldb: e, beta: beta, c: out, ldc: ldc)
        if o > 0 {
            BLAS.sgemm(
                transposeB: transpose, m: rows, n: o, k: o, a: x + e, lda: lda, b: odd, ldb: o, beta: beta, c: out + e,
                ldc: ldc)
        }
    }

    /// `out_b[blocks, :] = beta·out_b + op(M_block) · x_b[blocks, :]` for each example folded along the
    /// sequence (rows `0..<E` use the even block, rows `E..<n` the odd block). Row strides `ldx`, `ldo`;
    /// example strides `n·ldx`, `n·ldo`; `width` columns.
    static func sequenceBlockProduct(
        _ x: UnsafePointer<Float>, ldx: Int, _ out: UnsafeMutablePointer<Float>, ldo: Int, batch: Int, length n: Int,
        width c: Int, even: UnsafePointer<Float>, odd: UnsafePointer<Float>, transpose: Bool = false, beta: Float = 0
    ) {
        let e = evenCount(n), o = n - e
        for b in 0..<batch {
            let xb = x + b * n * ldx, ob = out + b * n * ldo
            BLAS.sgemm(transposeA: transpose, m: e, n: c, k: e, a: even, lda: e, b: xb, ldb: ldx, beta: beta, c: ob, ldc: ldo)
            if o > 0 {
                BLAS.sgemm(
                    transposeA: transpose, m: o, n: c, k: o, a: odd, lda: o, b: xb + e * ldx, ldb: ldx, beta: beta,
                    c: ob + e * ldo, ldc: ldo)
            }
        }
    }
}
