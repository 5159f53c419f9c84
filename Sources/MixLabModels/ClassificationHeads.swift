import Foundation
import MixLabCore

/// How a sequence is reduced to one vector for classification.
public enum Pooling: String, Sendable, CaseIterable, Codable {
    /// BERT/FNet: `tanh(Dense(h[0]))`, the pooler on the first token (`fnet.pooler.dense`).
    case first
    /// LRA: the mean of the hidden states over non-padding tokens.
    case mean
    /// GPT-style, for causal mixers: the hidden state of each example's last non-padding token (the only
    /// position that has seen the whole sequence), with no pooler.
    case last
}

/// Sequence classification: pooling, then `classifier` (`Dense(H → K)`).
///
/// `first`: `logits = W_c·tanh(W_p·h[·,0] + b_p) + b_c`; `mean`: `logits = W_c·(Σ_t m_t h_t / Σ_t m_t) + b_c`;
/// `last`: `logits = W_c·h[·,ℓ] + b_c` with `ℓ = max{t : m_t = 1}`, the last non-padding token (T − 1 without
/// a mask), as HuggingFace's `GPT2ForSequenceClassification` pools. `m` is the padding mask (all ones when
/// absent); an example with no real token pools to zeros under `mean` and `last`.
///
/// Each pooling is a fixed weighting `pooled_b = Σ_t w_{b,t} h_{b,t}` (one-hot for `first` and `last`), so
/// backward scatters `w_{b,t}·dpooled_b` to the hidden states: O(B·H) for `first`/`last`, O(B·T·H) for `mean`.
public final class SequenceClassificationHead: @unchecked Sendable {
    /// How `(B, T, H)` hidden states become `(B, H)`: the first token through the pooler, the masked mean,
    /// or the last non-padding token.
    public let pooling: Pooling
    /// The pooler `Dense(H → H)` before the tanh (`fnet.pooler.dense`) for `first` pooling; nil for `mean` and `last`.
    public let pooler: Dense?
    /// The output layer `Dense(H → K)` (`classifier`).
    public let classifier: Dense
    /// The number of classes K.
    public let classes: Int

    /// What backward needs.
    public struct Cache: Sendable {
        let hiddenShape: [Int]
        let pooled: Tensor
        let poolerOutput: Tensor?
        let weights: [Float]  // per (b, t): the pooling weight of each token
    }

    /// A head for `classes` classes on hidden size H.
    public init(hiddenSize: Int, classes: Int, pooling: Pooling, random: inout SeededRandom) {
        self.pooling = pooling
        self.classes = classes
        pooler = pooling == .first ? Dense(name: "fnet.pooler.dense", inputSize: hiddenSize, outputSize: hiddenSize, random: &random) : nil
        classifier = Dense(name: "classifier", inputSize: hiddenSize, outputSize: classes, random: &random)
    }

    /// The head's parameters.
    public var parameters: [Parameter] { (pooler?.parameters ?? []) + classifier.parameters }

    /// `(B, K)` logits from `(B, T, H)` hidden states.
    public func forward(_ hidden: Tensor, paddingMask: Tensor?) throws -> (logits: Tensor, cache: Cache) {
        guard hidden.rank == 3 else {
            throw MixLabError.shapeMismatch(expected: "(B, T, H)", found: hidden.shape, location: "sequence classification head input")
        }
        let (b, t) = (hidden.shape[0], hidden.shape[1])
        if let paddingMask, paddingMask.shape != [b, t] {
            throw MixLabError.shapeMismatch(expected: Shape.describe([b, t]), found: paddingMask.shape, location: "padding mask")
        }
        let weights = Self.poolingWeights(pooling, batch: b, length: t, paddingMask: paddingMask)
        let pooled = Self.pool(hidden, weights: weights)
        var poolerOutput: Tensor?
        var features = pooled
        if let pooler {
            let activated = try pooler.forward(pooled).mapped { Foundation.tanh($0) }
            poolerOutput = activated
            features = activated
        }
        let logits = try classifier.forward(features)
        return (logits, Cache(hiddenShape: hidden.shape, pooled: pooled, poolerOutput: poolerOutput, weights: weights))
    }

