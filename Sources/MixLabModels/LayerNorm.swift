import Foundation
import MixLabCore

/// Layer normalisation over the last axis: `y = (x − μ)/√(σ² + ε) · γ + β`.
///
/// Per row of `C` features, `μ` and `σ²` are the mean and (biased) variance. `ε` defaults to 1e-12 as in
/// FNet/BERT. Parameters `weight` (γ, init 1) and `bias` (β, init 0), `[C]`, named as in HF
/// (`….LayerNorm.weight`). Backward, with `x̂ = (x − μ)·r`, `r = 1/√(σ² + ε)`, `g = dy ⊙ γ`:
/// `dx = r·(g − mean(g) − x̂·mean(g ⊙ x̂))`, `dγ += Σ dy ⊙ x̂`, `dβ += Σ dy`. O(N·C).
///
/// Reference: J. L. Ba, J. R. Kiros, G. E. Hinton, "Layer Normalization", arXiv 1607.06450.
public final class LayerNorm: @unchecked Sendable {
    public let weight: Parameter
    public let bias: Parameter
    public let size: Int
    public let epsilon: Float

    /// What backward needs: the normalised input and the reciprocal standard deviation of each row.
    public struct Cache: Sendable {
        public let normalized: Tensor
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
        guard x.shape.last == size else {
            throw MixLabError.shapeMismatch(expected: "[…, \(size)]", found: x.shape, location: "\(weight.name) input")
        }
        let rows = x.count / size
        var y = Tensor(uninitialized: x.shape)
        var normalized = Tensor(uninitialized: x.shape)
        var reciprocal = [Float](repeating: 0, count: rows)
        let c = size
        x.withUnsafeBufferPointer { px in
            weight.value.withUnsafeBufferPointer { gamma in
                bias.value.withUnsafeBufferPointer { beta in
                    y.withUnsafeMutableBufferPointer { py in
                        normalized.withUnsafeMutableBufferPointer { pn in
                            reciprocal.withUnsafeMutableBufferPointer { pr in
                                for row in 0..<rows {
                                    let input = px.baseAddress! + row * c
                                    var sum: Float = 0
                                    for j in 0..<c { sum += input[j] }
                                    let mean = sum / Float(c)
                                    var squares: Float = 0
                                    for j in 0..<c {
                                        let d = input[j] - mean
                                        squares += d * d
                                    }
                                    let r = 1 / (squares / Float(c) + epsilon).squareRoot()
                                    pr[row] = r
                                    let out = py.baseAddress! + row * c, n = pn.baseAddress! + row * c
                                    for j in 0..<c {
                                        let value = (input[j] - mean) * r
                                        n[j] = value
                                        out[j] = value * gamma[j] + beta[j]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (y, Cache(normalized: normalized, reciprocalStandardDeviation: reciprocal))
    }

    /// Adds `dγ`, `dβ` into the gradients and returns `dx`.
    public func backward(_ dy: Tensor, cache: Cache) -> Tensor {
        let c = size, rows = dy.count / size
        var dx = Tensor(uninitialized: dy.shape)
        dy.withUnsafeBufferPointer { pdy in
            cache.normalized.withUnsafeBufferPointer { pn in
                weight.value.withUnsafeBufferPointer { gamma in
                    weight.gradient.withUnsafeMutableBufferPointer { dgamma in
                        bias.gradient.withUnsafeMutableBufferPointer { dbeta in
                            dx.withUnsafeMutableBufferPointer { pdx in
                                for row in 0..<rows {
                                    let g = pdy.baseAddress! + row * c, n = pn.baseAddress! + row * c
                                    var meanG: Float = 0, meanGN: Float = 0
                                    for j in 0..<c {
                                        let scaled = g[j] * gamma[j]
                                        meanG += scaled
                                        meanGN += scaled * n[j]
                                        dgamma[j] += g[j] * n[j]
                                        dbeta[j] += g[j]
                                    }
                                    meanG /= Float(c)
                                    meanGN /= Float(c)
                                    let r = cache.reciprocalStandardDeviation[row]
                                    let out = pdx.baseAddress! + row * c
                                    for j in 0..<c { out[j] = r * (g[j] * gamma[j] - meanG - n[j] * meanGN) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
