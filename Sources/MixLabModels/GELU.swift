import Foundation
import MixLabCore
import MixLabKernels

/// The Gaussian error linear unit, `x·Φ(x)`, in its tanh approximation (FNet's and HF's `gelu_new`) or
/// exactly with `erf`.
///
/// tanh form: `y = ½x(1 + tanh(u))`, `u = √(2/π)(x + 0.044715x³)`;
/// `dy/dx = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)` with `t = tanh(u)`.
/// erf form: `y = ½x(1 + erf(x/√2))`, `dy/dx = Φ(x) + x·φ(x)`. The tanh form runs in `VectorMath`'s GELU
/// kernels; the exact form calls libm's `erff` per element (slower; for comparisons).
///
/// Reference: D. Hendrycks, K. Gimpel, "Gaussian Error Linear Units (GELUs)", arXiv 1606.08415.
public enum GELU: String, Sendable, CaseIterable, Codable {
    case tanh
    case erf

    /// `gelu(x)` elementwise.
    public func forward(_ x: Tensor) -> Tensor {
        var y = Tensor(uninitialized: x.shape)
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                switch self {
                case .tanh:
                    let (input, output) = (px.baseAddress!, py.baseAddress!)
                    Parallelism.forEachRange(of: x.count, minimumPerThread: Elementwise.grain) { range in
                        VectorMath.geluTanh(input + range.lowerBound, output + range.lowerBound, count: range.count)
                    }
                case .erf:
                    for i in 0..<x.count { py[i] = 0.5 * px[i] * (1 + Foundation.erf(px[i] * 0.707_106_78)) }
                }
            }
        }
        return y
    }

    /// In place, `x ← gelu(x)`; with `keepingDerivative`, also returns `gelu′` at the input, computed
    /// from the same `tanh` (or `erf`) value, so the backward pass is one product (`dx = dy ⊙ gelu′`)
    /// without evaluating a transcendental function again.
    ///
    /// The activations equal `forward(x)` bit for bit. The derivative is the formula of `backward` with
    /// `u` formed as in the forward pass, `√(2/π)(x + 0.044715x³)`, so it can differ from `backward`'s
    /// in the last bits.
    func activate(_ x: inout Tensor, keepingDerivative: Bool) -> Tensor? {
        var derivative = Tensor(uninitialized: keepingDerivative ? x.shape : [0])
        let count = x.count
        derivative.withUnsafeMutableBufferPointer { pd in
            x.withUnsafeMutableBufferPointer { px in
                let values = px.baseAddress!, slopes = keepingDerivative ? pd.baseAddress! : nil
                switch self {
                case .tanh:
                    Parallelism.forEachRange(of: count, minimumPerThread: Elementwise.grain) { range in
                        VectorMath.geluTanhActivate(
                            values + range.lowerBound, derivative: slopes.map { $0 + range.lowerBound }, count: range.count)
                    }
                case .erf:
                    for i in 0..<count {
                        let v = values[i]
                        let e = Foundation.erf(v * 0.707_106_78)
                        values[i] = 0.5 * v * (1 + e)
                        slopes?[i] = 0.5 * (1 + e) + v * (0.398_942_28 * Foundation.exp(-0.5 * v * v))
                    }
                }
            }
        }
        return keepingDerivative ? derivative : nil
    }

    /// `dy ⊙ gelu′(x)`.
    public func backward(_ dy: Tensor, input x: Tensor) -> Tensor {
        var dx = Tensor(uninitialized: x.shape)
        dy.withUnsafeBufferPointer { pdy in
            x.withUnsafeBufferPointer { px in
                dx.withUnsafeMutableBufferPointer { pdx in
                    switch self {
                    case .tanh:
                        let (input, gradient, output) = (px.baseAddress!, pdy.baseAddress!, pdx.baseAddress!)
                        Parallelism.forEachRange(of: x.count, minimumPerThread: Elementwise.grain) { range in
                            let i = range.lowerBound
                            VectorMath.geluTanhBackward(
                                input: input + i, gradient: gradient + i, output: output + i, count: range.count)
                        }
                    case .erf:
                        for i in 0..<x.count {
                            let v = px[i]
                            let cdf = 0.5 * (1 + Foundation.erf(v * 0.707_106_78))
                            let pdf = 0.398_942_28 * Foundation.exp(-0.5 * v * v)
                            pdx[i] = pdy[i] * (cdf + v * pdf)
                        }
                    }
                }
            }
        }
        return dx
    }
}
