import Foundation
import MixLabCore

extension DenseReference {
    /// `F^a = V · diag(exp(−i·π/2·a·k_m)) · Vᵀ` from `basis`, by explicit sums, as row-major real and
    /// imaginary parts: `F^a[i, j] = Σ_m V[i, m] · exp(−i·θ_m) · V[j, m]`. O(N³).
    public static func fractionalFourierMatrix(
        _ basis: FractionalFourierBasis, order: Double
    ) -> (real: [Double], imaginary: [Double]) {
        let n = basis.length
        let (cosine, sine) = basis.phases(order: order)
        let v = basis.vectors
        var real = [Double](repeating: 0, count: n * n)
        var imaginary = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var re = 0.0, im = 0.0
                for m in 0..<n {
                    let product = v[i * n + m] * v[j * n + m]
                    re += product * cosine[m]
                    im -= product * sine[m]
                }
                real[i * n + j] = re
                imaginary[i * n + j] = im
            }
        }
        return (real, imaginary)
    }

    /// `part(F_T^a · X · F_C^b)` for each example `X` of `x` `(B, T, C)` (or one axis), by definition.
    ///
    /// With `A = F_T^a`, `B = F_C^b` (complex symmetric) and real `X`:
    /// `Re(A X B) = A_r X B_r − A_i X B_i`, `Im(A X B) = A_r X B_i + A_i X B_r`; with one axis,
    /// `Re(A X) = A_r X`, `Im(A X) = A_i X` (and likewise along the hidden axis).
    ///
    /// - Throws: as `FractionalFourierBasis.shared(length:)`.
    public static func fractionalFourier(
        _ x: [Double], shape: [Int], axes: MixingAxes, sequenceOrder: Double, hiddenOrder: Double,
        part: FractionalFourierBasis.Part
    ) throws -> [Double] {
        let (length, hidden) = (shape[1], shape[2])
        func matrices(_ n: Int, _ order: Double) throws -> (real: [Double], imaginary: [Double]) {
            fractionalFourierMatrix(try FractionalFourierBasis.shared(length: n), order: order)
        }
        switch axes {
        case .sequence:
            let a = try matrices(length, sequenceOrder)
            return applyAlongSequence(part == .real ? a.real : a.imaginary, to: x, shape: shape)
        case .hidden:
            let b = try matrices(hidden, hiddenOrder)
            return applyAlongHidden(part == .real ? b.real : b.imaginary, to: x, shape: shape)
        case .both:
            let a = try matrices(length, sequenceOrder)
            let b = try matrices(hidden, hiddenOrder)
            let xbr = applyAlongHidden(b.real, to: x, shape: shape)
            let xbi = applyAlongHidden(b.imaginary, to: x, shape: shape)
            switch part {
            case .real:
                return zip(applyAlongSequence(a.real, to: xbr, shape: shape), applyAlongSequence(a.imaginary, to: xbi, shape: shape))
                    .map { $0 - $1 }
            case .imaginary:
                return zip(applyAlongSequence(a.real, to: xbi, shape: shape), applyAlongSequence(a.imaginary, to: xbr, shape: shape))
                    .map { $0 + $1 }
            }
        }
    }
}
