import CGSL
import Foundation
import MixLabCore

/// The eigenbasis of the discrete fractional Fourier transform of length N (Candan–Kutay–Ozaktas).
///
/// The fractional transform of order `a` is
///
///     F^a = V · diag(exp(−i·π/2·a·k_m)) · Vᵀ
///
/// where the columns `v_m` of the real orthogonal matrix `V` are eigenvectors of the DFT that are also
/// eigenvectors of the real symmetric matrix that commutes with the DFT,
///
///     S[n, n] = 2·cos(2πn/N) − 4,   S[n, n ± 1 mod N] = 1
///
/// (for N ≤ 2 the wrap-around entries add up), and `k_m` is the index of the DFT eigenvalue `(−i)^k_m`
/// of `v_m`: `k = 0, 1, …, N−1` for odd N and `k = 0, 1, …, N−2, N` for even N.
///
/// How `V` and `k` are found (this is what makes `F¹` the unitary DFT, `np.fft.fft(norm="ortho")`):
/// 1. `S` is split into its even (`v[n] = v[−n mod N]`) and odd (`v[n] = −v[−n mod N]`) invariant
///    subspaces with Candan's orthogonal matrix `P` (`dFRT.m`): coordinates `e₀`, `(e_n ± e_{N−n})/√2`
///    and, for even N, `e_{N/2}`. The two blocks of `P·S·Pᵀ` are unreduced symmetric tridiagonal
///    matrices, so each has simple eigenvalues.
/// 2. GSL's symmetric eigensolver (`gsl_eigen_symmv`, on a copy: it destroys its input) diagonalises
///    each block; eigenvectors are sorted by decreasing eigenvalue within each block.
/// 3. The even eigenvectors take `k = 0, 2, 4, …` (for even N the last one takes `k = N`), the odd
///    ones `k = 1, 3, 5, …`. Column `m` of `V` holds the eigenvector with `k_m`.
///
/// Why not simply diagonalise `S` and sort by zero crossings: `S` has a repeated eigenvalue (shared by
/// an even and an odd eigenvector) whenever 4 divides N, so a solver may return mixtures that are not
/// DFT eigenvectors; sorting all eigenvalues of `S` together does not alternate the parities (N = 3);
/// and the number of sign changes of the discrete eigenvectors equals `k` only for the lower part of
/// the spectrum (it is off from about `k ≈ 0.55·N` on, measured for N = 64…1024). Within one parity
/// block the order by eigenvalue is exactly the order by `k` (the low-order columns behave like sampled
/// Hermite–Gauss functions, which the tests check).
///
/// The sign of each column is whatever the solver returns; `F^a` does not depend on it.
///
/// The basis is also kept in parity coordinates (`evenBlock`, `oddBlock`, `blockIndices`), where
/// `V = Pᵀ·diag(V_even, V_odd)`: the fast kernels work there with half the multiply-adds.
///
/// Cost: two eigenproblems of size ≈ N/2, O(N³) once per length (bases are cached per length in
/// `shared(length:)`, never evicted); `V` and its blocks take about 12·N² bytes (3 MB at N = 512).
///
/// References: Ç. Candan, M. A. Kutay, H. M. Ozaktas, "The discrete fractional Fourier transform",
/// IEEE Trans. Signal Processing 48(5), 2000; B. W. Dickinson, K. Steiglitz, "Eigenvectors and functions
/// of the discrete Fourier transform", IEEE Trans. ASSP 30(1), 1982.
public final class FractionalFourierBasis: Sendable {
    /// Which part of the complex result a fractional-Fourier mixer returns.
    public enum Part: String, Sendable, CaseIterable, Codable {
        /// `Re(F^a · x)`, as FNet takes the real part of the DFT.
        case real
        /// `Im(F^a · x)`.
        case imaginary
    }

    /// N.
    public let length: Int
    /// `V`, row-major N×N: `vectors[n·N + m]` is entry n of eigenvector m.
    public let vectors: [Double]
    /// `k_m`, the DFT eigenvalue index of column m: `F¹ v_m = (−i)^k_m · v_m`.
    public let indices: [Int]
    /// The eigenvalue of `S` belonging to column m.
    public let eigenvalues: [Double]

    /// The same basis in parity coordinates (see `FractionalFourierParity`), where it is block diagonal:
    /// `V = Pᵀ · diag(V_even, V_odd)`. `evenCount` = dimension of the even block (N/2 + 1 for even N,
    /// (N + 1)/2 for odd N); the odd block has `length − evenCount` rows.
    public let evenCount: Int
    /// `V_even`, row-major `evenCount × evenCount`; column j has DFT index `blockIndices[j]`.
    public let evenBlock: [Double]
    /// `V_odd`, row-major; column j has DFT index `blockIndices[evenCount + j]`.
    public let oddBlock: [Double]
    /// `k` of each block column, even block first: `0, 2, 4, …` (the last is N for even N), then `1, 3, …`.
    public let blockIndices: [Int]

