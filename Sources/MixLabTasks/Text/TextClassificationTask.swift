import MixLabCore

/// Classifying prepared texts (`news20`, `reuters8`, `rt-sentiment`, `polarity`, `langid`): one label per example.
///
/// The examples are the prepared dataset's (`mixlab data fetch NAME`); opening a task never downloads.
/// Tokens follow `TextTokenization` (bytes by default, or words). Each example is truncated to `length`
/// tokens, or `length − 1` after a classification token when `cls=true`. For `langid`, whose examples
/// are paragraphs of very different lengths, an example is instead a window of `length` tokens of a
/// paragraph (`TextWindows`): a paragraph of n tokens gives max(1, n / length) windows, each labelled
/// with the paragraph's language, so short windows (32–64 bytes) make a harder task.
///
/// `polarity` with byte tokens at its default length 4096 is the Long Range Arena's "Text" task at CPU
/// scale (LRA: byte-level IMDb reviews, 4K bytes; Tay et al., "Long Range Arena", ICLR 2021); `news20`
/// with `tokens=byte length=4096` is a 20-class long-document variant.
///
/// A `length` set longer than the data needs is refused: the content length (`length`, less one with
/// `cls`) may be at most the longest text's token count (over all three splits) rounded up to a power of
/// two. Anything longer would only pad every example, and the rounding keeps a power-of-two length open
/// for the mixers that require one (Hadamard, wavelets). The default lengths are within what the real
/// datasets need and are not checked (a small dataset of one's own may then be padded).
public struct TextClassificationTask: LearningTask {
    /// The registry name, the dataset's (`news20`, `reuters8`, `rt-sentiment`, `polarity` or `langid`).
    public let name: String
    /// The resolved settings: `tokens`, `length`, `cls`, and `vocab-size`, `min-count` for word tokens or
    /// `tokenizer`, `tokenizer-sha256` for subword tokens.
    public let settings: [String: String]
    /// Sequence-level labels: one class per text (per window for `langid`).
    public let labelKind = TaskLabelKind.sequence
    /// The number of classes in the dataset's manifest.
    public let classes: Int
    /// The class names from the dataset's manifest.
    public let classNames: [String]
    /// The dataset's tokenization (`TextTokenization`), with a `<cls>` token when `cls=true`.
    public let vocabulary: TaskVocabulary
    /// `length`, the classification token included when `cls=true`.
    public let sequenceLength: Int

    private let corpus: PreparedTextCorpus
    private let tokenization: TextTokenization
    private let windows: [TaskSplit: TextWindows]?
    private let classificationToken: Bool

    /// The datasets this task reads, with their default `length`.
    static let defaultLengths = ["news20": 512, "reuters8": 512, "rt-sentiment": 256, "polarity": 4096, "langid": 128]

    /// The task on dataset `dataset` (a text dataset of the standard catalog) with `settings`, reading
    /// the prepared data in `cache`.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` for a bad setting; `ioFailure` when the dataset is not
    ///   prepared (the fix is the exact `mixlab data fetch` command) or is damaged.
    public init(dataset: String, settings: TaskSettings, cache: DataCache) throws {
        guard let defaultLength = Self.defaultLengths[dataset] else {
            throw MixLabError(.invalidArgument, what: "'\(dataset)' is not a text classification dataset", location: "task \(settings.task)",
                              fix: "use one of: \(Self.defaultLengths.keys.sorted().joined(separator: ", "))")
        }
        let length = try settings.integer("length", default: defaultLength, in: 2...65536)
        classificationToken = try settings.boolean("cls", default: false)
        corpus = try PreparedTextCorpus.open(dataset, in: cache, location: "task \(settings.task)")
        tokenization = try TextTokenization.make(settings, corpus: corpus, cache: cache)
        name = settings.task
        classNames = corpus.manifest.classes
        classes = classNames.count
        vocabulary = try tokenization.vocabulary(usesMask: false, usesClassification: classificationToken)
        sequenceLength = length
        let contentLength = length - (classificationToken ? 1 : 0)
        if settings.values["length"] != nil {
            try Self.checkLength(length, classificationToken: classificationToken, task: settings.task, corpus: corpus, tokenization: tokenization)
        }
        if dataset == "langid" {
            var windows: [TaskSplit: TextWindows] = [:]
            for split in TaskSplit.allCases {
                let (corpus, tokenization) = (corpus, tokenization)
                let counts = (0..<corpus.split(split).count).map { tokenization.tokenCount(of: corpus, split, $0) }
                windows[split] = TextWindows(counts: counts, length: contentLength)
            }
            self.windows = windows
        } else {
            windows = nil
        }
        self.settings = tokenization.resolvedSettings(settings).merging(["length": "\(length)", "cls": "\(classificationToken)"]) { $1 }
    }

