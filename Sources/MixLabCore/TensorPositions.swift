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
        Self.copyFirstPositions(positions, batch: batch, width: width, from: self, length: length, to: &result, length: positions)
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
        Self.copyFirstPositions(positions, batch: batch, width: width, from: self, length: positions, to: &result, length: length)
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

    /// Copies the first `positions` positions of each example from `source` (`length` positions per
    /// example) into `target` (`targetLength` positions per example).
    private static func copyFirstPositions(
        _ positions: Int, batch: Int, width: Int, from source: Tensor, length: Int, to target: inout Tensor,
        length targetLength: Int
    ) {
        let pointer = target.storage.pointer
        for example in 0..<batch {
            (pointer + example * targetLength * width)
                .update(from: source.storage.pointer + example * length * width, count: positions * width)
        }
    }
}
