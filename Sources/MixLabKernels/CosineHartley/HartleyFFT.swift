import MixLabCore

/// Discrete Hartley transforms of a batch of `(T, C)` examples from FFTW's real-to-complex output.
///
/// With `cas θ = cos θ + sin θ` and, for one example `X`, `a = 2πjk/T`, `b = 2πml/C`:
/// - `fnet` (FNet paper's Hartley ablation): `y[k, l] = s·Σ X[j, m]·cas(a + b) = s·(Re F − Im F)[k, l]`,
///   `F = fft2(X)` with numpy's sign `e^{−2πi(…)}`;
/// - `separable` (FFTW's multi-dimensional `FFTW_DHT`): `y[k, l] = s·Σ X[j, m]·cas(a)·cas(b)`, the product
///   of 1-D Hartley transforms along each axis. Since `cas a · cas b = cos(a − b) + sin(a + b)`,
///   `y[k, l] = s·(Re F[k, −l] − Im F[k, l])`.
/// Along one axis only both reduce to the 1-D transform `y = s·(Re − Im)(fft(x))`.
///
/// Both come from the half spectrum `Z` of FFTW's real-to-complex transform (Hermitian symmetry,
/// `F[k, l] = conj Z[−k, −l]` for `l > C/2`, indices mod T and C):
/// - fnet:      `y[k, l] = Re Z[k, l] − Im Z[k, l]` and `y[k, C−l] = Re Z[−k, l] + Im Z[−k, l]`;
/// - separable: `y[k, l] = Re Z[−k, l] − Im Z[k, l]` and `y[k, C−l] = Re Z[k, l] + Im Z[−k, l]`,
/// for `0 ≤ l ≤ C/2` (resp. `1 ≤ l < C − C/2`). Along the sequence alone with an even C, two adjacent real
/// columns are packed into one complex column `W = F_T·(x_even + i·x_odd)`, and with `a = W[k]`,
/// `b = W[−k]`: `y_even[k] = (Re a + Re b − Im a + Im b)/2`, `y_odd[k] = (Im a + Im b + Re a − Re b)/2`.
/// With an odd C the sequence axis uses FFTW's `FFTW_DHT` on strided columns instead.
///
/// Every variant is symmetric (its kernel is symmetric in `(j, m)` and `(k, l)`), so the same kernel is
/// its own adjoint; and `H·H = N·I` (N the product of the transformed lengths), so the inverse is the
/// same kernel with scale `1/(s·N)`. Work per example: one half-size FFT and one pass over the output,
/// as `RealFourierFFT`; examples are split over `Parallelism.threads` threads (`forEachExample`).
///
/// References: R. N. Bracewell, "Discrete Hartley transform", JOSA 73(12), 1983; Lee-Thorp et al.,
/// FNet (arXiv 2105.03824), §3.3 and the Hartley ablation.
public final class HartleyFFT: @unchecked Sendable {
    /// The two Hartley operators over both axes.
    public enum Kind: String, Sendable, CaseIterable {
        /// Product of 1-D Hartley transforms along each axis (`FFTW_DHT` per axis).
        case separable
        /// FNet's `Re(fft2) − Im(fft2)`: kernel `cas(2π(jk/T + ml/C))`.
        case fnet
    }

    /// The sequence length T.
    public let sequenceLength: Int
    /// The hidden size C.
    public let hiddenSize: Int
    /// The transformed axes.
    public let axes: MixingAxes
    /// The operator (only matters for `both`).
    public let kind: Kind
    /// The factor applied to every output value.
    public let scale: Float

    private enum Layout {
        case halfSpectrum  // both, hidden: real-to-complex
        case packedColumns  // sequence, even C: complex FFT of column pairs
        case stridedHartley  // sequence, odd C: FFTW_DHT on strided columns, then scale
    }

    private let layout: Layout
    private let plans: ExamplePlans
    private let scratchFloats: Int
    private let rowStride: Int

    /// Plans the transform for `(sequenceLength, hiddenSize)` examples.
    ///
    /// - Throws: `MixLabError.invalidArgument` when FFTW cannot plan the shape.
    public init(sequenceLength t: Int, hiddenSize c: Int, axes: MixingAxes, kind: Kind, scale: Float) throws {
        sequenceLength = t
        hiddenSize = c
        self.axes = axes
        self.kind = kind
        self.scale = scale
        rowStride = c + 16  // padded scratch rows: a power-of-two stride would alias cache sets
        // 64-byte alignment of every example's input and output holds when T·C is a multiple of 16 floats.
        let aligned = (t * c) % 16 == 0
        let description: FFTWPlanDescription
        switch axes {
        case .both:
            layout = .halfSpectrum
            description = FFTWPlanDescription(kind: .realToComplex, lengths: [t, c], aligned: aligned)
            scratchFloats = 2 * t * (c / 2 + 1)
        case .hidden:
            layout = .halfSpectrum
            description = FFTWPlanDescription(kind: .realToComplex, lengths: [c], howMany: t, aligned: aligned)
            scratchFloats = 2 * t * (c / 2 + 1)
        case .sequence where c % 2 == 0:
            layout = .packedColumns
            description = FFTWPlanDescription(
                kind: .complexToComplex(forward: true), lengths: [t], howMany: c / 2, inputStride: c / 2,
                inputDistance: 1, outputStride: rowStride / 2, outputDistance: 1, aligned: aligned)
            scratchFloats = t * rowStride
        case .sequence:
            layout = .stridedHartley
            description = FFTWPlanDescription(
                kind: .realToReal([RealToRealKind.dht.fftwKind]), lengths: [t], howMany: c, inputStride: c,
                inputDistance: 1, outputStride: c, outputDistance: 1, aligned: aligned)
            scratchFloats = 0
        }
        plans = try ExamplePlans(description)
    }

