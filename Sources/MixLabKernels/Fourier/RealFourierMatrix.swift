import Foundation
import MixLabCore

/// `Re(F_T · X · F_C)` (or along one axis) for a batch, as matrix products with precomputed DFT matrices.
///
/// With `F = A − iS` on each axis (`A = cos(2πjk/n)`, `S = sin(2πjk/n)`, both symmetric):
/// `Re(F_T X F_C) = A_T X A_C − S_T X S_C`. The hidden side is one GEMM over all `B·T` tokens,
/// `U = X · [A_C | S_C]` (`B·T × 2C`); the sequence side is two GEMMs per example,
/// `Y_b = A_T · U_b[:, :C] − S_T · U_b[:, C:]`. Cost `4·B·T·C·(T + C)` flops on OpenBLAS, against
/// O(B·T·C·log(TC)) for the FFT path: this path wins only for short axes, where FFT overheads dominate.
/// The original FNet uses it on TPUs for the same reason.
///
/// Matrices are built in Double and rounded once. Self-adjoint, like the FFT path.
public final class RealFourierMatrix: @unchecked Sendable {
    /// The sequence length T the matrices are built for.
    public let sequenceLength: Int
    /// The hidden size C the matrices are built for.
    public let hiddenSize: Int
    /// The transformed axes.
    public let axes: MixingAxes
    /// The output scale s in `y = s·Re(F_T·X·F_C)`, folded into the matrices.
    public let scale: Float

    // Row-major Float matrices, with `scale` folded into the sequence side (or the only side).
    private let sequenceCosine: [Float]  // T×T
    private let sequenceNegativeSine: [Float]  // T×T, holds −S_T
    private let hiddenCosineSine: [Float]  // C×2C: [A_C | S_C] (both axes), or A_C (C×C, hidden only)

    /// Builds the matrices for examples of shape `(sequenceLength, hiddenSize)`.
    ///
    /// - Throws: `MixLabError.libraryUnavailable` when OpenBLAS cannot be opened.
    public init(sequenceLength: Int, hiddenSize: Int, axes: MixingAxes, scale: Float) throws {
        try BLAS.requireAvailable(for: "RealFourierMatrix")
        self.sequenceLength = sequenceLength
        self.hiddenSize = hiddenSize
        self.axes = axes
        self.scale = scale
        let (t, c) = (sequenceLength, hiddenSize)
        let sequenceScale = Double(scale)
        if axes.includesSequence {
            let (real, imaginary) = DenseReference.dftMatrix(t)
            sequenceCosine = real.map { Float($0 * sequenceScale) }
            sequenceNegativeSine = imaginary.map { Float($0 * sequenceScale) }  // imaginary part is −S
        } else {
            sequenceCosine = []
            sequenceNegativeSine = []
        }
        switch axes {
        case .both:
            let (real, imaginary) = DenseReference.dftMatrix(c)
            var joined = [Float](repeating: 0, count: c * 2 * c)
            for j in 0..<c {
                for k in 0..<c {
                    joined[j * 2 * c + k] = Float(real[j * c + k])
                    joined[j * 2 * c + c + k] = Float(-imaginary[j * c + k])
                }
            }
            hiddenCosineSine = joined
        case .hidden:
            hiddenCosineSine = DenseReference.dftMatrix(c).real.map { Float($0 * sequenceScale) }
        case .sequence:
            hiddenCosineSine = []
        }
    }

    /// Writes the mixed batch to `output`; `input` and `output` hold `batch` examples of T·C floats.
    public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int) {
        let (t, c) = (sequenceLength, hiddenSize)
        switch axes {
        case .hidden:
            hiddenCosineSine.withUnsafeBufferPointer { a in
                BLAS.sgemm(m: batch * t, n: c, k: c, a: input, lda: c, b: a.baseAddress!, ldb: c, c: output, ldc: c)
            }
        case .sequence:
            sequenceCosine.withUnsafeBufferPointer { a in
                for b in 0..<batch {
                    BLAS.sgemm(
                        m: t, n: c, k: t, a: a.baseAddress!, lda: t, b: input + b * t * c, ldb: c,
                        c: output + b * t * c, ldc: c)
                }
            }
        case .both:
            let u = TensorStorage(count: batch * t * 2 * c, zeroed: false)  // (B·T) × 2C
            hiddenCosineSine.withUnsafeBufferPointer { joined in
                BLAS.sgemm(
                    m: batch * t, n: 2 * c, k: c, a: input, lda: c, b: joined.baseAddress!, ldb: 2 * c,
                    c: u.pointer, ldc: 2 * c)
            }
            sequenceCosine.withUnsafeBufferPointer { cosine in
                sequenceNegativeSine.withUnsafeBufferPointer { negativeSine in
                    for b in 0..<batch {
                        let ub = u.pointer + b * t * 2 * c
                        let yb = output + b * t * c
                        BLAS.sgemm(m: t, n: c, k: t, a: cosine.baseAddress!, lda: t, b: ub, ldb: 2 * c, c: yb, ldc: c)
                        BLAS.sgemm(
                            m: t, n: c, k: t, a: negativeSine.baseAddress!, lda: t, b: ub + c, ldb: 2 * c,
                            beta: 1, c: yb, ldc: c)
                    }
                }
            }
        }
    }
}
