/// Whether a task labels whole sequences, every token, or pairs of sequences.
public enum TaskLabelKind: String, Sendable, Codable {
    /// One class per sequence (classification; a `SequenceClassifier` trains on it).
    case sequence
    /// One class per token (e.g. reversal, masked-language modelling; a token-level head trains on it).
    case token
    /// One class per pair of sequences (e.g. retrieval: are two documents related?). An example holds its
    /// first sequence in `tokens` and its second in `pairedTokens`, each at most the sequence length; a
    /// two-tower `PairClassifier` trains on it.
    case pair
}

/// A learning task (named so as not to shadow Swift's `Task`): deterministic examples in train/validation/test splits, with a vocabulary, a class
/// count and a fixed sequence length that batches are padded to.
///
/// Everything a task returns is a pure function of its configuration (including its seed) and the
/// arguments: `example(in: .train, at: 17)` is the same example on every call, machine and thread
/// count. Synthetic tasks generate example `i` from a random stream derived from (seed, split, i);
/// real-data tasks read a prepared dataset cache. Shuffling for training is the trainer's job.
///
/// Implementations must be safe to call from several threads at once.
public protocol LearningTask: Sendable {
    /// The registry name, e.g. `listops`.
    var name: String { get }
    /// The resolved settings (every key with its value), for run records and tables.
    var settings: [String: String] { get }
    /// Sequence- or token-level labels.
    var labelKind: TaskLabelKind { get }
    /// The number of classes; labels are in `0 ..< classes`.
    var classes: Int { get }
    /// A name for each class (`classNames.count == classes`), for reports.
    var classNames: [String] { get }
    /// The token ids and their names.
    var vocabulary: TaskVocabulary { get }
    /// The length every batch is padded to; no example is longer.
    var sequenceLength: Int { get }

    /// The number of examples in `split`.
    func count(_ split: TaskSplit) -> Int

    /// Example `index` of `split`.
    ///
    /// - Throws: `MixLabError.invalidArgument` for an index outside `0 ..< count(split)`; real-data
    ///   tasks also throw `ioFailure` when their cache cannot be read.
    func example(in split: TaskSplit, at index: Int) throws -> TaskExample
}
