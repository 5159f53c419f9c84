import MixLabCore

/// What a mixer is: its registry name, the axes it mixes, whether it is linear or invertible, and the
/// lengths it accepts.
public struct MixerDescriptor: Sendable, Equatable {
    /// The registry name, e.g. `fourier`.
    public var name: String
    /// The axes the mixer may mix; outputs must not depend on inputs outside them.
    public var axes: MixingAxes
    /// Whether `forward` is linear in the input (then `backward` is the adjoint and is checked as such).
    public var isLinear: Bool
    /// Whether the mixer conforms to `InvertibleMixer`.
    public var isInvertible: Bool
    /// The sequence lengths T the mixer accepts.
    public var sequenceLength: LengthRequirement
    /// The hidden sizes C the mixer accepts.
    public var hiddenSize: LengthRequirement
    /// The resolved configuration, as `key=value` strings, for run records and tables.
    public var configuration: [String: String]

    /// A descriptor from its parts.
    public init(
        name: String, axes: MixingAxes, isLinear: Bool, isInvertible: Bool = false,
        sequenceLength: LengthRequirement = .any, hiddenSize: LengthRequirement = .any,
        configuration: [String: String] = [:]
    ) {
        self.name = name
        self.axes = axes
        self.isLinear = isLinear
        self.isInvertible = isInvertible
        self.sequenceLength = sequenceLength
        self.hiddenSize = hiddenSize
        self.configuration = configuration
    }

    /// `name(key=value, …)` with keys sorted.
    public var summary: String {
        let settings = configuration.keys.sorted().map { "\($0)=\(configuration[$0]!)" }.joined(separator: ", ")
        return settings.isEmpty ? name : "\(name)(\(settings))"
    }

    /// Checks that `input` is `(B, T, C)` with lengths this mixer accepts, and finite when asked.
    ///
    /// - Throws: `MixLabError` (`shapeMismatch`, `unsupportedLength` or `nonFiniteValue`) naming the mixer.
    public func validate(_ input: Tensor, checksFinite: Bool = false) throws {
        guard input.rank == 3 else {
            throw MixLabError.shapeMismatch(
                expected: "(B, T, C)", found: input.shape, location: "\(summary) input",
                fix: "pass activations of rank 3: batch, sequence, hidden (reshape a single example to [1, T, C])")
        }
        try sequenceLength.check(input.shape[1], axis: "sequence length T", mixer: summary)
        try hiddenSize.check(input.shape[2], axis: "hidden size C", mixer: summary)
        if checksFinite, let index = input.firstNonFiniteIndex() {
            throw MixLabError(
                .nonFiniteValue,
                what: "the input holds \(input[index[0], index[1], index[2]]) at [b, t, c] = \(Shape.describe(index))",
                location: "\(summary) input",
                fix: "find where the NaN or infinity comes from (a learning rate too high, a log of zero, "
                    + "unscaled data) or clean the input before mixing")
        }
    }
}
