import MixLabCore

/// `Y_b = A · X_b · Bᵀ` for every example `X_b` (T×C) of a batch, and its gradients, on OpenBLAS.
///
/// `A` is T×T (the sequence matrix), `B` is C×C (the hidden matrix), both row-major Float32. With
/// `axes = sequence` only `A` is applied (`Y_b = A·X_b`), with `axes = hidden` only `B`
/// (`Y_b = X_b·Bᵀ`, i.e. `B` maps each token's feature vector: `Y[b,t,:] = B·X[b,t,:]`). This is the
/// shared engine of the matrix mixers (`linear`, `random`, `learned-basis`).
///
/// Forward (both axes): the hidden side is ONE GEMM over all `B·T` tokens, `W = X·Bᵀ` ((B·T)×C); the
/// sequence side is one GEMM per example, `Y_b = A·W_b`. Backward, for an output gradient `G`:
///
///     H_b  = Aᵀ·G_b                      (one GEMM per example)
///     dX   = H·B                          (one GEMM over all B·T rows)
///     dB  += Σ_b H_bᵀ·X_b = Hᵀ·X          (one GEMM, k = B·T)
///     dA  += Σ_b G_b·W_bᵀ                 (one accumulating GEMM per example)
///
/// from `L = Σ_b ⟨G_b, A·X_b·Bᵀ⟩ = Σ_b ⟨Aᵀ·G_b, X_b·Bᵀ⟩ = Σ_b ⟨G_b, A·W_b⟩`. One axis only:
/// sequence `dX_b = Aᵀ·G_b`, `dA += Σ_b G_b·X_bᵀ`; hidden `dX = G·B`, `dB += Gᵀ·X`. Parameter
/// gradients are ADDED (GEMM with β = 1 straight into `Parameter.gradient`), never overwritten.
///
/// Cost: forward `2·B·T·C·(T + C)` flops (both axes), backward twice that with parameter gradients,
/// the same as forward for the adjoint alone. Memory: the forward keeps `X` and (both axes) `W`, one
/// activation each. Intermediate buffers come from `TensorMemoryPool`, so repeated calls reuse mapped
/// memory instead of page-faulting fresh blocks. Per-example GEMMs run in order (OpenBLAS threads each
/// one), so results are bitwise reproducible for a fixed thread count. The value itself is tiny (three
/// fields): make one per call when a length varies.
public struct SeparableMatrixProduct: Sendable {
    /// T: the side of the sequence matrix.
    public let sequenceLength: Int
    /// C: the side of the hidden matrix.
    public let hiddenSize: Int
    /// Which matrices are applied.
    public let axes: MixingAxes

    /// What `forward` keeps for `backward`: the input, the matrices it used, and (both axes) `W = X·Bᵀ`.
    ///
    /// Holding the matrices (copy-on-write, so free unless they are changed) makes the backward pass use
    /// the values of its forward pass even if an optimiser updated the parameters in between.
    public struct Saved: Sendable {
        /// `X`, `(B, T, C)`.
        public var input: Tensor
        /// `A` (T×T), or nil for `axes = hidden`.
        public var sequenceMatrix: Tensor?
        /// `B` (C×C), or nil for `axes = sequence`.
        public var hiddenMatrix: Tensor?
        /// `W = X·Bᵀ`, `(B, T, C)`, for `axes = both`.
        public var intermediate: Tensor?

        /// The saved tensors in a fixed order (absent ones as empty tensors), for `MixerResiduals`.
        public var tensors: [Tensor] {
            let empty = Tensor(zeros: [0])
            return [input, sequenceMatrix ?? empty, hiddenMatrix ?? empty, intermediate ?? empty]
        }

        /// Rebuilds the record from `tensors`; nil when they cannot come from `forward` of `product`.
        public init?(tensors: [Tensor], for product: SeparableMatrixProduct) {
            guard tensors.count == 4, tensors[0].rank == 3,
                tensors[0].shape[1] == product.sequenceLength, tensors[0].shape[2] == product.hiddenSize
            else { return nil }
            let (t, c) = (product.sequenceLength, product.hiddenSize)
            input = tensors[0]
            sequenceMatrix = product.axes.includesSequence ? tensors[1] : nil
            hiddenMatrix = product.axes.includesHidden ? tensors[2] : nil
            intermediate = product.axes == .both ? tensors[3] : nil
            if let a = sequenceMatrix, a.shape != [t, t] { return nil }
            if let b = hiddenMatrix, b.shape != [c, c] { return nil }
            if let w = intermediate, w.shape != input.shape { return nil }
        }

