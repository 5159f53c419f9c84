import Foundation
import MixLabCore

/// How text tasks turn UTF-8 text into token ids, and the ids they share.
///
/// Every text task (classification and masked-language modelling) uses one id layout, so an encoder
/// pre-trained with `mlm` on a dataset can be fine-tuned on its classification task with the same ids:
/// 0 `<pad>`, 1 `<unk>`, 2 `<mask>`, 3 `<cls>`, then the content tokens from id 4.
/// - `tokens=byte` (default): each UTF-8 byte b is the id 4 + b (vocabulary 260); nothing is unknown.
/// - `tokens=word`: `WordSplitter` words; the vocabulary is built from the training split only (never
///   validation or test): words seen at least `min-count` times, the `vocab-size` most frequent (ties
///   in byte order of the word), ids 4, 5, … in that order; other words are `<unk>`.
/// - `tokens=subword`: the WordPiece tokenizer in the HuggingFace `tokenizer.json` file `tokenizer=PATH`
///   (`WordPieceTokenizer`, e.g. trained by `mixlab tokenizer train`). Its vocabulary is the task's: its
///   own ids, with `[PAD]` as id 0, `[UNK]`, `[MASK]` and `[CLS]` in the roles of the four ids above. The
///   resolved settings record the file's SHA-256 (`tokenizer-sha256`), so a run record names the exact
///   tokenizer, and resuming a run with another file is refused.
public struct TextTokenization: Sendable {
    /// The padding id.
    public static let padding: Int32 = 0
    /// The id of words outside the vocabulary.
    public static let unknown: Int32 = 1
    /// The mask id of masked-language modelling.
    public static let mask: Int32 = 2
    /// The id of the classification token (prepended when a task sets `cls=true`).
    public static let classification: Int32 = 3
    /// The first content id.
    public static let firstContent: Int32 = 4
    /// The names of the special ids.
    static let specialNames = ["<pad>", "<unk>", "<mask>", "<cls>"]

    /// The setting keys text tasks share.
    static func keys(defaultLength: Int, lengthSummary: String) -> [TaskSettingKey] {
        [
            .init("tokens", default: "byte", allowed: "byte|word|subword",
                  summary: "UTF-8 bytes, lower-cased words (vocabulary from the train split), or WordPiece subwords (tokenizer=PATH)"),
            .init("length", default: "\(defaultLength)", allowed: "2…65536", summary: lengthSummary),
            .init("vocab-size", default: "20000", allowed: "1…10000000", summary: "tokens=word: the most frequent training words kept"),
            .init("min-count", default: "2", allowed: "≥ 1", summary: "tokens=word: the fewest training occurrences a kept word has"),
            .init("tokenizer", default: "", allowed: "a tokenizer.json path",
                  summary: "tokens=subword: a HuggingFace WordPiece tokenizer.json (`mixlab tokenizer train`); its vocabulary is the model's"),
        ]
    }

    /// Byte, word or subword tokens.
    public enum Mode: String, Sendable {
        /// UTF-8 bytes.
        case byte
        /// Lower-cased words, vocabulary from the training split.
        case word
        /// WordPiece subwords of a tokenizer file.
        case subword
    }

    /// Byte, word or subword tokens.
    public let mode: Mode
    /// The content words in id order (from id 4), for `tokens=word`.
    let words: [String]
    private let ids: [String: Int32]
    /// Per split, every example's ids (for `tokens=word` and `subword`; bytes are mapped on the fly).
    private let encoded: [TaskSplit: [[Int32]]]
    /// The tokenizer of `tokens=subword`, with its file's path and SHA-256.
    let subword: (tokenizer: WordPieceTokenizer, path: String, sha256: String)?

    /// The number of ids, specials included.
    public var size: Int {
        switch mode {
        case .byte: return 260
        case .word: return 4 + words.count
        case .subword: return subword!.tokenizer.size
        }
    }

