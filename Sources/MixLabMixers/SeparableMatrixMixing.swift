import MixLabCore
import MixLabKernels

/// What the matrix mixers (`linear`, `random`, `learned-basis`) share: `Y_b = A·X_b·Bᵀ` with a T×T
/// matrix `A` and/or a C×C matrix `B`, computed by `SeparableMatrixProduct`.
///
/// Internal: it holds the argument checks, the forward/backward plumbing of the learned variants and
/// the dense Double reference, so each mixer file only says where its matrices come from.
enum SeparableMatrixMixing {
    /// The length a T×T or C×C matrix needs, from the build context.
    ///
    /// - Throws: `MixLabError.invalidArgument` naming the mixer and saying how to pass the length.
    static func requiredLength(_ length: Int?, axis: String, symbol: String, mixer: String, axes: MixingAxes) throws -> Int {
        guard let length else {
            let other = axis == "sequence" ? "hidden" : "sequence"
            throw MixLabError(
                .invalidArgument,
                what: "mixer '\(mixer)' with axes=\(axes.rawValue) needs the \(axis) length \(symbol) to size its "
                    + "\(symbol)×\(symbol) matrix, but none was given",
                location: "mixer \(mixer)",
                fix: "pass MixerBuildContext(sequenceLength: T, hiddenSize: C) when making it (the encoder and "
                    + "`mixlab bench mixer --shape B,T,C` do), or use axes=\(other) if only that axis should be mixed")
        }
        guard length >= 1 else {
            throw MixLabError(
                .invalidArgument, what: "\(axis) length \(symbol) = \(length) is below 1", location: "mixer \(mixer)",
                fix: "pass a \(axis) length of 1 or more")
        }
        return length
    }

    /// The lengths of the mixed axes: `(T, C)` from the build context, nil for an axis that is not
    /// mixed, each checked by `requiredLength`.
    static func mixedLengths(
        sequenceLength: Int?, hiddenSize: Int?, axes: MixingAxes, mixer: String
    ) throws -> (t: Int?, c: Int?) {
        let t = axes.includesSequence
            ? try requiredLength(sequenceLength, axis: "sequence", symbol: "T", mixer: mixer, axes: axes) : nil
        let c = axes.includesHidden
            ? try requiredLength(hiddenSize, axis: "hidden", symbol: "C", mixer: mixer, axes: axes) : nil
        return (t, c)
    }

    /// The resolved settings for the descriptor: `axes`, `seed` when the caller derived the generator from
    /// one, and the mixer's own `settings`.
    static func configuration(axes: MixingAxes, seed: Int?, _ settings: [String: String] = [:]) -> [String: String] {
        var configuration = settings
        configuration["axes"] = axes.rawValue
        if let seed { configuration["seed"] = String(seed) }
        return configuration
    }

    /// The descriptor of a matrix mixer: linear, exactly T (C) on a mixed sequence (hidden) axis.
    static func descriptor(name: String, axes: MixingAxes, t: Int?, c: Int?, configuration: [String: String]) -> MixerDescriptor {
        MixerDescriptor(
            name: name, axes: axes, isLinear: true, sequenceLength: requirement(t), hiddenSize: requirement(c),
            configuration: configuration)
    }

    /// The registry's `seed` key: a number, or `layer` (the default) for the build context's generator.
    static func seedKey(summary: String) -> MixerConfigurationKey {
        MixerConfigurationKey("seed", default: "layer", allowed: "0…2^63−1", summary: summary)
    }

    /// The base generator: `SeededRandom(seed:)` when the `seed` key is set to a number, else (absent or
    /// `layer`, the documented default) the build context's.
    static func random(_ configuration: MixerConfiguration, context: MixerBuildContext, mixer: String) throws -> (SeededRandom, seed: Int?) {
        guard let text = configuration.values["seed"], text != "layer" else { return (context.random, nil) }
        let seed = try configuration.integer("seed", default: 0, in: 0...Int.max, mixer: mixer)
        return (SeededRandom(seed: UInt64(seed)), seed)
    }

