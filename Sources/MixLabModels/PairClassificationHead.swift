import Foundation
import MixLabCore

/// The two-tower classification head of the Long Range Arena's dual encoder: pool each document, combine
/// the two vectors, classify with an MLP.
///
/// The hidden states hold the B first documents, then the B second ones (`(2B, T, H)`, row b and row
/// B + b are pair b). With `z_i = pool(h_i)` (the `SequenceClassificationHead` pooling; with `first`,
/// `z = tanh(W_p·h[·,0] + b_p)`, one pooler shared by both towers), `u = z_b`, `v = z_{B+b}`:
///
///     f = [u, v, u ⊙ v, u − v]                    (4H features, "NLI interaction")
///     logits = W_c·ReLU(W_2·ReLU(W_1·f + b_1) + b_2) + b_c      W_1: M × 4H, W_2: M/2 × M, W_c: K × M/2
///
/// Backward: `df` from the MLP, then `du = df_u + df_{u⊙v} ⊙ v + df_{u−v}`,
/// `dv = df_v + df_{u⊙v} ⊙ u − df_{u−v}`, then the pooler and the pooling as in sequence classification.
/// Parameters: `fnet.pooler.dense` (first pooling only), `pair.mlp`, `pair.mlp2`, `classifier`.
/// Cost: O(B·(4H·M + M²/2 + M·K/2)) for the MLP, plus the pooling's O(B·T·H).
///
/// Reference: Y. Tay et al., "Long Range Arena", ICLR 2021, and its code's `classifier_head_dual`
/// (`interaction='NLI'`: `mlp` → ReLU → `mlp2` (width M/2) → ReLU → logits).
public final class PairClassificationHead: @unchecked Sendable {
    /// How each document's `(T, H)` hidden states become one vector.
    public let pooling: Pooling
    /// The pooler `Dense(H → H)` before the tanh, shared by both documents, for `first` pooling; nil otherwise.
    public let pooler: Dense?
    /// `Dense(4H → M)` (`pair.mlp`).
    public let hiddenLayer: Dense
    /// `Dense(M → M/2)` (`pair.mlp2`).
    public let secondLayer: Dense
    /// `Dense(M/2 → K)` (`classifier`).
    public let classifier: Dense
    /// The number of classes K.
    public let classes: Int

    /// What backward needs.
    public struct Cache: Sendable {
        let hiddenShape: [Int]
        let weights: [Float]
        let pooled: Tensor
        let poolerOutput: Tensor?
        let features: Tensor
        let hidden1: Tensor
        let hidden2: Tensor
    }

    /// A head for `classes` classes on hidden size H with MLP width `mlpSize` (M, at least 2).
    public init(hiddenSize: Int, mlpSize: Int, classes: Int, pooling: Pooling, random: inout SeededRandom) {
        precondition(mlpSize >= 2, "the pair head's MLP needs a width of at least 2")
        self.pooling = pooling
        self.classes = classes
        pooler = pooling == .first ? Dense(name: "fnet.pooler.dense", inputSize: hiddenSize, outputSize: hiddenSize, random: &random) : nil
        hiddenLayer = Dense(name: "pair.mlp", inputSize: 4 * hiddenSize, outputSize: mlpSize, random: &random)
        secondLayer = Dense(name: "pair.mlp2", inputSize: mlpSize, outputSize: mlpSize / 2, random: &random)
        classifier = Dense(name: "classifier", inputSize: mlpSize / 2, outputSize: classes, random: &random)
    }

    /// The head's parameters.
    public var parameters: [Parameter] {
        (pooler?.parameters ?? []) + hiddenLayer.parameters + secondLayer.parameters + classifier.parameters
    }

