import Foundation
import MixLabCore
import MixLabKernels

/// Layer normalisation over the last axis: `y = (x − μ)/√(σ² + ε) · γ + β`.
///
/// Per row of `C` features, `μ` and `σ²` are the mean and (biased) variance. `ε` defaults to 1e-12 as in
/// FNet/BERT. Parameters `weight` (γ, init 1) and `bias` (β, init 0), `[C]`, named as in HF
/// (`….LayerNorm.weight`). Backward, with `x̂ = (x − μ)·r`, `r = 1/√(σ² + ε)`, `g = dy ⊙ γ`:
/// `dx = r·(g − mean(g) − x̂·mean(g ⊙ x̂))`, `dγ += Σ dy ⊙ x̂`, `dβ += Σ dy`. O(N·C).
///
/// The encoder block calls the fused forms: `forward(_:adding:mask:keepsCache:)` normalises a residual
/// sum `x + m ⊙ z` (the sublayer output `z` under a dropout mask `m`) in the same pass that forms it,
/// and `backward(_:cache:mask:)` also returns `m ⊙ dx` and its column sums (the gradient of the
/// sublayer output and of its bias) from the pass that computes `dx`. Every row is one pass over memory
/// (the row stays in L1 between its reductions and its outputs), 16 lanes at a time.
///
/// Reference: J. L. Ba, J. R. Kiros, G. E. Hinton, "Layer Normalization", arXiv 1607.06450.
public final class LayerNorm: @unchecked Sendable {
    /// γ, `[C]`, initialised to 1 (`NAME.weight`).
    public let weight: Parameter
    /// β, `[C]`, initialised to 0 (`NAME.bias`).
    public let bias: Parameter
    /// C, the number of features normalised together (the last axis).
    public let size: Int
    /// ε, added to the variance before the square root.
    public let epsilon: Float

    /// What backward needs: the normalised input and the reciprocal standard deviation of each row.
    public struct Cache: Sendable {
        /// `x̂ = (x − μ)·r`, the normalised input, shaped like the input.
        public let normalized: Tensor
        /// `r = 1/√(σ² + ε)`, one value per row.
        public let reciprocalStandardDeviation: [Float]
    }

    /// A layer norm over `size` features.
    public init(name: String, size: Int, epsilon: Float = 1e-12) {
        self.size = size
        self.epsilon = epsilon
        weight = Parameter(name: name + ".weight", value: Tensor(shape: [size], repeating: 1))
        bias = Parameter(name: name + ".bias", value: Tensor(zeros: [size]))
    }

    /// The layer's parameters.
    public var parameters: [Parameter] { [weight, bias] }

    /// Normalises each row of `x` (`[…, size]`).
    public func forward(_ x: Tensor) throws -> (output: Tensor, cache: Cache) {
        let (y, cache) = try forward(x, adding: nil, mask: nil, keepsCache: true)
        return (y, cache!)
    }

