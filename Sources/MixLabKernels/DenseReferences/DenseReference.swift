import Foundation
import MixLabCore

/// Obviously-correct dense transforms in Double: the reference twin of every fast path.
///
/// Everything here is written as plain matrix products with O(n²) or O(n³) loops. Fast kernels are
/// tested against these on small shapes; nothing here is meant to be fast. Activations are `(B, T, C)`
/// row-major arrays of Double.
public enum DenseReference {
    /// The real and imaginary parts of the unnormalised DFT matrix `F[j,k] = exp(−2πi·jk/n)`.
    ///
    /// Returns `cos(2π·jk/n)` and `−sin(2π·jk/n)` as row-major n×n arrays. The product `jk` is reduced
    /// modulo n before the angle is formed, so large n keeps full accuracy.
    public static func dftMatrix(_ n: Int) -> (real: [Double], imaginary: [Double]) {
        var real = [Double](repeating: 0, count: n * n)
        var imaginary = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            for k in 0..<n {
                let angle = 2 * Double.pi * Double((j * k) % n) / Double(n)
                real[j * n + k] = cos(angle)
                imaginary[j * n + k] = -sin(angle)
            }
        }
        return (real, imaginary)
    }

    /// Applies the T×T matrix `m` along the sequence axis: `Y[b] = M · X[b]`.
    public static func applyAlongSequence(_ m: [Double], to x: [Double], shape: [Int]) -> [Double] {
        let (batch, length, hidden) = (shape[0], shape[1], shape[2])
        precondition(m.count == length * length && x.count == batch * length * hidden)
        var y = [Double](repeating: 0, count: x.count)
        for b in 0..<batch {
            for i in 0..<length {
                for j in 0..<length {
                    let weight = m[i * length + j]
                    for c in 0..<hidden { y[(b * length + i) * hidden + c] += weight * x[(b * length + j) * hidden + c] }
                }
            }
        }
        return y
    }

    /// Applies the C×C matrix `m` along the hidden axis, to each token's vector: `Y[b,t,:] = M · X[b,t,:]`.
    public static func applyAlongHidden(_ m: [Double], to x: [Double], shape: [Int]) -> [Double] {
        let hidden = shape[2]
        precondition(m.count == hidden * hidden && x.count == Shape.count(shape))
        var y = [Double](repeating: 0, count: x.count)
        for row in 0..<(x.count / hidden) {
            for i in 0..<hidden {
                var sum = 0.0
                for j in 0..<hidden { sum += m[i * hidden + j] * x[row * hidden + j] }
                y[row * hidden + i] = sum
            }
        }
        return y
    }

    /// `Re(F_T · X · F_C)` (or one axis), scaled by `scale`: FNet's mixing, by definition.
    ///
    /// With `F = A + iB` on each axis, `Re(F_T X F_C) = A_T X A_C − B_T X B_C`.
    public static func realPartOfDFT(_ x: [Double], shape: [Int], axes: MixingAxes, scale: Double) -> [Double] {
        let (length, hidden) = (shape[1], shape[2])
        let result: [Double]
        switch axes {
        case .sequence:
            result = applyAlongSequence(dftMatrix(length).real, to: x, shape: shape)
        case .hidden:
            result = applyAlongHidden(dftMatrix(hidden).real, to: x, shape: shape)
        case .both:
            let (aT, bT) = dftMatrix(length)
            let (aC, bC) = dftMatrix(hidden)
            let cosines = applyAlongSequence(aT, to: applyAlongHidden(aC, to: x, shape: shape), shape: shape)
            let sines = applyAlongSequence(bT, to: applyAlongHidden(bC, to: x, shape: shape), shape: shape)
            result = zip(cosines, sines).map { $0 - $1 }
        }
        return result.map { $0 * scale }
    }
}
