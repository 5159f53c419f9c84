import Foundation
import MixLabCore

/// `part(F_T^a · X · F_C^b)` computed in the fractional Fourier eigenbasis, with the gradients with
/// respect to the orders `a` and `b`: the kernel of a LEARNABLE-order mixer.
///
/// With `F^a = V·diag(λ_k)·Vᵀ`, `λ_k = exp(−i·θ_k)`, `θ_k = π/2·a·k` (see `FractionalFourierBasis`) and
/// real `V`, `X`:
///
///     Z = V_Tᵀ · X · V_C                         (the spectrum, real, T×C)
///     Y = V_T · (R ⊙ Z) · V_Cᵀ,   R[k, l] = part(λ_k·μ_l) = cos(θ_k + φ_l)  (real part)
///                                                       or −sin(θ_k + φ_l) (imaginary part)
///
/// (one axis: drop the other basis and its phase). The bases are block diagonal in parity coordinates
/// (`V = Pᵀ·diag(V_even, V_odd)`, see `FractionalFourierParity`), so the kernel folds `X` once, works
/// with the blocks (the spectrum `Z` is kept in block order) and unfolds the result: four real
/// block GEMMs for both axes, ≈ `2·B·T·C·(T + C)` flops like `FractionalFourierMatrix`, and a new order
/// costs only a new T×C table `R` (no O(n³) matrix rebuild), so an optimiser step is cheap.
///
/// Backward, for the output gradient `G`:
/// - input: the map is self-adjoint (`R` is a real elementwise factor between orthogonal changes of
///   basis), so `∂L/∂X = V_T · (R ⊙ Ĝ) · V_Cᵀ` with `Ĝ = V_Tᵀ · G · V_C`;
/// - orders: `∂L/∂a = Σ G ⊙ V_T (∂R/∂a ⊙ Z) V_Cᵀ = Σ Ĝ ⊙ Z ⊙ ∂R/∂a`, with
///   `∂R/∂a[k, l] = π/2 · k_T[k] · Q[k, l]`, `∂R/∂b[k, l] = π/2 · k_C[l] · Q[k, l]`, and
///   `Q = −sin(θ + φ)` (real part) or `−cos(θ + φ)` (imaginary part). This is the product rule on
///   `F_T^a X F_C^b`: `d/da` touches only the sequence factor, `d/db` only the hidden one.
///   `Z` is saved by the forward pass.
public final class FractionalFourierSpectral: @unchecked Sendable {
    /// T, the sequence length of the examples.
    public let sequenceLength: Int
    /// C, the hidden size of the examples.
    public let hiddenSize: Int
    /// The transformed axes.
    public let axes: MixingAxes
    /// The part of the complex result written.
    public let part: FractionalFourierBasis.Part

    private let sequenceBasis: FractionalFourierBasis?  // nil when the axis is not transformed
    private let hiddenBasis: FractionalFourierBasis?
    // The even and odd blocks of V, row-major Float (empty when the axis is not transformed).
    private let sequenceEven: [Float], sequenceOdd: [Float]
    private let hiddenEven: [Float], hiddenOdd: [Float]

    /// The response `R` and slope `Q` tables (T×C, block order) for one pair of reduced orders.
    private struct Tables {
        let orders: [Double]
        let response: [Float]
        let slope: [Float]
    }
    private let lock = NSLock()
    private var cached: Tables?

    /// Prepares the bases for examples of shape `(sequenceLength, hiddenSize)`.
    ///
    /// - Throws: `MixLabError.libraryUnavailable` when OpenBLAS cannot be opened; basis errors.
    public init(sequenceLength: Int, hiddenSize: Int, axes: MixingAxes, part: FractionalFourierBasis.Part) throws {
        try BLAS.requireAvailable(for: "FractionalFourierSpectral")
        self.sequenceLength = sequenceLength
        self.hiddenSize = hiddenSize
        self.axes = axes
        self.part = part
        sequenceBasis = axes.includesSequence ? try FractionalFourierBasis.shared(length: sequenceLength) : nil
        hiddenBasis = axes.includesHidden ? try FractionalFourierBasis.shared(length: hiddenSize) : nil
        sequenceEven = sequenceBasis?.evenBlock.map(Float.init) ?? []
        sequenceOdd = sequenceBasis?.oddBlock.map(Float.init) ?? []
        hiddenEven = hiddenBasis?.evenBlock.map(Float.init) ?? []
        hiddenOdd = hiddenBasis?.oddBlock.map(Float.init) ?? []
    }