    /// Computes the basis of length `length` (prefer the cached `shared(length:)`).
    ///
    /// - Throws: `MixLabError.invalidArgument` for a length below 1, or when GSL's eigensolver fails.
    public init(length: Int) throws {
        guard length >= 1 else {
            throw MixLabError(
                .invalidArgument, what: "fractional Fourier length \(length) is below 1",
                location: "FractionalFourierBasis", fix: "use a length of 1 or more")
        }
        let n = length
        let (even, odd) = Self.parityCoordinates(n)
        let evenPairs = try Self.eigenpairs(Self.block(even, n), size: even.count)
        let oddPairs = try Self.eigenpairs(Self.block(odd, n), size: odd.count)
        var vectors = [Double](repeating: 0, count: n * n)
        var indices = [Int](repeating: 0, count: n)
        var eigenvalues = [Double](repeating: 0, count: n)
        func place(_ coordinates: [[(Int, Double)]], _ pairs: (values: [Double], vectors: [Double]), column j: Int, into m: Int) {
            let size = coordinates.count
            for (i, coordinate) in coordinates.enumerated() {
                let weight = pairs.vectors[i * size + j]
                for (index, factor) in coordinate { vectors[index * n + m] += factor * weight }
            }
            eigenvalues[m] = pairs.values[j]
        }
        for j in 0..<even.count {
            let m = 2 * j < n ? 2 * j : n - 1  // even N: the last even eigenvector fills column N−1
            place(even, evenPairs, column: j, into: m)
            indices[m] = 2 * j
        }
        for j in 0..<odd.count {
            place(odd, oddPairs, column: j, into: 2 * j + 1)
            indices[2 * j + 1] = 2 * j + 1
        }
        self.length = n
        self.vectors = vectors
        self.indices = indices
        self.eigenvalues = eigenvalues
        self.evenCount = even.count
        self.evenBlock = evenPairs.vectors
        self.oddBlock = oddPairs.vectors
        self.blockIndices = (0..<even.count).map { 2 * $0 < n ? 2 * $0 : n } + (0..<odd.count).map { 2 * $0 + 1 }
    }

    // MARK: Shared bases

    private static let cacheLock = NSLock()
    nonisolated(unsafe) private static var cache: [Int: FractionalFourierBasis] = [:]

    /// The basis of length `length`, computed once per process and shared (bases are immutable).
    ///
    /// - Throws: as `init(length:)`.
    public static func shared(length: Int) throws -> FractionalFourierBasis {
        try cacheLock.withLock {
            if let cached = cache[length] { return cached }
            let made = try FractionalFourierBasis(length: length)
            cache[length] = made
            return made
        }
    }

    // MARK: Orders

    /// `a` reduced to `[0, 4)`: `F^(a+4) = F^a` because every `k_m` is an integer. Exact (`fmod`).
    public static func reducedOrder(_ order: Double) -> Double {
        let r = fmod(order, 4)
        let reduced = r < 0 ? r + 4 : r
        return reduced < 4 ? reduced : 0  // r + 4 can round up to 4 for tiny negative r
    }

    /// The phases `θ_m = π/2 · (a·k_m mod 4)` of `F^a`'s eigenvalues `exp(−i·θ_m)`, as `(cos θ, sin θ)`.
    ///
    /// The product `a·k_m` is reduced modulo 4 before it is scaled by π/2, so large N keeps full accuracy.
    public func phases(order: Double) -> (cosine: [Double], sine: [Double]) {
        Self.phases(order: order, indices: indices)
    }

    /// `(cos θ, sin θ)` for the DFT indices `indices`, `θ = π/2 · (a·k mod 4)`.
    public static func phases(order: Double, indices: [Int]) -> (cosine: [Double], sine: [Double]) {
        let a = reducedOrder(order)
        let theta = indices.map { Double.pi / 2 * reducedOrder(a * Double($0)) }
        return (theta.map(cos), theta.map(sin))
    }

    /// The blocks of `F^a` in parity coordinates, `P·F^a·Pᵀ = diag(F_even, F_odd)`, each as row-major
    /// real and imaginary parts (Double, OpenBLAS `dgemm`): `F_even = V_even·diag(exp(−iθ))·V_evenᵀ`.
    ///
    /// - Throws: `MixLabError.libraryUnavailable` when OpenBLAS cannot be opened.
    public func blockMatrices(order: Double) throws -> (
        even: (real: [Double], imaginary: [Double]), odd: (real: [Double], imaginary: [Double])
    ) {
        try BLAS.requireAvailable(for: "FractionalFourierBasis.blockMatrices")
        let oddCount = length - evenCount
        let even = Self.spectralProduct(evenBlock, evenCount, Self.phases(order: order, indices: Array(blockIndices[..<evenCount])))
        let odd = Self.spectralProduct(oddBlock, oddCount, Self.phases(order: order, indices: Array(blockIndices[evenCount...])))
        return (even, odd)
    }

    /// `W·diag(cos θ)·Wᵀ` and `−W·diag(sin θ)·Wᵀ` for a row-major n×n `W`.
    private static func spectralProduct(
        _ w: [Double], _ n: Int, _ phases: (cosine: [Double], sine: [Double])
    ) -> (real: [Double], imaginary: [Double]) {
        guard n > 0 else { return ([], []) }
        var scaledCosine = w, scaledNegativeSine = w
        for row in 0..<n {
            for m in 0..<n {
                scaledCosine[row * n + m] *= phases.cosine[m]
                scaledNegativeSine[row * n + m] *= -phases.sine[m]
            }
        }
        return (timesTranspose(scaledCosine, w, n), timesTranspose(scaledNegativeSine, w, n))
    }

