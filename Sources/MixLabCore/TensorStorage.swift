import Foundation

/// A 64-byte aligned block of `Float32` values owned by one or more tensors.
///
/// The alignment suits AVX-512 loads and FFTW's SIMD codelets (which require every array executed with
/// a plan to share the alignment of the arrays it was planned on). Storage is freed when the last
/// tensor that shares it goes away.
public final class TensorStorage: @unchecked Sendable {
    /// The first element. Valid for `count` elements while the storage lives.
    public let pointer: UnsafeMutablePointer<Float>
    /// The number of elements.
    public let count: Int

    /// The alignment, in bytes, of every tensor's storage.
    public static let alignment = 64

    /// Allocates `count` elements, set to zero when `zeroed` (otherwise their values are unspecified).
    public init(count: Int, zeroed: Bool) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let status = posix_memalign(&raw, Self.alignment, bytes)
        guard status == 0, let raw else {
            fatalError("TensorStorage: out of memory allocating \(bytes) bytes")
        }
        if zeroed { memset(raw, 0, bytes) }
        self.pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
    }

    /// A new storage holding a copy of this one's values.
    public func copy() -> TensorStorage {
        let result = TensorStorage(count: count, zeroed: false)
        result.pointer.update(from: pointer, count: count)
        return result
    }

    deinit {
        free(pointer)
    }
}
