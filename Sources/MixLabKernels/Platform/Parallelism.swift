import Foundation
import MixLabCore
import Synchronization

/// How many threads MixLab's kernels use, and a helper to split work across them.
///
/// The default is the number of available cores; `MIXLAB_THREADS` in the environment or
/// `Parallelism.setThreads(_:)` overrides it. The same thread count gives bitwise-identical results:
/// work is split into fixed contiguous chunks, never by whichever thread is free first.
///
/// MixLab's parallel loops and its matrix products (see `BLAS.sgemm`, which keeps OpenBLAS itself
/// single-threaded) all run through `forEachNumberedChunk`: one pool of threads, with no idle OpenBLAS
/// threads spinning beside it. A loop started inside another loop's chunk runs its chunks one after another on
/// the calling thread (same chunks, same results): the outer loop already occupies every thread.
public enum Parallelism {
    private static let configuredThreads = Atomic<Int>(defaultThreads())

    /// Marks the threads that are running a chunk of a parallel loop (a non-nil value) — a
    /// thread-specific key, so the check costs a few nanoseconds and needs no lock.
    private static let regionKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "Parallelism: no thread-specific key left")
        return key
    }()

    private static func defaultThreads() -> Int {
        if let text = ProcessInfo.processInfo.environment["MIXLAB_THREADS"], let value = Int(text), value > 0 {
            return value
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The number of threads kernels use.
    public static var threads: Int { configuredThreads.load(ordering: .relaxed) }

    /// Sets the number of threads used by MixLab's own loops and matrix products, and by FFTW plans
    /// made afterwards.
    ///
    /// - Throws: `MixLabError.invalidArgument` for a count below 1.
    public static func setThreads(_ count: Int) throws {
        guard count >= 1 else {
            throw MixLabError(
                .invalidArgument, what: "thread count \(count) is below 1", location: "Parallelism.setThreads",
                fix: "pass 1 or more (this machine has \(ProcessInfo.processInfo.activeProcessorCount) cores)")
        }
        configuredThreads.store(count, ordering: .relaxed)
    }

    /// Whether the calling thread is running a chunk of a parallel loop. Work started there (a loop, a
    /// matrix product) stays on this thread.
    public static var isInsideParallelRegion: Bool { pthread_getspecific(regionKey) != nil }

    /// Runs `body(chunk)` for `chunks` contiguous chunks of `0..<count`, in parallel when `threads > 1`.
    ///
    /// Chunk `i` covers `range(ofChunk: i)`; the split depends only on `count` and `chunks`.
    public static func forEachChunk(
        of count: Int, chunks requested: Int = threads, _ body: (Range<Int>) -> Void
    ) {
        forEachNumberedChunk(of: count, chunks: requested) { _, range in body(range) }
    }

    /// Runs `body(rows)` over contiguous ranges of `0..<count`, in parallel only when there is enough
    /// work: at least `minimumPerThread` items for each thread used (small tensors stay on one thread,
    /// where the dispatch overhead would cost more than it saves).
    public static func forEachRange(of count: Int, minimumPerThread: Int, _ body: (Range<Int>) -> Void) {
        let chunks = min(threads, max(1, count / max(minimumPerThread, 1)))
        forEachChunk(of: count, chunks: chunks, body)
    }

    /// Like `forEachChunk`, passing each chunk's number (0..<chunks) with its range: for per-thread
    /// partial results combined afterwards in chunk order.
    ///
    /// Inside another loop's chunk (`isInsideParallelRegion`), the chunks run one after another on the
    /// calling thread.
    public static func forEachNumberedChunk(of count: Int, chunks requested: Int = threads, _ body: (Int, Range<Int>) -> Void) {
        let chunks = max(1, min(requested, count))
        if chunks == 1 {
            body(0, 0..<count)
            return
        }
        if isInsideParallelRegion {
            for chunk in 0..<chunks { body(chunk, chunkRange(chunk, of: count, chunks: chunks)) }
            return
        }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let outer = pthread_getspecific(regionKey)
                pthread_setspecific(regionKey, UnsafeRawPointer(bitPattern: 1))
                work(chunk, chunkRange(chunk, of: count, chunks: chunks))
                pthread_setspecific(regionKey, outer)
            }
        }
    }

    /// The `chunk`-th of `chunks` contiguous, nearly equal parts of `0..<count`.
    public static func chunkRange(_ chunk: Int, of count: Int, chunks: Int) -> Range<Int> {
        let base = count / chunks, extra = count % chunks
        let start = chunk * base + min(chunk, extra)
        return start..<(start + base + (chunk < extra ? 1 : 0))
    }
}