    /// Adds the head's gradients and returns the gradient with respect to the hidden states.
    public func backward(_ dLogits: Tensor, cache: Cache) throws -> Tensor {
        var dFeatures = try classifier.backward(dLogits, input: cache.poolerOutput ?? cache.pooled)
        if let pooler, let activated = cache.poolerOutput {
            var dPre = dFeatures
            dPre.withUnsafeMutableBufferPointer { d in
                activated.withUnsafeBufferPointer { a in
                    for i in 0..<d.count { d[i] *= 1 - a[i] * a[i] }
                }
            }
            dFeatures = try pooler.backward(dPre, input: cache.pooled)
        }
        return Self.scatter(dFeatures, weights: cache.weights, hiddenShape: cache.hiddenShape)
    }

    /// The pooling weights `w[b·T + t]` of `pooling` for `B × T` hidden states (see the type's
    /// documentation): one-hot at 0 (`first`), one-hot at the last real token (`last`), `m_t / Σ m` (`mean`).
    /// O(B·T).
    static func poolingWeights(_ pooling: Pooling, batch b: Int, length t: Int, paddingMask: Tensor?) -> [Float] {
        var weights = [Float](repeating: 0, count: b * t)
        for example in 0..<b {
            switch pooling {
            case .first:
                weights[example * t] = 1
            case .mean:
                var count: Float = 0
                for position in 0..<t { count += paddingMask?[example, position] ?? 1 }
                for position in 0..<t { weights[example * t + position] = (paddingMask?[example, position] ?? 1) / max(count, 1) }
            case .last:
                let last = (0..<t).last { (paddingMask?[example, $0] ?? 1) != 0 }
                if let last { weights[example * t + last] = 1 }
            }
        }
        return weights
    }

    /// `pooled[b] = Σ_t w[b·T + t]·h[b, t]`: `(B, H)` from `(B, T, H)` hidden states. O(B·T·H) at most.
    static func pool(_ hidden: Tensor, weights: [Float]) -> Tensor {
        let (b, t, h) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        var pooled = Tensor(zeros: [b, h])
        hidden.withUnsafeBufferPointer { ph in
            pooled.withUnsafeMutableBufferPointer { pp in
                for example in 0..<b {
                    for position in 0..<t where weights[example * t + position] != 0 {
                        let weight = weights[example * t + position]
                        let source = ph.baseAddress! + (example * t + position) * h
                        for j in 0..<h { pp[example * h + j] += weight * source[j] }
                    }
                }
            }
        }
        return pooled
    }

    /// The backward of `pool`: `dh[b, t] = w[b·T + t]·dpooled[b]`, a fresh `hiddenShape` tensor.
    static func scatter(_ dPooled: Tensor, weights: [Float], hiddenShape: [Int]) -> Tensor {
        let (b, t, h) = (hiddenShape[0], hiddenShape[1], hiddenShape[2])
        var dHidden = Tensor(zeros: hiddenShape)
        dPooled.withUnsafeBufferPointer { df in
            dHidden.withUnsafeMutableBufferPointer { dh in
                for example in 0..<b {
                    for position in 0..<t where weights[example * t + position] != 0 {
                        let weight = weights[example * t + position]
                        let target = dh.baseAddress! + (example * t + position) * h
                        for j in 0..<h { target[j] = weight * df[example * h + j] }
                    }
                }
            }
        }
        return dHidden
    }
}

/// Token classification: `logits[b, t] = W·h[b, t] + b` (`Dense(H → K)` on every token).
public final class TokenClassificationHead: @unchecked Sendable {
    /// The output layer `Dense(H → K)` (`classifier`), applied to every token.
    public let classifier: Dense

    /// A head for `classes` classes on hidden size H.
    public init(hiddenSize: Int, classes: Int, random: inout SeededRandom) {
        classifier = Dense(name: "classifier", inputSize: hiddenSize, outputSize: classes, random: &random)
    }

    /// The head's parameters.
    public var parameters: [Parameter] { classifier.parameters }

    /// `(B, T, K)` logits.
    public func forward(_ hidden: Tensor) throws -> Tensor { try classifier.forward(hidden) }

    /// Adds the head's gradients and returns the gradient with respect to the hidden states.
    public func backward(_ dLogits: Tensor, hidden: Tensor) throws -> Tensor { try classifier.backward(dLogits, input: hidden) }
}
