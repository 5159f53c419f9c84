import COpenBLAS
import MixLabCore
import Synchronization

/// Matrix products on OpenBLAS, with its kernels chosen for this CPU.
///
/// OpenBLAS is opened at first use (see `COpenBLAS.h`): `OPENBLAS_CORETYPE` is set from the CPU's
/// features unless the user set it, because Debian's OpenBLAS 0.3.21 silently falls back to slow SSE3
/// kernels on CPUs it does not recognise. `BLAS.status` reports what is in use.
public enum BLAS {
    /// Whether OpenBLAS could be opened.
    public static var isAvailable: Bool { loaded }

    private static let loaded: Bool = {
        let ok = mixlab_openblas_load() == 0
        if ok { mixlab_openblas_set_threads(Int32(Parallelism.threads)) }
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
        /// Threads OpenBLAS uses.
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
    /// Double (transform bases). Same conventions as `sgemm`; not counted in `performedFlops`.
    public static func dgemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Double = 1, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        mixlab_dgemm(
            Int32(MIXLAB_BLAS_ROW_MAJOR),
            Int32(transposeA ? MIXLAB_BLAS_TRANS : MIXLAB_BLAS_NO_TRANS),
            Int32(transposeB ? MIXLAB_BLAS_TRANS : MIXLAB_BLAS_NO_TRANS),
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major single precision.
    ///
    /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`; leading dimensions are row strides.
    /// Cost: `2·m·n·k` flops (added to `performedFlops`). The caller must have checked `requireAvailable`.
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        flopCounter.add(2 * m * n * k, ordering: .relaxed)
        mixlab_sgemm(
            Int32(MIXLAB_BLAS_ROW_MAJOR),
            Int32(transposeA ? MIXLAB_BLAS_TRANS : MIXLAB_BLAS_NO_TRANS),
            Int32(transposeB ? MIXLAB_BLAS_TRANS : MIXLAB_BLAS_NO_TRANS),
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
