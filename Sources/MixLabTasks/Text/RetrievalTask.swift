import MixLabCore

/// Document matching (the Long Range Arena's "Retrieval" task at CPU scale): are two long documents
/// related? Each example is a pair of byte-level documents of 20 Newsgroups (`news20`), labelled
/// `related` when both were posted to one newsgroup.
///
/// The pairs of each split are `DocumentPairs`: balanced (even indices related, odd unrelated), every
/// newsgroup equally often the first document's, unrelated pairs drawn as **hard negatives** from the
/// same topic (`topics`: computers — the five `comp.*` groups and `misc.forsale`, whose posts mostly sell
/// hardware —, recreation `rec.*`, science `sci.*`, politics `talk.politics.*`, religion `alt.atheism`,
/// `soc.religion.christian`, `talk.religion.misc`, after J. Rennie's grouping of 20 Newsgroups), drawn
/// seeded by `seed` and from the split's own documents only, so no document is in two splits. Each
/// document is cut to `length` tokens (default 4096; LRA uses 4000 per document, bytes). A two-tower
/// `PairClassifier` reads the two documents with one shared encoder (LRA's dual encoder).
///
/// Settings: the text keys of `TextTokenization` (bytes by default), `train-size`, `validation-size`,
/// `test-size` (pairs per split) and `seed`. A pair count above what a split's documents allow
/// (`DocumentPairs.maximumCount`) and a `length` set above the longest document rounded up to a power
/// of two are errors.
///
/// Reference: Y. Tay et al., "Long Range Arena: A Benchmark for Efficient Transformers", ICLR 2021 (§3,
/// "Byte-level document retrieval"; there on the ACL Anthology Network citation pairs).
public struct RetrievalTask: LearningTask {
    /// The registry name, `retrieval`.
    public let name: String
    /// The resolved settings.
    public let settings: [String: String]
    /// Pair-level labels: one class per pair of documents.
    public let labelKind = TaskLabelKind.pair
    /// Two classes: 0 `unrelated`, 1 `related`.
    public let classes = 2
    /// `unrelated`, `related`.
    public let classNames = ["unrelated", "related"]
    /// The dataset's tokenization (`TextTokenization`), without mask or classification token.
    public let vocabulary: TaskVocabulary
    /// `length`: the tokens of each document of a pair.
    public let sequenceLength: Int

    private let corpus: PreparedTextCorpus
    private let tokenization: TextTokenization
    private let pairs: [TaskSplit: DocumentPairs]

    /// The topic of each 20 Newsgroups group that is not named by its first dot-separated component.
    public static let news20Topics: [String: String] = [
        "misc.forsale": "comp", "talk.politics.guns": "politics", "talk.politics.mideast": "politics",
        "talk.politics.misc": "politics", "alt.atheism": "religion", "soc.religion.christian": "religion",
        "talk.religion.misc": "religion",
    ]

    /// The topic of class `name`: its entry in `topics`, else its first dot-separated component
    /// (`comp.graphics` → `comp`).
    public static func topic(of name: String, topics: [String: String] = news20Topics) -> String {
        topics[name] ?? String(name.split(separator: ".", omittingEmptySubsequences: false)[0])
    }

    /// The task on the prepared text dataset `dataset` of `cache` with `settings`.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` for a bad setting, too many pairs for a split, or a
    ///   `length` above what the longest document needs; `ioFailure` when the dataset is not prepared (the
    ///   fix is the exact `mixlab data fetch` command) or is damaged.
    /// - Complexity: O(n) in the documents plus O(P) for P pairs, once per task.
    public init(dataset: String = "news20", settings: TaskSettings, cache: DataCache, topics: [String: String] = news20Topics) throws {
        let location = "task \(settings.task)"
        let length = try settings.integer("length", default: 4096, in: 2...65536)
        let splits = try SyntheticSplits(settings, train: 10000, validation: 1000, test: 1000)
        corpus = try PreparedTextCorpus.open(dataset, in: cache, location: location)
        tokenization = try TextTokenization.make(settings, corpus: corpus, cache: cache)
        if settings.values["length"] != nil {
            try TextClassificationTask.checkLength(
                length, classificationToken: false, task: settings.task, corpus: corpus, tokenization: tokenization)
        }
        let classTopics = corpus.manifest.classes.map { Self.topic(of: $0, topics: topics) }
        var pairs: [TaskSplit: DocumentPairs] = [:]
        for (code, split) in TaskSplit.allCases.enumerated() {
            pairs[split] = try DocumentPairs(
                labels: corpus.split(split).labels, classes: corpus.manifest.classes.count, topic: classTopics,
                count: splits.count(split), random: SeededRandom(seed: splits.seed).derived(UInt64(code + 1)),
                key: "\(split.rawValue)-size", location: location + " (\(split.rawValue) split of \(dataset))")
        }
        self.pairs = pairs
        name = settings.task
        vocabulary = try tokenization.vocabulary(usesMask: false, usesClassification: false)
        sequenceLength = length
        self.settings = tokenization.resolvedSettings(settings).merging(splits.settings) { $1 }.merging(["length": "\(length)"]) { $1 }
    }

    /// The number of pairs in `split`.
    public func count(_ split: TaskSplit) -> Int {
        pairs[split]!.pairs.count
    }

    /// The documents of pair `index` of `split` (indices into the prepared split) and its label.
    ///
    /// - Throws: `MixLabError.invalidArgument` for an index outside `0 ..< count(split)`.
    public func documents(in split: TaskSplit, at index: Int) throws -> (first: Int, second: Int, label: Int32) {
        guard index >= 0, index < count(split) else {
            throw MixLabError(.invalidArgument, what: "pair \(index) of \(split.rawValue) is outside 0..<\(count(split))",
                              location: "task \(name)", fix: "ask for an index below count(.\(split.rawValue))")
        }
        let pair = pairs[split]!.pairs[index]
        return (pair.first, pair.second, pair.label)
    }

    /// Pair `index` of `split`: both documents cut to `length` tokens, labelled 1 when related.
    public func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        let pair = try documents(in: split, at: index)
        return TaskExample(
            first: tokenization.tokens(of: corpus, split, pair.first, positions: 0..<sequenceLength),
            second: tokenization.tokens(of: corpus, split, pair.second, positions: 0..<sequenceLength), label: pair.label)
    }

    /// The registry entry (`retrieval`, on `news20`).
    static let registration = TaskRegistration(
        name: "retrieval",
        summary: "LRA-style document matching: are two 20 Newsgroups posts from one newsgroup? Balanced pairs, hard negatives "
            + "from the same topic (`mixlab data fetch news20` first)",
        labelKind: .pair,
        keys: TextTokenization.keys(defaultLength: 4096, lengthSummary: "tokens per document (each of the two is truncated)")
            + [
                TaskSettingKey("train-size", default: "10000", allowed: "1…2³¹ (and what the split allows)", summary: "training document pairs"),
                TaskSettingKey("validation-size", default: "1000", allowed: "1…2³¹ (and what the split allows)", summary: "validation document pairs"),
                TaskSettingKey("test-size", default: "1000", allowed: "1…2³¹ (and what the split allows)", summary: "test document pairs"),
                TaskSettingKey("seed", default: "0", allowed: "0…2⁶⁴−1", summary: "seed of the pairs drawn (same seed, same pairs)"),
            ],
        make: { settings in try RetrievalTask(settings: settings, cache: try DataCache.current()) })
}
