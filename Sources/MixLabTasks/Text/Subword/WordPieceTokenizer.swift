import MixLabCore

/// A WordPiece tokenizer as BERT defines it and HuggingFace `tokenizers` runs it: text → subword ids.
///
/// Encoding a text, in the library's order:
/// 1. Special tokens (`specialTokens`, e.g. `[MASK]`) written literally in the raw text are found first,
///    leftmost then longest, and become their ids; the text between them is encoded alone.
/// 2. `BertNormalizer`, then `BertPreTokenizer` words.
/// 3. Each word is cut greedily, longest match first: the longest vocabulary entry that starts the word,
///    then the longest entry `##…` (`continuingSubwordPrefix`) that continues it, and so on, one Unicode
///    scalar at a time. A word with a part that matches nothing, or longer than
///    `maximumCharactersPerWord` scalars, is one `[UNK]`.
///
/// Tokens and words are compared as UTF-8 bytes, as the library compares them: `e` + U+0301 and the
/// precomposed `é` are different strings (Swift's `String` equality would merge them).
///
/// No post-processing is applied: the ids are those of the library's `encode(text)` for a file without a
/// post-processor, or `encode(text, add_special_tokens=False)`. Tasks add `[CLS]` themselves (`cls=true`).
/// O(Σ w²) dictionary look-ups for words of w scalars (w ≤ 100); `encode(_:cache:)` remembers words.
///
/// References: Y. Wu et al., "Google's Neural Machine Translation System", 2016 (WordPiece); J. Devlin et
/// al., "BERT", NAACL 2019, and google-research/bert tokenization.py (`WordpieceTokenizer`); HuggingFace
/// `tokenizers`, `models/wordpiece`.
public struct WordPieceTokenizer: Sendable, Equatable {
    /// The special tokens MixLab's text tasks need, in the order `WordPieceTrainer` gives them ids 0–4.
    public static let requiredSpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    /// Every token, by id (continuations carry the `##` prefix).
    public let tokens: [String]
    /// The token of words that cannot be cut into vocabulary entries.
    public let unknownToken: String
    /// The prefix of a piece that continues a word (`##`).
    public let continuingSubwordPrefix: String
    /// Longer words (in Unicode scalars) are one unknown token.
    public let maximumCharactersPerWord: Int
    /// The text clean-up before words are split.
    public let normalizer: BertNormalizer
    /// The tokens matched literally in raw text before normalization, in id order.
    public let specialTokens: [String]

    /// Words already cut into pieces, by their UTF-8 bytes (share one across texts: see `encode(_:cache:)`).
    public typealias WordCache = [[UInt8]: [Int32]]

    private let ids: [[UInt8]: Int32]
    private let prefixBytes: [UInt8]
    private let unknownID: Int32
    /// The special tokens as UTF-8, longest first (the matching order).
    private let specialBytes: [SpecialToken]

    /// A special token's UTF-8 bytes and id.
    private struct SpecialToken: Sendable {
        let bytes: [UInt8]
        let id: Int32
    }

