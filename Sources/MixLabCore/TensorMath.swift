/// Small whole-tensor operations used by checks, tests and optimisers (not by hot mixing loops).
extension Tensor {
    /// Elementwise sum. Shapes must match.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        lhs.combined(with: rhs, "+") { $0 + $1 }
    }

    /// Elementwise difference. Shapes must match.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        lhs.combined(with: rhs, "-") { $0 - $1 }
    }

    /// Every value multiplied by `scale`.
    public static func * (scale: Float, tensor: Tensor) -> Tensor {
        tensor.mapped { scale * $0 }
    }

    /// A tensor of the same shape with `transform` applied to each value.
    public func mapped(_ transform: (Float) -> Float) -> Tensor {
        var result = Tensor(uninitialized: shape)
        let source = storage.pointer
        result.withUnsafeMutableBufferPointer { out in
            for index in 0..<out.count { out[index] = transform(source[index]) }
        }
        return result
    }

    private func combined(with other: Tensor, _ symbol: String, _ op: (Float, Float) -> Float) -> Tensor {
        precondition(shape == other.shape,
                     "Tensor \(symbol): shapes \(Shape.describe(shape)) and \(Shape.describe(other.shape)) differ")
        var result = Tensor(uninitialized: shape)
        let a = storage.pointer, b = other.storage.pointer
        result.withUnsafeMutableBufferPointer { out in
            for index in 0..<out.count { out[index] = op(a[index], b[index]) }
        }
        return result
    }

    /// The inner product Σ xᵢ·yᵢ, accumulated in Double.
    public func dot(_ other: Tensor) -> Double {
        precondition(count == other.count, "Tensor.dot: sizes \(count) and \(other.count) differ")
        var sum = 0.0
        for index in 0..<count { sum += Double(storage.pointer[index]) * Double(other.storage.pointer[index]) }
        return sum
    }

    /// The Euclidean norm, accumulated in Double.
    public var norm: Double { dot(self).squareRoot() }

    /// The largest absolute value (0 for an empty tensor; NaN if any value is NaN).
    public var maxAbs: Float {
        var result: Float = 0
        for index in 0..<count {
            let value = abs(storage.pointer[index])
            if value.isNaN { return .nan }
            result = max(result, value)
        }
        return result
    }

    /// The largest absolute elementwise difference to a tensor of the same shape.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        (self - other).maxAbs
    }

    /// The multi-index of the first NaN or infinity, or nil when every value is finite.
    public func firstNonFiniteIndex() -> [Int]? {
        for index in 0..<count where !storage.pointer[index].isFinite {
            return multiIndex(ofFlat: index)
        }
        return nil
    }
}
