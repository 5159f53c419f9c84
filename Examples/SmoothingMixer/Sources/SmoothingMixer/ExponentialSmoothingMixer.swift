import Foundation
import MixLab

/// Two-sided exponential smoothing along the sequence, with a decay learned per feature.
///
/// For each example and feature `c`, with decay `λ = σ(θ_c) ∈ (0, 1)`:
///
///     y[t] = (1 − λ)/(1 + λ) · Σ_s λ^|t−s| · x[s]
///
/// that is `y = s(λ)·K(λ)·x` with the symmetric Toeplitz matrix `K[t, s] = λ^|t−s|` (the Kac–Murdock–Szegő
/// matrix: the correlation matrix of an AR(1) process) and `s(λ) = (1 − λ)/(1 + λ)`, the gain that makes
/// the kernel sum to 1 on an infinite sequence. Its frequency response is the Poisson kernel
/// `(1 − λ)² / (1 − 2λ·cos ω + λ²)`: a low-pass filter whose bandwidth each feature learns, from the
/// identity (λ → 0) towards the mean over the sequence (λ → 1). Unlike FNet's Fourier mixing it does not
/// wrap around: the first and the last token are far apart.
///
/// - Algorithm: a causal scan `f[t] = λ·f[t−1] + x[t]` and an anti-causal scan `b[t] = λ·b[t+1] + x[t]`
///   give `K·x = f + b − x`, in O(B·T·C) time without forming `K`.
/// - Backward: `K` is symmetric, so `∂ℓ/∂x = s·K·g`. For the decay, `∂(K·x)/∂λ = f′ + b′` with
///   `f′[t] = λ·f′[t−1] + f[t−1]` and `b′[t] = λ·b′[t+1] + b[t+1]`, so
///   `∂ℓ/∂λ = Σ_{b,t} g[t]·(s′·(K·x)[t] + s·(f′ + b′)[t])` with `s′ = −2/(1 + λ)²`, and
///   `∂ℓ/∂θ = λ(1 − λ)·∂ℓ/∂λ` (added into the gradient, summed in Double).
/// - Inverse: `K⁻¹ = tridiag(−λ, [1, 1 + λ², …, 1 + λ², 1], −λ) / (1 − λ²)` (T ≥ 2), so `x = K⁻¹·y / s` costs
///   O(T) per feature. `K`'s condition number grows like `((1 + λ)/(1 − λ))²` as λ → 1.
/// - Parameters: `decay_logit` θ, shape `[C]`. Feature `c` starts with the decay length
///   `τ_c = timescale^(c/(C−1))` tokens (log-spaced from 1 to `timescale`), `λ_c = exp(−1/τ_c)`.
/// - Lengths: any T; exactly the C it was built for.
///
/// References: M. Kac, W. L. Murdock, G. Szegő, "On the eigen-values of certain Hermitian forms", J.
/// Rational Mech. Anal. 2 (1953); X. Ma et al., "Mega: Moving Average Equipped Gated Attention", ICLR 2023
/// (a learned damped EMA as a token mixer); J. Lee-Thorp et al., "FNet: Mixing Tokens with Fourier
/// Transforms", NAACL 2022.
public final class ExponentialSmoothingMixer: TokenMixer, InvertibleMixer, DenseReferenceProviding, @unchecked Sendable {
    /// The registry name.
    public static let name = "exponential-smoothing"

    /// The hidden size C the decays were built for.
    public let hiddenSize: Int
    /// Name, axes (sequence), linearity, invertibility and accepted lengths.
    public let descriptor: MixerDescriptor
    /// θ, shape `[C]`: the decay of feature `c` is `σ(θ_c)`.
    public let decayLogit: Parameter

    /// `decay_logit`.
    public var parameters: [Parameter] { [decayLogit] }

