import MixLabCore

/// What a factory knows about where its mixer will be used.
public struct MixerBuildContext: Sendable {
    /// The sequence length T of the model (learned T×T mixers need it), if known.
    public var sequenceLength: Int?
    /// The hidden size C of the model, if known.
    public var hiddenSize: Int?
    /// The source of randomness for initialisation (derive per layer).
    public var random: SeededRandom

    /// A build context; leave a length nil when the caller does not know it (mixers that need it throw).
    public init(sequenceLength: Int? = nil, hiddenSize: Int? = nil, random: SeededRandom = SeededRandom(seed: 0)) {
        self.sequenceLength = sequenceLength
        self.hiddenSize = hiddenSize
        self.random = random
    }
}
