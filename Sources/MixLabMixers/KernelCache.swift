import Foundation

/// A thread-safe map from a shape to the kernel built for it: each kernel (an FFTW plan, a filter bank,
/// precomputed matrices) is made once per key and reused by every later call.
///
/// Mixers are called from several threads at once (data-parallel evaluation, concurrent forward
/// passes), so lookups and insertions share one lock. The factory runs under that lock too: concurrent
/// first calls for one key build the kernel once, and kernel construction is serialised — FFTW's
/// planner is not thread-safe (only executing a plan is), so plans must never be made concurrently.
///
///     private let kernels = KernelCache<[Int], RealFourierFFT>()
///     let kernel = try kernels.kernel(for: [t, c]) { try RealFourierFFT(sequenceLength: t, hiddenSize: c, …) }
///
/// - Complexity: O(1) expected per lookup (a hashed dictionary) plus the lock; the factory's cost is
///   paid once per key. Entries are never evicted: a mixer sees a handful of shapes in practice.
///
/// References: FFTW 3 manual, §5 "Multi-threaded FFTW", "Thread safety" (the planner must be
/// serialised; `fftw_execute` is thread-safe).
public final class KernelCache<Key: Hashable, Kernel>: @unchecked Sendable {
    private let lock = NSLock()
    private var kernels: [Key: Kernel] = [:]

    /// An empty cache.
    public init() {}

    /// The kernel for `key`: the cached one, or the one `make` builds (then cached), under the lock.
    ///
    /// - Throws: what `make` throws; nothing is cached then, and the next call tries again.
    public func kernel(for key: Key, make: () throws -> Kernel) rethrows -> Kernel {
        try lock.withLock {
            if let cached = kernels[key] { return cached }
            let made = try make()
            kernels[key] = made
            return made
        }
    }

    /// How many kernels are cached (one per key seen).
    public var count: Int {
        lock.withLock { kernels.count }
    }
}
