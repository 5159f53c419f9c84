// The example of the article "Writing a mixer" (Sources/MixLabMixers/MixLabMixers.docc/WritingAMixer.md).
// The lines between each `// article: begin …` and `// article: end` marker are one of the article's
// code blocks, character for character; `ArticleCodeTests` fails when the two differ.

// article: begin mixer
import MixLab

/// Causal exponential smoothing along the sequence: `y[t] = λ·y[t−1] + (1 − λ)·x[t]`, `y[−1] = 0`.
///
/// For each example and feature, `y = A·x` with the lower-triangular Toeplitz matrix
/// `A[t, s] = (1 − λ)·λ^(t−s)` for `s ≤ t` and 0 above the diagonal: token t sees tokens 0…t only.
/// The adjoint `Aᵀ` is upper-triangular, `(Aᵀ·g)[s] = (1 − λ)·Σ_{t ≥ s} λ^(t−s)·g[t]`: the same
/// recursion run from the last token backwards. The inverse is bidiagonal,
/// `x[t] = (y[t] − λ·y[t−1]) / (1 − λ)`, and differs from the adjoint.
///
/// - Complexity: O(B·T·C) time for `apply`, `applyAdjoint` and `inverse`; `A` is never formed.
/// - Conditioning: `‖A‖∞ < 1` and `‖A⁻¹‖∞ = (1 + λ)/(1 − λ)`, so the decay is capped at 0.99.
public final class CausalSmoothingMixer: FixedLinearMixer, InvertibleMixer, Sendable {
    /// The registry name.
    public static let name = "causal-smoothing"

    /// The decay λ ∈ [0, 0.99]; 0 is the identity.
    public let decay: Float
    /// Name, axes (sequence), linear, invertible, any length.
    public let descriptor: MixerDescriptor

    /// A mixer with decay `decay`.
    ///
    /// - Throws: `MixLabError.invalidArgument` when `decay` is not in [0, 0.99].
    public init(decay: Float = 0.9) throws {
        guard decay >= 0, decay <= 0.99 else {
            throw MixLabError(
                .invalidArgument, what: "decay \(decay) is not in [0, 0.99]", location: "mixer \(Self.name)",
                fix: "choose a decay from 0 (identity) to 0.99")
        }
        self.decay = decay
        descriptor = MixerDescriptor(
            name: Self.name, axes: .sequence, isLinear: true, isInvertible: true,
            configuration: ["decay": "\(decay)"])
    }

    /// `A·x`: the recursion from the first token forwards.
    public func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        let (batch, length, width) = (input.shape[0], input.shape[1], input.shape[2])
        let (lambda, gain) = (decay, 1 - decay)
        var output = Tensor(uninitialized: input.shape)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for b in 0..<batch {
                    for t in 0..<length {                                   // t = 0, 1, …, T − 1
                        let row = (b * length + t) * width
                        for c in 0..<width {
                            let previous = t > 0 ? y[row - width + c] : 0   // y[t − 1]
                            y[row + c] = lambda * previous + gain * x[row + c]
                        }
                    }
                }
            }
        }
        return output
    }

    /// `Aᵀ·g`: the same recursion from the last token backwards.
    public func applyAdjoint(_ gradient: Tensor) throws -> Tensor {
        try descriptor.validate(gradient)
        let (batch, length, width) = (gradient.shape[0], gradient.shape[1], gradient.shape[2])
        let (lambda, gain) = (decay, 1 - decay)
        var result = Tensor(uninitialized: gradient.shape)
        gradient.withUnsafeBufferPointer { g in
            result.withUnsafeMutableBufferPointer { r in
                for b in 0..<batch {
                    for t in stride(from: length - 1, through: 0, by: -1) { // t = T − 1, …, 1, 0
                        let row = (b * length + t) * width
                        for c in 0..<width {
                            let next = t < length - 1 ? r[row + width + c] : 0  // r[t + 1]
                            r[row + c] = lambda * next + gain * g[row + c]
                        }
                    }
                }
            }
        }
        return result
    }

    /// `A⁻¹·y`: `x[t] = (y[t] − λ·y[t−1]) / (1 − λ)`.
    public func inverse(_ output: Tensor) throws -> Tensor {
        try descriptor.validate(output)
        let (batch, length, width) = (output.shape[0], output.shape[1], output.shape[2])
        let (lambda, gain) = (decay, 1 - decay)
        var input = Tensor(uninitialized: output.shape)
        output.withUnsafeBufferPointer { y in
            input.withUnsafeMutableBufferPointer { x in
                for b in 0..<batch {
                    for t in 0..<length {
                        let row = (b * length + t) * width
                        for c in 0..<width {
                            let previous = t > 0 ? y[row - width + c] : 0
                            x[row + c] = (y[row + c] - lambda * previous) / gain
                        }
                    }
                }
            }
        }
        return input
    }

    /// The registry entry: `causal-smoothing` with the key `decay`.
    public static let registration = MixerRegistration(
        name: name,
        summary: "causal exponential smoothing y[t] = λ·y[t−1] + (1 − λ)·x[t] along the sequence",
        keys: [MixerConfigurationKey("decay", default: "0.9", allowed: "0…0.99", summary: "the decay λ (0: identity)")]
    ) { configuration, _ in
        let decay = try configuration.number("decay", default: 0.9, in: 0...0.99, mixer: name)
        return try CausalSmoothingMixer(decay: Float(decay))
    }
}
// article: end

