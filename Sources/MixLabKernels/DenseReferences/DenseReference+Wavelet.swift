import MixLabCore

extension DenseReference {
    /// The n×n matrix of one periodic filter-bank step on n values (n even), written from its definition
    /// (GSL's `dwt_step`): row i < n/2 holds `low` and row n/2 + i holds `high` at columns
    /// `(2i − offset + k) mod n`; coefficients landing on the same column add up (short n).
    public static func waveletStepMatrix(low: [Double], high: [Double], offset: Int, length n: Int) -> [Double] {
        precondition(n >= 2 && n % 2 == 0 && low.count == high.count)
        var s = [Double](repeating: 0, count: n * n)
        for i in 0..<(n / 2) {
            for k in low.indices {
                let column = ((2 * i - offset + k) % n + n) % n
                s[i * n + column] += low[k]
                s[(n / 2 + i) * n + column] += high[k]
            }
        }
        return s
    }

    /// The n×n matrix of `levels` analysis levels with filters `low`, `high`:
    /// `W = S_L ⋯ S_1`, where `S_j` applies the step to the first `n/2^(j−1)` values and keeps the rest.
    /// The result is GSL's layout `[cA_L | cD_L | … | cD_1]`.
    public static func waveletAnalysisMatrix(low: [Double], high: [Double], offset: Int, length n: Int, levels: Int) -> [Double] {
        var w = identityMatrix(n)
        var m = n
        for _ in 0..<levels {
            w = multiply(embedded(waveletStepMatrix(low: low, high: high, offset: offset, length: m), size: m, in: n), w, n)
            m /= 2
        }
        return w
    }

    /// The n×n matrix of `levels` synthesis levels with filters `low`, `high` (GSL's inverse pattern,
    /// the transpose of each step): `R = S_1ᵀ ⋯ S_Lᵀ`. With the synthesis filters it inverts
    /// `waveletAnalysisMatrix` of the analysis filters; with the analysis filters it is that matrix's
    /// transpose (the adjoint).
    public static func waveletSynthesisMatrix(low: [Double], high: [Double], offset: Int, length n: Int, levels: Int) -> [Double] {
        var r = identityMatrix(n)
        var m = n
        for _ in 0..<levels {
            let step = embedded(waveletStepMatrix(low: low, high: high, offset: offset, length: m), size: m, in: n)
            r = multiply(r, transpose(step, n), n)
            m /= 2
        }
        return r
    }

    /// Applies T×T `sequence` and C×C `hidden` matrices (either may be nil: that axis is left alone) to
    /// every example of `x` `(B, T, C)`: `Y = M_T · X · M_Cᵀ`.
    public static func applySeparable(sequence: [Double]?, hidden: [Double]?, to x: [Double], shape: [Int]) -> [Double] {
        var y = x
        if let hidden { y = applyAlongHidden(hidden, to: y, shape: shape) }
        if let sequence { y = applyAlongSequence(sequence, to: y, shape: shape) }
        return y
    }

    /// `levels` analysis levels of one signal, computed directly from the step's definition in Double:
    /// `low[i] = Σ_k low_k · a[(2i − offset + k) mod m]`, `high[i] = Σ_k high_k · a[…]`, repeated on the
    /// low half. O(n·nc) — the reference used where an n×n matrix would be too large.
    public static func waveletAnalysis(_ signal: [Double], low: [Double], high: [Double], offset: Int, levels: Int) -> [Double] {
        var a = signal
        var m = signal.count
        for _ in 0..<levels {
            var next = Array(a[0..<m])
            for i in 0..<(m / 2) {
                var (l, h) = (0.0, 0.0)
                for k in low.indices {
                    let v = a[((2 * i - offset + k) % m + m) % m]
                    l += low[k] * v
                    h += high[k] * v
                }
                next[i] = l
                next[m / 2 + i] = h
            }
            a.replaceSubrange(0..<m, with: next)
            m /= 2
        }
        return a
    }

    /// The separable wavelet analysis of every example of `x` `(B, T, C)`: `sequenceLevels` levels along
    /// every column and `hiddenLevels` along every row (0 leaves an axis alone), with `waveletAnalysis`.
    public static func waveletAnalysis(
        _ x: [Double], shape: [Int], low: [Double], high: [Double], offset: Int, sequenceLevels: Int, hiddenLevels: Int
    ) -> [Double] {
        let (batch, t, c) = (shape[0], shape[1], shape[2])
        var y = x
        if hiddenLevels > 0 {
            for row in 0..<(batch * t) {
                let line = Array(y[(row * c)..<(row * c + c)])
                y.replaceSubrange((row * c)..<(row * c + c),
                                  with: waveletAnalysis(line, low: low, high: high, offset: offset, levels: hiddenLevels))
            }
        }
        if sequenceLevels > 0 {
            for b in 0..<batch {
                for column in 0..<c {
                    let line = (0..<t).map { y[(b * t + $0) * c + column] }
                    let transformed = waveletAnalysis(line, low: low, high: high, offset: offset, levels: sequenceLevels)
                    for row in 0..<t { y[(b * t + row) * c + column] = transformed[row] }
                }
            }
        }
        return y
    }

    /// The n×n transpose.
    public static func transpose(_ a: [Double], _ n: Int) -> [Double] {
        var t = a
        for i in 0..<n { for j in 0..<n { t[j * n + i] = a[i * n + j] } }
        return t
    }

    private static func identityMatrix(_ n: Int) -> [Double] {
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { a[i * n + i] = 1 }
        return a
    }

    /// `a` (m×m) in the leading block of an n×n identity.
    private static func embedded(_ a: [Double], size m: Int, in n: Int) -> [Double] {
        var e = identityMatrix(n)
        for i in 0..<m { for j in 0..<m { e[i * n + j] = a[i * m + j] } }
        return e
    }

    private static func multiply(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for k in 0..<n where a[i * n + k] != 0 {
                let aik = a[i * n + k]
                for j in 0..<n { c[i * n + j] += aik * b[k * n + j] }
            }
        }
        return c
    }
}
