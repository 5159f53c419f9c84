/// A dense, row-major `Float32` array with a shape; activations are `(B, T, C)`.
///
/// `Tensor` is a value type with copy-on-write storage: copies are cheap, and the first mutation of a
/// shared copy duplicates its storage. Storage is 64-byte aligned (see `TensorStorage`). Hot loops read
/// and write through `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`.
public struct Tensor: Sendable {
    /// The size of each axis, outermost first.
    public private(set) var shape: [Int]
    /// The values, shared between copies until one of them is mutated.
    public private(set) var storage: TensorStorage

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        Self.checkShape(shape)
        self.shape = shape
        self.storage = TensorStorage(count: Shape.count(shape), zeroed: true)
    }

    /// A tensor whose values are unspecified, for outputs that are about to be overwritten.
    public init(uninitialized shape: [Int]) {
        Self.checkShape(shape)
        self.shape = shape
        self.storage = TensorStorage(count: Shape.count(shape), zeroed: false)
    }

    /// A tensor with every value equal to `value`.
    public init(shape: [Int], repeating value: Float) {
        self.init(uninitialized: shape)
        storage.pointer.update(repeating: value, count: storage.count)
    }

    /// A tensor holding `values` in row-major order.
    ///
    /// - Throws: `MixLabError.shapeMismatch` when `values.count` differs from the shape's size.
    public init(shape: [Int], values: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw MixLabError(
                .invalidArgument, what: "shape \(Shape.describe(shape)) has a negative size",
                location: "Tensor(shape:values:)", fix: "use sizes that are zero or more")
        }
        guard Shape.count(shape) == values.count else {
            throw MixLabError(
                .shapeMismatch,
                what: "\(values.count) values cannot fill shape \(Shape.describe(shape)) "
                    + "(\(Shape.count(shape)) elements)",
                location: "Tensor(shape:values:)",
                fix: "pass exactly \(Shape.count(shape)) values, or change the shape")
        }
        self.init(uninitialized: shape)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.pointer.update(from: base, count: values.count) }
        }
    }

    /// A tensor whose value at each flat index is `value(index)`.
    public init(shape: [Int], generator value: (Int) -> Float) {
        self.init(uninitialized: shape)
        for index in 0..<storage.count { storage.pointer[index] = value(index) }
    }

    private static func checkShape(_ shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative size in shape \(shape)")
    }

    /// The number of elements.
    @inlinable public var count: Int { storage.count }

    /// The number of axes.
    public var rank: Int { shape.count }

    /// The values in row-major order.
    public var values: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// The element at a flat (row-major) index.
    public subscript(flat index: Int) -> Float {
        get {
            precondition(index >= 0 && index < count, "Tensor: flat index \(index) out of range 0..<\(count)")
            return storage.pointer[index]
        }
        set {
            precondition(index >= 0 && index < count, "Tensor: flat index \(index) out of range 0..<\(count)")
            makeUnique()
            storage.pointer[index] = newValue
        }
    }

    /// The element at a multi-index, one index per axis.
    public subscript(_ indices: Int...) -> Float {
        get { self[flat: flatIndex(indices)] }
        set { self[flat: flatIndex(indices)] = newValue }
    }

    /// The row-major flat index of a multi-index.
    public func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "Tensor: \(indices.count) indices for rank \(shape.count)")
        var flat = 0
        for (axis, index) in indices.enumerated() {
            precondition(index >= 0 && index < shape[axis], "Tensor: index \(index) out of range on axis \(axis)")
            flat = flat * shape[axis] + index
        }
        return flat
    }

    /// The multi-index of a flat (row-major) index.
    public func multiIndex(ofFlat flat: Int) -> [Int] {
        var remainder = flat
        var indices = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            indices[axis] = remainder % shape[axis]
            remainder /= shape[axis]
        }
        return indices
    }

    /// Calls `body` with read access to the values.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Calls `body` with write access to the values, copying shared storage first.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Copies the storage if another tensor shares it.
    public mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// The same values with another shape of equal size.
    ///
    /// - Throws: `MixLabError.shapeMismatch` when the sizes differ.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard Shape.count(newShape) == count, newShape.allSatisfy({ $0 >= 0 }) else {
            throw MixLabError(
                .shapeMismatch,
                what: "cannot reshape \(Shape.describe(shape)) (\(count) elements) to "
                    + "\(Shape.describe(newShape)) (\(Shape.count(newShape)) elements)",
                location: "Tensor.reshaped", fix: "choose a shape with \(count) elements")
        }
        var result = self
        result.shape = newShape
        return result
    }
}

extension Tensor: Equatable {
    /// Equal shapes and bitwise-equal values (so NaN equals NaN with the same bits).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        if lhs.storage === rhs.storage { return true }
        for index in 0..<lhs.count where lhs.storage.pointer[index].bitPattern != rhs.storage.pointer[index].bitPattern {
            return false
        }
        return true
    }
}

extension Tensor: CustomStringConvertible {
    /// The shape and the first few values.
    public var description: String {
        let shown = values.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor\(Shape.describe(shape))(\(shown)\(count > 8 ? ", …" : ""))"
    }
}
