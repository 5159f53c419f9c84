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
            .init("tokens", default: "byte", allowed: "byte|word", summary: "UTF-8 bytes, or lower-cased words (vocabulary from the train split)"),
            .init("length", default: "\(defaultLength)", allowed: "2…65536", summary: lengthSummary),
            .init("vocab-size", default: "20000", allowed: "1…10000000", summary: "tokens=word: the most frequent training words kept"),
            .init("min-count", default: "2", allowed: "≥ 1", summary: "tokens=word: the fewest training occurrences a kept word has"),
        ]
    }

    /// Byte or word tokens.
    public enum Mode: String, Sendable {
        case byte
        case word
    }

    /// Byte or word tokens.
    public let mode: Mode
    /// The content words in id order (from id 4), for `tokens=word`.
    let words: [String]
    private let ids: [String: Int32]
    /// Per split, every example's word ids (for `tokens=word`; bytes are mapped on the fly).
    private let encoded: [TaskSplit: [[Int32]]]

    /// The number of ids, specials included.
    public var size: Int { mode == .byte ? 260 : 4 + words.count }

    /// The vocabulary names; the mask and classification ids are marked when the task uses them.
    func vocabulary(usesMask: Bool, usesClassification: Bool) throws -> TaskVocabulary {
        let content: [String]
        switch mode {
        case .byte: content = (0...255).map(Self.byteName)
        case .word: content = words
        }
        return try TaskVocabulary(
            names: Self.specialNames + content, mask: usesMask ? Self.mask : nil,
            classification: usesClassification ? Self.classification : nil)
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
        case .word:
            let all = encoded[split]![index]
            return Array(all[min(positions.lowerBound, all.count)..<min(positions.upperBound, all.count)])
        }
    }

    /// The number of tokens of example `index` of `split` (without encoding it for bytes).
    func tokenCount(of corpus: PreparedTextCorpus, _ split: TaskSplit, _ index: Int) -> Int {
        switch mode {
        case .byte: return corpus.split(split).text(index).count
        case .word: return encoded[split]![index].count
        }
    }

    /// The ids of `text` under this tokenization (words outside the vocabulary are `<unk>`).
    public func encode<Bytes: Collection>(_ text: Bytes) -> [Int32] where Bytes.Element == UInt8 {
        switch mode {
        case .byte: return text.map { Int32($0) + Self.firstContent }
        case .word: return WordSplitter.words(text).map { ids[$0] ?? Self.unknown }
        }
    }

    private init(mode: Mode, words: [String], encoded: [TaskSplit: [[Int32]]]) {
        self.mode = mode
        self.words = words
        ids = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, Int32($0) + Self.firstContent) })
        self.encoded = encoded
    }

    /// The tokenization chosen by `settings` (`tokens`, `vocab-size`, `min-count`) for `corpus`; word
    /// vocabularies and encodings are built once per process and dataset.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` for a bad value, or `vocab-size`/`min-count` given
    ///   with `tokens=byte` (where they would do nothing).
    static func make(_ settings: TaskSettings, corpus: PreparedTextCorpus, cache: DataCache) throws -> TextTokenization {
        let mode = Mode(rawValue: try settings.choice("tokens", default: "byte", allowed: ["byte", "word"]))!
        let size = try settings.integer("vocab-size", default: 20000, in: 1...10_000_000)
        let minimumCount = try settings.integer("min-count", default: 2, in: 1...Int(Int32.max))
        if mode == .byte, let key = ["vocab-size", "min-count"].first(where: { settings.values[$0] != nil }) {
            throw MixLabError(
                .invalidConfigValue, what: "\(key) is set but tokens=byte has a fixed vocabulary of 256 bytes",
                location: "task \(settings.task)", fix: "remove \(key), or set tokens=word")
        }
        guard mode == .word else { return TextTokenization(mode: .byte, words: [], encoded: [:]) }
        let folder = cache.directory(of: corpus.manifest.dataset)
        let fingerprint = try PreparedDatasetStore.fingerprint(of: corpus.manifest, in: cache, location: "task \(settings.task)")
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