    /// Mixes `batch` examples: writes `Y` to `output` and the spectrum `Z` (in block order; the
    /// residual `backward` needs, `batch·T·C` floats) to `spectrum`.
    public func forward(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, spectrum: UnsafeMutablePointer<Float>,
        batch: Int, sequenceOrder: Double, hiddenOrder: Double
    ) {
        let tables = tables(sequenceOrder: sequenceOrder, hiddenOrder: hiddenOrder)
        let (t, c) = (sequenceLength, hiddenSize)
        let buffers = (TensorStorage(count: batch * t * c, zeroed: false), TensorStorage(count: batch * t * c, zeroed: false))
        withExtendedLifetime(buffers) {
            let (a, b) = (buffers.0.pointer, buffers.1.pointer)
            FractionalFourierParity.fold(input, a, scratch: b, batch: batch, sequenceLength: t, hiddenSize: c, axes: axes)
            toSpectrum(a, spectrum, scratch: b, batch: batch)
            scale(spectrum, by: tables.response, into: a, batch: batch)
            fromSpectrum(a, b, scratch: output, batch: batch)
            FractionalFourierParity.unfold(b, output, scratch: a, batch: batch, sequenceLength: t, hiddenSize: c, axes: axes)
        }
    }

    /// Writes `∂L/∂X` for the output gradient `G` to `inputGradient` and returns `∂L/∂a`, `∂L/∂b`
    /// (0 for an axis that is not transformed). `spectrum` is what `forward` wrote for the same orders.
    public func backward(
        _ outputGradient: UnsafePointer<Float>, spectrum: UnsafePointer<Float>,
        _ inputGradient: UnsafeMutablePointer<Float>, batch: Int, sequenceOrder: Double, hiddenOrder: Double
    ) -> (sequence: Double, hidden: Double) {
        let tables = tables(sequenceOrder: sequenceOrder, hiddenOrder: hiddenOrder)
        let (t, c) = (sequenceLength, hiddenSize)
        let buffers = (TensorStorage(count: batch * t * c, zeroed: false), TensorStorage(count: batch * t * c, zeroed: false))
        return withExtendedLifetime(buffers) {
            let (a, b) = (buffers.0.pointer, buffers.1.pointer)
            FractionalFourierParity.fold(
                outputGradient, a, scratch: b, batch: batch, sequenceLength: t, hiddenSize: c, axes: axes)
            toSpectrum(a, b, scratch: inputGradient, batch: batch)  // b = Ĝ
            let orders = orderGradients(b, spectrum, slope: tables.slope, batch: batch)
            scale(b, by: tables.response, into: a, batch: batch)
            fromSpectrum(a, b, scratch: inputGradient, batch: batch)
            FractionalFourierParity.unfold(
                b, inputGradient, scratch: a, batch: batch, sequenceLength: t, hiddenSize: c, axes: axes)
            return orders
        }
    }

    // MARK: Tables

    private func tables(sequenceOrder: Double, hiddenOrder: Double) -> Tables {
        let orders = [
            axes.includesSequence ? FractionalFourierBasis.reducedOrder(sequenceOrder) : 0,
            axes.includesHidden ? FractionalFourierBasis.reducedOrder(hiddenOrder) : 0,
        ]
        return lock.withLock {
            if let cached, cached.orders == orders { return cached }
            let made = makeTables(orders)
            cached = made
            return made
        }
    }

    private func makeTables(_ orders: [Double]) -> Tables {
        let (t, c) = (sequenceLength, hiddenSize)
        let one = { (n: Int) in ([Double](repeating: 1, count: n), [Double](repeating: 0, count: n)) }
        let (ct, st) = sequenceBasis.map { FractionalFourierBasis.phases(order: orders[0], indices: $0.blockIndices) } ?? one(t)
        let (cc, sc) = hiddenBasis.map { FractionalFourierBasis.phases(order: orders[1], indices: $0.blockIndices) } ?? one(c)
        var response = [Float](repeating: 0, count: t * c)
        var slope = [Float](repeating: 0, count: t * c)
        for k in 0..<t {
            for l in 0..<c {
                let cosine = ct[k] * cc[l] - st[k] * sc[l]  // cos(θ + φ)
                let sine = st[k] * cc[l] + ct[k] * sc[l]  // sin(θ + φ)
                switch part {
                case .real:
                    response[k * c + l] = Float(cosine)
                    slope[k * c + l] = Float(-sine)
                case .imaginary:
                    response[k * c + l] = Float(-sine)
                    slope[k * c + l] = Float(-cosine)
                }
            }
        }
        return Tables(orders: orders, response: response, slope: slope)
    }

    // MARK: Changes of basis (OpenBLAS, in parity coordinates)