    /// A tokenizer of `tokens` (id = position).
    ///
    /// - Parameters:
    ///   - tokens: every token, by id; continuations carry `continuingSubwordPrefix`.
    ///   - unknownToken: the token of words that cannot be cut into entries.
    ///   - continuingSubwordPrefix: the prefix of pieces that continue a word.
    ///   - maximumCharactersPerWord: longer words (in Unicode scalars) are one unknown token.
    ///   - normalizer: the clean-up applied before words are split.
    ///   - specialTokens: the tokens matched literally in raw text (each must be in `tokens`).
    ///   - location: where the vocabulary comes from, for errors (a file, a setting).
    /// - Throws: `MixLabError.invalidConfigValue` when a token is listed twice, a special token or the
    ///   unknown token is missing, `[PAD]` (MixLab's padding) is not id 0, or a setting is out of range.
    public init(
        tokens: [String], unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##",
        maximumCharactersPerWord: Int = 100, normalizer: BertNormalizer = BertNormalizer(),
        specialTokens: [String] = requiredSpecialTokens, location: String = "WordPieceTokenizer"
    ) throws {
        var ids: [[UInt8]: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() {
            guard !token.isEmpty, ids.updateValue(Int32(id), forKey: Array(token.utf8)) == nil else {
                throw MixLabError(
                    .invalidConfigValue, what: "the vocabulary lists the token '\(token)' twice (again at id \(id)) or an empty token",
                    location: location, fix: "give every token one id (train the tokenizer again with `mixlab tokenizer train`)")
            }
        }
        let missing = Self.requiredSpecialTokens.filter { ids[Array($0.utf8)] == nil }
            + (ids[Array(unknownToken.utf8)] == nil && !Self.requiredSpecialTokens.contains(unknownToken) ? [unknownToken] : [])
        guard missing.isEmpty else {
            throw MixLabError(
                .invalidConfigValue,
                what: "the vocabulary (\(tokens.count) tokens) lacks the special token\(missing.count == 1 ? "" : "s") \(missing.joined(separator: " "))",
                location: location,
                fix: "MixLab's text tasks need \(Self.requiredSpecialTokens.joined(separator: " ")) in the vocabulary: train one with "
                    + "`mixlab tokenizer train`, which adds them, or add them to the file's vocab and added_tokens")
        }
        guard ids[Array("[PAD]".utf8)] == 0 else {
            throw MixLabError(
                .invalidConfigValue, what: "[PAD] has id \(ids[Array("[PAD]".utf8)]!), but MixLab pads batches with id 0", location: location,
                fix: "give [PAD] id 0 (as `mixlab tokenizer train` does), renumbering the tokens before it")
        }
        guard !continuingSubwordPrefix.isEmpty, maximumCharactersPerWord >= 1 else {
            throw MixLabError(
                .invalidConfigValue,
                what: "continuing_subword_prefix '\(continuingSubwordPrefix)' is empty or max_input_chars_per_word \(maximumCharactersPerWord) < 1",
                location: location, fix: "use the WordPiece defaults: prefix ## and 100 characters")
        }
        for special in specialTokens where ids[Array(special.utf8)] == nil {
            throw MixLabError(
                .invalidConfigValue, what: "the special token '\(special)' is not in the vocabulary", location: location,
                fix: "add it to the vocabulary with the id the added_tokens entry gives it")
        }
        let vocabulary = ids
        let orderedSpecials = specialTokens.sorted { vocabulary[Array($0.utf8)]! < vocabulary[Array($1.utf8)]! }
        let matching = specialTokens.map { SpecialToken(bytes: Array($0.utf8), id: vocabulary[Array($0.utf8)]!) }
            .sorted { $0.bytes.count > $1.bytes.count }
        let unknown = vocabulary[Array(unknownToken.utf8)]!
        self.tokens = tokens
        self.unknownToken = unknownToken
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maximumCharactersPerWord = maximumCharactersPerWord
        self.normalizer = normalizer
        self.specialTokens = orderedSpecials
        self.ids = vocabulary
        self.prefixBytes = Array(continuingSubwordPrefix.utf8)
        self.unknownID = unknown
        self.specialBytes = matching
    }

    /// The number of tokens.
    public var size: Int { tokens.count }

    /// The id of `token`, or nil when it is not in the vocabulary.
    public func id(of token: String) -> Int32? {
        ids[Array(token.utf8)]
    }

    /// The ids of `text`.
    public func encode(_ text: String) -> [Int32] {
        var cache = WordCache()
        return encode(text, cache: &cache)
    }

    /// The ids of `text`, remembering the pieces of each word in `cache` (share one cache across texts).
    public func encode(_ text: String, cache: inout WordCache) -> [Int32] {
        var ids: [Int32] = []
        for segment in segments(text) {
            switch segment {
            case let .special(id):
                ids.append(id)
            case let .text(part):
                for word in BertPreTokenizer.words(normalizer.normalize(part)) {
                    let bytes = Array(word.utf8)
                    if let known = cache[bytes] {
                        ids += known
                    } else {
                        let pieces = wordPieces(word)
                        cache[bytes] = pieces
                        ids += pieces
                    }
                }
            }
        }
        return ids
    }

    /// The words a text is split into before word pieces: normalized, pre-tokenized, special tokens
    /// left out. What `WordPieceTrainer` counts.
    func words(_ text: String) -> [Substring] {
        segments(text).flatMap { segment -> [Substring] in
            guard case let .text(part) = segment else { return [] }
            return BertPreTokenizer.words(normalizer.normalize(part))
        }
    }

    /// The greedy longest-match-first pieces of one pre-tokenized word.
    func wordPieces(_ word: Substring) -> [Int32] {
        let bytes = Array(word.utf8)
        // boundaries[i] is the byte offset of scalar i; boundaries.last is the end of the word.
        var boundaries = [0]
        for scalar in word.unicodeScalars { boundaries.append(boundaries.last! + UTF8.width(scalar)) }
        let count = boundaries.count - 1
        guard count <= maximumCharactersPerWord else { return [unknownID] }
        var pieces: [Int32] = []
        var start = 0
        var piece: [UInt8] = []
        while start < count {
            var end = count
            var found: Int32?
            while start < end {
                piece.removeAll(keepingCapacity: true)
                if start > 0 { piece += prefixBytes }
                piece += bytes[boundaries[start]..<boundaries[end]]
                if let id = ids[piece] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [unknownID] }
            pieces.append(id)
            start = end
        }
        return pieces
    }

    private enum Segment {
        case special(Int32)
        case text(Substring)
    }

    /// `text` cut at the special tokens written in it (leftmost match, the longest token at a position).
    private func segments(_ text: String) -> [Segment] {
        let utf8 = text.utf8
        guard !specialBytes.isEmpty, utf8.contains(where: { byte in specialBytes.contains { $0.bytes.first == byte } }) else {
            return text.isEmpty ? [] : [.text(Substring(text))]
        }
        let bytes = Array(utf8)
        var segments: [Segment] = []
        var textStart = 0
        var position = 0
        while position < bytes.count {
            let match = specialBytes.first { special in
                position + special.bytes.count <= bytes.count && bytes[position..<(position + special.bytes.count)].elementsEqual(special.bytes)
            }
            guard let match else { position += 1; continue }
            if textStart < position { segments.append(.text(substring(text, textStart, position))) }
            segments.append(.special(match.id))
            position += match.bytes.count
            textStart = position
        }
        if textStart < bytes.count { segments.append(.text(substring(text, textStart, bytes.count))) }
        return segments
    }

    private func substring(_ text: String, _ lower: Int, _ upper: Int) -> Substring {
        let utf8 = text.utf8
        return Substring(utf8[utf8.index(utf8.startIndex, offsetBy: lower)..<utf8.index(utf8.startIndex, offsetBy: upper)])
    }

    /// Two tokenizers are equal when they encode alike: same tokens, unknown token, prefix, word limit,
    /// normalizer and special tokens.
    public static func == (a: WordPieceTokenizer, b: WordPieceTokenizer) -> Bool {
        a.tokens == b.tokens && a.unknownToken == b.unknownToken && a.continuingSubwordPrefix == b.continuingSubwordPrefix
            && a.maximumCharactersPerWord == b.maximumCharactersPerWord && a.normalizer == b.normalizer && a.specialTokens == b.specialTokens
    }
}