// article: begin tests
import MixLabTestKit
import Testing

@Suite struct CausalSmoothingMixerTests {
    /// Shapes, length errors, determinism, batch independence, axis locality, linearity, the adjoint
    /// dot-product test, gradients against finite differences, the inverse round trip.
    @Test func passesTheConformanceKit() {
        for decay: Float in [0, 0.5, 0.9, 0.99] {
            let report = MixerConformance.check { _, _ in try CausalSmoothingMixer(decay: decay) }
            #expect(report.passed, "\(report)")
        }
    }

    /// Registered by name in a registry of its own, with a setting, built and checked through it.
    @Test func passesTheKitByName() throws {
        let registry = MixerRegistry()
        try registry.register(CausalSmoothingMixer.registration)
        let report = MixerConformance.check { _, _ in
            try registry.make("causal-smoothing", configuration: MixerConfiguration(["decay": "0.7"]))
        }
        #expect(report.passed, "\(report)")
        #expect(throws: MixLabError.self) {
            try registry.make("causal-smoothing", configuration: MixerConfiguration(["decay": "1.5"]))
        }
    }

    /// Output t depends on inputs 0…t only.
    @Test func isCausal() throws {
        let mixer = try CausalSmoothingMixer(decay: 0.8)
        var random = SeededRandom(seed: 1)
        var x = Tensor.normal([1, 6, 2], using: &random)
        let before = try mixer.apply(x)
        x[0, 3, 1] += 1
        let after = try mixer.apply(x)
        for t in 0..<6 {
            #expect((before[0, t, 1] == after[0, t, 1]) == (t < 3), "position \(t)")
            #expect(before[0, t, 0] == after[0, t, 0])
        }
    }

    /// Running the adjoint forwards (reusing `apply`, right only for a symmetric `A`) computes `A·g`
    /// instead of `Aᵀ·g`: the kit's adjoint dot-product test reports it.
    @Test func catchesAnAdjointRunForwards() {
        final class ForwardAdjoint: FixedLinearMixer, Sendable {
            let mixer: CausalSmoothingMixer
            var descriptor: MixerDescriptor { mixer.descriptor }
            init() throws { mixer = try CausalSmoothingMixer(decay: 0.5) }
            func apply(_ input: Tensor) throws -> Tensor { try mixer.apply(input) }
            func applyAdjoint(_ gradient: Tensor) throws -> Tensor { try mixer.apply(gradient) }
        }
        let report = MixerConformance.check { _, _ in try ForwardAdjoint() }
        #expect(report.failed(.adjoint), "\(report)")
    }
}
// article: end