    /// A mixer for hidden size `hiddenSize` whose initial decay lengths run from 1 to `timescale` tokens.
    ///
    /// - Throws: `MixLabError.invalidArgument` when `hiddenSize < 1` or `timescale < 1`.
    public init(hiddenSize: Int, timescale: Double = 16) throws {
        guard hiddenSize >= 1, timescale >= 1, timescale.isFinite else {
            throw MixLabError(
                .invalidArgument, what: "cannot build for hidden size \(hiddenSize) and timescale \(timescale)",
                location: "mixer \(Self.name)", fix: "pass a hidden size of 1 or more and a timescale of 1 or more")
        }
        self.hiddenSize = hiddenSize
        descriptor = MixerDescriptor(
            name: Self.name, axes: .sequence, isLinear: true, isInvertible: true, hiddenSize: .exactly(hiddenSize),
            configuration: ["timescale": timescale == timescale.rounded() ? String(Int(timescale)) : String(timescale)])
        let logits = (0..<hiddenSize).map { c -> Float in
            let length = pow(timescale, Double(c) / Double(max(hiddenSize - 1, 1)))
            let decay = exp(-1 / length)
            return Float(log(decay / (1 - decay)))
        }
        decayLogit = Parameter(name: "decay_logit", value: try Tensor(shape: [hiddenSize], values: logits))
    }

    /// `λ_c = σ(θ_c)` from the current parameter value.
    private func decays() throws -> [Float] {
        guard decayLogit.value.shape == [hiddenSize] else {
            throw MixLabError.shapeMismatch(
                expected: "[\(hiddenSize)]", found: decayLogit.value.shape,
                location: "\(descriptor.summary) parameter decay_logit", fix: "assign one logit per feature")
        }
        return decayLogit.value.values.map { 1 / (1 + exp(-$0)) }
    }