    /// `F^a` as row-major N×N real and imaginary parts, in Double (two OpenBLAS `dgemm`s).
    ///
    /// `Re F^a = V·diag(cos θ)·Vᵀ`, `Im F^a = −V·diag(sin θ)·Vᵀ`. Both parts are symmetric.
    ///
    /// - Throws: `MixLabError.libraryUnavailable` when OpenBLAS cannot be opened.
    public func matrix(order: Double) throws -> (real: [Double], imaginary: [Double]) {
        try BLAS.requireAvailable(for: "FractionalFourierBasis.matrix")
        return Self.spectralProduct(vectors, length, Self.phases(order: order, indices: indices))
    }

    /// `A · Bᵀ` for row-major n×n matrices (OpenBLAS `dgemm`; the caller checked availability).
    private static func timesTranspose(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: n * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    BLAS.dgemm(transposeB: true, m: n, n: n, k: n, a: a.baseAddress!, lda: n, b: b.baseAddress!, ldb: n,
                               c: c.baseAddress!, ldc: n)
                }
            }
        }
        return c
    }

    // MARK: Construction

    /// `S[n, m]`: the matrix of Candan et al. that commutes with the DFT of length `length`.
    public static func dftCommutingEntry(_ row: Int, _ column: Int, length: Int) -> Double {
        var value = 0.0
        if row == column { value += 2 * cos(2 * Double.pi * Double(row) / Double(length)) - 4 }
        if column == (row + 1) % length { value += 1 }
        if row == (column + 1) % length { value += 1 }
        return value
    }

    /// The orthonormal coordinates of the even and odd subspaces: each is a list of `(index, weight)`.
    static func parityCoordinates(_ n: Int) -> (even: [[(Int, Double)]], odd: [[(Int, Double)]]) {
        let r = 1 / 2.0.squareRoot()
        let pairs = (n - 1) / 2
        var even: [[(Int, Double)]] = [[(0, 1)]]
        var odd: [[(Int, Double)]] = []
        for j in stride(from: 1, through: pairs, by: 1) {
            even.append([(j, r), (n - j, r)])
            odd.append([(j, -r), (n - j, r)])
        }
        if n % 2 == 0 && n >= 2 { even.append([(n / 2, 1)]) }
        return (even, odd)
    }

    /// The block `P_sub · S · P_subᵀ`, row-major, for one list of coordinates.
    static func block(_ coordinates: [[(Int, Double)]], _ n: Int) -> [Double] {
        let size = coordinates.count
        var block = [Double](repeating: 0, count: size * size)
        for i in 0..<size {
            for j in 0..<size {
                var sum = 0.0
                for (row, w) in coordinates[i] {
                    for (column, u) in coordinates[j] { sum += w * u * dftCommutingEntry(row, column, length: n) }
                }
                block[i * size + j] = sum
            }
        }
        return block
    }

    /// Eigenvalues (decreasing) and eigenvectors (row-major, column j belongs to value j) of a
    /// symmetric matrix, by `gsl_eigen_symmv` on a GSL copy of `matrix`.
    static func eigenpairs(_ matrix: [Double], size n: Int) throws -> (values: [Double], vectors: [Double]) {
        guard n > 0 else { return ([], []) }
        GSL.prepare()
        guard let a = gsl_matrix_alloc(n, n), let evec = gsl_matrix_alloc(n, n), let eval = gsl_vector_alloc(n),
            let workspace = gsl_eigen_symmv_alloc(n)
        else {
            throw MixLabError(
                .invalidArgument, what: "GSL could not allocate an eigenproblem of size \(n)",
                location: "FractionalFourierBasis (gsl_eigen_symmv)", fix: "use a shorter length, or free memory")
        }
        defer {
            gsl_matrix_free(a)
            gsl_matrix_free(evec)
            gsl_vector_free(eval)
            gsl_eigen_symmv_free(workspace)
        }
        for i in 0..<n {
            for j in 0..<n { gsl_matrix_set(a, i, j, matrix[i * n + j]) }
        }
        var status = gsl_eigen_symmv(a, eval, evec, workspace)  // destroys `a` (our copy)
        if status == GSL_SUCCESS { status = gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_DESC) }
        guard status == GSL_SUCCESS else {
            throw MixLabError(
                .invalidArgument,
                what: "GSL's symmetric eigensolver failed on a block of size \(n): \(String(cString: gsl_strerror(status)))",
                location: "FractionalFourierBasis (gsl_eigen_symmv)", fix: "report this length; it should not happen")
        }
        var values = [Double](repeating: 0, count: n)
        var vectors = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            values[i] = gsl_vector_get(eval, i)
            for j in 0..<n { vectors[i * n + j] = gsl_matrix_get(evec, i, j) }
        }
        return (values, vectors)
    }
}
