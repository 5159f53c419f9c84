/// The first positions of `(B, T, C)` activations: what a block that computes only the positions a
/// classifier reads needs to cut from, and return gradients to, a whole sequence.
///
/// Each operation touches `B·N·C` floats (plus `B·T·C` zeros for `padded`), O(B·T·C) at most.
extension Tensor {
    /// The first `positions` positions of each example of a `(B, T, C)` tensor, `(B, N, C)`, copied.
    ///
    /// - Precondition: rank 3 and `1 ≤ positions ≤ T`.
    public func firstPositions(_ positions: Int) -> Tensor {
        precondition(rank == 3 && positions >= 1 && positions <= shape[1],
                     "Tensor.firstPositions: \(positions) positions of shape \(Shape.describe(shape))")
        let (batch, length, width) = (shape[0], shape[1], shape[2])
        if positions == length { return self }
        var result = Tensor(uninitialized: [batch, positions, width])
        for example in 0..<batch {
            (result.storage.pointer + example * positions * width)
                .update(from: storage.pointer + example * length * width, count: positions * width)
        }
        return result
    }

    /// A `(B, length, C)` tensor holding this `(B, N, C)` tensor in its first N positions and zeros after.
    ///
    /// - Precondition: rank 3 and `N ≤ length`.
    public func padded(toPositions length: Int) -> Tensor {
        precondition(rank == 3 && shape[1] <= length, "Tensor.padded: shape \(Shape.describe(shape)) to \(length) positions")
        let (batch, positions, width) = (shape[0], shape[1], shape[2])
        if positions == length { return self }
        var result = Tensor(zeros: [batch, length, width])
        for example in 0..<batch {
            (result.storage.pointer + example * length * width)
                .update(from: storage.pointer + example * positions * width, count: positions * width)
        }
        return result
    }

    /// Adds the `(B, N, C)` tensor `other` into the first N positions of this `(B, T, C)` tensor.
    ///
    /// - Precondition: both rank 3, the same B and C, and `N ≤ T`.
    public mutating func addIntoFirstPositions(_ other: Tensor) {
        precondition(rank == 3 && other.rank == 3 && other.shape[0] == shape[0] && other.shape[2] == shape[2]
                     && other.shape[1] <= shape[1],
                     "Tensor.addIntoFirstPositions: \(Shape.describe(other.shape)) into \(Shape.describe(shape))")
        let (batch, length, width, positions) = (shape[0], shape[1], shape[2], other.shape[1])
        withUnsafeMutableBufferPointer { target in
            other.withUnsafeBufferPointer { source in
                for example in 0..<batch {
                    let row = target.baseAddress! + example * length * width
                    let from = source.baseAddress! + example * positions * width
                    for i in 0..<(positions * width) { row[i] += from[i] }
                }
            }
        }
    }
}
