import CGSL
import Foundation
import MixLabCore

/// Named n×n basis matrices in Double, row-major, for initialising (or freezing) learned mixers.
///
/// Convention: row k of a matrix `M` is the k-th basis vector sampled at n points, so `y = M·x` gives
/// the coefficients of `x` in the basis (the analysis matrix), as `scipy.fft.dct(x, norm="ortho")` does.
/// An orthonormal basis has `M·Mᵀ = I` (then also `Mᵀ·M = I`, and `y = M·x` preserves norms).
///
/// Families with an unnormalised textbook form (`dft`, `dct`, `hadamard`) take a `Normalization` in
/// scipy's vocabulary; the others are orthonormal by construction. Everything is computed once, in
/// Double, and costs at most O(n³) (Gram–Schmidt: under a second at n = 1024, about a minute at n = 4096,
/// where it is memory-bound): callers round to Float.
///
/// References: S. A. Martucci / scipy.fft (DCT-II); J. J. Sylvester (1867) (Hadamard); W. H. Press et
/// al., "Numerical Recipes", §4.6 (Gauss–Legendre nodes by Newton's method); L. Giraud, J. Langou,
/// M. Rozložník, "The loss of orthogonality in the Gram-Schmidt orthogonalization process", Comput.
/// Math. Appl. 2005 ("twice is enough"); F. Mezzadri, "How to generate random matrices from the classical
/// compact groups", Notices AMS 2007; GSL manual, "Wavelet Transforms" and "Legendre Functions".
public enum BasisMatrix {
    /// The real part of the DFT matrix, `M[j,k] = s·cos(2π·jk/n)`: the "cos part" FNet mixes with.
    ///
    /// `s = 1` (`backward`, unnormalised, FNet and `np.fft.fft(np.eye(n)).real`), `1/√n` (`ortho`, the real
    /// part of the unitary DFT) or `1/n` (`forward`). Symmetric. Not orthogonal for n > 2: taking the real
    /// part discards the sine half: with `ortho`, `M² = (I + P)/2` where P reverses indices
    /// (`j ↦ −j mod n`), so `M` preserves the norm of even sequences and annihilates odd ones. `jk` is
    /// reduced modulo n before the angle is formed.
    public static func dft(_ n: Int, normalization: Normalization = .ortho) -> [Double] {
        let s = normalization.forwardScale(length: n)
        return DenseReference.dftMatrix(n).real.map { $0 * s }
    }

    /// The DCT-II matrix in scipy's normalisations: `y = M·x` equals `scipy.fft.dct(x, type=2, norm=…)`.
    ///
    /// `backward`: `M[k,j] = 2·cos(π·k·(2j+1)/(2n))`; `forward`: the same divided by 2n; `ortho`:
    /// `M[k,j] = c_k·√(2/n)·cos(π·k·(2j+1)/(2n))` with `c_0 = 1/√2`, `c_k = 1` otherwise, which is
    /// orthonormal. `k·(2j+1)` is reduced modulo 4n before the angle is formed.
    public static func dct(_ n: Int, normalization: Normalization = .ortho) -> [Double] {
        precondition(n >= 1, "BasisMatrix.dct: n must be at least 1")
        var m = [Double](repeating: 0, count: n * n)
        for k in 0..<n {
            let rowScale: Double
            switch normalization {
            case .backward: rowScale = 2
            case .forward: rowScale = 1 / Double(n)
            case .ortho: rowScale = (2 / Double(n)).squareRoot() * (k == 0 ? 0.5.squareRoot() : 1)
            }
            for j in 0..<n {
                let angle = Double.pi * Double((k * (2 * j + 1)) % (4 * n)) / Double(2 * n)
                m[k * n + j] = rowScale * cos(angle)
            }
        }
        return m
    }

