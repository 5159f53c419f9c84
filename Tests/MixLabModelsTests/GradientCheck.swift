import MixLabCore

/// Central finite differences (with Richardson extrapolation) of a scalar function along random
/// directions, for gradient tests.
struct GradientCheck {
    var random: SeededRandom
    let step: Float

    init(seed: UInt64 = 7, step: Float = 1e-2) {
        random = SeededRandom(seed: seed)
        self.step = step
    }

    /// The worst relative error of `⟨analytic, d⟩` against the extrapolated central difference over
    /// directions, ignoring disagreement within the difference's Float32 rounding noise.
    mutating func worstError(at value: Tensor, analytic: Tensor, directions: Int = 3, _ f: (Tensor) throws -> Double) rethrows -> Double {
        var worst = 0.0
        for _ in 0..<directions {
            let d = Tensor.normal(value.shape, using: &random)
            // Richardson extrapolation of two central differences: error O(ε⁴) instead of O(ε²).
            let (plus, minus) = (try f(value + step * d), try f(value - step * d))
            let half = step / 2
            let (halfPlus, halfMinus) = (try f(value + half * d), try f(value - half * d))
            let wide = (plus - minus) / (2 * Double(step))
            let narrow = (halfPlus - halfMinus) / (2 * Double(half))
            let numeric = (4 * narrow - wide) / 3
            // Float32 evaluations carry a few ulp of relative error, which the quotient divides by the step.
            let noise = 16 * Double(Float.ulpOfOne) * max(abs(plus), abs(minus), abs(halfPlus), abs(halfMinus)) / Double(step)
            let exact = analytic.dot(d)
            let error = max(0, abs(numeric - exact) - noise) / max(abs(numeric), abs(exact), analytic.norm * d.norm * 1e-3, 1e-9)
            worst = max(worst, error)
        }
        return worst
    }

    /// Checks a parameter: perturbs its value in place and restores it.
    mutating func worstError(of parameter: Parameter, directions: Int = 2, _ loss: () throws -> Double) rethrows -> Double {
        let original = parameter.value
        defer { parameter.value = original }
        return try worstError(at: original, analytic: parameter.gradient, directions: directions) { value in
            parameter.value = value
            return try loss()
        }
    }
}
