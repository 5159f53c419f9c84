import MixLabCore

/// Central finite differences of a scalar function along random directions, for gradient tests.
struct GradientCheck {
    var random: SeededRandom
    let step: Float
    let tolerance: Double

    init(seed: UInt64 = 7, step: Float = 1e-2, tolerance: Double = 2e-2) {
        random = SeededRandom(seed: seed)
        self.step = step
        self.tolerance = tolerance
    }

    /// The worst relative error of `⟨analytic, d⟩` against `(f(x + εd) − f(x − εd)) / 2ε` over directions.
    mutating func worstError(at value: Tensor, analytic: Tensor, directions: Int = 3, _ f: (Tensor) throws -> Double) rethrows -> Double {
        var worst = 0.0
        for _ in 0..<directions {
            let d = Tensor.normal(value.shape, using: &random)
            let numeric = (try f(value + step * d) - f(value - step * d)) / (2 * Double(step))
            let exact = analytic.dot(d)
            let error = abs(numeric - exact) / max(abs(numeric), abs(exact), analytic.norm * d.norm * 1e-3, 1e-9)
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
