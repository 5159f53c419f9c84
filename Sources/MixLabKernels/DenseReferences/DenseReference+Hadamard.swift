import MixLabCore

extension DenseReference {
    /// Sylvester's Hadamard matrix of order n (a power of two), row-major, in natural or sequency order.
    ///
    /// Built by the recursion `H_1 = [1]`, `H_2m = [[H_m, H_m], [H_m, −H_m]]` (scipy.linalg.hadamard).
    /// Sequency order sorts the rows by their number of sign changes (row k then has k of them),
    /// independently of the bit-reversed Gray-code formula the fast kernel uses.
    public static func hadamardMatrix(_ n: Int, order: HadamardOrder) -> [Double] {
        precondition(PowerOfTwo.contains(n), "DenseReference.hadamardMatrix: \(n) is not a power of two")
        var h: [Double] = [1]
        var m = 1
        while m < n {
            var next = [Double](repeating: 0, count: 4 * m * m)
            for i in 0..<m {
                for j in 0..<m {
                    let v = h[i * m + j]
                    next[i * 2 * m + j] = v
                    next[i * 2 * m + m + j] = v
                    next[(m + i) * 2 * m + j] = v
                    next[(m + i) * 2 * m + m + j] = -v
                }
            }
            h = next
            m *= 2
        }
        guard order == .sequency else { return h }
        let signChanges = (0..<n).map { row in (1..<n).filter { h[row * n + $0] != h[row * n + $0 - 1] }.count }
        let rows = (0..<n).sorted { (signChanges[$0], $0) < (signChanges[$1], $1) }
        return rows.flatMap { h[($0 * n)..<($0 * n + n)] }
    }

    /// The leading n×n block of the Hadamard matrix of order N (the next power of two ≥ n):
    /// `crop_n · W_N · pad_n`, the map of zero-pad, transform, crop.
    public static func croppedHadamardMatrix(_ n: Int, order: HadamardOrder) -> [Double] {
        var padded = 1
        while padded < n { padded <<= 1 }
        let h = hadamardMatrix(padded, order: order)
        return (0..<n).flatMap { i in h[(i * padded)..<(i * padded + n)] }
    }

    /// `scale · crop(W_T · pad(X) · W_C)` for each example of `x` `(B, T, C)` (or along one axis), with
    /// dense Walsh–Hadamard matrices.
    public static func walshHadamard(
        _ x: [Double], shape: [Int], axes: MixingAxes, order: HadamardOrder, scale: Double
    ) -> [Double] {
        var y = x
        if axes.includesHidden {
            y = applyAlongHidden(croppedHadamardMatrix(shape[2], order: order), to: y, shape: shape)
        }
        if axes.includesSequence {
            y = applyAlongSequence(croppedHadamardMatrix(shape[1], order: order), to: y, shape: shape)
        }
        return y.map { $0 * scale }
    }
}
