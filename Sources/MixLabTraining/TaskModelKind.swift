import MixLabCore
import MixLabMixers
import MixLabModels
import MixLabTasks

/// Which model the trainer builds for a task, decided from the task's labels and vocabulary alone.
///
/// - A **sequence** task (one label per example) gets a `SequenceClassifier`: the encoder, the pooling of
///   `pooling=` (`mean` over real tokens, or `first` with FNet's tanh pooler), and `Dense(H → K)`.
/// - A **token** task whose classes are the vocabulary (`classes == vocabulary.size`) and whose
///   vocabulary has a mask id is **masked-language modelling**: it gets a `MaskedLanguageModel`, FNet's
///   pre-training head with the decoder tied to the word embeddings (the labels are token ids, so the
///   output layer shares the input table, as FNet and BERT do). The task masks the inputs itself.
/// - Any other **token** task gets a `TokenClassifier`: `Dense(H → K)` on every token.
/// - A **pair** task (one label per pair of sequences) gets a `PairClassifier`: one shared encoder over
///   both sequences, the pooling of `pooling=` on each, `[u, v, u ⊙ v, u − v]` and an MLP (LRA's dual
///   encoder).
///
/// Every model is initialised from the run's `seed`; the encoder's initialisation is the same for all
/// three, so a sequence and a token model with the same seed start from the same encoder.
public enum TaskModelKind: String, Sendable, Codable, CaseIterable {
    /// `SequenceClassifier`: one class per example.
    case sequenceClassifier = "sequence-classifier"
    /// `TokenClassifier`: one class per token.
    case tokenClassifier = "token-classifier"
    /// `MaskedLanguageModel`: the original token at masked positions, decoder tied to the embeddings.
    case maskedLanguageModel = "masked-language-model"
    /// `PairClassifier`: one class per pair of sequences, a two-tower model with one shared encoder.
    case pairClassifier = "pair-classifier"

    /// The model kind for `task` (see the type's documentation).
    public static func choose(for task: any LearningTask) -> TaskModelKind {
        switch task.labelKind {
        case .sequence:
            return .sequenceClassifier
        case .pair:
            return .pairClassifier
        case .token:
            let predictsTokens = task.classes == task.vocabulary.size && task.vocabulary.mask != nil
            return predictsTokens ? .maskedLanguageModel : .tokenClassifier
        }
    }

    /// Builds the model of this kind for `task` with the run's sizes, pooling, label smoothing and seed.
    ///
    /// - Throws: the encoder configuration's errors (unknown mixer or mixer setting, bad sizes).
    public func makeModel(
        for task: any LearningTask, configuration: RunConfiguration, registry: MixerRegistry = .shared
    ) throws -> any TaskModel {
        let encoder = try configuration.encoderConfiguration(for: task, registry: registry)
        let length = task.sequenceLength
        switch self {
        case .sequenceClassifier:
            return try SequenceClassifier(
                encoder, classes: task.classes, pooling: configuration.pooling, sequenceLength: length,
                labelSmoothing: configuration.labelSmoothing, seed: configuration.seed, registry: registry)
        case .tokenClassifier:
            return try TokenClassifier(
                encoder, classes: task.classes, sequenceLength: length, labelSmoothing: configuration.labelSmoothing,
                seed: configuration.seed, registry: registry)
        case .pairClassifier:
            return try PairClassifier(
                encoder, classes: task.classes, pooling: configuration.pooling, sequenceLength: length,
                labelSmoothing: configuration.labelSmoothing, seed: configuration.seed, registry: registry)
        case .maskedLanguageModel:
            return try MaskedLanguageModel(
                encoder, sequenceLength: length, labelSmoothing: configuration.labelSmoothing, seed: configuration.seed,
                registry: registry)
        }
    }
}
