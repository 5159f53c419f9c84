import MixLabCore
import MixLabKernels

/// Parallel, vectorised elementwise operations for the training step's hot paths.
///
/// Each splits the work into contiguous ranges over `Parallelism.threads` (when large enough) and runs
/// 16-lane SIMD inside; results do not depend on the thread count.
enum Elementwise {
    /// Work below this many values per thread stays on one thread.
    static let grain = 32_768

    /// `a + b`, or `a + b ⊙ mask` (same shapes).
    static func add(_ a: Tensor, _ b: Tensor, mask: Tensor? = nil) -> Tensor {
        precondition(a.shape == b.shape, "Elementwise.add: \(a.shape) vs \(b.shape)")
        precondition(mask == nil || mask!.shape == a.shape, "Elementwise.add: mask \(mask!.shape) vs \(a.shape)")
        var out = Tensor(uninitialized: a.shape)
        let (x, y, m) = (a.storage.pointer, b.storage.pointer, mask?.storage.pointer)
        out.withUnsafeMutableBufferPointer { po in
            let z = po.baseAddress!
            Parallelism.forEachRange(of: po.count, minimumPerThread: grain) { range in
                let i = range.lowerBound
                FusedRows.sum(x + i, y + i, mask: m.map { $0 + i }, into: z + i, count: range.count)
            }
        }
        return out
    }

    /// `target += b` in place (a copy first if `target` shares its storage).
    static func addInPlace(_ target: inout Tensor, _ b: Tensor) {
        precondition(target.shape == b.shape, "Elementwise.addInPlace: \(target.shape) vs \(b.shape)")
        let y = b.storage.pointer
        target.withUnsafeMutableBufferPointer { pt in
            let x = pt.baseAddress!
            Parallelism.forEachRange(of: pt.count, minimumPerThread: grain) { range in
                let i = range.lowerBound
                FusedRows.sum(x + i, y + i, mask: nil, into: x + i, count: range.count)
            }
        }
    }

    /// `x ⊙ mask` for `[rows, width]` values, with the column sums of the product (a bias gradient).
    static func multiplyWithColumnSums(_ x: Tensor, _ mask: Tensor, width: Int) -> (product: Tensor, columnSums: [Float]) {
        precondition(x.shape == mask.shape && x.count % width == 0, "Elementwise.multiplyWithColumnSums: \(x.shape) vs \(mask.shape)")
        let rows = x.count / width
        var product = Tensor(uninitialized: x.shape)
        let (px, pm) = (x.storage.pointer, mask.storage.pointer)
        let partials = ColumnPartials(width: width, kinds: 1, rows: rows)
        product.withUnsafeMutableBufferPointer { pp in
            let out = pp.baseAddress!
            partials.run { range, sums in
                for row in range {
                    let offset = row * width
                    FusedRows.multiplyAccumulating(px + offset, pm + offset, into: out + offset, columnSums: sums, count: width)
                }
            }
        }
        var columnSums = [Float](repeating: 0, count: width)
        columnSums.withUnsafeMutableBufferPointer { partials.add(kind: 0, into: $0.baseAddress!) }
        return (product, columnSums)
    }

    /// In place, `x ← x ⊙ factor`, returning the column sums of the product for `[rows, width]` values.
    static func multiplyInPlaceWithColumnSums(_ x: inout Tensor, by factor: Tensor, width: Int) -> [Float] {
        precondition(x.shape == factor.shape && x.count % width == 0, "Elementwise.multiplyInPlaceWithColumnSums: \(x.shape) vs \(factor.shape)")
        let rows = x.count / width
        let pf = factor.storage.pointer
        var columnSums = [Float](repeating: 0, count: width)
        x.withUnsafeMutableBufferPointer { px in
            let values = px.baseAddress!
            let partials = ColumnPartials(width: width, kinds: 1, rows: rows)
            partials.run { range, sums in
                for row in range {
                    let offset = row * width
                    FusedRows.multiplyAccumulating(values + offset, pf + offset, into: values + offset, columnSums: sums, count: width)
                }
            }
            columnSums.withUnsafeMutableBufferPointer { partials.add(kind: 0, into: $0.baseAddress!) }
        }
        return columnSums
    }

    /// Runs `body(rowRange)` over the rows of a `[rows, width]` view, in parallel when large enough.
    static func forEachRows(_ rows: Int, width: Int, _ body: (Range<Int>) -> Void) {
        Parallelism.forEachRange(of: rows, minimumPerThread: max(1, grain / max(width, 1)), body)
    }
}
