import Foundation

/// Vectorised row loops shared by the real-to-real transform kernels (cosine, Hartley).
///
/// Rows are plain float arrays; "complex rows" hold interleaved (re, im) pairs, FFTW's layout. Loops run
/// 16 floats (or 16 complex numbers) at a time on `SIMD16`/`SIMD32` values with unaligned loads and
/// stores, then finish with scalar code. `SIMD32` is only loaded, split (`deinterleave16`, one
/// `vpermi2ps` per half) and stored: arithmetic on `SIMD32<Float>` (1024 bits) compiles to a lane-by-lane
/// loop through the stack, so all arithmetic is on `SIMD16`; and the standard
/// library's `evenHalf`/`oddHalf` are not always inlined in large functions (seen as calls in profiles),
/// hence explicit shuffles. Everything here is internal to the kernels module, so calls are
/// specialised and inlined.

/// Loads 16 floats from `p` (any alignment).
@inline(__always)
func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

/// Loads 32 floats (16 interleaved complex numbers) from `p` (any alignment).
@inline(__always)
func load32(_ p: UnsafePointer<Float>) -> SIMD32<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD32<Float>.self)
}

/// Stores 16 floats at `p` (any alignment).
@inline(__always)
func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// Stores 32 floats at `p` (any alignment).
@inline(__always)
func store32(_ v: SIMD32<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD32<Float>.self)
}

/// The 16 interleaved complex numbers at `p` as (real parts, imaginary parts): even and odd lanes.
@inline(__always)
func deinterleave16(_ p: UnsafePointer<Float>) -> (SIMD16<Float>, SIMD16<Float>) {
    let v = load32(p)
    return (
        SIMD16<Float>(v[0], v[2], v[4], v[6], v[8], v[10], v[12], v[14], v[16], v[18], v[20], v[22], v[24], v[26], v[28], v[30]),
        SIMD16<Float>(v[1], v[3], v[5], v[7], v[9], v[11], v[13], v[15], v[17], v[19], v[21], v[23], v[25], v[27], v[29], v[31]))
}

/// `(v[15], v[14], …, v[0])`.
@inline(__always)
func reversed16(_ v: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16<Float>(
        v[15], v[14], v[13], v[12], v[11], v[10], v[9], v[8], v[7], v[6], v[5], v[4], v[3], v[2], v[1], v[0])
}

/// `(a[0], b[0], a[1], b[1], …, a[15], b[15])`: real and imaginary parts to interleaved complex numbers.
@inline(__always)
func interleave16(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD32<Float> {
    SIMD32<Float>(
        a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7],
        a[8], b[8], a[9], b[9], a[10], b[10], a[11], b[11], a[12], b[12], a[13], b[13], a[14], b[14], a[15], b[15])
}

/// A complex scalar in Float, for row combinations.
struct ComplexFloat {
    var re: Float
    var im: Float

    init(_ re: Float, _ im: Float) {
        self.re = re
        self.im = im
    }

    /// `r · e^{iθ}` computed in Double, rounded once.
    init(magnitude r: Double, phase theta: Double) {
        re = Float(r * cos(theta))
        im = Float(r * sin(theta))
    }
}

/// `out[i] = α·a[i] + β·b[i]` for `n` interleaved complex numbers (`out` may not overlap `a` or `b`).
@inline(__always)
func combineComplexRows(
    _ a: UnsafePointer<Float>, _ alpha: ComplexFloat, _ b: UnsafePointer<Float>, _ beta: ComplexFloat,
    to out: UnsafeMutablePointer<Float>, count n: Int
) {
    var i = 0
    while i + 16 <= n {
        let ((ar, ai), (br, bi)) = (deinterleave16(a + 2 * i), deinterleave16(b + 2 * i))
        let re = alpha.re * ar - alpha.im * ai + beta.re * br - beta.im * bi
        let im = alpha.re * ai + alpha.im * ar + beta.re * bi + beta.im * br
        store32(interleave16(re, im), out + 2 * i)
        i += 16
    }
    while i < n {
        let (ar, ai, br, bi) = (a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1])
        out[2 * i] = alpha.re * ar - alpha.im * ai + beta.re * br - beta.im * bi
        out[2 * i + 1] = alpha.re * ai + alpha.im * ar + beta.re * bi + beta.im * br
        i += 1
    }
}

/// `out[i] = s · f[i] · x[i]` for `n` floats (`out` may equal `x`).
@inline(__always)
func scaleRow(
    _ x: UnsafePointer<Float>, by f: UnsafePointer<Float>, times s: Float, to out: UnsafeMutablePointer<Float>,
    count n: Int
) {
    var i = 0
    while i + 16 <= n {
        store16(s * load16(f + i) * load16(x + i), out + i)
        i += 16
    }
    while i < n {
        out[i] = s * f[i] * x[i]
        i += 1
    }
}

/// `out[i] = s · x[i]` for `n` floats (`out` may equal `x`).
@inline(__always)
func scaleRow(_ x: UnsafePointer<Float>, times s: Float, to out: UnsafeMutablePointer<Float>, count n: Int) {
    var i = 0
    while i + 16 <= n {
        store16(s * load16(x + i), out + i)
        i += 16
    }
    while i < n {
        out[i] = s * x[i]
        i += 1
    }
}