    /// `Z = diag(V_even, V_odd)_Tᵀ · X' · diag(V_even, V_odd)_C` per example (or one side), for folded
    /// `X'`. `scratch` (`batch·T·C` floats) is used for both axes; all three buffers differ.
    private func toSpectrum(
        _ x: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, batch: Int
    ) {
        let (t, c) = (sequenceLength, hiddenSize)
        switch axes {
        case .hidden:
            FractionalFourierParity.hiddenBlockProduct(x, lda: c, z, ldc: c, rows: batch * t, length: c, even: hiddenEven, odd: hiddenOdd)
        case .sequence:
            FractionalFourierParity.sequenceBlockProduct(
                x, ldx: c, z, ldo: c, batch: batch, length: t, width: c, even: sequenceEven, odd: sequenceOdd, transpose: true)
        case .both:
            FractionalFourierParity.hiddenBlockProduct(
                x, lda: c, scratch, ldc: c, rows: batch * t, length: c, even: hiddenEven, odd: hiddenOdd)
            FractionalFourierParity.sequenceBlockProduct(
                scratch, ldx: c, z, ldo: c, batch: batch, length: t, width: c, even: sequenceEven, odd: sequenceOdd,
                transpose: true)
        }
    }

    /// `Y' = diag(V_even, V_odd)_T · S · diag(V_even, V_odd)_Cᵀ` per example (or one side), folded.
    private func fromSpectrum(
        _ s: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, batch: Int
    ) {
        let (t, c) = (sequenceLength, hiddenSize)
        switch axes {
        case .hidden:
            FractionalFourierParity.hiddenBlockProduct(
                s, lda: c, y, ldc: c, rows: batch * t, length: c, even: hiddenEven, odd: hiddenOdd, transpose: true)
        case .sequence:
            FractionalFourierParity.sequenceBlockProduct(
                s, ldx: c, y, ldo: c, batch: batch, length: t, width: c, even: sequenceEven, odd: sequenceOdd)
        case .both:
            FractionalFourierParity.hiddenBlockProduct(
                s, lda: c, scratch, ldc: c, rows: batch * t, length: c, even: hiddenEven, odd: hiddenOdd, transpose: true)
            FractionalFourierParity.sequenceBlockProduct(
                scratch, ldx: c, y, ldo: c, batch: batch, length: t, width: c, even: sequenceEven, odd: sequenceOdd)
        }
    }

    // MARK: Elementwise

    /// `target = table ⊙ source` per example (`target` may be `source`).
    private func scale(
        _ source: UnsafePointer<Float>, by table: [Float], into target: UnsafeMutablePointer<Float>, batch: Int
    ) {
        let example = sequenceLength * hiddenSize
        table.withUnsafeBufferPointer { r in
            let r = r.baseAddress!
            Parallelism.forEachChunk(of: batch) { examples in
                for b in examples {
                    let s = source + b * example, out = target + b * example
                    for i in 0..<example { out[i] = r[i] * s[i] }
                }
            }
        }
    }

    /// `Σ Ĝ ⊙ Z ⊙ ∂R/∂a` and `Σ Ĝ ⊙ Z ⊙ ∂R/∂b`, in fixed chunks summed in order (deterministic).
    private func orderGradients(
        _ projected: UnsafePointer<Float>, _ spectrum: UnsafePointer<Float>, slope: [Float], batch: Int
    ) -> (sequence: Double, hidden: Double) {
        let (t, c) = (sequenceLength, hiddenSize)
        let example = t * c
        let sequenceIndices = (sequenceBasis?.blockIndices ?? []).map(Double.init)
        let hiddenIndices = (hiddenBasis?.blockIndices ?? []).map(Double.init)
        // Each chunk writes its sums at the index of its first example; the sums are added in index order.
        var partial = [Double](repeating: 0, count: 2 * batch)
        partial.withUnsafeMutableBufferPointer { partial in
            let partial = partial.baseAddress!
            slope.withUnsafeBufferPointer { q in
                let q = q.baseAddress!
                Parallelism.forEachChunk(of: batch) { examples in
                    var columns = [Float](repeating: 0, count: c)
                    var sequenceSum = 0.0, hiddenSum = 0.0
                    for b in examples {
                        for l in 0..<c { columns[l] = 0 }
                        let g = projected + b * example, z = spectrum + b * example
                        for k in 0..<t {
                            var row: Float = 0
                            for l in 0..<c {
                                let p = g[k * c + l] * z[k * c + l] * q[k * c + l]
                                row += p
                                columns[l] += p
                            }
                            if !sequenceIndices.isEmpty { sequenceSum += sequenceIndices[k] * Double(row) }
                        }
                        if !hiddenIndices.isEmpty {
                            for l in 0..<c { hiddenSum += hiddenIndices[l] * Double(columns[l]) }
                        }
                    }
                    partial[2 * examples.lowerBound] = sequenceSum
                    partial[2 * examples.lowerBound + 1] = hiddenSum
                }
            }
        }
        var sequence = 0.0, hidden = 0.0
        for b in 0..<batch {
            sequence += partial[2 * b]
            hidden += partial[2 * b + 1]
        }
        return (Double.pi / 2 * sequence, Double.pi / 2 * hidden)
    }
}
