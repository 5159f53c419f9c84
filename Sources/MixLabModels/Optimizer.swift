import Foundation
import MixLabCore
import MixLabKernels

/// An optimiser: updates trainable parameters from their accumulated gradients.
///
/// Optimisers keep their per-parameter state (moments, velocities) by parameter name, so a checkpoint
/// can save and restore it (`state` / `loadState`) and a resumed run continues exactly.
public protocol Optimizer: AnyObject {
    /// Applies one update with learning rate `learningRate` (times each parameter's `learningRateScale`)
    /// to every trainable parameter.
    func step(_ parameters: [(name: String, parameter: Parameter)], learningRate: Float)
    /// Steps taken so far.
    var stepCount: Int { get }
    /// The state tensors by name (e.g. `fnet.pooler.dense.weight.exp_avg`), for checkpoints.
    var state: [String: Tensor] { get }
    /// Restores `state` (and the step count) saved from an optimiser of the same kind.
    func loadState(_ state: [String: Tensor], stepCount: Int) throws
}

/// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay
/// Regularization", ICLR 2019), PyTorch's `torch.optim.AdamW` update:
///
///     θ ← θ − lr·λ·θ
///     m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²
///     θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
///
/// Weight decay skips biases and LayerNorm parameters when `decayExclusions` says so (BERT's practice).
public final class AdamW: Optimizer {
    /// β₁ in [0, 1), the decay rate of the first-moment estimate m.
    public let beta1: Float
    /// β₂ in [0, 1), the decay rate of the second-moment estimate v.
    public let beta2: Float
    /// ε > 0, added to `√v̂` in the denominator.
    public let epsilon: Float
    /// λ ≥ 0, the decoupled weight decay: each step first scales θ by `1 − lr·λ`.
    public let weightDecay: Float
    /// Parameters whose name contains one of these are not decayed.
    public let decayExclusions: [String]
    /// Steps taken so far (t in the bias corrections `1 − βᵗ`).
    public private(set) var stepCount = 0
    private var firstMoments: [String: Tensor] = [:]
    private var secondMoments: [String: Tensor] = [:]

    /// An AdamW optimiser; LRA uses β = (0.9, 0.98), ε = 1e-9, λ = 0.1.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` for β outside [0, 1), ε ≤ 0 or λ < 0.
    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01,
                decayExclusions: [String] = ["bias", "LayerNorm"]) throws {
        for (name, value) in [("beta1", beta1), ("beta2", beta2)] where !(value >= 0 && value < 1) {
            throw MixLabError(.invalidConfigValue, what: "\(name) = \(value) is outside [0, 1)", location: "AdamW",
                              fix: "use values such as beta1 = 0.9, beta2 = 0.999")
        }
        guard epsilon > 0, weightDecay >= 0 else {
            throw MixLabError(.invalidConfigValue, what: "epsilon = \(epsilon), weight decay = \(weightDecay)", location: "AdamW",
                              fix: "use a positive epsilon (1e-8) and a weight decay of 0 or more")
        }
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decayExclusions = decayExclusions
    }

    /// Applies one AdamW update with learning rate `learningRate` (times each parameter's
    /// `learningRateScale`) to every trainable parameter.
    public func step(_ parameters: [(name: String, parameter: Parameter)], learningRate: Float) {
        stepCount += 1
        let correction1 = 1 - Float(pow(Double(beta1), Double(stepCount)))
        let correction2 = 1 - Float(pow(Double(beta2), Double(stepCount)))
        for (name, parameter) in parameters where parameter.isTrainable {
            let learningRate = learningRate * parameter.learningRateScale
            let decay = decayExclusions.contains(where: name.contains) ? 0 : learningRate * weightDecay
            // Taken out of the dictionaries while updated, so the tensors are not shared and are updated
            // in place instead of copied.
            var m = firstMoments.removeValue(forKey: name) ?? Tensor(zeros: parameter.value.shape)
            var v = secondMoments.removeValue(forKey: name) ?? Tensor(zeros: parameter.value.shape)
            let (b1, b2, eps) = (beta1, beta2, epsilon)
            parameter.gradient.withUnsafeBufferPointer { g in
                m.withUnsafeMutableBufferPointer { pm in
                    v.withUnsafeMutableBufferPointer { pv in
                        parameter.value.withUnsafeMutableBufferPointer { theta in
                            let count = theta.count
                            let (g, pm, pv, theta) = (g.baseAddress!, pm.baseAddress!, pv.baseAddress!, theta.baseAddress!)
                            Parallelism.forEachRange(of: count, minimumPerThread: Elementwise.grain) { range in
                                var i = range.lowerBound
                                // 16 lanes, the same operations in the same order as the scalar tail.
                                while i + 16 <= range.upperBound {
                                    let gi = FusedRows.load(g + i)
                                    var t = FusedRows.load(theta + i)
                                    t -= decay * t
                                    let mi = b1 * FusedRows.load(pm + i) + (1 - b1) * gi
                                    let vi = b2 * FusedRows.load(pv + i) + (1 - b2) * gi * gi
                                    t -= learningRate * (mi / correction1) / ((vi / correction2).squareRoot() + eps)
                                    FusedRows.store(mi, pm + i)
                                    FusedRows.store(vi, pv + i)
                                    FusedRows.store(t, theta + i)
                                    i += 16
                                }
                                while i < range.upperBound {
                                    theta[i] -= decay * theta[i]
                                    pm[i] = b1 * pm[i] + (1 - b1) * g[i]
                                    pv[i] = b2 * pv[i] + (1 - b2) * g[i] * g[i]
                                    theta[i] -= learningRate * (pm[i] / correction1) / ((pv[i] / correction2).squareRoot() + eps)
                                    i += 1
                                }
                            }
                        }
                    }
                }
            }
            firstMoments[name] = m
            secondMoments[name] = v
        }
    }

    /// The moments by parameter name: `NAME.exp_avg` (m) and `NAME.exp_avg_sq` (v), PyTorch's names.
    public var state: [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, m) in firstMoments { result[name + ".exp_avg"] = m }
        for (name, v) in secondMoments { result[name + ".exp_avg_sq"] = v }
        return result
    }

    /// Restores the moments from `state` (`.exp_avg` and `.exp_avg_sq` keys) and sets `stepCount`.
    ///
    /// - Throws: `MixLabError.invalidArgument` for a key of neither kind.
    public func loadState(_ state: [String: Tensor], stepCount: Int) throws {
        var first: [String: Tensor] = [:], second: [String: Tensor] = [:]
        for (key, value) in state {
            if key.hasSuffix(".exp_avg") { first[String(key.dropLast(".exp_avg".count))] = value }
            else if key.hasSuffix(".exp_avg_sq") { second[String(key.dropLast(".exp_avg_sq".count))] = value }
            else {
                throw MixLabError(.invalidArgument, what: "optimiser state '\(key)' is not AdamW state", location: "AdamW.loadState",
                                  fix: "resume with the optimiser the checkpoint was saved with")
            }
        }
        firstMoments = first
        secondMoments = second
        self.stepCount = stepCount
    }
}

