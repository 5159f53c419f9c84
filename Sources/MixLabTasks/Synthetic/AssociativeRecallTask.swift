import MixLabCore

/// Multi-query associative recall (MQAR): key–value pairs, then queries of some of the keys; at each
/// query, predict the value that was paired with that key. Token-level labels.
///
/// **What it tests.** Retrieval by content: which earlier position a query must read from depends on
/// the tokens, not on positions. Softmax attention does it with one key–query match; a fixed mixer
/// (Fourier, DCT, Hadamard, …) sends the same weights to every position whatever the tokens, so it
/// has to store all pairs in its hidden state and needs width growing with the number of pairs. Zoology
/// (Arora et al.) showed that this gap explains most of the quality gap between attention and
/// gated-convolution language models. The task that separates content-based from fixed mixing.
///
/// **Generator.** Example `i` of a split uses its stream (seed, split, i) of `SyntheticSplits`, in this
/// order (every "distinct" draw is a partial Fisher–Yates shuffle with `nextIndex`):
/// 1. `pairs` distinct keys from the key vocabulary;
/// 2. `pairs` distinct values from the value vocabulary (distinct, as Zoology);
/// 3. `queries` distinct positions in the query region `2·pairs ..< length`, sorted;
/// 4. which pairs are queried: `queries` distinct pair indices, in the order of the positions;
/// 5. every other position of the query region: a filler token, uniform over all key and value tokens.
///
/// The sequence is `k₁ v₁ k₂ v₂ … k_P v_P`, then the query region, `length` tokens in all. The label of
/// a query position is the value paired with its key; every other position has
/// `TaskExample.ignoredLabel`. Fillers follow Zoology's random non-query tokens, so a filler may be a
/// key of the context that is not asked about (it is not scored). Differences from Zoology's
/// generator: query positions are uniform over the region (Zoology draws gaps from a power law that
/// favours queries near the context), `queries` may be fewer than `pairs` (Zoology queries every key),
/// and keys and values have separate named vocabularies.
///
/// **Tokens.** Padding 0, keys `k0`… at 1…K, values `v0`… at K+1…K+V. Classes are value indices
/// (class `j` = `v<j>`), uniform.
///
/// **Settings.** `pairs` (8), `queries` (8, or `pairs` if fewer; at most `pairs`), `key-vocabulary` (64, at least `pairs`),
/// `value-vocabulary` (64, at least `pairs`), `length` (64, at least `2·pairs + queries`; every example
/// has this length), `train-size` (10000), `validation-size` (1000), `test-size` (1000), `seed` (0).
///
/// **Complexity.** O(length + key-vocabulary + value-vocabulary) per example, no state; thread-safe.
///
/// Reference: S. Arora et al., "Zoology: Measuring and Improving Recall in Efficient Language Models",
/// ICLR 2024 (arXiv 2312.04927), the `multiquery_ar` generator.
public struct AssociativeRecallTask: LearningTask {
    /// The registry entry.
    public static let registration = TaskRegistration(
        name: "associative-recall",
        summary: "key–value pairs, then queries: recall each key's value (content-based retrieval; per token)",
        labelKind: .token,
        keys: [
            TaskSettingKey("pairs", default: "8", allowed: "1…min(key-, value-vocabulary)", summary: "key–value pairs in the context"),
            TaskSettingKey("queries", default: "min(8, pairs)", allowed: "1…pairs", summary: "keys asked about after the context"),
            TaskSettingKey("key-vocabulary", default: "64", allowed: "1…65536", summary: "distinct key tokens"),
            TaskSettingKey("value-vocabulary", default: "64", allowed: "1…65536", summary: "distinct value tokens (the classes)"),
            TaskSettingKey("length", default: "64", allowed: "2·pairs + queries…2²⁰", summary: "tokens per example; the sequence length"),
        ] + SyntheticSplits.keys(train: 10000, validation: 1000, test: 1000)
    ) { settings in
        try AssociativeRecallTask(settings)
    }

    /// The registry name.
    public let name = "associative-recall"
    /// Token-level labels: one per position, `TaskExample.ignoredLabel` where nothing is scored.
    public let labelKind = TaskLabelKind.token
    /// Padding, the keys `k0`…, then the values `v0`….
    public let vocabulary: TaskVocabulary
    /// Key–value pairs in the context.
    public let pairs: Int
    /// Queries after the context.
    public let queries: Int
    /// Distinct key tokens.
    public let keyVocabulary: Int
    /// Distinct value tokens (the classes).
    public let valueVocabulary: Int
    /// Tokens in every example.
    public let length: Int
    /// The seed and split sizes.
    public let splits: SyntheticSplits