    /// The id of unknown words (`<unk>`, or the tokenizer's `[UNK]`).
    public var unknownID: Int32 { subword.map { $0.tokenizer.id(of: $0.tokenizer.unknownToken)! } ?? Self.unknown }
    /// The mask id of masked-language modelling (`<mask>`, or the tokenizer's `[MASK]`).
    public var maskID: Int32 { subword.map { $0.tokenizer.id(of: "[MASK]")! } ?? Self.mask }
    /// The classification id (`<cls>`, or the tokenizer's `[CLS]`).
    public var classificationID: Int32 { subword.map { $0.tokenizer.id(of: "[CLS]")! } ?? Self.classification }
    /// The ids a masked-language model's random replacement is drawn from: every id after the last
    /// special token.
    public var contentIDs: Range<Int32> {
        guard let subword else { return Self.firstContent..<Int32(size) }
        let last = subword.tokenizer.specialTokens.compactMap { subword.tokenizer.id(of: $0) }.max() ?? 0
        return (last + 1)..<Int32(size)
    }

    /// The vocabulary names; the mask and classification ids are marked when the task uses them.
    func vocabulary(usesMask: Bool, usesClassification: Bool) throws -> TaskVocabulary {
        let names: [String]
        switch mode {
        case .byte: names = Self.specialNames + (0...255).map(Self.byteName)
        case .word: names = Self.specialNames + words
        case .subword: names = subword!.tokenizer.tokens
        }
        return try TaskVocabulary(
            names: names, mask: usesMask ? maskID : nil, classification: usesClassification ? classificationID : nil)
    }

    /// The resolved settings of this tokenization: `tokens`, and `vocab-size` and `min-count` for words,
    /// `tokenizer` and `tokenizer-sha256` for subwords.
    func resolvedSettings(_ settings: TaskSettings) -> [String: String] {
        var resolved = ["tokens": mode.rawValue]
        switch mode {
        case .byte: break
        case .word:
            resolved["vocab-size"] = settings.values["vocab-size"] ?? "20000"
            resolved["min-count"] = settings.values["min-count"] ?? "2"
        case .subword:
            resolved["tokenizer"] = subword!.path
            resolved["tokenizer-sha256"] = subword!.sha256
        }
        return resolved
    }

    /// A readable name of byte `b`: the character for printable ASCII, `␣` for space, `<0xHH>` otherwise.
    static func byteName(_ byte: Int) -> String {
        if byte == 0x20 { return "␣" }
        if byte > 0x20 && byte < 0x7F { return String(UnicodeScalar(UInt8(byte))) }
        return String(format: "<0x%02X>", byte)
    }

    /// The token ids at `positions` (clamped to the example) of example `index` of `split` of `corpus`;
    /// bytes are mapped only for those positions.
    func tokens(of corpus: PreparedTextCorpus, _ split: TaskSplit, _ index: Int, positions: Range<Int>) -> [Int32] {
        switch mode {
        case .byte:
            let text = corpus.split(split).text(index)
            let lower = text.startIndex + min(positions.lowerBound, text.count)
            let upper = text.startIndex + min(positions.upperBound, text.count)
            return text[lower..<upper].map { Int32($0) + Self.firstContent }
        case .word, .subword:
            let all = encoded[split]![index]
            return Array(all[min(positions.lowerBound, all.count)..<min(positions.upperBound, all.count)])
        }
    }

    /// The number of tokens of example `index` of `split` (without encoding it for bytes).
    func tokenCount(of corpus: PreparedTextCorpus, _ split: TaskSplit, _ index: Int) -> Int {
        switch mode {
        case .byte: return corpus.split(split).text(index).count
        case .word, .subword: return encoded[split]![index].count
        }
    }

    /// The ids of `text` under this tokenization (words outside the vocabulary are `<unk>`).
    public func encode<Bytes: Collection>(_ text: Bytes) -> [Int32] where Bytes.Element == UInt8 {
        switch mode {
        case .byte: return text.map { Int32($0) + Self.firstContent }
        case .word: return WordSplitter.words(text).map { ids[$0] ?? Self.unknown }
        case .subword: return subword!.tokenizer.encode(String(decoding: text, as: UTF8.self))
        }
    }

