import MixLabCore

/// Masked-language modelling on the text of a prepared text dataset (`mlm`, `dataset=news20`, or the
/// pre-training corpus `dataset=mlm-corpus`): predict the original token at each masked position.
///
/// Examples are windows of `length` tokens over the dataset's texts (`TextWindows`: a text of n tokens
/// gives max(1, n / length) windows; with `cls=true` each is the classification token and `length − 1`
/// tokens, as BERT's sequences start with `[CLS]`, which is never masked), in that dataset's
/// train/validation/test splits, tokenized as its classification task (`TextTokenization`, same ids,
/// so a pre-trained encoder fine-tunes directly).
/// Masking follows BERT (`MaskedLanguageModelling`: 15 % of positions; 80 % `<mask>`, 10 % random,
/// 10 % unchanged). Validation and test windows are masked from a stream derived from (seed, split,
/// index), the same way on every call, so evaluations compare. Training windows are masked afresh each
/// time they are drawn (`masking=dynamic`, the default, as in RoBERTa's pre-training: a
/// `ResampledTrainingTask`, from a stream derived from (seed, draw, index)), or like the evaluation
/// windows (`masking=static`, as BERT's original data with one duplicate). Labels are token-level:
/// the original id at chosen positions, `TaskExample.ignoredLabel` elsewhere; classes = vocabulary size.
public struct MaskedLanguageModelTask: ResampledTrainingTask {
    /// The registry name (`mlm`).
    public let name: String
    /// The resolved settings: `dataset`, `tokens`, `length`, `mask-rate`, `masking`, `seed` (and the
    /// word-vocabulary or tokenizer keys).
    public let settings: [String: String]
    /// Token-level labels: the original id at masked positions, `TaskExample.ignoredLabel` elsewhere.
    public let labelKind = TaskLabelKind.token
    /// The vocabulary size: every token id is a class.
    public let classes: Int
    /// The vocabulary's token names, one per class.
    public let classNames: [String]
    /// The dataset's tokenization (`TextTokenization`) with a `<mask>` token and no classification token.
    public let vocabulary: TaskVocabulary
    /// `length`, the tokens in each window.
    public let sequenceLength: Int

    private let corpus: PreparedTextCorpus
    private let tokenization: TextTokenization
    private let windows: [TaskSplit: TextWindows]
    private let rate: Double
    private let seed: UInt64
    private let dynamicMasking: Bool
    /// Whether each window starts with the classification token (never masked), as BERT's sequences do.
    private let classificationToken: Bool

    /// The code of the training draws' random streams (the splits use 0, 1, 2).
    private static let drawStream: UInt64 = 3

    /// The datasets whose text can be modelled.
    static let datasets = ["news20", "reuters8", "rt-sentiment", "langid", "mlm-corpus"]

    /// The task with `settings` (`dataset`, tokenization keys, `length`, `mask-rate`, `masking`, `seed`),
    /// reading the prepared data in `cache`.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` for a bad setting; `ioFailure` when the dataset is not
    ///   prepared (the fix is the exact `mixlab data fetch` command) or is damaged.
    public init(settings: TaskSettings, cache: DataCache) throws {
        let dataset = try settings.choice("dataset", default: "news20", allowed: Self.datasets)
        let length = try settings.integer("length", default: 128, in: 2...65536)
        rate = try settings.number("mask-rate", default: 0.15, in: 0.001...1)
        seed = try settings.seed(default: 0)
        dynamicMasking = try settings.choice("masking", default: "dynamic", allowed: ["dynamic", "static"]) == "dynamic"
        classificationToken = try settings.boolean("cls", default: false)
        corpus = try PreparedTextCorpus.open(dataset, in: cache, location: "task \(settings.task)")
        tokenization = try TextTokenization.make(settings, corpus: corpus, cache: cache)
        name = settings.task
        vocabulary = try tokenization.vocabulary(usesMask: true, usesClassification: classificationToken)
        classes = vocabulary.size
        classNames = vocabulary.names
        sequenceLength = length
        var windows: [TaskSplit: TextWindows] = [:]
        for split in TaskSplit.allCases {
            let (corpus, tokenization) = (corpus, tokenization)
            let counts = (0..<corpus.split(split).count).map { tokenization.tokenCount(of: corpus, split, $0) }
            windows[split] = TextWindows(counts: counts, length: classificationToken ? length - 1 : length)
        }
        self.windows = windows
        self.settings = tokenization.resolvedSettings(settings).merging([
            "dataset": dataset, "length": "\(length)", "mask-rate": "\(rate)", "seed": "\(seed)",
            "masking": dynamicMasking ? "dynamic" : "static", "cls": "\(classificationToken)",
        ]) { $1 }
    }

