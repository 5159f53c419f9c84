import Foundation
import MixLabCore
import MixLabKernels

/// The Gaussian error linear unit, `x·Φ(x)`, in its tanh approximation (FNet's and HF's `gelu_new`) or
/// exactly with `erf`.
///
/// tanh form: `y = ½x(1 + tanh(u))`, `u = √(2/π)(x + 0.044715x³)`;
/// `dy/dx = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)` with `t = tanh(u)`.
/// erf form: `y = ½x(1 + erf(x/√2))`, `dy/dx = Φ(x) + x·φ(x)`. The tanh form runs on `VectorMath.tanh`,
/// 16 lanes at a time; the exact form calls libm's `erff` per element (slower; for comparisons).
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
                        VectorMath.apply(input + range.lowerBound, output + range.lowerBound, count: range.count) { v in
                            let cube: SIMD16<Float> = v * v * v
                            let u: SIMD16<Float> = 0.797_884_56 * (v + 0.044_715 * cube)
                            let half: SIMD16<Float> = 0.5 * v
                            return half * (1 + VectorMath.tanh(u))
                        }
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
                        var i = range.lowerBound
                        while i + 16 <= range.upperBound {
                            let v = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD16<Float>.self)
                            let (y, d) = Self.tanhValueAndDerivative(v)
                            UnsafeMutableRawPointer(values + i).storeBytes(of: y, as: SIMD16<Float>.self)
                            if let slopes { UnsafeMutableRawPointer(slopes + i).storeBytes(of: d, as: SIMD16<Float>.self) }
                            i += 16
                        }
                        let tail = range.upperBound - i
                        if tail > 0 {
                            var v = SIMD16<Float>(repeating: 0)
                            for lane in 0..<tail { v[lane] = values[i + lane] }
                            let (y, d) = Self.tanhValueAndDerivative(v)
                            for lane in 0..<tail {
                                values[i + lane] = y[lane]
                                slopes?[i + lane] = d[lane]
                            }
                        }
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

    /// The tanh form's value and derivative from one `tanh`.
    @inline(__always)
    static func tanhValueAndDerivative(_ v: SIMD16<Float>) -> (SIMD16<Float>, SIMD16<Float>) {
        let cube: SIMD16<Float> = v * v * v
        let u: SIMD16<Float> = 0.797_884_56 * (v + 0.044_715 * cube)
        let half: SIMD16<Float> = 0.5 * v
        let t = VectorMath.tanh(u)
        let slope: SIMD16<Float> = 0.797_884_56 * (1 + 0.134_145 * (v * v))  // du/dx
        let derivative: SIMD16<Float> = 0.5 * (1 + t) + half * (1 - t * t) * slope
        return (half * (1 + t), derivative)
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
                            var i = range.lowerBound
                            let n = range.upperBound
                            while i + 16 <= n {
                                let v = UnsafeRawPointer(input + i).loadUnaligned(as: SIMD16<Float>.self)
                                let g = UnsafeRawPointer(gradient + i).loadUnaligned(as: SIMD16<Float>.self)
                                UnsafeMutableRawPointer(output + i).storeBytes(of: g * Self.tanhDerivative(v), as: SIMD16<Float>.self)
                                i += 16
                            }
                            if i < n {
                                var v = SIMD16<Float>(repeating: 0)
                                for lane in 0..<(n - i) { v[lane] = input[i + lane] }
                                let d = Self.tanhDerivative(v)
                                for lane in 0..<(n - i) { output[i + lane] = gradient[i + lane] * d[lane] }
                            }
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

    @inline(__always)
    static func tanhDerivative(_ v: SIMD16<Float>) -> SIMD16<Float> {
        let v2 = v * v
        let inner: SIMD16<Float> = 1 + 0.044_715 * v2
        let u: SIMD16<Float> = 0.797_884_56 * v * inner
        let t = VectorMath.tanh(u)
        let slope: SIMD16<Float> = 0.797_884_56 * (1 + 0.134_145 * v2)  // du/dx
        let left: SIMD16<Float> = 0.5 * (1 + t)
        let right: SIMD16<Float> = 0.5 * v * (1 - t * t) * slope
        return left + right
    }
}