    /// The Sylvester–Hadamard matrix, `M[j,k] = s·(−1)^popcount(j AND k)` (`scipy.linalg.hadamard(n)`
    /// times s), for n a power of two.
    ///
    /// `s = 1` (`backward`), `1/√n` (`ortho`: orthonormal and symmetric, its own inverse) or `1/n`
    /// (`forward`). Natural (Sylvester) order: `H_{2m} = [[H_m, H_m], [H_m, −H_m]]`.
    ///
    /// - Throws: `MixLabError.unsupportedLength` when n is not a power of two.
    public static func hadamard(_ n: Int, normalization: Normalization = .ortho) throws -> [Double] {
        try requirePowerOfTwo(n, family: "hadamard")
        let s = normalization.forwardScale(length: n)
        var m = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            for k in 0..<n { m[j * n + k] = (j & k).nonzeroBitCount % 2 == 0 ? s : -s }
        }
        return m
    }

    /// The n Gauss–Legendre nodes in (−1, 1), ascending: the roots of the Legendre polynomial `P_n`.
    ///
    /// Newton's method on `P_n` from the classical starting points `cos(π·(i + 3/4)/(n + 1/2))`, with `P_n`
    /// and `P_{n−1}` evaluated by GSL's `gsl_sf_legendre_Pl_array` and `P_n' = n·(x·P_n − P_{n−1})/(x² − 1)`,
    /// iterated until the step is below 10⁻¹⁶; the negative half is the mirror image of the positive half
    /// (and the middle node of an odd n is exactly 0). O(n²). Agrees with
    /// `numpy.polynomial.legendre.leggauss(n)[0]` to rounding.
    ///
    /// - Throws: `MixLabError.invalidArgument` when a GSL evaluation fails.
    public static func gaussLegendreNodes(_ n: Int) throws -> [Double] {
        precondition(n >= 1, "BasisMatrix.gaussLegendreNodes: n must be at least 1")
        GSL.prepare()
        var nodes = [Double](repeating: 0, count: n)
        var p = [Double](repeating: 0, count: n + 1)
        for i in 0..<(n / 2) {  // the root near cos(π(i + 3/4)/(n + 1/2)) > 0, largest first
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            for _ in 0..<100 {
                let status = gsl_sf_legendre_Pl_array(Int32(n), x, &p)
                guard status == 0 else { throw gslFailure("gsl_sf_legendre_Pl_array(\(n), \(x))", status: status) }
                let step = p[n] / (Double(n) * (x * p[n] - p[n - 1]) / (x * x - 1))
                x -= step
                if abs(step) <= 1e-16 { break }
            }
            nodes[n - 1 - i] = x
            nodes[i] = -x
        }
        return nodes  // for odd n the middle node stays exactly 0
    }

    /// Discrete orthonormal Legendre polynomials on the Gauss–Legendre nodes.
    ///
    /// `V[k,j] = P_k(x_j)` for degrees k = 0…n−1 at the nodes `x_j` of `gaussLegendreNodes(n)` (evaluated
    /// with GSL's `gsl_sf_legendre_Pl_array`), then the rows orthonormalised in order of degree
    /// (`orthonormalizedRows`). Row k is a polynomial of degree k with a positive leading coefficient,
    /// orthonormal for the unweighted inner product over the nodes: the Q factor (with positive R
    /// diagonal) of `numpy.linalg.qr(legvander(x, n−1))`, transposed. Gauss–Legendre nodes (rather than
    /// a uniform grid) keep `V` well conditioned (≈ n): on uniform points the Legendre–Vandermonde matrix
    /// is exponentially ill conditioned and Gram–Schmidt would return noise for high degrees.
    ///
    /// Any degree-graded polynomial family orthonormalised on the same nodes gives the same matrix: what
    /// distinguishes this family from `chebyshev` is the node set.
    public static func legendre(_ n: Int) throws -> [Double] {
        let nodes = try gaussLegendreNodes(n)
        var rows = [Double](repeating: 0, count: n * n)
        var p = [Double](repeating: 0, count: n)
        for (j, x) in nodes.enumerated() {
            let status = gsl_sf_legendre_Pl_array(Int32(n - 1), x, &p)
            guard status == 0 else { throw gslFailure("gsl_sf_legendre_Pl_array(\(n - 1), \(x))", status: status) }
            for k in 0..<n { rows[k * n + j] = p[k] }
        }
        return try orthonormalizedRows(rows, count: n, length: n, location: "BasisMatrix.legendre")
    }

    /// The n Chebyshev–Gauss nodes, ascending: `x_j = −cos(π·(2j+1)/(2n))`, the roots of `T_n`
    /// (`numpy.polynomial.chebyshev.chebpts1(n)`).
    public static func chebyshevNodes(_ n: Int) -> [Double] {
        precondition(n >= 1, "BasisMatrix.chebyshevNodes: n must be at least 1")
        // −cos(π(2j+1)/(2n)) = sin(π(2j+1−n)/(2n)): exact symmetry and an exact 0 for odd n.
        return (0..<n).map { sin(Double.pi * Double(2 * $0 + 1 - n) / Double(2 * n)) }
    }

    /// Chebyshev polynomials `T_k` (k = 0…n−1) sampled on the Chebyshev–Gauss nodes, rows orthonormalised
    /// in order of degree.
    ///
    /// `T_k` comes from the recurrence `T_{k+1} = 2x·T_k − T_{k−1}` (stable on [−1, 1]). On these nodes the
    /// samples are already discretely orthogonal, so Gram–Schmidt only normalises: row k is
    /// `c_k·√(2/n)·T_k(x_j)` with `c_0 = 1/√2`, which is the orthonormal DCT-II matrix with its columns in
    /// reverse order (`T_k(−cos θ) = cos(k(π − θ))`). The family is kept for completeness of the polynomial
    /// families; tests pin the identity.
    public static func chebyshev(_ n: Int) throws -> [Double] {
        let nodes = chebyshevNodes(n)
        var rows = [Double](repeating: 0, count: n * n)
        for (j, x) in nodes.enumerated() {
            var previous = 1.0, current = x
            rows[j] = 1
            if n > 1 { rows[n + j] = x }
            if n > 2 {
                for k in 2..<n {
                    let next = 2 * x * current - previous
                    rows[k * n + j] = next
                    (previous, current) = (current, next)
                }
            }
        }
        return try orthonormalizedRows(rows, count: n, length: n, location: "BasisMatrix.chebyshev")
    }

    /// The orthonormal Haar wavelet analysis matrix: column j is GSL's full-depth forward Haar transform
    /// of the unit vector `e_j` (`gsl_wavelet_transform_forward`, `gsl_wavelet_haar`), n a power of two.
    ///
    /// Row order is GSL's packed layout, coarse to fine: the scaling coefficient, then the detail
    /// coefficients of level 1 (1 value), level 2 (2 values), …, level log₂n (n/2 values). This equals
    /// `numpy.concatenate(pywt.wavedec(x, "haar", mode="periodization", level=log2(n)))`. Orthonormal; n = 1
    /// gives `[1]`.
    ///
    /// - Throws: `MixLabError.unsupportedLength` when n is not a power of two, `invalidArgument` when GSL fails.
    public static func haarWavelet(_ n: Int) throws -> [Double] {
        try requirePowerOfTwo(n, family: "wavelet")
        guard n > 1 else { return [1] }
        GSL.prepare()
        guard let wavelet = gsl_wavelet_alloc(mixlab_gsl_wavelet_haar(), 2), let workspace = gsl_wavelet_workspace_alloc(n)
        else { throw gslFailure("allocating a Haar wavelet of length \(n)", status: Int32(GSL_ENOMEM)) }
        defer {
            gsl_wavelet_free(wavelet)
            gsl_wavelet_workspace_free(workspace)
        }
        var m = [Double](repeating: 0, count: n * n)
        var column = [Double](repeating: 0, count: n)
        for j in 0..<n {
            for i in 0..<n { column[i] = i == j ? 1 : 0 }
            let status = gsl_wavelet_transform_forward(wavelet, &column, 1, n, workspace)
            guard status == 0 else { throw gslFailure("gsl_wavelet_transform_forward (Haar, n = \(n))", status: status) }
            for i in 0..<n { m[i * n + j] = column[i] }
        }
        return m
    }

    /// The n×n identity.
    public static func identity(_ n: Int) -> [Double] {
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n { m[i * n + i] = 1 }
        return m
    }

    /// A random orthogonal matrix, Haar-distributed: the rows of a standard Gaussian matrix `G` (drawn
    /// from `random`, row by row) orthonormalised by `orthonormalizedRows`.
    ///
    /// That is the Q factor of `Gᵀ = Qᵀ·R` with a positive diagonal in R, which makes the distribution
    /// uniform on the orthogonal group (Mezzadri 2007). The same generator state gives the same matrix.
    public static func randomOrthogonal(_ n: Int, random: inout SeededRandom) throws -> [Double] {
        let gaussian = (0..<(n * n)).map { _ in random.nextNormal() }
        return try orthonormalizedRows(gaussian, count: n, length: n, location: "BasisMatrix.randomOrthogonal")
    }

    /// Modified Gram–Schmidt with one full re-orthogonalisation pass, on the rows of a row-major matrix.
    ///
    /// For k = 0, 1, …: subtract from row k its projections on the finished rows 0…k−1 one at a time
    /// (modified Gram–Schmidt), do it a second time ("twice is enough": orthogonality to rounding even for
    /// ill-conditioned inputs), then divide by the norm. The result `Q` satisfies `V = L·Q` with `L` lower
    /// triangular with a positive diagonal: row k of `Q` is the unique unit vector in the span of rows
    /// 0…k of `V` orthogonal to rows 0…k−1 with a positive component along row k. All in Double.
    ///
    /// - Throws: `MixLabError.invalidArgument` when a row is (numerically) in the span of the rows before it.
    public static func orthonormalizedRows(_ vectors: [Double], count m: Int, length n: Int, location: String) throws -> [Double] {
        precondition(vectors.count == m * n && m <= n, "BasisMatrix.orthonormalizedRows: need m ≤ n rows of n values")
        var q = vectors
        try q.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            for k in 0..<m {
                let row = base + k * n
                let original = norm(row, n)
                for _ in 0..<2 {
                    for i in 0..<k {
                        let basis = base + i * n
                        let projection = dot(basis, row, n)
                        for j in 0..<n { row[j] -= projection * basis[j] }
                    }
                }
                let remaining = norm(row, n)
                guard original > 0, remaining > 1e-12 * original else {
                    throw MixLabError(
                        .invalidArgument,
                        what: "row \(k) of the \(m)×\(n) matrix to orthonormalise is linearly dependent on the rows before it",
                        location: location, fix: "use vectors that are linearly independent (for a random basis, another seed)")
                }
                let inverse = 1 / remaining
                for j in 0..<n { row[j] *= inverse }
            }
        }
        return q
    }

    // MARK: Helpers

    private static func requirePowerOfTwo(_ n: Int, family: String) throws {
        guard PowerOfTwo.contains(n) else {
            throw MixLabError(
                .unsupportedLength, what: "length \(n) is not a power of two", location: "BasisMatrix.\(family)",
                fix: "use a power of two (\(PowerOfTwo.atLeast(n)) is the next one)")
        }
    }

    private static func gslFailure(_ call: String, status: Int32) -> MixLabError {
        MixLabError(
            .invalidArgument, what: "GSL failed in \(call): \(String(cString: gsl_strerror(status))) (status \(status))",
            location: "BasisMatrix", fix: "report this with the length; try a smaller length or another basis")
    }

    /// `Σ a[j]·b[j]` with eight SIMD partial sums (a strict serial sum would not vectorise).
    private static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var partial = SIMD8<Double>()
        var j = 0
        while j + 8 <= n {
            let x = UnsafeRawPointer(a + j).loadUnaligned(as: SIMD8<Double>.self)
            let y = UnsafeRawPointer(b + j).loadUnaligned(as: SIMD8<Double>.self)
            partial.addProduct(x, y)
            j += 8
        }
        var sum = partial.sum()
        while j < n {
            sum += a[j] * b[j]
            j += 1
        }
        return sum
    }

    private static func norm(_ a: UnsafePointer<Double>, _ n: Int) -> Double {
        dot(a, a, n).squareRoot()
    }
}
