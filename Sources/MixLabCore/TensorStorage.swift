import Foundation

/// A 64-byte aligned block of `Float32` values owned by one or more tensors.
///
/// The alignment suits AVX-512 loads and FFTW's SIMD codelets (which require every array executed with
/// a plan to share the alignment of the arrays it was planned on). Large blocks come from and return to
/// `TensorMemoryPool`, so a training step that allocates the same activations every time reuses memory
/// that is already mapped instead of page-faulting fresh memory on every step.
public final class TensorStorage: @unchecked Sendable {
    /// The first element. Valid for `count` elements while the storage lives.
    public let pointer: UnsafeMutablePointer<Float>
    /// The number of elements.
    public let count: Int
    /// The size class the block came from, in bytes.
    private let capacityBytes: Int

    /// The alignment, in bytes, of every tensor's storage.
    public static let alignment = 64

    /// Allocates `count` elements, set to zero when `zeroed` (otherwise their values are unspecified).
    public init(count: Int, zeroed: Bool) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        let bytes = TensorMemoryPool.sizeClass(forBytes: max(count, 1) * MemoryLayout<Float>.stride)
        let raw = TensorMemoryPool.shared.allocate(bytes: bytes)
        if zeroed { memset(raw, 0, count * MemoryLayout<Float>.stride) }
        self.pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
        self.capacityBytes = bytes
    }

    /// A new storage holding a copy of this one's values.
    public func copy() -> TensorStorage {
        let result = TensorStorage(count: count, zeroed: false)
        result.pointer.update(from: pointer, count: count)
        return result
    }

    deinit {
        TensorMemoryPool.shared.release(UnsafeMutableRawPointer(pointer), bytes: capacityBytes)
    }
}

/// A cache of large aligned memory blocks, reused by size class.
///
/// glibc maps large blocks freshly on each allocation, or trims them back to the system when freed, and
/// every first touch of fresh memory page-faults: an elementwise pass over fresh memory runs several
/// times slower than over memory already mapped (`mixlab bench train` reports the large blocks taken
/// from the system during its measured runs). Blocks of at least `minimumPooledBytes`
/// are therefore kept after use and handed out again for the same size class (`sizeClass(forBytes:)`); at most
/// `maximumCachedBytes` (default 4 GiB, `MIXLAB_TENSOR_CACHE_MIB` to change) are kept idle.
/// Small blocks go straight to `posix_memalign`/`free`.
public final class TensorMemoryPool: @unchecked Sendable {
    /// The pool every tensor uses.
    public static let shared = TensorMemoryPool()

    /// Blocks smaller than this are not pooled.
    public static let minimumPooledBytes = 64 * 1024
    /// Idle bytes kept at most.
    public let maximumCachedBytes: Int

    // On the heap: a mutex must not move, and Swift does not promise a stable address for a stored `var`.
    private let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        lock.initialize(to: pthread_mutex_t())
        pthread_mutex_init(lock, nil)
        return lock
    }()
    private var idle: [Int: [UnsafeMutableRawPointer]] = [:]
    private var idleBytes = 0
    private var systemAllocations = 0

    private init() {
                let mebibytes = ProcessInfo.processInfo.environment["MIXLAB_TENSOR_CACHE_MIB"].flatMap(Int.init) ?? 4096
        maximumCachedBytes = max(0, mebibytes) * 1024 * 1024
    }

    /// Size classes per doubling of the block size.
    static let sizeClassesPerOctave = 16

    /// The block size used for a request of `bytes`.
    ///
    /// Small blocks are exact. A pooled block is a whole number of 4 KiB pages, rounded up to one of
    /// `sizeClassesPerOctave` sizes between consecutive powers of two: for p pages, a multiple of
    /// max(1, 2^⌊log₂ p⌋ / 16) pages. Requests whose sizes vary a little from step to step — the masked
    /// positions of dynamic MLM masking change every batch — then share blocks instead of filling the
    /// idle cache with sizes that never come back; at most 1/16 of a block (plus the page rounding) is
    /// unused. O(1).
    static func sizeClass(forBytes bytes: Int) -> Int {
        guard bytes >= minimumPooledBytes else { return bytes }
        let pages = (bytes + 4095) / 4096
        let octave = Int.bitWidth - 1 - pages.leadingZeroBitCount
        let step = max(1, (1 << octave) / sizeClassesPerOctave)
        return (pages + step - 1) / step * step * 4096
    }

    /// How many pooled-size blocks were taken from the system (not reused) so far. A warmed-up training
    /// step leaves it unchanged: every large buffer it needs is reused.
    public var blocksAllocatedFromSystem: Int {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return systemAllocations
    }

    /// Idle bytes currently held.
    public var cachedBytes: Int {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return idleBytes
    }

    func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        if bytes >= Self.minimumPooledBytes {
            pthread_mutex_lock(lock)
            let reused = idle[bytes]?.popLast()
            if reused != nil { idleBytes -= bytes } else { systemAllocations += 1 }
            pthread_mutex_unlock(lock)
            if let reused { return reused }
        }
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, TensorStorage.alignment, bytes) == 0, let raw else {
            fatalError("TensorStorage: out of memory allocating \(bytes) bytes")
        }
        return raw
    }

    func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        if bytes >= Self.minimumPooledBytes {
            pthread_mutex_lock(lock)
            let keep = idleBytes + bytes <= maximumCachedBytes
            if keep {
                idle[bytes, default: []].append(pointer)
                idleBytes += bytes
            }
            pthread_mutex_unlock(lock)
            if keep { return }
        }
        free(pointer)
    }

    /// Returns every idle block to the system.
    public func releaseCachedMemory() {
        pthread_mutex_lock(lock)
        let blocks = idle.values.flatMap { $0 }
        idle.removeAll()
        idleBytes = 0
        pthread_mutex_unlock(lock)
        blocks.forEach { free($0) }
    }
}
