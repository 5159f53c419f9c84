import Foundation
import MixLabCore

/// The learning rate as a function of the step (1-based), with warm-up.
public enum LearningRateSchedule: Sendable, Equatable {
    /// `peak` at every step.
    case constant(peak: Float)
    /// Linear warm-up from 0 to `peak` over `warmup` steps, then linear decay to 0 at `total`.
    case linear(peak: Float, warmup: Int, total: Int)
    /// Linear warm-up, then half a cosine from `peak` down to 0 at `total`.
    case cosine(peak: Float, warmup: Int, total: Int)
    /// LRA's schedule: `peak · min(1, step/warmup) · rsqrt(max(step, warmup)/warmup)` — linear warm-up,
    /// then decay as 1/√step (LRA's `constant * linear_warmup * rsqrt_decay` with `base = peak`).
    case reciprocalSquareRoot(peak: Float, warmup: Int)

    /// The learning rate at `step` (1-based).
    public func rate(at step: Int) -> Float {
        let s = Float(max(step, 1))
        switch self {
        case .constant(let peak):
            return peak
        case .linear(let peak, let warmup, let total):
            if step <= warmup { return peak * s / Float(max(warmup, 1)) }
            return peak * max(0, Float(total - step) / Float(max(total - warmup, 1)))
        case .cosine(let peak, let warmup, let total):
            if step <= warmup { return peak * s / Float(max(warmup, 1)) }
            let progress = min(1, Float(step - warmup) / Float(max(total - warmup, 1)))
            return peak * 0.5 * (1 + Float(cos(Double.pi * Double(progress))))
        case .reciprocalSquareRoot(let peak, let warmup):
            let w = Float(max(warmup, 1))
            return peak * min(1, s / w) / (max(s, w) / w).squareRoot()
        }
    }

    /// Checks the numbers: a positive finite peak, warm-up ≥ 0, total > warm-up.
    public func validate() throws {
        let (peak, warmup, total): (Float, Int, Int?)
        switch self {
        case .constant(let p): (peak, warmup, total) = (p, 0, nil)
        case .linear(let p, let w, let t), .cosine(let p, let w, let t): (peak, warmup, total) = (p, w, t)
        case .reciprocalSquareRoot(let p, let w): (peak, warmup, total) = (p, w, nil)
        }
        guard peak > 0, peak.isFinite else {
            throw MixLabError(.invalidConfigValue, what: "learning rate \(peak) must be a positive number",
                              location: "learning-rate schedule", fix: "use e.g. 1e-4 (Adam) or 0.1 (SGD)")
        }
        guard warmup >= 0 else {
            throw MixLabError(.invalidConfigValue, what: "warm-up \(warmup) is negative", location: "learning-rate schedule",
                              fix: "use 0 or more warm-up steps")
        }
        if let total, total <= warmup {
            throw MixLabError(.invalidConfigValue, what: "total steps \(total) must exceed the warm-up (\(warmup))",
                              location: "learning-rate schedule", fix: "raise the total or shorten the warm-up")
        }
    }
}

/// Scales all gradients so that their global L2 norm is at most `maxNorm` (PyTorch's
/// `clip_grad_norm_`); returns the norm before clipping. A non-finite norm is returned as is and
/// nothing is scaled (the caller decides what to do with a NaN step).
@discardableResult
public func clipGradients(_ parameters: [(name: String, parameter: Parameter)], maxNorm: Float) -> Float {
    var sum = 0.0
    for (_, parameter) in parameters { sum += parameter.gradient.dot(parameter.gradient) }
    let norm = Float(sum.squareRoot())
    guard norm.isFinite, norm > maxNorm, norm > 0 else { return norm }
    let scale = maxNorm / (norm + 1e-6)
    for (_, parameter) in parameters {
        parameter.gradient.withUnsafeMutableBufferPointer { g in
            for i in 0..<g.count { g[i] *= scale }
        }
    }
    return norm
}
