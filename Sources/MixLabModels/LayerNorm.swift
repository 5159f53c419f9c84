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
        let (c, epsilon) = (size, self.epsilon)
        x.withUnsafeBufferPointer { px in
            weight.value.withUnsafeBufferPointer { gamma in
                bias.value.withUnsafeBufferPointer { beta in
                    y.withUnsafeMutableBufferPointer { py in
                        normalized.withUnsafeMutableBufferPointer { pn in
                            reciprocal.withUnsafeMutableBufferPointer { pr in
                                let (input, output, norm, rstd) = (px.baseAddress!, py.baseAddress!, pn.baseAddress!, pr.baseAddress!)
                                let (g, b) = (gamma.baseAddress!, beta.baseAddress!)
                                Elementwise.forEachRows(rows, width: c) { range in
                                    for row in range {
                                        let offset = row * c
                                        let mean = Self.sum(input + offset, c) / Float(c)
                                        let variance = Self.sumOfSquaredDeviations(input + offset, c, mean) / Float(c)
                                        let r = 1 / (variance + epsilon).squareRoot()
                                        rstd[row] = r
                                        for j in 0..<c {
                                            let value = (input[offset + j] - mean) * r
                                            norm[offset + j] = value
                                            output[offset + j] = value * g[j] + b[j]
                                        }
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
        // dγ and dβ are sums over rows: each thread sums its own rows, then the partial sums are added in
        // thread order (a fixed order for a fixed thread count).
        let threads = Parallelism.threads
        var partialGamma = [Float](repeating: 0, count: threads * c)
        var partialBeta = [Float](repeating: 0, count: threads * c)
        dy.withUnsafeBufferPointer { pdy in
            cache.normalized.withUnsafeBufferPointer { pn in
                weight.value.withUnsafeBufferPointer { gamma in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        partialGamma.withUnsafeMutableBufferPointer { pg in
                            partialBeta.withUnsafeMutableBufferPointer { pb in
                                cache.reciprocalStandardDeviation.withUnsafeBufferPointer { pr in
                                    let (g, n, out, gm) = (pdy.baseAddress!, pn.baseAddress!, pdx.baseAddress!, gamma.baseAddress!)
                                    let (sumGamma, sumBeta, rstd) = (pg.baseAddress!, pb.baseAddress!, pr.baseAddress!)
                                    Parallelism.forEachNumberedChunk(of: rows, chunks: threads) { chunk, range in
                                        let dGamma = sumGamma + chunk * c, dBeta = sumBeta + chunk * c
                                        for row in range {
                                            let offset = row * c
                                            var meanG: Float = 0, meanGN: Float = 0
                                            for j in 0..<c {
                                                let scaled = g[offset + j] * gm[j]
                                                meanG += scaled
                                                meanGN += scaled * n[offset + j]
                                                dGamma[j] += g[offset + j] * n[offset + j]
                                                dBeta[j] += g[offset + j]
                                            }
                                            meanG /= Float(c)
                                            meanGN /= Float(c)
                                            let r = rstd[row]
                                            for j in 0..<c {
                                                out[offset + j] = r * (g[offset + j] * gm[j] - meanG - n[offset + j] * meanGN)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        weight.gradient.withUnsafeMutableBufferPointer { dgamma in
            bias.gradient.withUnsafeMutableBufferPointer { dbeta in
                for chunk in 0..<threads {
                    for j in 0..<c {
                        dgamma[j] += partialGamma[chunk * c + j]
                        dbeta[j] += partialBeta[chunk * c + j]
                    }
                }
            }
        }
        return dx
    }

    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= n {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var total = acc.sum()
        while i < n {
            total += x[i]
            i += 1
        }
        return total
    }

    @inline(__always)
    static func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, _ n: Int, _ mean: Float) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= n {
            let d = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self) - mean
            acc += d * d
            i += 16
        }
        var total = acc.sum()
        while i < n {
            let d = x[i] - mean
            total += d * d
            i += 1
        }
        return total
    }
}
