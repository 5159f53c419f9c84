import Foundation
import MixLabCore

extension DenseReference {
    /// The n×n discrete Hartley matrix `H[j, k] = cas(2πjk/n) = cos(2πjk/n) + sin(2πjk/n)` (symmetric,
    /// `H·H = n·I`), with `jk` reduced modulo n.
    public static func hartleyMatrix(_ n: Int) -> [Double] {
        let (real, imaginary) = dftMatrix(n)  // cos, −sin
        return zip(real, imaginary).map { $0 - $1 }
    }

    /// The product of 1-D Hartley transforms along the chosen axes of a `(B, T, C)` array, times `scale`:
    /// `Y = s·H_T·X·H_C` for both axes (`s·H_T·X` or `s·X·H_C` for one).
    public static func separableHartley(_ x: [Double], shape: [Int], axes: MixingAxes, scale: Double) -> [Double] {
        var y = x
        if axes.includesHidden { y = applyAlongHidden(hartleyMatrix(shape[2]), to: y, shape: shape) }
        if axes.includesSequence { y = applyAlongSequence(hartleyMatrix(shape[1]), to: y, shape: shape) }
        return y.map { $0 * scale }
    }

    /// FNet's 2-D Hartley transform `s·(Re F − Im F)`, `F = F_T·X·F_C`, of a `(B, T, C)` array: the
    /// non-separable kernel `cas(2π(jk/T + ml/C))`.
    ///
    /// With `cas(a + b) = cos a·cos b − sin a·sin b + sin a·cos b + cos a·sin b` and `A = cos`, `S = sin`
    /// matrices: `Y = s·(A_T·X·A_C − S_T·X·S_C + S_T·X·A_C + A_T·X·S_C)`. Along one axis it is the 1-D
    /// Hartley transform, as `separableHartley`.
    public static func fnetHartley(_ x: [Double], shape: [Int], axes: MixingAxes, scale: Double) -> [Double] {
        guard axes == .both else { return separableHartley(x, shape: shape, axes: axes, scale: scale) }
        let (cosT, negativeSinT) = dftMatrix(shape[1])
        let (cosC, negativeSinC) = dftMatrix(shape[2])
        let (sinT, sinC) = (negativeSinT.map { -$0 }, negativeSinC.map { -$0 })
        let xCos = applyAlongHidden(cosC, to: x, shape: shape)  // X·A_C
        let xSin = applyAlongHidden(sinC, to: x, shape: shape)  // X·S_C
        // (A_T + S_T)·X·A_C + (A_T − S_T)·X·S_C
        let sumT = zip(cosT, sinT).map { $0 + $1 }
        let differenceT = zip(cosT, sinT).map { $0 - $1 }
        let first = applyAlongSequence(sumT, to: xCos, shape: shape)
        let second = applyAlongSequence(differenceT, to: xSin, shape: shape)
        return zip(first, second).map { ($0 + $1) * scale }
    }
}
