import Foundation
import MixLabCore

/// `part(F_T^a · X · F_C^b)` (or along one axis) for a batch, with precomputed fractional Fourier
/// matrices of fixed orders and OpenBLAS GEMMs.
///
/// With `A = F_T^a = A_r + i·A_i` and `B = F_C^b = B_r + i·B_i` (complex symmetric, built in Double by
/// `FractionalFourierBasis.matrix(order:)` and rounded once to Float) and real `X`:
///
///     Re(A X B) = A_r X B_r − A_i X B_i,     Im(A X B) = A_r X B_i + A_i X B_r
///
/// The hidden side is one GEMM over all `B·T` tokens, `U = X · [B_r | B_i]` (`B·T × 2C`); the sequence
/// side is two GEMMs per example. With one axis it is one GEMM (`A_r X`, `A_i X`, `X B_r` or `X B_i`).
/// Cost `4·B·T·C·(T + C)` flops for both axes, `2·B·T²·C` or `2·B·T·C²` for one: O(n²) per axis — there
/// is no O(n log n) algorithm for this (eigenvector-defined) transform in FFTW, GSL or OpenBLAS.
///
/// Self-adjoint: every factor is symmetric, so the adjoint of `X ↦ A_r X B_r − A_i X B_i` is
/// `G ↦ A_rᵀ G B_rᵀ − A_iᵀ G B_iᵀ`, the same map (likewise for the imaginary part).
public final class FractionalFourierMatrix: @unchecked Sendable {
    public let sequenceLength: Int
    public let hiddenSize: Int
    public let axes: MixingAxes
    public let sequenceOrder: Double
    public let hiddenOrder: Double
    public let part: FractionalFourierBasis.Part

    // Row-major Float matrices.
    private let sequenceFirst: [Float]  // T×T: A_r (both axes), or A_r / A_i (sequence only, by part)
    private let sequenceSecond: [Float]  // T×T: −A_i (real part) or A_i (imaginary part); both axes only
    private let hiddenMatrix: [Float]  // C×2C [B_r | B_i] (both axes), or C×C B_r / B_i (hidden only)

    /// Builds the matrices for examples of shape `(sequenceLength, hiddenSize)`.
    ///
    /// - Throws: `MixLabError.libraryUnavailable` when OpenBLAS cannot be opened; basis errors.
    public init(
        sequenceLength: Int, hiddenSize: Int, axes: MixingAxes, sequenceOrder: Double, hiddenOrder: Double,
        part: FractionalFourierBasis.Part
    ) throws {
        try BLAS.requireAvailable(for: "FractionalFourierMatrix")
        self.sequenceLength = sequenceLength
        self.hiddenSize = hiddenSize
        self.axes = axes
        self.sequenceOrder = sequenceOrder
        self.hiddenOrder = hiddenOrder
        self.part = part
        let (t, c) = (sequenceLength, hiddenSize)
        switch axes {
        case .sequence:
            let a = try FractionalFourierBasis.shared(length: t).matrix(order: sequenceOrder)
            sequenceFirst = (part == .real ? a.real : a.imaginary).map(Float.init)
            sequenceSecond = []
            hiddenMatrix = []
        case .hidden:
            let b = try FractionalFourierBasis.shared(length: c).matrix(order: hiddenOrder)
            sequenceFirst = []
            sequenceSecond = []
            hiddenMatrix = (part == .real ? b.real : b.imaginary).map(Float.init)
        case .both:
            let a = try FractionalFourierBasis.shared(length: t).matrix(order: sequenceOrder)
            let b = try FractionalFourierBasis.shared(length: c).matrix(order: hiddenOrder)
            sequenceFirst = a.real.map(Float.init)
            sequenceSecond = a.imaginary.map { Float(part == .real ? -$0 : $0) }
            var joined = [Float](repeating: 0, count: c * 2 * c)
            for j in 0..<c {
                for k in 0..<c {
                    joined[j * 2 * c + k] = Float(b.real[j * c + k])
                    joined[j * 2 * c + c + k] = Float(b.imaginary[j * c + k])
                }
            }
            hiddenMatrix = joined
        }
    }

    /// Writes the mixed batch to `output`; `input` and `output` hold `batch` examples of T·C floats.
    ///
    /// The same call computes the adjoint (the map is self-adjoint).
    public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int) {
        let (t, c) = (sequenceLength, hiddenSize)
        switch axes {
        case .hidden:
            hiddenMatrix.withUnsafeBufferPointer { b in
                BLAS.sgemm(m: batch * t, n: c, k: c, a: input, lda: c, b: b.baseAddress!, ldb: c, c: output, ldc: c)
            }
        case .sequence:
            sequenceFirst.withUnsafeBufferPointer { a in
                for example in 0..<batch {
                    BLAS.sgemm(
                        m: t, n: c, k: t, a: a.baseAddress!, lda: t, b: input + example * t * c, ldb: c,
                        c: output + example * t * c, ldc: c)
                }
            }
        case .both:
            let u = TensorStorage(count: batch * t * 2 * c, zeroed: false)  // (B·T) × 2C: [X B_r | X B_i]
            hiddenMatrix.withUnsafeBufferPointer { joined in
                BLAS.sgemm(
                    m: batch * t, n: 2 * c, k: c, a: input, lda: c, b: joined.baseAddress!, ldb: 2 * c,
                    c: u.pointer, ldc: 2 * c)
            }
            // Real: Y = A_r·(X B_r) + (−A_i)·(X B_i).  Imaginary: Y = A_r·(X B_i) + A_i·(X B_r).
            let (firstOffset, secondOffset) = part == .real ? (0, c) : (c, 0)
            sequenceFirst.withUnsafeBufferPointer { first in
                sequenceSecond.withUnsafeBufferPointer { second in
                    for example in 0..<batch {
                        let ub = u.pointer + example * t * 2 * c
                        let yb = output + example * t * c
                        BLAS.sgemm(
                            m: t, n: c, k: t, a: first.baseAddress!, lda: t, b: ub + firstOffset, ldb: 2 * c,
                            c: yb, ldc: c)
                        BLAS.sgemm(
                            m: t, n: c, k: t, a: second.baseAddress!, lda: t, b: ub + secondOffset, ldb: 2 * c,
                            beta: 1, c: yb, ldc: c)
                    }
                }
            }
        }
    }
}
