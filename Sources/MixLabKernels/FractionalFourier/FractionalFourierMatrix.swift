import Foundation
import MixLabCore

/// `part(F_T^a · X · F_C^b)` (or along one axis) for a batch, with precomputed fractional Fourier
/// matrices of fixed orders and OpenBLAS GEMMs.
///
/// With `A = F_T^a = A_r + i·A_i` and `B = F_C^b = B_r + i·B_i` (complex symmetric) and real `X`:
///
///     Re(A X B) = A_r X B_r − A_i X B_i,     Im(A X B) = A_r X B_i + A_i X B_r
///
/// Both factors are block diagonal in parity coordinates (`FractionalFourierParity`):
/// `A = P_Tᵀ·diag(A_even, A_odd)·P_T`, so the kernel folds `X' = P_T·X·P_Cᵀ` (O(T·C) butterflies),
/// multiplies by the blocks (built in Double by `FractionalFourierBasis.blockMatrices(order:)`, rounded
/// once to Float) and unfolds `Y = P_Tᵀ·Y'·P_C`. The hidden side is GEMMs over all `B·T` tokens into
/// `U = [X'B_r | X'B_i]` (`B·T × 2C`); the sequence side is GEMMs per example.
/// Cost ≈ `2·B·T·C·(T + C)` flops for both axes (half of the dense `4·B·T·C·(T + C)`), `B·T²·C` or
/// `B·T·C²` for one: O(n²) per axis — there is no O(n log n) algorithm for this eigenvector-defined
/// transform in FFTW, GSL or OpenBLAS.
///
/// Self-adjoint: every factor is symmetric, so the adjoint of `X ↦ A_r X B_r − A_i X B_i` is
/// `G ↦ A_rᵀ G B_rᵀ − A_iᵀ G B_iᵀ`, the same map (likewise for the imaginary part).
public final class FractionalFourierMatrix: @unchecked Sendable {
    /// T, the sequence length of the examples.
    public let sequenceLength: Int
    /// C, the hidden size of the examples.
    public let hiddenSize: Int
    /// The transformed axes.
    public let axes: MixingAxes
    /// The order along the sequence (unused for `axes = hidden`).
    public let sequenceOrder: Double
    /// The order along the hidden axis (unused for `axes = sequence`).
    public let hiddenOrder: Double
    /// The part of the complex result written.
    public let part: FractionalFourierBasis.Part

    /// The even and odd blocks of one real matrix, row-major Float.
    private struct Blocks {
        var even: [Float] = []
        var odd: [Float] = []
    }

    // Both axes: sequence `first` = A_r, `second` = −A_i (real part) or A_i (imaginary part); hidden
    // `first` = B_r, `second` = B_i. One axis: `first` = the requested part of that axis's matrix.
    private let sequenceFirst: Blocks
    private let sequenceSecond: Blocks
    private let hiddenFirst: Blocks
    private let hiddenSecond: Blocks

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
        func blocks(_ n: Int, _ order: Double) throws -> (real: Blocks, imaginary: Blocks) {
            let m = try FractionalFourierBasis.shared(length: n).blockMatrices(order: order)
            return (
                Blocks(even: m.even.real.map(Float.init), odd: m.odd.real.map(Float.init)),
                Blocks(even: m.even.imaginary.map(Float.init), odd: m.odd.imaginary.map(Float.init)))
        }
        func negated(_ b: Blocks) -> Blocks { Blocks(even: b.even.map { -$0 }, odd: b.odd.map { -$0 }) }
        var (sf, ss, hf, hs) = (Blocks(), Blocks(), Blocks(), Blocks())
        switch axes {
        case .sequence:
            let a = try blocks(sequenceLength, sequenceOrder)
            sf = part == .real ? a.real : a.imaginary
        case .hidden:
            let b = try blocks(hiddenSize, hiddenOrder)
            hf = part == .real ? b.real : b.imaginary
        case .both:
            let a = try blocks(sequenceLength, sequenceOrder)
            let b = try blocks(hiddenSize, hiddenOrder)
            sf = a.real
            ss = part == .real ? negated(a.imaginary) : a.imaginary
            (hf, hs) = (b.real, b.imaginary)
        }
        (sequenceFirst, sequenceSecond, hiddenFirst, hiddenSecond) = (sf, ss, hf, hs)
    }

    /// Writes the mixed batch to `output`; `input` and `output` hold `batch` examples of T·C floats.
    ///
    /// The same call computes the adjoint (the map is self-adjoint).
    public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int) {
        let (t, c) = (sequenceLength, hiddenSize)
        let count = batch * t * c
        let storage = (
            folded: TensorStorage(count: count, zeroed: false),  // X', then Y' (both axes)
            scratch: TensorStorage(count: axes == .both ? count : 0, zeroed: false),
            mixed: TensorStorage(count: axes == .both ? 2 * count : count, zeroed: false)  // Y' (one axis) or U
        )
        withExtendedLifetime(storage) {
            let (folded, scratch, mixed) = (storage.folded.pointer, storage.scratch.pointer, storage.mixed.pointer)
            FractionalFourierParity.fold(
                input, folded, scratch: scratch, batch: batch, sequenceLength: t, hiddenSize: c, axes: axes)
            switch axes {
            case .hidden:
                FractionalFourierParity.hiddenBlockProduct(
                    folded, lda: c, mixed, ldc: c, rows: batch * t, length: c,
                    even: hiddenFirst.even, odd: hiddenFirst.odd)
            case .sequence:
                FractionalFourierParity.sequenceBlockProduct(
                    folded, ldx: c, mixed, ldo: c, batch: batch, length: t, width: c,
                    even: sequenceFirst.even, odd: sequenceFirst.odd)
            case .both:
                // U = [X'·B_r | X'·B_i]   ((B·T) × 2C)
                let u = mixed
                FractionalFourierParity.hiddenBlockProduct(
                    folded, lda: c, u, ldc: 2 * c, rows: batch * t, length: c, even: hiddenFirst.even, odd: hiddenFirst.odd)
                FractionalFourierParity.hiddenBlockProduct(
                    folded, lda: c, u + c, ldc: 2 * c, rows: batch * t, length: c,
                    even: hiddenSecond.even, odd: hiddenSecond.odd)
                // Real: Y' = A_r·(X'B_r) + (−A_i)·(X'B_i).  Imaginary: Y' = A_r·(X'B_i) + A_i·(X'B_r).
                let (firstOffset, secondOffset) = part == .real ? (0, c) : (c, 0)
                FractionalFourierParity.sequenceBlockProduct(
                    u + firstOffset, ldx: 2 * c, folded, ldo: c, batch: batch, length: t, width: c,
                    even: sequenceFirst.even, odd: sequenceFirst.odd)
                FractionalFourierParity.sequenceBlockProduct(
                    u + secondOffset, ldx: 2 * c, folded, ldo: c, batch: batch, length: t, width: c,
                    even: sequenceSecond.even, odd: sequenceSecond.odd, beta: 1)
            }
            FractionalFourierParity.unfold(
                axes == .both ? folded : mixed, output, scratch: scratch, batch: batch, sequenceLength: t, hiddenSize: c,
                axes: axes)
        }
    }
}