    /// `y = s·K·x` for every example; applies `K` to `input` with decays `λ` (also the input gradient).
    private static func smooth(_ input: Tensor, _ decay: [Float]) -> Tensor {
        let (batch, t, c) = (input.shape[0], input.shape[1], input.shape[2])
        var output = Tensor(uninitialized: input.shape)
        let gain = decay.map { (1 - $0) / (1 + $0) }
        var backward = [Float](repeating: 0, count: c)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for b in 0..<batch {
                    let base = b * t * c
                    for j in 0..<c { y[base + j] = x[base + j] }  // f[0] = x[0]
                    for i in 1..<max(t, 1) {
                        for j in 0..<c { y[base + i * c + j] = decay[j] * y[base + (i - 1) * c + j] + x[base + i * c + j] }
                    }
                    for j in 0..<c { backward[j] = 0 }
                    for i in stride(from: t - 1, through: 0, by: -1) {
                        for j in 0..<c {
                            let k = base + i * c + j
                            backward[j] = decay[j] * backward[j] + x[k]  // b[i]
                            y[k] = gain[j] * (y[k] + backward[j] - x[k])
                        }
                    }
                }
            }
        }
        return output
    }

    /// `s·K·x`; keeps the input and the decays for backward.
    public func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals) {
        try descriptor.validate(input, checksFinite: context.checksFiniteInput)
        let decay = try decays()
        return (Self.smooth(input, decay), MixerResiduals([input, try Tensor(shape: [decay.count], values: decay)]))
    }

    /// `s·K·g`; adds `∂ℓ/∂θ` into `decay_logit`'s gradient.
    public func backward(_ outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor {
        guard residuals.tensors.count == 2, residuals.tensors[0].shape == outputGradient.shape else {
            throw MixLabError(
                .invalidArgument, what: "the output gradient \(Shape.describe(outputGradient.shape)) does not match the residuals",
                location: "\(descriptor.summary) backward", fix: "pass the residuals of the forward pass that made this output")
        }
        try descriptor.validate(outputGradient)
        let (input, decay) = (residuals.tensors[0], residuals.tensors[1].values)
        let (batch, t, c) = (input.shape[0], input.shape[1], input.shape[2])
        var decayGradient = [Double](repeating: 0, count: c)
        var f = [Float](repeating: 0, count: t * c), fPrime = f
        var b = [Float](repeating: 0, count: c), bPrime = b
        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { g in
                for example in 0..<batch {
                    let base = example * t * c
                    for i in 0..<t {
                        for j in 0..<c {
                            let previous = i > 0 ? f[(i - 1) * c + j] : 0
                            fPrime[i * c + j] = i > 0 ? decay[j] * fPrime[(i - 1) * c + j] + previous : 0
                            f[i * c + j] = decay[j] * previous + x[base + i * c + j]
                        }
                    }
                    for j in 0..<c { (b[j], bPrime[j]) = (0, 0) }
                    for i in stride(from: t - 1, through: 0, by: -1) {
                        for j in 0..<c {
                            let (k, lambda) = (i * c + j, decay[j])
                            bPrime[j] = lambda * bPrime[j] + b[j]  // b′[i] from b[i+1]
                            b[j] = lambda * b[j] + x[base + k]
                            let gain = (1 - lambda) / (1 + lambda), gainPrime = -2 / ((1 + lambda) * (1 + lambda))
                            let smoothed = f[k] + b[j] - x[base + k]
                            decayGradient[j] += Double(g[base + k]) * Double(gainPrime * smoothed + gain * (fPrime[k] + bPrime[j]))
                        }
                    }
                }
            }
        }
        decayLogit.gradient.withUnsafeMutableBufferPointer { gradient in
            for j in 0..<c { gradient[j] += Float(decayGradient[j] * Double(decay[j] * (1 - decay[j]))) }
        }
        return Self.smooth(outputGradient, decay)
    }

    /// `x = K⁻¹·y / s`, with the tridiagonal `K⁻¹`.
    public func inverse(_ output: Tensor) throws -> Tensor {
        try descriptor.validate(output)
        let decay = try decays()
        let (batch, t, c) = (output.shape[0], output.shape[1], output.shape[2])
        var input = Tensor(uninitialized: output.shape)
        output.withUnsafeBufferPointer { y in
            input.withUnsafeMutableBufferPointer { x in
                for k in 0..<(batch * t * c) {
                    let (i, j) = ((k / c) % t, k % c)
                    let lambda = Double(decay[j])
                    var value = Double(y[k])  // K = [1] when T = 1
                    if t > 1 {
                        let diagonal = (i == 0 || i == t - 1) ? 1 : 1 + lambda * lambda
                        value *= diagonal
                        if i > 0 { value -= lambda * Double(y[k - c]) }
                        if i < t - 1 { value -= lambda * Double(y[k + c]) }
                        value /= 1 - lambda * lambda
                    }
                    x[k] = Float(value * (1 + lambda) / (1 - lambda))
                }
            }
        }
        return input
    }

    /// `Σ_s s·λ^|t−s|·x[s]` by explicit sums in Double: O(B·T²·C).
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        let decay = try decays().map(Double.init)
        let (batch, t, c) = (input.shape[0], input.shape[1], input.shape[2])
        let x = input.values
        return (0..<(batch * t * c)).map { k in
            let (example, i, j) = (k / (t * c), (k / c) % t, k % c)
            let sum = (0..<t).reduce(0.0) { $0 + pow(decay[j], Double(abs(i - $1))) * Double(x[(example * t + $1) * c + j]) }
            return (1 - decay[j]) / (1 + decay[j]) * sum
        }
    }

    /// The registry entry: `exponential-smoothing` with the key `timescale`; C comes from the build context.
    public static let registration = MixerRegistration(
        name: name,
        summary: "two-sided exponential smoothing λ^|t−s| along the sequence, decay learned per feature (needs C)",
        keys: [MixerConfigurationKey("timescale", default: "16", allowed: "1…1e6", summary: "longest initial decay length (tokens)")]
    ) { configuration, context in
        guard let hiddenSize = context.hiddenSize else {
            throw MixLabError(
                .invalidArgument, what: "\(name) needs the hidden size C, and the build context has none",
                location: "mixer \(name)", fix: "pass MixerBuildContext(hiddenSize: C) (the encoder and `mixlab bench` do)")
        }
        let timescale = try configuration.number("timescale", default: 16, in: 1...1e6, mixer: name)
        return try ExponentialSmoothingMixer(hiddenSize: hiddenSize, timescale: timescale)
    }
}