    /// `(B, K)` logits from `(2B, T, H)` hidden states (first documents, then second documents).
    ///
    /// - Throws: `MixLabError.shapeMismatch` for hidden states that are not `(2B, T, H)` or a padding mask
    ///   that is not `(2B, T)`.
    public func forward(_ hidden: Tensor, paddingMask: Tensor?) throws -> (logits: Tensor, cache: Cache) {
        guard hidden.rank == 3, hidden.shape[0] % 2 == 0, hidden.shape[0] > 0 else {
            throw MixLabError.shapeMismatch(expected: "(2B, T, H)", found: hidden.shape, location: "pair classification head input")
        }
        let (rows, t, h) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        if let paddingMask, paddingMask.shape != [rows, t] {
            throw MixLabError.shapeMismatch(expected: Shape.describe([rows, t]), found: paddingMask.shape, location: "padding mask")
        }
        let b = rows / 2
        let weights = SequenceClassificationHead.poolingWeights(pooling, batch: rows, length: t, paddingMask: paddingMask)
        let pooled = SequenceClassificationHead.pool(hidden, weights: weights)
        var poolerOutput: Tensor?
        if let pooler { poolerOutput = try pooler.forward(pooled).mapped { Foundation.tanh($0) } }
        let z = poolerOutput ?? pooled
        var features = Tensor(zeros: [b, 4 * h])
        z.withUnsafeBufferPointer { pz in
            features.withUnsafeMutableBufferPointer { f in
                for example in 0..<b {
                    let (u, v, row) = (pz.baseAddress! + example * h, pz.baseAddress! + (b + example) * h, f.baseAddress! + example * 4 * h)
                    for j in 0..<h {
                        row[j] = u[j]
                        row[h + j] = v[j]
                        row[2 * h + j] = u[j] * v[j]
                        row[3 * h + j] = u[j] - v[j]
                    }
                }
            }
        }
        let hidden1 = try hiddenLayer.forward(features).mapped { max($0, 0) }
        let hidden2 = try secondLayer.forward(hidden1).mapped { max($0, 0) }
        let logits = try classifier.forward(hidden2)
        return (logits, Cache(
            hiddenShape: hidden.shape, weights: weights, pooled: pooled, poolerOutput: poolerOutput, features: features,
            hidden1: hidden1, hidden2: hidden2))
    }

    /// Adds the head's gradients and returns the gradient with respect to the `(2B, T, H)` hidden states.
    public func backward(_ dLogits: Tensor, cache: Cache) throws -> Tensor {
        func throughReLU(_ gradient: Tensor, _ output: Tensor) -> Tensor {
            var result = gradient
            result.withUnsafeMutableBufferPointer { d in
                output.withUnsafeBufferPointer { y in for i in 0..<d.count where y[i] <= 0 { d[i] = 0 } }
            }
            return result
        }
        let dHidden2 = try classifier.backward(dLogits, input: cache.hidden2)
        let dHidden1 = try secondLayer.backward(throughReLU(dHidden2, cache.hidden2), input: cache.hidden1)
        let dFeatures = try hiddenLayer.backward(throughReLU(dHidden1, cache.hidden1), input: cache.features)
        let (rows, h) = (cache.hiddenShape[0], cache.hiddenShape[2])
        let b = rows / 2
        let z = cache.poolerOutput ?? cache.pooled
        var dz = Tensor(zeros: [rows, h])
        z.withUnsafeBufferPointer { pz in
            dFeatures.withUnsafeBufferPointer { df in
                dz.withUnsafeMutableBufferPointer { d in
                    for example in 0..<b {
                        let (u, v) = (pz.baseAddress! + example * h, pz.baseAddress! + (b + example) * h)
                        let (du, dv, row) = (d.baseAddress! + example * h, d.baseAddress! + (b + example) * h, df.baseAddress! + example * 4 * h)
                        for j in 0..<h {
                            du[j] = row[j] + row[2 * h + j] * v[j] + row[3 * h + j]
                            dv[j] = row[h + j] + row[2 * h + j] * u[j] - row[3 * h + j]
                        }
                    }
                }
            }
        }
        var dPooled = dz
        if let pooler, let activated = cache.poolerOutput {
            dz.withUnsafeMutableBufferPointer { d in
                activated.withUnsafeBufferPointer { a in for i in 0..<d.count { d[i] *= 1 - a[i] * a[i] } }
            }
            dPooled = try pooler.backward(dz, input: cache.pooled)
        }
        return SequenceClassificationHead.scatter(dPooled, weights: cache.weights, hiddenShape: cache.hiddenShape)
    }
}
