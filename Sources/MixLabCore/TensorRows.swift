/// Blocks of consecutive rows of a tensor seen as a row-major matrix of a given width: what a layer
/// needs to run over a long `(B·T, C)` activation a chunk of rows at a time.
///
/// Both operations copy `rows × width` floats (O(rows·width)); the tensor's shape is not consulted
/// beyond its element count, so `(B, T, C)` activations are rows of width `C`.
extension Tensor {
    /// Rows `range` of this tensor as a `(count / width) × width` matrix, copied into a
    /// `[range.count, width]` tensor.
    ///
    /// - Precondition: `width` divides `count` and `range` lies within the rows.
    public func rows(_ range: Range<Int>, width: Int) -> Tensor {
        precondition(width > 0 && count % width == 0, "Tensor.rows: width \(width) does not divide \(count) values")
        precondition(range.lowerBound >= 0 && range.upperBound <= count / width,
                     "Tensor.rows: rows \(range) outside 0..<\(count / width)")
        var block = Tensor(uninitialized: [range.count, width])
        let source = storage.pointer + range.lowerBound * width
        block.withUnsafeMutableBufferPointer { values in
            values.baseAddress!.update(from: source, count: range.count * width)
        }
        return block
    }

    /// Overwrites the rows from `start` on with the rows of `block`, whose last axis is the width.
    ///
    /// - Precondition: `block`'s width divides this tensor's count and its rows fit from `start`.
    public mutating func replaceRows(startingAt start: Int, with block: Tensor) {
        let width = block.shape.last ?? 1
        precondition(width > 0 && count % width == 0, "Tensor.replaceRows: width \(width) does not divide \(count) values")
        precondition(start >= 0 && start * width + block.count <= count,
                     "Tensor.replaceRows: \(block.count / width) rows from row \(start) outside 0..<\(count / width)")
        withUnsafeMutableBufferPointer { values in
            block.withUnsafeBufferPointer { source in
                (values.baseAddress! + start * width).update(from: source.baseAddress!, count: block.count)
            }
        }
    }
}
