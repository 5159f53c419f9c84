import MixLabCore
import MixLabKernels

/// Parallel, vectorised elementwise operations for the training step's hot paths.
///
/// Each splits the work into contiguous ranges over `Parallelism.threads` (when large enough) and runs
/// 16-lane SIMD inside; results do not depend on the thread count.
enum Elementwise {
    /// Work below this many values per thread stays on one thread.
    static let grain = 32_768

    /// `a + b` (same shapes).
    static func add(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "Elementwise.add: \(a.shape) vs \(b.shape)")
        var out = Tensor(uninitialized: a.shape)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    let (x, y, z) = (pa.baseAddress!, pb.baseAddress!, po.baseAddress!)
                    Parallelism.forEachRange(of: a.count, minimumPerThread: grain) { range in
                        var i = range.lowerBound
                        while i + 16 <= range.upperBound {
                            let u = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
                            let v = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
                            UnsafeMutableRawPointer(z + i).storeBytes(of: u + v, as: SIMD16<Float>.self)
                            i += 16
                        }
                        while i < range.upperBound {
                            z[i] = x[i] + y[i]
                            i += 1
                        }
                    }
                }
            }
        }
        return out
    }

    /// Runs `body(rowRange)` over the rows of a `[rows, width]` view, in parallel when large enough.
    static func forEachRows(_ rows: Int, width: Int, _ body: (Range<Int>) -> Void) {
        Parallelism.forEachRange(of: rows, minimumPerThread: max(1, grain / max(width, 1)), body)
    }
}
