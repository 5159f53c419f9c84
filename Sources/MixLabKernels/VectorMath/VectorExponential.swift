import CVectorKernels

/// A vectorised single-precision `exp`: range reduction plus a polynomial over a buffer.
///
/// libm's `expf` called per element is an opaque function call that the compiler cannot vectorise, one
/// call per value instead of a polynomial over whole vectors; softmax needs one `exp` per attention
/// score, so attention uses this instead (`mixlab bench mixer attention` times it in place).
///
/// Algorithm (Cephes `expf`, S. L. Moshier): write `x = n·ln 2 + r` with `n = round(x·log₂e)` and
/// `|r| ≤ ln 2 / 2`, reducing in two steps (`ln 2 = C₁ + C₂` with `C₁ = 0.693359375` exact in few bits,
/// so `n·C₁` is exact); then `exp(r) ≈ 1 + r + r²·p(r)` with a degree-5 minimax polynomial `p`
/// (Horner's scheme with multiply-adds), and
/// `exp(x) = exp(r) · 2^n`. The power of two is built from its exponent bits as `2^a · 2^b`
/// (`a = ⌊n/2⌋`, `b = n − a`), so results near the top of the range (`n = 128`) stay exact.
///
/// The arithmetic runs in the C kernels (`CVectorKernels`, see `KernelInstructionSets`): compiled for
/// AVX-512F, AVX2 + FMA and the baseline, the best variant the CPU supports chosen at run time, so it is
/// fast whatever the Swift code was compiled for. The FMA variants fuse the multiply-adds, the baseline
/// rounds each product; every entry point (buffer, vector, scalar) gives bitwise the same value for the
/// same input in one process.
///
/// - Accuracy: about 1 ulp for every `x` in `[lowerLimit, upperLimit] ≈ [ln(FLT_MIN), ln(FLT_MAX)]`:
///   checked exhaustively once against Foundation's Double `exp` (all 2 237 668 967 Floats of the
///   range, with fused multiply-adds: worst 1.010 ulp, 22 values above 1 ulp, 99.2 % correctly
///   rounded); the tests bound a dense sample by 1.5 ulp and 1.8e-7 relative, for every variant.
/// - Edge cases: `x < lowerLimit` gives exactly `0` (results that would be subnormal are flushed to
///   zero, which also keeps later arithmetic off the slow subnormal path; softmax never needs them),
///   including `x = −∞`; `x > upperLimit` gives `+∞`; `exp(0) = 1` exactly; NaN gives NaN.
/// - Cost: about 20 vector operations per vector of values, no branches, no table lookups; O(n) for a
///   buffer of n values.
///
/// Reference: S. L. Moshier, *Methods and Programs for Mathematical Functions*, 1989 (Cephes `expf.c`).
public enum VectorExponential {
    /// The smallest Float whose exponential is normal (just above `ln(FLT_MIN)`); below it, results are
    /// flushed to zero.
    public static let lowerLimit: Float = -87.336_54
    /// The largest Float whose exponential is finite (just below `ln(FLT_MAX)`); above it, `+∞`.
    public static let upperLimit: Float = 88.722_83

    /// `exp(x)` in each lane (one call into the C kernels: for whole buffers, prefer the buffer form).
    public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        var lanes = x
        withUnsafeMutableBytes(of: &lanes) { bytes in
            let p = bytes.baseAddress!.assumingMemoryBound(to: Float.self)
            mixlab_exp(p, p, 16)
        }
        return lanes
    }

    /// `exp(x)` for one value (the same arithmetic as the vector and buffer versions).
    public static func exp(_ x: Float) -> Float {
        var value = x
        withUnsafeMutablePointer(to: &value) { mixlab_exp($0, $0, 1) }
        return value
    }

    /// `output[i] = exp(input[i])` for `i < count`; `input` and `output` may be the same buffer.
    public static func exp(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        mixlab_exp(input, output, count)
    }
}