    /// The product for an input of shape `(B, T, C)` (already validated).
    static func product(for input: Tensor, axes: MixingAxes, mixer: String) throws -> SeparableMatrixProduct {
        try SeparableMatrixProduct(sequenceLength: input.shape[1], hiddenSize: input.shape[2], axes: axes, user: "mixer \(mixer)")
    }

    /// The value of `parameter`, checked to be n×n (a user may have assigned another shape).
    static func matrix(_ parameter: Parameter?, size n: Int, descriptor: MixerDescriptor) throws -> Tensor? {
        guard let parameter else { return nil }
        guard parameter.value.shape == [n, n] else {
            throw MixLabError.shapeMismatch(
                expected: "[\(n), \(n)]", found: parameter.value.shape, location: "\(descriptor.summary) parameter \(parameter.name)",
                fix: "assign values of shape [\(n), \(n)] (use Parameter.load, which checks the shape)")
        }
        return parameter.value
    }

    /// The forward pass of a learned mixer: validate, multiply, keep the input, the matrices and `X·Bᵀ`.
    static func forward(
        _ input: Tensor, context: MixerContext, descriptor: MixerDescriptor, sequence: Parameter?, hidden: Parameter?
    ) throws -> (output: Tensor, residuals: MixerResiduals) {
        try descriptor.validate(input, checksFinite: context.checksFiniteInput)
        let product = try product(for: input, axes: descriptor.axes, mixer: descriptor.name)
        let a = try matrix(sequence, size: input.shape[1], descriptor: descriptor)
        let b = try matrix(hidden, size: input.shape[2], descriptor: descriptor)
        let (output, saved) = product.forward(input, sequenceMatrix: a, hiddenMatrix: b)
        return (output, MixerResiduals(saved.tensors))
    }

    /// The backward pass of a learned mixer: the input gradient, with `dA`, `dB` added into the parameters.
    static func backward(
        _ outputGradient: Tensor, residuals: MixerResiduals, descriptor: MixerDescriptor, sequence: Parameter?, hidden: Parameter?
    ) throws -> Tensor {
        let input = residuals.tensors.first
        guard let input, input.rank == 3 else {
            throw MixLabError(
                .invalidArgument, what: "the residuals do not come from a forward pass of this mixer",
                location: "\(descriptor.summary) backward", fix: "pass the residuals returned by forward")
        }
        guard outputGradient.shape == input.shape else {
            throw MixLabError.shapeMismatch(
                expected: Shape.describe(input.shape), found: outputGradient.shape,
                location: "\(descriptor.summary) backward (output gradient)",
                fix: "pass the gradient of the forward output, which has the input's shape")
        }
        let product = try product(for: input, axes: descriptor.axes, mixer: descriptor.name)
        guard let saved = SeparableMatrixProduct.Saved(tensors: residuals.tensors, for: product) else {
            throw MixLabError(
                .invalidArgument, what: "the residuals do not come from a forward pass of this mixer",
                location: "\(descriptor.summary) backward", fix: "pass the residuals returned by forward")
        }
        for (parameter, n) in [(sequence, input.shape[1]), (hidden, input.shape[2])] {
            if let parameter, parameter.gradient.shape != [n, n] {
                throw MixLabError.shapeMismatch(
                    expected: "[\(n), \(n)]", found: parameter.gradient.shape,
                    location: "\(descriptor.summary) parameter \(parameter.name) gradient",
                    fix: "reset the gradient with zeroGradient() after giving the parameter a new shape")
            }
        }
        return product.backward(outputGradient, saved: saved, sequenceGradient: sequence, hiddenGradient: hidden)
    }

    /// `A·X_b·Bᵀ` in Double for the current matrices (each rounded Float value taken exactly).
    static func denseReference(_ input: Tensor, sequenceMatrix a: Tensor?, hiddenMatrix b: Tensor?) -> [Double] {
        DenseReference.separableProduct(
            input.values.map(Double.init), shape: input.shape,
            sequenceMatrix: a.map { $0.values.map(Double.init) }, hiddenMatrix: b.map { $0.values.map(Double.init) })
    }

    /// The length requirement for one axis: exactly n when that axis is mixed, any otherwise.
    static func requirement(_ n: Int?) -> LengthRequirement {
        n.map { .exactly($0) } ?? .any
    }
}