    /// Normalises each row of `x + mask ⊙ z` (or of `x` when `z` is nil; `mask` applies to `z` only),
    /// keeping what backward needs when `keepsCache` is set.
    func forward(_ x: Tensor, adding z: Tensor?, mask: Tensor?, keepsCache: Bool) throws -> (output: Tensor, cache: Cache?) {
        guard x.shape.last == size else {
            throw MixLabError.shapeMismatch(expected: "[…, \(size)]", found: x.shape, location: "\(weight.name) input")
        }
        precondition(z == nil || z!.shape == x.shape, "LayerNorm: summand shape \(z!.shape) differs from \(x.shape)")
        precondition(mask == nil || (z != nil && mask!.shape == x.shape), "LayerNorm: mask without a matching summand")
        let rows = x.count / size
        var y = Tensor(uninitialized: x.shape)
        var normalized = keepsCache ? Tensor(uninitialized: x.shape) : Tensor(zeros: [0])
        var reciprocal = [Float](repeating: 0, count: keepsCache ? rows : 0)
        let (c, epsilon) = (size, self.epsilon)
        let pz = z?.storage.pointer, pm = mask?.storage.pointer
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                normalized.withUnsafeMutableBufferPointer { pn in
                    reciprocal.withUnsafeMutableBufferPointer { pr in
                        let (input, output) = (px.baseAddress!, py.baseAddress!)
                        let norm = keepsCache ? pn.baseAddress! : nil, rstd = keepsCache ? pr.baseAddress! : nil
                        let (g, b) = (UnsafePointer(weight.value.storage.pointer), UnsafePointer(bias.value.storage.pointer))
                        Elementwise.forEachRows(rows, width: c) { range in
                            for row in range {
                                let offset = row * c
                                // The row to normalise: x itself, or the sum formed in the output row.
                                let source: UnsafePointer<Float>
                                if let pz {
                                    FusedRows.sum(input + offset, pz + offset, mask: pm.map { $0 + offset }, into: output + offset, count: c)
                                    source = UnsafePointer(output + offset)
                                } else {
                                    source = input + offset
                                }
                                let mean = FusedRows.sum(source, c) / Float(c)
                                let variance = FusedRows.sumOfSquaredDeviations(source, c, mean) / Float(c)
                                let r = 1 / (variance + epsilon).squareRoot()
                                rstd?[row] = r
                                FusedRows.normalize(
                                    source, mean: mean, reciprocal: r, gamma: g, beta: b, normalized: norm.map { $0 + offset },
                                    output: output + offset, count: c)
                            }
                        }
                    }
                }
            }
        }
        return (y, keepsCache ? Cache(normalized: normalized, reciprocalStandardDeviation: reciprocal) : nil)
    }

    /// Adds `dγ`, `dβ` into the gradients and returns `dx`.
    public func backward(_ dy: Tensor, cache: Cache) -> Tensor {
        backward(dy, cache: cache, mask: nil).input
    }

    /// Adds `dγ`, `dβ` into the gradients and returns `dx` (the gradient with respect to the normalised
    /// sum), `mask ⊙ dx` (the gradient with respect to the masked term; nil without a mask, when it is
    /// `dx` itself) and the column sums of `mask ⊙ dx` (`[C]`, the gradient of the masked term's bias).
    ///
    /// `dγ`, `dβ` and the column sums are sums over rows: each thread sums its own rows, then the partial
    /// sums are added in thread order (a fixed order for a fixed thread count).
    func backward(_ dy: Tensor, cache: Cache, mask: Tensor?) -> (input: Tensor, masked: Tensor?, maskedColumnSums: [Float]) {
        let c = size, rows = dy.count / size
        precondition(cache.normalized.shape == dy.shape, "LayerNorm: gradient shape \(dy.shape) differs from the forward input's")
        precondition(mask == nil || mask!.shape == dy.shape, "LayerNorm: mask shape differs from the gradient's")
        var dx = Tensor(uninitialized: dy.shape)
        var masked = Tensor(uninitialized: mask == nil ? [0] : dy.shape)
        let (pg, pn, gm) = (UnsafePointer(dy.storage.pointer), UnsafePointer(cache.normalized.storage.pointer),
                            UnsafePointer(weight.value.storage.pointer))
        let pm = mask.map { UnsafePointer($0.storage.pointer) }
        var columnSums = [Float](repeating: 0, count: c)
        dx.withUnsafeMutableBufferPointer { pdx in
            masked.withUnsafeMutableBufferPointer { pmasked in
                let out = pdx.baseAddress!, maskedOut = pmasked.baseAddress!
                cache.reciprocalStandardDeviation.withUnsafeBufferPointer { pr in
                    let rstd = pr.baseAddress!
                    let partials = ColumnPartials(width: c, kinds: 3, rows: rows)
                    partials.run { range, sums in
                        let (dGamma, dBeta, dMasked) = (sums, sums + c, sums + 2 * c)
                        for row in range {
                            let offset = row * c
                            FusedRows.layerNormBackward(
                                g: pg + offset, n: pn + offset, gamma: gm, reciprocal: rstd[row], output: out + offset,
                                dGamma: dGamma, dBeta: dBeta, count: c)
                            if let pm {
                                FusedRows.multiplyAccumulating(
                                    out + offset, pm + offset, into: maskedOut + offset, columnSums: dMasked, count: c)
                            } else {
                                FusedRows.accumulate(UnsafePointer(out + offset), into: dMasked, count: c)
                            }
                        }
                    }
                    weight.gradient.withUnsafeMutableBufferPointer { dgamma in
                        bias.gradient.withUnsafeMutableBufferPointer { dbeta in
                            columnSums.withUnsafeMutableBufferPointer { sums in
                                partials.add(kind: 0, into: dgamma.baseAddress!)
                                partials.add(kind: 1, into: dbeta.baseAddress!)
                                partials.add(kind: 2, into: sums.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        return (dx, mask == nil ? nil : masked, columnSums)
    }
}