/// Stochastic gradient descent with (heavy-ball) momentum, PyTorch's `torch.optim.SGD` update:
/// `b ← μb + g + λθ`, `θ ← θ − lr·b` (plain SGD when μ = 0).
public final class SGD: Optimizer {
    /// μ in [0, 1), the momentum of the velocity b (0: plain SGD).
    public let momentum: Float
    /// λ ≥ 0, the L2 term added to the gradient (`g + λθ`), as in PyTorch's SGD.
    public let weightDecay: Float
    /// Steps taken so far.
    public private(set) var stepCount = 0
    private var velocities: [String: Tensor] = [:]

    /// An SGD optimiser.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` for momentum outside [0, 1) or negative decay.
    public init(momentum: Float = 0.9, weightDecay: Float = 0) throws {
        guard momentum >= 0, momentum < 1, weightDecay >= 0 else {
            throw MixLabError(.invalidConfigValue, what: "momentum = \(momentum), weight decay = \(weightDecay)", location: "SGD",
                              fix: "use momentum in [0, 1) (0.9 is common) and a weight decay of 0 or more")
        }
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    /// Applies one SGD update with learning rate `learningRate` (times each parameter's
    /// `learningRateScale`) to every trainable parameter.
    public func step(_ parameters: [(name: String, parameter: Parameter)], learningRate: Float) {
        stepCount += 1
        for (name, parameter) in parameters where parameter.isTrainable {
            let learningRate = learningRate * parameter.learningRateScale
            var b = velocities.removeValue(forKey: name) ?? Tensor(zeros: parameter.value.shape)  // not shared: updated in place
            let (mu, decay) = (momentum, weightDecay)
            parameter.gradient.withUnsafeBufferPointer { g in
                b.withUnsafeMutableBufferPointer { pb in
                    parameter.value.withUnsafeMutableBufferPointer { theta in
                        for i in 0..<theta.count {
                            pb[i] = mu * pb[i] + g[i] + decay * theta[i]
                            theta[i] -= learningRate * pb[i]
                        }
                    }
                }
            }
            velocities[name] = b
        }
    }

    /// The velocities by parameter name: `NAME.momentum_buffer`, PyTorch's name.
    public var state: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: velocities.map { ($0.key + ".momentum_buffer", $0.value) })
    }

    /// Restores the velocities from `state` (`.momentum_buffer` keys) and sets `stepCount`.
    ///
    /// - Throws: `MixLabError.invalidArgument` for any other key.
    public func loadState(_ state: [String: Tensor], stepCount: Int) throws {
        var loaded: [String: Tensor] = [:]
        for (key, value) in state {
            guard key.hasSuffix(".momentum_buffer") else {
                throw MixLabError(.invalidArgument, what: "optimiser state '\(key)' is not SGD state", location: "SGD.loadState",
                                  fix: "resume with the optimiser the checkpoint was saved with")
            }
            loaded[String(key.dropLast(".momentum_buffer".count))] = value
        }
        velocities = loaded
        self.stepCount = stepCount
    }
}