        init(input: Tensor, sequenceMatrix: Tensor?, hiddenMatrix: Tensor?, intermediate: Tensor?) {
            self.input = input
            self.sequenceMatrix = sequenceMatrix
            self.hiddenMatrix = hiddenMatrix
            self.intermediate = intermediate
        }
    }

    /// A product for examples of shape `(sequenceLength, hiddenSize)` mixed along `axes`.
    ///
    /// - Throws: `MixLabError.libraryUnavailable` (naming `user`) when OpenBLAS cannot be opened.
    public init(sequenceLength: Int, hiddenSize: Int, axes: MixingAxes, user: String) throws {
        try BLAS.requireAvailable(for: user)
        precondition(sequenceLength >= 1 && hiddenSize >= 1, "SeparableMatrixProduct: lengths must be at least 1")
        self.sequenceLength = sequenceLength
        self.hiddenSize = hiddenSize
        self.axes = axes
    }

    /// `Y_b = A·X_b·Bᵀ` (or one side), with what `backward` needs.
    ///
    /// `input` is `(B, T, C)`; `sequenceMatrix` must be T×T when `axes` includes the sequence, and
    /// `hiddenMatrix` C×C when it includes the hidden axis (the other is ignored).
    public func forward(_ input: Tensor, sequenceMatrix: Tensor?, hiddenMatrix: Tensor?) -> (output: Tensor, saved: Saved) {
        let (a, b) = checkedMatrices(sequenceMatrix, hiddenMatrix)
        let batch = checkedBatch(input)
        var output = Tensor(uninitialized: input.shape)
        var intermediate: Tensor? = axes == .both ? Tensor(uninitialized: input.shape) : nil
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                withOptionalPointer(a) { pa in
                    withOptionalPointer(b) { pb in
                        withOptionalMutablePointer(&intermediate) { w in
                            forward(x.baseAddress!, pa, pb, y.baseAddress!, w, batch: batch)
                        }
                    }
                }
            }
        }
        let saved = Saved(input: input, sequenceMatrix: a, hiddenMatrix: b, intermediate: intermediate)
        return (output, saved)
    }

    /// `Y_b = A·X_b·Bᵀ` (or one side) without keeping anything: the map of a fixed linear mixer.
    public func apply(_ input: Tensor, sequenceMatrix: Tensor?, hiddenMatrix: Tensor?) -> Tensor {
        let (a, b) = checkedMatrices(sequenceMatrix, hiddenMatrix)
        let batch = checkedBatch(input)
        var output = Tensor(uninitialized: input.shape)
        let scratch = axes == .both ? TensorStorage(count: input.count, zeroed: false) : nil
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                withOptionalPointer(a) { pa in
                    withOptionalPointer(b) { pb in
                        forward(x.baseAddress!, pa, pb, y.baseAddress!, scratch?.pointer, batch: batch)
                    }
                }
            }
        }
        return output
    }

    /// The adjoint `G_b ↦ Aᵀ·G_b·B` (or one side): the input gradient when the matrices are fixed.
    public func adjoint(_ outputGradient: Tensor, sequenceMatrix: Tensor?, hiddenMatrix: Tensor?) -> Tensor {
        let (a, b) = checkedMatrices(sequenceMatrix, hiddenMatrix)
        let batch = checkedBatch(outputGradient)
        var inputGradient = Tensor(uninitialized: outputGradient.shape)
        let scratch = axes == .both ? TensorStorage(count: outputGradient.count, zeroed: false) : nil
        outputGradient.withUnsafeBufferPointer { g in
            inputGradient.withUnsafeMutableBufferPointer { dx in
                withOptionalPointer(a) { pa in
                    withOptionalPointer(b) { pb in
                        backward(g.baseAddress!, x: nil, w: nil, pa, pb, dx: dx.baseAddress!, h: scratch?.pointer,
                                 dA: nil, dB: nil, batch: batch)
                    }
                }
            }
        }
        return inputGradient
    }

    /// The input gradient `Aᵀ·G_b·B`; adds `Σ_b G_b·(X_b·Bᵀ)ᵀ` into `sequenceGradient.gradient` and
    /// `Σ_b (Aᵀ·G_b)ᵀ·X_b` into `hiddenGradient.gradient` when they are given.
    ///
    /// `saved` comes from `forward`, whose matrices are used. A gradient target must have the shape of
    /// its matrix (T×T or C×C).
    public func backward(
        _ outputGradient: Tensor, saved: Saved, sequenceGradient: Parameter?, hiddenGradient: Parameter?
    ) -> Tensor {
        let (a, b) = checkedMatrices(saved.sequenceMatrix, saved.hiddenMatrix)
        let batch = checkedBatch(outputGradient)
        precondition(saved.input.shape == outputGradient.shape, "SeparableMatrixProduct: gradient and input shapes differ")
        let (t, c) = (sequenceLength, hiddenSize)
        let sequenceTarget = axes.includesSequence ? sequenceGradient : nil
        let hiddenTarget = axes.includesHidden ? hiddenGradient : nil
        if let target = sequenceTarget { precondition(target.gradient.shape == [t, t], "SeparableMatrixProduct: dA must be T×T") }
        if let target = hiddenTarget { precondition(target.gradient.shape == [c, c], "SeparableMatrixProduct: dB must be C×C") }
        var inputGradient = Tensor(uninitialized: outputGradient.shape)
        let scratch = axes == .both ? TensorStorage(count: outputGradient.count, zeroed: false) : nil
        outputGradient.withUnsafeBufferPointer { g in
            saved.input.withUnsafeBufferPointer { x in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    withOptionalPointer(a) { pa in
                        withOptionalPointer(b) { pb in
                            withOptionalPointer(saved.intermediate) { w in
                                withGradientPointer(sequenceTarget) { dA in
                                    withGradientPointer(hiddenTarget) { dB in
                                        backward(g.baseAddress!, x: x.baseAddress!, w: w, pa, pb, dx: dx.baseAddress!,
                                                 h: scratch?.pointer, dA: dA, dB: dB, batch: batch)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    // MARK: Pointer kernels

    /// `y = A·x_b·Bᵀ`; `w` receives `x·Bᵀ` (both axes; required then).
    private func forward(
        _ x: UnsafePointer<Float>, _ a: UnsafePointer<Float>?, _ b: UnsafePointer<Float>?,
        _ y: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>?, batch: Int
    ) {
        let (t, c) = (sequenceLength, hiddenSize)
        let example = t * c
        switch axes {
        case .sequence:
            for e in 0..<batch {  // Y_b = A·X_b: (T×T)·(T×C)
                BLAS.sgemm(m: t, n: c, k: t, a: a!, lda: t, b: x + e * example, ldb: c, c: y + e * example, ldc: c)
            }
        case .hidden:  // Y = X·Bᵀ over all B·T tokens: ((B·T)×C)·(C×C)ᵀ
            BLAS.sgemm(transposeB: true, m: batch * t, n: c, k: c, a: x, lda: c, b: b!, ldb: c, c: y, ldc: c)
        case .both:
            let w = w!
            BLAS.sgemm(transposeB: true, m: batch * t, n: c, k: c, a: x, lda: c, b: b!, ldb: c, c: w, ldc: c)
            for e in 0..<batch {  // Y_b = A·W_b
                BLAS.sgemm(m: t, n: c, k: t, a: a!, lda: t, b: w + e * example, ldb: c, c: y + e * example, ldc: c)
            }
        }
    }

    /// `dx = Aᵀ·g_b·B`; `dA += Σ g_b·w_bᵀ` (or `Σ g_b·x_bᵀ` for the sequence axis alone), `dB += hᵀ·x`.
    ///
    /// `h` is scratch of B·T·C floats for both axes; `x` is needed only with `dA` or `dB`, `w` only with
    /// `dA` on both axes.
    private func backward(
        _ g: UnsafePointer<Float>, x: UnsafePointer<Float>?, w: UnsafePointer<Float>?,
        _ a: UnsafePointer<Float>?, _ b: UnsafePointer<Float>?, dx: UnsafeMutablePointer<Float>,
        h: UnsafeMutablePointer<Float>?, dA: UnsafeMutablePointer<Float>?, dB: UnsafeMutablePointer<Float>?, batch: Int
    ) {
        let (t, c) = (sequenceLength, hiddenSize)
        let example = t * c
        switch axes {
        case .sequence:
            for e in 0..<batch {  // dX_b = Aᵀ·G_b
                BLAS.sgemm(transposeA: true, m: t, n: c, k: t, a: a!, lda: t, b: g + e * example, ldb: c,
                           c: dx + e * example, ldc: c)
            }
            if let dA {
                for e in 0..<batch {  // dA += G_b·X_bᵀ: (T×C)·(T×C)ᵀ
                    BLAS.sgemm(transposeB: true, m: t, n: t, k: c, a: g + e * example, lda: c, b: x! + e * example,
                               ldb: c, beta: 1, c: dA, ldc: t)
                }
            }
        case .hidden:
            // dX = G·B over all tokens; dB += Gᵀ·X: (C×(B·T))·((B·T)×C).
            BLAS.sgemm(m: batch * t, n: c, k: c, a: g, lda: c, b: b!, ldb: c, c: dx, ldc: c)
            if let dB {
                BLAS.sgemm(transposeA: true, m: c, n: c, k: batch * t, a: g, lda: c, b: x!, ldb: c, beta: 1, c: dB, ldc: c)
            }
        case .both:
            let h = h!
            for e in 0..<batch {  // H_b = Aᵀ·G_b
                BLAS.sgemm(transposeA: true, m: t, n: c, k: t, a: a!, lda: t, b: g + e * example, ldb: c,
                           c: h + e * example, ldc: c)
            }
            BLAS.sgemm(m: batch * t, n: c, k: c, a: h, lda: c, b: b!, ldb: c, c: dx, ldc: c)  // dX = H·B
            if let dB {  // dB += Hᵀ·X
                BLAS.sgemm(transposeA: true, m: c, n: c, k: batch * t, a: h, lda: c, b: x!, ldb: c, beta: 1, c: dB, ldc: c)
            }
            if let dA {
                for e in 0..<batch {  // dA += G_b·W_bᵀ
                    BLAS.sgemm(transposeB: true, m: t, n: t, k: c, a: g + e * example, lda: c, b: w! + e * example,
                               ldb: c, beta: 1, c: dA, ldc: t)
                }
            }
        }
    }

    // MARK: Checks (programming errors: mixers validate user input before calling)

    private func checkedMatrices(_ a: Tensor?, _ b: Tensor?) -> (Tensor?, Tensor?) {
        let (t, c) = (sequenceLength, hiddenSize)
        let sequence = axes.includesSequence ? a : nil
        let hidden = axes.includesHidden ? b : nil
        if axes.includesSequence {
            precondition(sequence?.shape == [t, t], "SeparableMatrixProduct: the sequence matrix must be \(t)×\(t)")
        }
        if axes.includesHidden {
            precondition(hidden?.shape == [c, c], "SeparableMatrixProduct: the hidden matrix must be \(c)×\(c)")
        }
        return (sequence, hidden)
    }

    private func checkedBatch(_ tensor: Tensor) -> Int {
        precondition(tensor.rank == 3 && tensor.shape[1] == sequenceLength && tensor.shape[2] == hiddenSize,
                     "SeparableMatrixProduct: expected (B, \(sequenceLength), \(hiddenSize)), got \(tensor.shape)")
        return tensor.shape[0]
    }
}

@inline(__always)
private func withOptionalPointer<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let tensor else { return body(nil) }
    return tensor.withUnsafeBufferPointer { body($0.baseAddress) }
}

@inline(__always)
private func withOptionalMutablePointer<R>(_ tensor: inout Tensor?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
    guard tensor != nil else { return body(nil) }
    return tensor!.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}

@inline(__always)
private func withGradientPointer<R>(_ parameter: Parameter?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
    guard let parameter else { return body(nil) }
    return parameter.gradient.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}
