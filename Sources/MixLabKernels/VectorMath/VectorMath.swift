import CVectorKernels

/// Vectorised `tanh` and the tanh form of GELU on buffers (and `tanh` on `SIMD16<Float>`), and a helper
/// to map any lane-wise function over a buffer (the exponential is `VectorExponential`).
///
/// libm's `tanhf` is an opaque call per element that the compiler cannot vectorise; here
/// `tanh(x) = 1 − 2/(exp(2x) + 1)` on `VectorExponential`'s `exp`, with an odd Taylor polynomial
/// for |x| < 0.0625 where that form cancels; absolute error below 2e-7. O(n) for n values.
///
/// `tanh` and the GELU loops run in the C kernels (`CVectorKernels`, see `KernelInstructionSets`),
/// compiled for several instruction sets and chosen at run time, like `VectorExponential`.
public enum VectorMath {
    /// `tanh(x)` for each lane (one call into the C kernels: for whole buffers, prefer the buffer form).
    public static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
        var lanes = x
        withUnsafeMutableBytes(of: &lanes) { bytes in
            let p = bytes.baseAddress!.assumingMemoryBound(to: Float.self)
            mixlab_tanh(p, p, 16)
        }
        return lanes
    }

    /// `output[i] = tanh(input[i])`; `input` and `output` may be the same buffer.
    public static func tanh(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        mixlab_tanh(input, output, count)
    }

    /// `output[i] = gelu(input[i])` in the tanh form, `½x(1 + tanh(u))` with `u = √(2/π)(x + 0.044715x³)`
    /// (HF's `gelu_new`); `input` and `output` may be the same buffer.
    ///
    /// Reference: D. Hendrycks, K. Gimpel, "Gaussian Error Linear Units (GELUs)", arXiv 1606.08415.
    public static func geluTanh(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        mixlab_gelu_tanh(input, output, count)
    }

    /// In place `values[i] ← gelu(values[i])` (bitwise as `geluTanh`), writing
    /// `gelu′ = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)` (`t = tanh(u)`, the same `t`) to
    /// `derivative` when given.
    public static func geluTanhActivate(_ values: UnsafeMutablePointer<Float>, derivative: UnsafeMutablePointer<Float>?, count: Int) {
        mixlab_gelu_tanh_activate(values, derivative, count)
    }

    /// `output[i] = gradient[i] · gelu′(input[i])`, with `u` formed as `√(2/π)·x·(1 + 0.044715x²)`.
    public static func geluTanhBackward(
        input: UnsafePointer<Float>, gradient: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int
    ) {
        mixlab_gelu_tanh_backward(input, gradient, output, count)
    }

    /// Applies a lane-wise function over a buffer, 16 values at a time, the tail through a padded vector.
    @inlinable @inline(__always)
    public static func apply(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int,
        _ function: (SIMD16<Float>) -> SIMD16<Float>
    ) {
        var i = 0
        while i + 16 <= count {
            let v = UnsafeRawPointer(input + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(output + i).storeBytes(of: function(v), as: SIMD16<Float>.self)
            i += 16
        }
        if i < count {
            var tail = SIMD16<Float>(repeating: 0)
            for lane in 0..<(count - i) { tail[lane] = input[i + lane] }
            let result = function(tail)
            for lane in 0..<(count - i) { output[i + lane] = result[lane] }
        }
    }
}
