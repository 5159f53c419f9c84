import COpenBLAS
import MixLabCore
import Synchronization

/// Matrix products on OpenBLAS, with its kernels chosen for this CPU.
///
/// OpenBLAS is opened at first use (see `COpenBLAS.h`): `OPENBLAS_CORETYPE` is set from the CPU's
/// features unless the user set it, because Debian's OpenBLAS 0.3.21 silently falls back to slow SSE3
/// kernels on CPUs it does not recognise. `BLAS.status` reports what is in use.
///
/// Threads: OpenBLAS itself runs single-threaded, and `sgemm`/`dgemm` split a large product into
/// column or row blocks of `C` over `Parallelism.threads` (see `GEMMPartition`). OpenBLAS's thread count
/// is process-global and its idle threads spin (`sched_yield`) for a while after every product, taking
/// time from the elementwise passes between GEMMs; with one pool of threads there is no such
/// contention, and a product called inside a parallel loop (attention's (example, head) pairs) runs
/// single-threaded on its own thread. `mixlab bench train` reports the GEMM rate a training step
/// achieves. No block splits the inner dimension `k`, and the blocks depend only on the shape and the
/// thread count: the same thread count gives the same bits.
public enum BLAS {
    /// Whether OpenBLAS could be opened.
    public static var isAvailable: Bool { loaded }

    private static let loaded: Bool = {
        let ok = mixlab_openblas_load() == 0
        if ok { mixlab_openblas_set_threads(1) }
        return ok
    }()

    /// Throws a `libraryUnavailable` error (with the install command) when OpenBLAS cannot be opened.
    public static func requireAvailable(for user: String) throws {
        guard loaded else {
            throw MixLabError(
                .libraryUnavailable, what: String(cString: mixlab_openblas_error()), location: user,
                fix: BLAS.installFix)
        }
    }

    private static let flopCounter = Atomic<Int>(0)

    /// Floating-point operations done by `sgemm` in this process so far (`2·m·n·k` per call), for
    /// benchmarks that report achieved GFLOP/s.
    public static var performedFlops: Int { flopCounter.load(ordering: .relaxed) }

    /// How to make OpenBLAS available.
    public static let installFix =
        "install OpenBLAS (`sudo apt-get install libopenblas0-pthread`, or `make deps`), or point "
        + "MIXLAB_OPENBLAS_LIBRARY at a libopenblas.so; then check with `mixlab doctor`"

    /// What OpenBLAS reports about itself, for `mixlab doctor` and run records.
    public struct Status: Sendable {
        /// Whether the library could be opened.
        public let available: Bool
        /// The kernels in use (`openblas_get_corename`), e.g. `Cooperlake`, `Haswell`, `Prescott`.
        public let coreName: String
        /// The core type MixLab requested ("" when it left the choice to OpenBLAS).
        public let requestedCoreType: String
        /// Why that core type was requested.
        public let coreTypeReason: String
        /// OpenBLAS's build configuration string.
        public let configuration: String
        /// Threads OpenBLAS uses inside one call (1: MixLab splits products over its own threads).
        public let threads: Int
        /// The loader's error, when not available.
        public let error: String
    }

    /// The current status.
    public static var status: Status {
        let available = loaded
        return Status(
            available: available,
            coreName: String(cString: mixlab_openblas_corename()),
            requestedCoreType: String(cString: mixlab_openblas_requested_coretype()),
            coreTypeReason: String(cString: mixlab_openblas_coretype_reason()),
            configuration: String(cString: mixlab_openblas_config()),
            threads: Int(mixlab_openblas_threads()),
            error: String(cString: mixlab_openblas_error()))
    }

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major double precision, for matrices built once in
    /// Double (transform bases). Same conventions and threading as `sgemm`; not counted in
    /// `performedFlops`.
    public static func dgemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Double = 1, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        GEMMPartition(m: m, n: n, k: k).run { block in
            let (a, b, c) = block.offsets(a: a, b: b, c: c, transposeA: transposeA, transposeB: transposeB, lda: lda, ldb: ldb, ldc: ldc)
            mixlab_dgemm(
                Int32(MIXLAB_BLAS_ROW_MAJOR),
                Int32(transposeA ? MIXLAB_BLAS_TRANS : MIXLAB_BLAS_NO_TRANS),
                Int32(transposeB ? MIXLAB_BLAS_TRANS : MIXLAB_BLAS_NO_TRANS),
                Int32(block.m), Int32(block.n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major single precision.
    ///
    /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`; leading dimensions are row strides.
    /// Cost: `2·m·n·k` flops (added to `performedFlops`), split over `Parallelism.threads` when large
    /// (`GEMMPartition`). The caller must have checked `requireAvailable`.
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        flopCounter.add(2 * m * n * k, ordering: .relaxed)
        GEMMPartition(m: m, n: n, k: k).run { block in
            let (a, b, c) = block.offsets(a: a, b: b, c: c, transposeA: transposeA, transposeB: transposeB, lda: lda, ldb: ldb, ldc: ldc)
            sgemmOnThisThread(
                transposeA: transposeA, transposeB: transposeB, m: block.m, n: block.n, k: k, alpha: alpha, a: a, lda: lda,
                b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }

    /// One OpenBLAS `cblas_sgemm` call on the calling thread (OpenBLAS runs single-threaded), not
    /// counted in `performedFlops`.
    static func sgemmOnThisThread(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        mixlab_sgemm(
            Int32(MIXLAB_BLAS_ROW_MAJOR),
            Int32(transposeA ? MIXLAB_BLAS_TRANS : MIXLAB_BLAS_NO_TRANS),
            Int32(transposeB ? MIXLAB_BLAS_TRANS : MIXLAB_BLAS_NO_TRANS),
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