    /// Writes the transformed batch to `output`; `input` and `output` hold `batch` examples of T·C floats.
    ///
    /// `input` must be 64-byte aligned (any `Tensor` is) and must not overlap `output`.
    public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int) {
        let exampleSize = sequenceLength * hiddenSize
        forEachExample(batch: batch, scratchFloats: scratchFloats) { b, scratch, threads in
            transform(input + b * exampleSize, output + b * exampleSize, scratch, plans.plan(threads: threads))
        }
    }

    private func transform(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ spectrum: UnsafeMutablePointer<Float>,
        _ plan: FFTWPlan
    ) {
        let (t, c, s) = (sequenceLength, hiddenSize, scale)
        switch layout {
        case .stridedHartley:
            plan.executeRealToReal(x, y)
            if s != 1 {
                for row in 0..<t { scaleRow(y + row * c, times: s, to: y + row * c, count: c) }
            }
        case .packedColumns:
            plan.executeComplexToComplex(x, spectrum)
            let stride = rowStride
            for k in 0..<t {
                hartleyPackedRow(spectrum + k * stride, spectrum + ((t - k) % t) * stride, to: y + k * c, pairs: c / 2, scale: s / 2)
            }
        case .halfSpectrum:
            plan.executeRealToComplex(x, spectrum)
            let half = c / 2 + 1
            for k in 0..<t {
                let row = spectrum + 2 * k * half  // Z[k, ·]
                let mirror = axes == .both ? spectrum + 2 * ((t - k) % t) * half : row  // Z[−k, ·]
                switch kind {
                case .fnet:
                    hartleyRow(direct: row, row, mirrored: mirror, mirror, to: y + k * c, count: c, half: half, scale: s)
                case .separable:
                    hartleyRow(direct: mirror, row, mirrored: row, mirror, to: y + k * c, count: c, half: half, scale: s)
                }
            }
        }
    }
}

/// `y[l] = s·(Re p[l] − Im q[l])` for `l < half` and `y[n−l] = s·(Re p'[l] + Im q'[l])` for
/// `1 ≤ l ≤ n − half`, where `p, q, p', q'` are complex rows (interleaved).
@inline(__always)
private func hartleyRow(
    direct p: UnsafePointer<Float>, _ q: UnsafePointer<Float>, mirrored pm: UnsafePointer<Float>,
    _ qm: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count n: Int, half: Int, scale s: Float
) {
    let scale = SIMD16<Float>(repeating: s)
    var l = 0
    while l + 16 <= half {
        store16(scale * (deinterleave16(p + 2 * l).0 - deinterleave16(q + 2 * l).1), y + l)
        l += 16
    }
    while l < half {
        y[l] = s * (p[2 * l] - q[2 * l + 1])
        l += 1
    }
    let mirrored = n - half
    l = 1
    while l + 15 <= mirrored {
        let v = scale * (deinterleave16(pm + 2 * l).0 + deinterleave16(qm + 2 * l).1)
        store16(reversed16(v), y + n - l - 15)  // y[n − (l + j)] for j = 0…15
        l += 16
    }
    while l <= mirrored {
        y[n - l] = s * (pm[2 * l] + qm[2 * l + 1])
        l += 1
    }
}

/// One output row along the sequence from packed column pairs: with `a = W[k]`, `b = W[−k]` (interleaved
/// complex rows of `pairs` values), `y[2i] = s·(Re a + Re b − Im a + Im b)` and
/// `y[2i+1] = s·(Im a + Im b + Re a − Re b)`.
@inline(__always)
private func hartleyPackedRow(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, pairs n: Int,
    scale s: Float
) {
    let scale = SIMD16<Float>(repeating: s)
    var i = 0
    while i + 16 <= n {
        let ((ar, ai), (br, bi)) = (deinterleave16(a + 2 * i), deinterleave16(b + 2 * i))
        store32(interleave16(scale * (ar + br - ai + bi), scale * (ai + bi + ar - br)), y + 2 * i)
        i += 16
    }
    while i < n {
        let (ar, ai, br, bi) = (a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1])
        y[2 * i] = s * (ar + br - ai + bi)
        y[2 * i + 1] = s * (ai + bi + ar - br)
        i += 1
    }
}
