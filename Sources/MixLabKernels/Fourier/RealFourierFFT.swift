import Foundation
import MixLabCore

/// `Re(F_T · X · F_C)` (or along one axis) for a batch of `(T, C)` examples, via FFTW.
///
/// Each example goes through FFTW's real-to-complex transform, which computes only the half spectrum
/// `Z[k, l]` for `l ≤ C/2` (along the last transformed axis). The other half follows from Hermitian
/// symmetry of the DFT of real data, `Y[k, l] = conj(Y[(T−k) mod T, C−l])`, whose real part is equal:
/// the *Hermitian fill* copies `Re Z` into the full output, mirrored where needed, and applies `scale`.
/// Along the sequence alone with an even C, strided real-to-complex column transforms are slow (FFTW
/// does not vectorise them across columns); instead each pair of adjacent columns is read as one complex
/// column, and one contiguous complex FFT along T transforms both.
///
/// Work per example: one half-size 2-D FFT, O(TC·log(TC)), plus one pass over the output. Examples are
/// split over `Parallelism.threads` threads, one single-threaded FFTW plan executed concurrently; a
/// batch smaller than the thread count uses FFTW's own threads instead. Scratch is one half spectrum
/// per thread, `T·(C/2+1)` complex values — small enough to stay in L2 for FNet-sized examples.
///
/// The map is self-adjoint (the DFT matrix is symmetric and `Re` commutes with real scaling), so the
/// same kernel computes the backward pass.
public final class RealFourierFFT: @unchecked Sendable {
    /// The sequence length T.
    public let sequenceLength: Int
    /// The hidden size C.
    public let hiddenSize: Int
    /// The transformed axes.
    public let axes: MixingAxes
    /// The factor applied to every output value.
    public let scale: Float

    private let singleThreadPlan: FFTWPlan
    private let description: FFTWPlanDescription
    private let lock = NSLock()
    private var multiThreadPlans: [Int: FFTWPlan] = [:]
    private let scratchFloats: Int

    /// Plans the transform for examples of shape `(sequenceLength, hiddenSize)`.
    ///
    /// - Throws: `MixLabError` when FFTW cannot plan the shape.
    public init(sequenceLength: Int, hiddenSize: Int, axes: MixingAxes, scale: Float) throws {
        self.sequenceLength = sequenceLength
        self.hiddenSize = hiddenSize
        self.axes = axes
        self.scale = scale
        let (t, c) = (sequenceLength, hiddenSize)
        // 64-byte alignment of every example's input holds when T·C is a multiple of 16 floats.
        let aligned = (t * c) % 16 == 0
        let description: FFTWPlanDescription
        switch axes {
        case .both:
            description = FFTWPlanDescription(kind: .realToComplex, lengths: [t, c], aligned: aligned)
            scratchFloats = 2 * t * (c / 2 + 1)
        case .hidden:
            description = FFTWPlanDescription(
                kind: .realToComplex, lengths: [c], howMany: t, inputDistance: c, outputDistance: c / 2 + 1,
                aligned: aligned)
            scratchFloats = 2 * t * (c / 2 + 1)
        case .sequence where c % 2 == 0:
            // Each row of X, read as C/2 interleaved complex numbers, packs two real columns into one
            // complex column: one complex FFT along T transforms both (see `transform`).
            // Scratch rows are padded by 64 bytes: a power-of-two row stride would map a whole column
            // to the same cache sets.
            description = FFTWPlanDescription(
                kind: .complexToComplex(forward: true), lengths: [t], howMany: c / 2, inputStride: c / 2,
                inputDistance: 1, outputStride: Self.paddedRow(c) / 2, outputDistance: 1, aligned: aligned)
            scratchFloats = t * Self.paddedRow(c)
        case .sequence:
            // Column transforms: element (k, c) of the half spectrum lands at complex index k·C + c.
            description = FFTWPlanDescription(
                kind: .realToComplex, lengths: [t], howMany: c, inputStride: c, inputDistance: 1,
                outputStride: c, outputDistance: 1, aligned: aligned)
            scratchFloats = 2 * (t / 2 + 1) * c
        }
        self.description = description
        singleThreadPlan = try FFTWPlanner.shared.plan(description)
    }

    /// The plan that uses `threads` FFTW threads inside one example, made on first use.
    private func multiThreadPlan(threads: Int) -> FFTWPlan {
        lock.withLock {
            if let plan = multiThreadPlans[threads] { return plan }
            var threaded = description
            threaded.threads = threads
            // Planning a layout that already planned single-threaded cannot fail.
            let plan = (try? FFTWPlanner.shared.plan(threaded)) ?? singleThreadPlan
            multiThreadPlans[threads] = plan
            return plan
        }
    }

    /// The scratch row length, in floats, for a row of C floats: C + 16 (one 64-byte line more).
    private static func paddedRow(_ c: Int) -> Int { c + 16 }

