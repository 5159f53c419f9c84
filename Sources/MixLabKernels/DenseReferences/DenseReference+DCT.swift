import Foundation
import MixLabCore

extension DenseReference {
    /// The n×n matrix of scipy's `scipy.fft.dct(x, type=type, norm=normalization)`, row-major (output index
    /// first), written from scipy's documented definitions.
    ///
    /// With `N = 2(n − 1)` for type 1 and `N = 2n` otherwise:
    /// - type 1: `y[k] = x[0] + (−1)^k·x[n−1] + 2·Σ_{j=1}^{n−2} x[j]·cos(πkj/(n−1))`; `ortho` multiplies
    ///   `x[0]`, `x[n−1]` by √2 and divides `y[0]`, `y[n−1]` by √2, then scales by `1/√N`;
    /// - type 2: `y[k] = 2·Σ x[j]·cos(πk(2j+1)/(2n))`; `ortho` scales `y[0]` by `√(1/(4n))` and the other
    ///   outputs by `√(1/(2n))`;
    /// - type 3: `y[k] = x[0] + 2·Σ_{j≥1} x[j]·cos(πj(2k+1)/(2n))`; `ortho`:
    ///   `y[k] = x[0]/√n + √(2/n)·Σ_{j≥1} x[j]·cos(πj(2k+1)/(2n))`;
    /// - type 4: `y[k] = 2·Σ x[j]·cos(π(2k+1)(2j+1)/(4n))`; `ortho` scales by `1/√N`;
    /// and `forward` scales every type by `1/N`. Angles are formed from integers reduced modulo the
    /// period, so large n keeps full accuracy. Type 1 needs n ≥ 2.
    public static func dctMatrix(type: Int, length n: Int, normalization: Normalization) -> [Double] {
        precondition((1...4).contains(type) && n >= (type == 1 ? 2 : 1), "dctMatrix: type \(type), length \(n)")
        /// `cos(π·p/q)` with `p` reduced modulo `2q`.
        func cosine(_ p: Int, over q: Int) -> Double { cos(Double.pi * Double(p % (2 * q)) / Double(q)) }
        let bigN = Double(type == 1 ? 2 * (n - 1) : 2 * n)
        var m = [Double](repeating: 0, count: n * n)
        for k in 0..<n {
            for j in 0..<n {
                var value: Double
                switch type {
                case 1:
                    value = (j == 0 || j == n - 1 ? 1 : 2) * cosine(k * j, over: n - 1)
                    if normalization == .ortho {
                        if j == 0 || j == n - 1 { value *= 2.0.squareRoot() }
                        if k == 0 || k == n - 1 { value /= 2.0.squareRoot() }
                    }
                case 2:
                    value = 2 * cosine(k * (2 * j + 1), over: 2 * n)
                    if normalization == .ortho && k == 0 { value /= 2.0.squareRoot() }
                case 3:
                    value = j == 0 ? 1 : 2 * cosine(j * (2 * k + 1), over: 2 * n)
                    if normalization == .ortho && j == 0 { value *= 2.0.squareRoot() }
                default:
                    value = 2 * cosine((2 * k + 1) * (2 * j + 1), over: 4 * n)
                }
                switch normalization {
                case .backward: break
                case .ortho: value /= bigN.squareRoot()
                case .forward: value /= bigN
                }
                m[k * n + j] = value
            }
        }
        return m
    }

    /// scipy's `scipy.fft.dctn(x, type=type, axes=…, norm=normalization)` over the sequence, hidden or both
    /// axes of a `(B, T, C)` array: the 1-D matrix applied along each transformed axis.
    public static func dct(
        _ x: [Double], shape: [Int], axes: MixingAxes, type: Int, normalization: Normalization
    ) -> [Double] {
        var y = x
        if axes.includesHidden {
            y = applyAlongHidden(dctMatrix(type: type, length: shape[2], normalization: normalization), to: y, shape: shape)
        }
        if axes.includesSequence {
            y = applyAlongSequence(dctMatrix(type: type, length: shape[1], normalization: normalization), to: y, shape: shape)
        }
        return y
    }
}