    /// The number of windows in `split`.
    public func count(_ split: TaskSplit) -> Int {
        windows[split]!.count
    }

    /// Window `index` of `split`, masked as in BERT from a stream derived from (seed, split, index).
    public func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        let splitCode = UInt64(TaskSplit.allCases.firstIndex(of: split)!)
        return try masked(split, index, random: SeededRandom(seed: seed).derived(splitCode).derived(UInt64(index)))
    }

    /// Training window `index` masked for draw `draw`: from a stream derived from (seed, draw, index) with
    /// `masking=dynamic`, as `example(in: .train, at: index)` with `masking=static`.
    public func trainingExample(at index: Int, draw: UInt64) throws -> TaskExample {
        guard dynamicMasking else { return try example(in: .train, at: index) }
        return try masked(.train, index, random: SeededRandom(seed: seed).derived(Self.drawStream).derived(draw).derived(UInt64(index)))
    }

    /// Window `index` of `split`, masked with `random`.
    private func masked(_ split: TaskSplit, _ index: Int, random: SeededRandom) throws -> TaskExample {
        guard index >= 0, index < count(split) else {
            throw MixLabError(.invalidArgument, what: "example \(index) of \(split.rawValue) is outside 0..<\(count(split))",
                              location: "task \(name)", fix: "ask for an index below count(.\(split.rawValue))")
        }
        let window = windows[split]![index]
        let content = classificationToken ? sequenceLength - 1 : sequenceLength
        var tokens = (classificationToken ? [tokenization.classificationID] : [])
            + tokenization.tokens(of: corpus, split, window.example, positions: window.start..<(window.start + content))
        var random = random
        let labels = MaskedLanguageModelling.mask(
            &tokens, rate: rate, maskToken: tokenization.maskID, contentTokens: tokenization.contentIDs,
            skipFirst: classificationToken, random: &random)
        return TaskExample(tokens: tokens, labels: labels)
    }

    /// The registry entry (`mlm`).
    static let registration = TaskRegistration(
        name: "mlm",
        summary: "masked-language modelling (BERT/FNet masking) on the text of a prepared dataset",
        labelKind: .token,
        keys: [
            .init("dataset", default: "news20", allowed: datasets.joined(separator: "|"), summary: "whose text (`mixlab data fetch NAME` first)"),
        ] + TextTokenization.keys(defaultLength: 128, lengthSummary: "tokens per example: texts are cut into windows of this many tokens") + [
            .init("mask-rate", default: "0.15", allowed: "0.001…1", summary: "share of positions predicted (80 % <mask>, 10 % random, 10 % kept)"),
            .init("masking", default: "dynamic", allowed: "dynamic|static", summary: "training windows masked afresh at every draw, or once"),
            .init("cls", default: "false", allowed: "true|false", summary: "start each window with the classification token (never masked)"),
            .init("seed", default: "0", allowed: "0…2⁶⁴−1", summary: "seed of the masking"),
        ],
        make: { settings in try MaskedLanguageModelTask(settings: settings, cache: try DataCache.current()) })
}
