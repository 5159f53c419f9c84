import MixLabCore
import MixLabModels

/// A padded batch of task examples: the model input and the labels the loss compares against.
public struct TaskBatch: Sendable {
    /// `(B, T)` token ids padded with `TaskVocabulary.padding`, with the padding mask (nil when no
    /// example needed padding). For a pair-level task, `(2B, T)`: the B first sequences, then the B
    /// second sequences in the same order (row b and row B + b are example b's pair).
    public let input: TokenBatch
    /// `B` labels for a sequence- or pair-level task; `B·T` (row-major) for a token-level task, with
    /// `TaskExample.ignoredLabel` on padding.
    public let labels: [Int32]

    /// Pads `examples` of `task` to its sequence length.
    ///
    /// - Throws: `MixLabError.invalidArgument` for no examples, an example longer than the sequence
    ///   length, a token outside the vocabulary, labels that do not match the task's label kind, or a
    ///   second sequence missing (pair tasks) or present (other tasks).
    public init(_ examples: [TaskExample], of task: any LearningTask) throws {
        let length = task.sequenceLength
        let where_ = "batch of task \(task.name)"
        let isPair = task.labelKind == .pair
        if let row = examples.firstIndex(where: { ($0.pairedTokens != nil) != isPair }) {
            throw MixLabError(
                .invalidArgument,
                what: "example \(row) \(isPair ? "has no second sequence" : "has a second sequence"); task \(task.name) has \(task.labelKind.rawValue)-level labels",
                location: where_, fix: isPair ? "build pair examples with TaskExample(first:second:label:)" : "give pairs only to a pair-level task")
        }
        input = try Self.paddedInput(examples.map(\.tokens) + (isPair ? examples.map { $0.pairedTokens! } : []), of: task)
        var labels: [Int32] = []
        labels.reserveCapacity(task.labelKind == .token ? examples.count * length : examples.count)
        for (row, example) in examples.enumerated() {
            let expectedLabels = task.labelKind == .token ? example.tokens.count : 1
            guard example.labels.count == expectedLabels else {
                throw MixLabError(
                    .invalidArgument,
                    what: "example \(row) has \(example.labels.count) labels; a \(task.labelKind.rawValue)-level task needs \(expectedLabels)",
                    location: where_, fix: "give one label per sequence (sequence tasks) or per token (token tasks)")
            }
            switch task.labelKind {
            case .sequence, .pair:
                labels.append(example.labels[0])
            case .token:
                labels.append(contentsOf: example.labels)
                labels.append(contentsOf: repeatElement(TaskExample.ignoredLabel, count: length - example.tokens.count))
            }
        }
        self.labels = labels
    }

    /// Rows of token ids padded with `TaskVocabulary.padding` to the task's sequence length: the model
    /// input of a batch, without labels (what `init(_:of:)` builds from its examples' tokens). The
    /// padding mask is nil when no row needed padding.
    ///
    /// - Throws: `MixLabError.invalidArgument` for no rows, a row longer than the sequence length, or a
    ///   token outside the vocabulary.
    public static func paddedInput(_ rows: [[Int32]], of task: any LearningTask) throws -> TokenBatch {
        let length = task.sequenceLength
        let where_ = "batch of task \(task.name)"
        guard !rows.isEmpty else {
            throw MixLabError(.invalidArgument, what: "a batch of no examples", location: where_, fix: "pass at least one example")
        }
        var tokens = [Int32](repeating: TaskVocabulary.padding, count: rows.count * length)
        var mask = [Float](repeating: 0, count: rows.count * length)
        var padded = false
        for (row, ids) in rows.enumerated() {
            guard ids.count <= length else {
                throw MixLabError(
                    .invalidArgument, what: "example \(row) has \(ids.count) tokens, more than the sequence length \(length)",
                    location: where_, fix: "truncate examples to the task's sequence length")
            }
            if let bad = ids.first(where: { $0 < 0 || Int($0) >= task.vocabulary.size }) {
                throw MixLabError(
                    .invalidArgument, what: "example \(row) holds token id \(bad), outside the vocabulary 0..<\(task.vocabulary.size)",
                    location: where_, fix: "map every token into the task's vocabulary")
            }
            for (t, token) in ids.enumerated() {
                tokens[row * length + t] = token
                mask[row * length + t] = 1
            }
            padded = padded || ids.count < length
        }
        let paddingMask = padded ? try Tensor(shape: [rows.count, length], values: mask) : nil
        return try TokenBatch(batchSize: rows.count, sequenceLength: length, tokens: tokens, paddingMask: paddingMask)
    }

    /// The examples at `indices` of `split`, padded.
    public init(task: any LearningTask, split: TaskSplit, indices: [Int]) throws {
        try self.init(try indices.map { try task.example(in: split, at: $0) }, of: task)
    }

    /// The training examples at `indices`, padded, drawn as draws `firstDraw`, `firstDraw + 1`, … (see
    /// `ResampledTrainingTask`; other tasks give their fixed training examples).
    public init(task: any LearningTask, trainingIndices indices: [Int], firstDraw: UInt64) throws {
        try self.init(try indices.enumerated().map { slot, index in
            try task.drawTrainingExample(at: index, draw: firstDraw + UInt64(slot))
        }, of: task)
    }
}
