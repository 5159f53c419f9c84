import Foundation

extension DenseReference {
    /// The weights of multi-head self-attention in Double, PyTorch layout: each weight is `C × C`
    /// row-major `[out, in]` (`y = W·x + b`), each bias has `C` values.
    public struct AttentionWeights: Sendable {
        /// `W_q`, the query weight: `C × C`, row-major `[out, in]`.
        public var query: [Double]
        /// `b_q`, the query bias: `C` values.
        public var queryBias: [Double]
        /// `W_k`, the key weight: `C × C`, row-major `[out, in]`.
        public var key: [Double]
        /// `b_k`, the key bias: `C` values.
        public var keyBias: [Double]
        /// `W_v`, the value weight: `C × C`, row-major `[out, in]`.
        public var value: [Double]
        /// `b_v`, the value bias: `C` values.
        public var valueBias: [Double]
        /// `W_o`, the output projection's weight: `C × C`, row-major `[out, in]`.
        public var output: [Double]
        /// `b_o`, the output projection's bias: `C` values.
        public var outputBias: [Double]

        /// Weights from their parts.
        public init(
            query: [Double], queryBias: [Double], key: [Double], keyBias: [Double], value: [Double],
            valueBias: [Double], output: [Double], outputBias: [Double]
        ) {
            self.query = query
            self.queryBias = queryBias
            self.key = key
            self.keyBias = keyBias
            self.value = value
            self.valueBias = valueBias
            self.output = output
            self.outputBias = outputBias
        }
    }

    /// Multi-head scaled dot-product self-attention, by definition, with plain loops in Double.
    ///
    /// For each example: `Q = X Wqᵀ + bq`, `K`, `V` likewise; per head `h` (`d = C/heads`, columns
    /// `h·d ..< (h+1)·d`) `P = softmax(Q_h K_hᵀ/√d)` over the keys that `paddingMask` (`(B, T)`, 0 = pad)
    /// keeps, `O_h = P V_h`; `Y = O Woᵀ + bo`. A query with every key padded gets `O = 0` (so `Y = bo`).
    public static func multiHeadSelfAttention(
        _ x: [Double], shape: [Int], heads: Int, weights: AttentionWeights, paddingMask: [Double]? = nil
    ) -> [Double] {
        let (batch, t, c) = (shape[0], shape[1], shape[2])
        precondition(x.count == batch * t * c && c % heads == 0)
        let d = c / heads
        /// `Z = X Wᵀ + b` for one example's `T × C` rows.
        func project(_ rows: [Double], _ w: [Double], _ bias: [Double]) -> [Double] {
            var z = [Double](repeating: 0, count: t * c)
            for i in 0..<t {
                for o in 0..<c {
                    var sum = bias[o]
                    for j in 0..<c { sum += w[o * c + j] * rows[i * c + j] }
                    z[i * c + o] = sum
                }
            }
            return z
        }
        var y = [Double](repeating: 0, count: x.count)
        for b in 0..<batch {
            let rows = Array(x[(b * t * c)..<((b + 1) * t * c)])
            let q = project(rows, weights.query, weights.queryBias)
            let k = project(rows, weights.key, weights.keyBias)
            let v = project(rows, weights.value, weights.valueBias)
            let kept = (0..<t).map { j in paddingMask.map { $0[b * t + j] != 0 } ?? true }
            var o = [Double](repeating: 0, count: t * c)
            for h in 0..<heads {
                for i in 0..<t {
                    var scores = [Double](repeating: -Double.infinity, count: t)
                    for j in 0..<t where kept[j] {
                        var dot = 0.0
                        for e in 0..<d { dot += q[i * c + h * d + e] * k[j * c + h * d + e] }
                        scores[j] = dot / Double(d).squareRoot()
                    }
                    let maximum = scores.max()!
                    guard maximum > -Double.infinity else { continue }  // every key padded: O row = 0
                    let exponentials = scores.map { exp($0 - maximum) }
                    let sum = exponentials.reduce(0, +)
                    for j in 0..<t where kept[j] {
                        let p = exponentials[j] / sum
                        for e in 0..<d { o[i * c + h * d + e] += p * v[j * c + h * d + e] }
                    }
                }
            }
            let out = project(o, weights.output, weights.outputBias)
            for index in 0..<(t * c) { y[b * t * c + index] = out[index] }
        }
        return y
    }
}