    private init(
        mode: Mode, words: [String], encoded: [TaskSplit: [[Int32]]],
        subword: (tokenizer: WordPieceTokenizer, path: String, sha256: String)? = nil
    ) {
        self.mode = mode
        self.words = words
        ids = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, Int32($0) + Self.firstContent) })
        self.encoded = encoded
        self.subword = subword
    }

    /// The tokenization chosen by `settings` (`tokens`, `vocab-size`, `min-count`, `tokenizer`) for
    /// `corpus`; word vocabularies and subword encodings are built once per process and dataset.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` for a bad value, a key of another mode (`vocab-size`,
    ///   `min-count` without `tokens=word`; `tokenizer` without `tokens=subword`), `tokens=subword`
    ///   without a tokenizer; the errors of `WordPieceTokenizer.read(from:location:)` for a bad file.
    static func make(_ settings: TaskSettings, corpus: PreparedTextCorpus, cache: DataCache) throws -> TextTokenization {
        let mode = Mode(rawValue: try settings.choice("tokens", default: "byte", allowed: ["byte", "word", "subword"]))!
        let size = try settings.integer("vocab-size", default: 20000, in: 1...10_000_000)
        let minimumCount = try settings.integer("min-count", default: 2, in: 1...Int(Int32.max))
        if mode != .word, let key = ["vocab-size", "min-count"].first(where: { settings.values[$0] != nil }) {
            throw MixLabError(
                .invalidConfigValue,
                what: "\(key) is set but tokens=\(mode.rawValue) has \(mode == .byte ? "a fixed vocabulary of 256 bytes" : "its tokenizer's vocabulary")",
                location: "task \(settings.task)", fix: "remove \(key), or set tokens=word")
        }
        let tokenizerPath = settings.values["tokenizer"].flatMap { $0.isEmpty ? nil : $0 }
        if mode != .subword, tokenizerPath != nil {
            throw MixLabError(
                .invalidConfigValue, what: "tokenizer is set but tokens=\(mode.rawValue) does not use a tokenizer file",
                location: "task \(settings.task)", fix: "set tokens=subword, or remove tokenizer")
        }
        let location = "task \(settings.task)"
        let fingerprint = try PreparedDatasetStore.fingerprint(of: corpus.manifest, in: cache, location: location)
        let folder = cache.directory(of: corpus.manifest.dataset)
        if mode == .subword {
            guard let tokenizerPath else {
                throw MixLabError(
                    .invalidConfigValue, what: "tokens=subword needs a tokenizer file, and tokenizer is not set", location: location,
                    fix: "set tokenizer=PATH to a tokenizer.json (train one with `mixlab tokenizer train --output tokenizer.json`)")
            }
            let (tokenizer, sha256) = try WordPieceTokenizer.read(from: tokenizerPath, location: "\(location) setting tokenizer")
            let shared = try PreparedDatasetStore.shared.value(for: folder + "#subword:\(sha256)", fingerprint: fingerprint) {
                var encoded: [TaskSplit: [[Int32]]] = [:]
                var cache = WordPieceTokenizer.WordCache()
                for split in TaskSplit.allCases {
                    let part = corpus.split(split)
                    encoded[split] = (0..<part.count).map { tokenizer.encode(String(decoding: part.text($0), as: UTF8.self), cache: &cache) }
                }
                return TextTokenization(mode: .subword, words: [], encoded: encoded, subword: (tokenizer, tokenizerPath, sha256))
            }
            // The encodings are shared by every file with these bytes; the path is this task's.
            return TextTokenization(mode: .subword, words: [], encoded: shared.encoded, subword: (tokenizer, tokenizerPath, sha256))
        }
        guard mode == .word else { return TextTokenization(mode: .byte, words: [], encoded: [:]) }
        return try PreparedDatasetStore.shared.value(for: folder + "#words:\(size):\(minimumCount)", fingerprint: fingerprint) {
            let train = corpus.split(.train)
            var counts: [String: Int] = [:]
            var trainWords: [[String]] = []
            trainWords.reserveCapacity(train.count)
            for index in 0..<train.count {
                let words = WordSplitter.words(train.text(index))
                for word in words { counts[word, default: 0] += 1 }
                trainWords.append(words)
            }
            let kept = counts.filter { $0.value >= minimumCount }
                .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .prefix(size).map(\.key)
            guard !kept.isEmpty else {
                throw MixLabError(
                    .invalidConfigValue, what: "no training word occurs min-count=\(minimumCount) times", location: "task \(settings.task)",
                    fix: "lower min-count")
            }
            var tokenization = TextTokenization(mode: .word, words: Array(kept), encoded: [:])
            var encoded: [TaskSplit: [[Int32]]] = [.train: trainWords.map { $0.map { tokenization.ids[$0] ?? unknown } }]
            for split in [TaskSplit.validation, .test] {
                let part = corpus.split(split)
                encoded[split] = (0..<part.count).map { tokenization.encode(part.text($0)) }
            }
            tokenization = TextTokenization(mode: .word, words: Array(kept), encoded: encoded)
            return tokenization
        }
    }
}