    /// Refuses a `length` whose content length is above the longest text's token count rounded up to a
    /// power of two. O(n) in the number of texts.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` naming the longest text, its length and the largest
    ///   accepted `length`.
    static func checkLength(
        _ length: Int, classificationToken: Bool, task: String, corpus: PreparedTextCorpus, tokenization: TextTokenization
    ) throws {
        var longest = 0
        for split in TaskSplit.allCases {
            for index in 0..<corpus.split(split).count {
                longest = max(longest, tokenization.tokenCount(of: corpus, split, index))
            }
        }
        var limit = 1
        while limit < longest { limit *= 2 }
        let extra = classificationToken ? 1 : 0
        guard length - extra <= limit else {
            throw MixLabError(
                .invalidConfigValue,
                what: "length \(length) is longer than the data needs: the longest text of \(corpus.manifest.dataset) has \(longest) "
                    + "\(tokenization.mode.rawValue) tokens, so every example would be padding past \(limit + extra)",
                location: "task \(task) setting length",
                fix: "use length ≤ \(limit + extra) (the longest text rounded up to a power of two\(classificationToken ? ", plus <cls>" : ""))")
        }
    }

    /// The number of examples in `split`: texts, or paragraph windows for `langid`.
    public func count(_ split: TaskSplit) -> Int {
        windows?[split]?.count ?? corpus.split(split).count
    }

    /// Example `index` of `split`: its text (or `langid` window) cut to `length` tokens, `<cls>` first when `cls=true`.
    public func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        guard index >= 0, index < count(split) else {
            throw MixLabError(.invalidArgument, what: "example \(index) of \(split.rawValue) is outside 0..<\(count(split))",
                              location: "task \(name)", fix: "ask for an index below count(.\(split.rawValue))")
        }
        let contentLength = sequenceLength - (classificationToken ? 1 : 0)
        let source: Int
        var tokens: [Int32]
        if let window = windows?[split]?[index] {
            source = window.example
            tokens = tokenization.tokens(of: corpus, split, source, positions: window.start..<(window.start + contentLength))
        } else {
            source = index
            tokens = tokenization.tokens(of: corpus, split, index, positions: 0..<contentLength)
        }
        if classificationToken { tokens.insert(tokenization.classificationID, at: 0) }
        return TaskExample(tokens: tokens, label: corpus.split(split).labels[source])
    }

    /// A raw text as the task's model reads it: its token ids, and whether the text was cut to fit.
    public struct EncodedText: Sendable, Equatable {
        /// The ids the model reads: `<cls>` first when `cls=true`, then at most `length` (or
        /// `length − 1`) content tokens.
        public var tokens: [Int32]
        /// The content tokens of the whole text, before truncation.
        public var textTokenCount: Int
        /// Whether content tokens were cut off to fit the sequence length.
        public var isTruncated: Bool
    }

    /// Tokenises a raw text exactly as the task's examples are tokenised.
    ///
    /// The text is normalised as preparation normalises a dataset's texts (every run of white space
    /// becomes one space, none at either end), then encoded by the task's tokenisation (bytes, words
    /// or WordPiece subwords, with the task's vocabulary and `<unk>`), cut to the first `length` tokens
    /// (`length − 1` after the classification token when `cls=true`), and the classification token is
    /// prepended when `cls=true`. For `langid` that is the text's first window. A prepared example's text
    /// gives back exactly the tokens of `example(in:at:)` (its first window for `langid`).
    ///
    /// O(n) in the text's length for bytes and words; WordPiece adds its longest-match search per word.
    public func encode(text: String) -> EncodedText {
        let normalized = TextRecord.collapsingWhitespace(text)
        let content = tokenization.encode(Array(normalized.utf8))
        let contentLength = sequenceLength - (classificationToken ? 1 : 0)
        var tokens = Array(content.prefix(contentLength))
        if classificationToken { tokens.insert(tokenization.classificationID, at: 0) }
        return EncodedText(tokens: tokens, textTokenCount: content.count, isTruncated: content.count > contentLength)
    }

    /// The registry entry of the task on `dataset` (the task has the dataset's name).
    static func registration(_ dataset: String) -> TaskRegistration {
        let descriptor = try! DatasetCatalog.standard.descriptor(named: dataset)
        let lengthSummary = dataset == "langid"
            ? "tokens per example: each paragraph is cut into windows of this many tokens"
            : "tokens per example (longer texts are truncated)"
        return TaskRegistration(
            name: dataset, summary: descriptor.summary + " (`mixlab data fetch \(dataset)` first)", labelKind: .sequence,
            keys: TextTokenization.keys(defaultLength: defaultLengths[dataset]!, lengthSummary: lengthSummary) + [
                .init("cls", default: "false", allowed: "true|false", summary: "prepend a classification token <cls>"),
            ],
            make: { settings in try TextClassificationTask(dataset: dataset, settings: settings, cache: try DataCache.current()) })
    }
}