    /// The task from its settings (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidConfigValue` naming the keys of a bad setting or combination.
    public init(_ settings: TaskSettings = TaskSettings(task: "associative-recall")) throws {
        let location = "task associative-recall"
        keyVocabulary = try settings.integer("key-vocabulary", default: 64, in: 1...65536)
        valueVocabulary = try settings.integer("value-vocabulary", default: 64, in: 1...65536)
        pairs = try settings.integer("pairs", default: 8, in: 1...65536)
        queries = try settings.integer("queries", default: min(8, pairs), in: 1...65536)
        length = try settings.integer("length", default: 64, in: 1...SequenceLengthRange.maximumLength)
        splits = try SyntheticSplits(settings, train: 10000, validation: 1000, test: 1000)
        for (key, size) in [("key-vocabulary", keyVocabulary), ("value-vocabulary", valueVocabulary)] where pairs > size {
            throw MixLabError(
                .invalidConfigValue, what: "pairs=\(pairs) needs \(pairs) distinct tokens but \(key)=\(size)",
                location: location, fix: "set pairs ≤ \(key), or raise \(key) to at least \(pairs)")
        }
        try settings.requireOrdered("queries", queries, "pairs", pairs)
        guard 2 * pairs + queries <= length else {
            throw MixLabError(
                .invalidConfigValue, what: "length=\(length) cannot hold pairs=\(pairs) (2 tokens each) and queries=\(queries)",
                location: location, fix: "set length to at least 2·pairs + queries = \(2 * pairs + queries), or lower pairs or queries")
        }
        vocabulary = try TaskVocabulary(
            names: ["<pad>"] + (0..<keyVocabulary).map { "k\($0)" } + (0..<valueVocabulary).map { "v\($0)" })
    }

    /// One per value token.
    public var classes: Int { valueVocabulary }
    /// The value tokens' names, `v0`….
    public var classNames: [String] { (0..<valueVocabulary).map { "v\($0)" } }
    /// `length`: every example has exactly this length.
    public var sequenceLength: Int { length }
    /// The number of examples in `split` (its `-size` setting).
    public func count(_ split: TaskSplit) -> Int { splits.count(split) }

    /// Every key with its resolved value: `TaskRegistry.make` with these remakes the same task.
    public var settings: [String: String] {
        splits.settings.merging([
            "pairs": "\(pairs)", "queries": "\(queries)", "key-vocabulary": "\(keyVocabulary)",
            "value-vocabulary": "\(valueVocabulary)", "length": "\(length)",
        ]) { $1 }
    }

    /// The token id of key `k`.
    public func keyToken(_ k: Int) -> Int32 { Int32(1 + k) }
    /// The token id of value `v`.
    public func valueToken(_ v: Int) -> Int32 { Int32(1 + keyVocabulary + v) }

    /// Example `index` of `split`, generated from its own stream (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidArgument` for an index outside `0 ..< count(split)`.
    public func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        var random = try splits.random(for: split, at: index, task: name)
        let keys = Self.distinct(pairs, below: keyVocabulary, &random)
        let values = Self.distinct(pairs, below: valueVocabulary, &random)
        let context = 2 * pairs
        let positions = Self.distinct(queries, below: length - context, &random).sorted()
        let asked = Self.distinct(queries, below: pairs, &random)
        var tokens = [Int32](repeating: 0, count: length)
        var labels = [Int32](repeating: TaskExample.ignoredLabel, count: length)
        for pair in 0..<pairs {
            tokens[2 * pair] = keyToken(keys[pair])
            tokens[2 * pair + 1] = valueToken(values[pair])
        }
        for (position, pair) in zip(positions, asked) {
            tokens[context + position] = keyToken(keys[pair])
            labels[context + position] = Int32(values[pair])
        }
        for position in context..<length where labels[position] == TaskExample.ignoredLabel {
            tokens[position] = Int32(1 + random.nextIndex(below: keyVocabulary + valueVocabulary))
        }
        return TaskExample(tokens: tokens, labels: labels)
    }

    /// `count` distinct integers of `0 ..< bound` in random order: the first `count` steps of a
    /// Fisher–Yates (Durstenfeld) shuffle of `0 ..< bound`. O(bound) time and memory.
    static func distinct(_ count: Int, below bound: Int, _ random: inout SeededRandom) -> [Int] {
        var pool = Array(0..<bound)
        for i in 0..<count {
            pool.swapAt(i, i + random.nextIndex(below: bound - i))
        }
        return Array(pool.prefix(count))
    }
}
