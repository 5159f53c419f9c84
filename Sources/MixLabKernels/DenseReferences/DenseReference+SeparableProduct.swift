import MixLabCore

extension DenseReference {
    /// `Y_b = A·X_b·Bᵀ` in Double, by definition: the reference twin of `SeparableMatrixProduct`.
    ///
    /// `a` is T×T (applied along the sequence, skipped when nil), `b` is C×C (applied to each token's
    /// feature vector, `Y[b,t,:] = B·X[b,t,:]`, skipped when nil); all arrays are row-major.
    public static func separableProduct(_ x: [Double], shape: [Int], sequenceMatrix a: [Double]?, hiddenMatrix b: [Double]?) -> [Double] {
        var y = x
        if let b { y = applyAlongHidden(b, to: y, shape: shape) }
        if let a { y = applyAlongSequence(a, to: y, shape: shape) }
        return y
    }

    /// The gradients of `L = Σ_b ⟨G_b, A·X_b·Bᵀ⟩` in Double, written out element by element.
    ///
    /// `dX[b,t,j] = Σ_{s,i} A[s,t]·G[b,s,i]·B[i,j]`, `dA[t,s] = Σ_{b,i,j} G[b,t,i]·X[b,s,j]·B[i,j]`,
    /// `dB[i,j] = Σ_{b,t,s} G[b,t,i]·A[t,s]·X[b,s,j]`. A nil matrix stands for the identity (that side
    /// is not applied) and its gradient is returned as nil.
    public static func separableProductGradients(
        _ x: [Double], outputGradient g: [Double], shape: [Int], sequenceMatrix a: [Double]?, hiddenMatrix b: [Double]?
    ) -> (input: [Double], sequence: [Double]?, hidden: [Double]?) {
        let (batch, t, c) = (shape[0], shape[1], shape[2])
        func transposed(_ m: [Double], _ n: Int) -> [Double] {
            var r = m
            for i in 0..<n { for j in 0..<n { r[j * n + i] = m[i * n + j] } }
            return r
        }
        // dX = Aᵀ·G·B: apply Aᵀ along the sequence and Bᵀ along the hidden axis (Y[t,:] = Bᵀ·G[t,:] is G·B).
        let dx = separableProduct(
            g, shape: shape, sequenceMatrix: a.map { transposed($0, t) }, hiddenMatrix: b.map { transposed($0, c) })
        var dA: [Double]? = nil
        if a != nil {
            // W = X·Bᵀ; dA[t,s] = Σ_{b,i} G[b,t,i]·W[b,s,i].
            let w = b.map { applyAlongHidden($0, to: x, shape: shape) } ?? x
            var sum = [Double](repeating: 0, count: t * t)
            for e in 0..<batch {
                for i in 0..<t {
                    for s in 0..<t {
                        var dot = 0.0
                        for k in 0..<c { dot += g[(e * t + i) * c + k] * w[(e * t + s) * c + k] }
                        sum[i * t + s] += dot
                    }
                }
            }
            dA = sum
        }
        var dB: [Double]? = nil
        if b != nil {
            // H = Aᵀ·G; dB[i,j] = Σ_{b,t} H[b,t,i]·X[b,t,j].
            let h = a.map { applyAlongSequence(transposed($0, t), to: g, shape: shape) } ?? g
            var sum = [Double](repeating: 0, count: c * c)
            for row in 0..<(batch * t) {
                for i in 0..<c {
                    for j in 0..<c { sum[i * c + j] += h[row * c + i] * x[row * c + j] }
                }
            }
            dB = sum
        }
        return (dx, dA, dB)
    }
}