    /// Writes the mixed batch to `output`; `input` and `output` hold `batch` examples of T·C floats.
    ///
    /// `input` must be 64-byte aligned (any `Tensor` is) and must not overlap `output`.
    public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int) {
        let exampleSize = sequenceLength * hiddenSize
        let threads = Parallelism.threads
        if batch >= threads || threads == 1 {
            Parallelism.forEachChunk(of: batch, chunks: threads) { examples in
                let scratch = TensorStorage(count: scratchFloats, zeroed: false)
                for b in examples {
                    transform(input + b * exampleSize, output + b * exampleSize, scratch.pointer, singleThreadPlan)
                }
            }
        } else {
            let plan = multiThreadPlan(threads: threads)
            let scratch = TensorStorage(count: scratchFloats, zeroed: false)
            for b in 0..<batch {
                transform(input + b * exampleSize, output + b * exampleSize, scratch.pointer, plan)
            }
        }
    }

    private func transform(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
        _ spectrum: UnsafeMutablePointer<Float>, _ plan: FFTWPlan
    ) {
        let (t, c, s) = (sequenceLength, hiddenSize, scale)
        if axes == .sequence && c % 2 == 0 {
            // W = F_T·(X_even + i·X_odd). Since F·x of a real x has Re(F·x)[k] = Re(F·x)[−k], the real
            // parts of the two packed transforms are Re(F·x_even)[k] = (Re W[k] + Re W[−k]) / 2 and
            // Re(F·x_odd)[k] = (Im W[k] + Im W[−k]) / 2: as float rows, out[k] = (W[k] + W[−k]) / 2.
            plan.executeComplexToComplex(input, spectrum)
            let stride = Self.paddedRow(c)
            for row in 0..<t {
                averageRows(
                    spectrum + row * stride, spectrum + ((t - row) % t) * stride, to: output + row * c, count: c, scale: s / 2)
            }
            return
        }
        plan.executeRealToComplex(input, spectrum)
        switch axes {
        case .both:
            let half = c / 2 + 1
            for row in 0..<t {
                let out = output + row * c
                let z = spectrum + 2 * row * half  // Z[row, ·]
                let mirror = spectrum + 2 * ((t - row) % t) * half  // Z[(T − row) mod T, ·]
                copyRealParts(z, to: out, count: half, scale: s)
                copyRealPartsReversed(mirror, to: out + half, count: c - half, scale: s)
            }
        case .hidden:
            let half = c / 2 + 1
            for row in 0..<t {
                let out = output + row * c
                let z = spectrum + 2 * row * half
                copyRealParts(z, to: out, count: half, scale: s)
                copyRealPartsReversed(z, to: out + half, count: c - half, scale: s)
            }
        case .sequence:
            let half = t / 2 + 1
            for row in 0..<t {
                let z = spectrum + 2 * (row < half ? row : t - row) * c  // Z[min(row, T − row), ·]
                copyRealParts(z, to: output + row * c, count: c, scale: s)
            }
        }
    }
}

/// `out[i] = s · Re z[i]` for `i < n`, where `z` holds interleaved complex numbers.
@inline(__always)
private func copyRealParts(_ z: UnsafePointer<Float>, to out: UnsafeMutablePointer<Float>, count n: Int, scale s: Float) {
    var i = 0
    while i + 16 <= n {
        let pairs = UnsafeRawPointer(z + 2 * i).loadUnaligned(as: SIMD32<Float>.self)
        UnsafeMutableRawPointer(out + i).storeBytes(of: s * pairs.evenHalf, as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        out[i] = s * z[2 * i]
        i += 1
    }
}

/// `out[k] = s · Re z[n − k]` for `k < n`: the real parts of `z[n], z[n−1], …, z[1]` (the mirrored half
/// of a Hermitian spectrum).
@inline(__always)
private func copyRealPartsReversed(_ z: UnsafePointer<Float>, to out: UnsafeMutablePointer<Float>, count n: Int, scale s: Float) {
    var k = 0
    while k + 16 <= n {
        // z[n − k − 15] … z[n − k], ascending; reversed into out[k] … out[k + 15].
        let pairs = UnsafeRawPointer(z + 2 * (n - k - 15)).loadUnaligned(as: SIMD32<Float>.self)
        let real = s * pairs.evenHalf
        let reversed = SIMD16<Float>(
            real[15], real[14], real[13], real[12], real[11], real[10], real[9], real[8],
            real[7], real[6], real[5], real[4], real[3], real[2], real[1], real[0])
        UnsafeMutableRawPointer(out + k).storeBytes(of: reversed, as: SIMD16<Float>.self)
        k += 16
    }
    while k < n {
        out[k] = s * z[2 * (n - k)]
        k += 1
    }
}

/// `out[i] = s · (a[i] + b[i])` for `i < n`.
@inline(__always)
private func averageRows(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, to out: UnsafeMutablePointer<Float>, count n: Int, scale s: Float
) {
    var i = 0
    while i + 16 <= n {
        let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
        let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(out + i).storeBytes(of: s * (x + y), as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        out[i] = s * (a[i] + b[i])
        i += 1
    }
}
