import Foundation
import MixLabCore

/// The HuggingFace tokenizer files of a text task: a `tokenizer.json` that gives the task's token ids
/// for a text, and a `tokenizer_config.json` that tells `transformers` the special tokens and the length
/// the task pads and cuts to.
///
/// By the task's `tokens` setting (`TextTokenization`):
/// - `subword`: the run's WordPiece `tokenizer.json` itself, byte for byte; with `cls=true` its
///   post-processor becomes `TemplateProcessing` `[CLS] $A` (the only change; MixLab reads the file the
///   same either way, as it ignores post-processors).
/// - `word`: a `WordLevel` model over the task's vocabulary (`<pad> <unk> <mask> <cls>` and the words,
///   ids as in the task), a `Lowercase` normalizer and the pre-tokenizer sequence `WhitespaceSplit`, then
///   `Split` (isolated) on `wordPattern`, which states `WordSplitter`'s rules as an Oniguruma pattern:
///   a CJK/kana scalar alone, or a run of letters, digits and marks, or any other single scalar. The
///   letters, digits and marks are listed as ranges from Swift's Unicode tables: named as properties
///   (`\p{Alphabetic}`), the `tokenizers` library's older tables left out 4,679 recent ones.
/// - `byte`: a `BPE` model without merges over the 256 byte symbols of the `ByteLevel` pre-tokenizer
///   (GPT-2's byte-to-symbol map, no prefix space, no regex), byte b at id 4 + b, and the special tokens
///   at ids 0–3.
/// With `cls=true` (word and byte) the post-processor prepends `<cls>`. Truncation and padding are not
/// set in `tokenizer.json` (MixLab's reader refuses them, and `transformers` sets its own per call):
/// `tokenizer_config.json` gives `model_max_length` = the task's `length`, right padding and
/// truncation, and the input names FNet reads (`input_ids`, `token_type_ids`: FNet has no attention
/// mask, so padding is mixed like any token and inputs must be padded to `length` as the task pads them).
public struct HuggingFaceTokenizerFiles: Sendable {
    /// The `tokenizer.json` bytes.
    public let tokenizerJSON: Data
    /// The `tokenizer_config.json` bytes.
    public let tokenizerConfigJSON: Data
    /// What a user must know: where the files differ from the task's tokenisation, and how to call them.
    public let notes: [String]

    /// The pattern of the `Split` pre-tokenizer of word tokens: one standalone (CJK or kana) scalar, or a
    /// run of scalars that extend words (letters, numbers, marks: `WordSplitter.wordScalarRanges`, listed
    /// from Swift's Unicode tables rather than named as properties, so that the regex engine's own, older
    /// tables do not decide), or any other single scalar.
    public static let wordPattern: String = {
        func ranges(_ list: [ClosedRange<UInt32>]) -> String {
            list.map { $0.lowerBound == $0.upperBound ? "\\x{\(hex($0.lowerBound))}" : "\\x{\(hex($0.lowerBound))}-\\x{\(hex($0.upperBound))}" }
                .joined()
        }
        return "[\(ranges(WordSplitter.standaloneRanges))]|[\(ranges(WordSplitter.wordScalarRanges))]+|[\\x{0}-\\x{10FFFF}]"
    }()

    private static func hex(_ value: UInt32) -> String { String(value, radix: 16, uppercase: true) }

    /// The files for a task with resolved settings `taskSettings` (`tokens`, `length`, `cls`) and token
    /// names `vocabulary` (by id).
    ///
    /// - Parameters:
    ///   - taskName: the task, for notes and errors.
    ///   - taskSettings: the task's resolved settings, without the `task.` prefix.
    ///   - vocabulary: the task's token names by id.
    ///   - wordPieceFile: the bytes of the run's `tokenizer.json`, for `tokens=subword`.
    /// - Throws: `MixLabError.invalidArgument` when the settings do not describe a text tokenisation,
    ///   the vocabulary does not have the layout of the task's tokens, or the subword file is missing or
    ///   not a WordPiece tokenizer.
    public static func make(
        taskName: String, taskSettings: [String: String], vocabulary: [String], wordPieceFile: Data?
    ) throws -> HuggingFaceTokenizerFiles {
        let location = "HuggingFace tokenizer of task \(taskName)"
        guard let tokens = taskSettings["tokens"], let mode = TextTokenization.Mode(rawValue: tokens) else {
            throw MixLabError(.invalidArgument, what: "task \(taskName) does not read text (it has no tokens setting)", location: location,
                              fix: "export the model without a tokenizer: its inputs are the task's token ids")
        }
        guard let length = taskSettings["length"].flatMap(Int.init), length >= 1 else {
            throw MixLabError(.invalidArgument, what: "task \(taskName) records no length", location: location,
                              fix: "export a run written by this MixLab version")
        }
        let classification = taskSettings["cls"] == "true"
        var notes = [
            "inputs: pad and cut to \(length) tokens as the task does — tokenizer(texts, padding=\"max_length\", truncation=True) "
                + "(tokenizer_config.json sets model_max_length=\(length)); FNet mixes padding like any token, so unpadded inputs give other outputs",
        ]
        if ["langid", "mlm"].contains(taskName) {
            notes.append("task \(taskName) cuts each text into windows of \(length) tokens; the tokenizer gives the first window only")
        }
        let tokenizer: Data
        var special: [String: String]
        switch mode {
        case .subword:
            guard let wordPieceFile else {
                throw MixLabError(.invalidArgument, what: "the run's WordPiece tokenizer.json is needed and was not given", location: location,
                                  fix: "pass the tokenizer file the run was trained with")
            }
            let (wordPiece, _) = try WordPieceTokenizer.decode(wordPieceFile, path: "tokenizer.json", location: location)
            guard wordPiece.tokens == vocabulary else {
                throw MixLabError(.invalidArgument, what: "the tokenizer's vocabulary differs from the run's", location: location,
                                  fix: "pass the tokenizer file the run was trained with (its SHA-256 is in the run's settings)")
            }
            tokenizer = try subwordFile(wordPieceFile, classification: classification, location: location)
            special = ["pad_token": wordPiece.tokens[0], "unk_token": wordPiece.unknownToken]
            for (key, token) in [("mask_token", "[MASK]"), ("cls_token", "[CLS]"), ("sep_token", "[SEP]")] where wordPiece.id(of: token) != nil {
                special[key] = token
            }
            notes.append("tokenizer.json is the run's WordPiece tokenizer"
                + (classification ? " with a post-processor that prepends [CLS] (its SHA-256 therefore differs from the run's file)" : ", byte for byte"))
        case .word, .byte:
            guard vocabulary.count > TextTokenization.specialNames.count,
                  Array(vocabulary.prefix(TextTokenization.specialNames.count)) == TextTokenization.specialNames else {
                throw MixLabError(.invalidArgument, what: "the vocabulary does not start with \(TextTokenization.specialNames.joined(separator: " "))",
                                  location: location, fix: "export a run of a text task written by this MixLab version")
            }
            if mode == .byte, vocabulary.count != 260 {
                throw MixLabError(.invalidArgument, what: "a byte vocabulary of \(vocabulary.count) tokens (expected 260)", location: location,
                                  fix: "export a run of a text task written by this MixLab version")
            }
            tokenizer = mode == .word ? wordFile(vocabulary, classification: classification) : byteFile(classification: classification)
            special = ["pad_token": "<pad>", "unk_token": "<unk>", "mask_token": "<mask>", "cls_token": "<cls>"]
            notes.append("tokenizer.json reproduces tokens=\(mode.rawValue); one exception: transformers matches the special tokens "
                + "<pad> <unk> <mask> <cls> written literally in a text, which MixLab reads as ordinary "
                + (mode == .word ? "words" : "bytes"))
        }
        var config: [String: JSONValue] = [
            "tokenizer_class": .string("PreTrainedTokenizerFast"),
            "model_max_length": .integer(length),
            "padding_side": .string("right"),
            "truncation_side": .string("right"),
            "model_input_names": .array([.string("input_ids"), .string("token_type_ids")]),
            "clean_up_tokenization_spaces": .boolean(false),
        ]
        for (key, token) in special { config[key] = .string(token) }
        return HuggingFaceTokenizerFiles(
            tokenizerJSON: tokenizer, tokenizerConfigJSON: Data((JSONValue.object(config).rendered() + "\n").utf8), notes: notes)
    }

    /// The MixLab tokenisation a `tokenizer.json` gives, with the token names by id: `subword` for a
    /// WordPiece file MixLab reads (`WordPieceTokenizer.decode`; `tokenizer-sha256` is the file's), `word`
    /// for a `WordLevel` file in the layout `make` writes (`<pad> <unk> <mask> <cls>` first), `byte` for
    /// the byte-level file `make` writes; nil for anything else.
    ///
    /// - Returns: the task settings it stands for (`tokens`, and `tokenizer-sha256` for subwords) and the
    ///   token names.
    public static func tokenisation(of file: Data) -> (settings: [String: String], vocabulary: [String])? {
        if let (wordPiece, digest) = try? WordPieceTokenizer.decode(file, path: "tokenizer.json", location: "tokenizer.json") {
            return (["tokens": "subword", "tokenizer-sha256": digest], wordPiece.tokens)
        }
        guard let root = try? JSONSerialization.jsonObject(with: file) as? [String: Any],
              let model = root["model"] as? [String: Any], let vocab = model["vocab"] as? [String: Any] else { return nil }
        var names = [String?](repeating: nil, count: vocab.count)
        for (token, value) in vocab {
            guard let id = (value as? NSNumber)?.intValue, names.indices.contains(id), names[id] == nil else { return nil }
            names[id] = token
        }
        let vocabulary = names.compactMap { $0 }
        guard vocabulary.count == names.count, Array(vocabulary.prefix(4)) == TextTokenization.specialNames else { return nil }
        switch model["type"] as? String {
        case "WordLevel":
            return (["tokens": "word"], vocabulary)
        case "BPE" where vocabulary == TextTokenization.specialNames + byteSymbols:
            return (["tokens": "byte"], TextTokenization.specialNames + (0...255).map(TextTokenization.byteName))
        default:
            return nil
        }
    }

    /// The `TemplateProcessing` post-processor that prepends `token` (id `id`).
    static func prepending(_ token: String, id: Int) -> JSONValue {
        func special(_ typeID: Int) -> JSONValue {
            .orderedObject([("SpecialToken", .orderedObject([("id", .string(token)), ("type_id", .integer(typeID))]))])
        }
        func sequence(_ name: String, _ typeID: Int) -> JSONValue {
            .orderedObject([("Sequence", .orderedObject([("id", .string(name)), ("type_id", .integer(typeID))]))])
        }
        return .orderedObject([
            ("type", .string("TemplateProcessing")),
            ("single", .array([special(0), sequence("A", 0)])),
            ("pair", .array([special(0), sequence("A", 0), sequence("B", 1)])),
            ("special_tokens", .orderedObject([
                (token, .orderedObject([("id", .string(token)), ("ids", .array([.integer(id)])), ("tokens", .array([.string(token)]))])),
            ])),
        ])
    }

    /// The run's WordPiece file with the post-processor of the task (none, or `[CLS] $A`).
    static func subwordFile(_ file: Data, classification: Bool, location: String) throws -> Data {
        guard var root = try? JSONSerialization.jsonObject(with: file) as? [String: Any] else {
            throw MixLabError(.invalidArgument, what: "the run's tokenizer.json is not a JSON object", location: location,
                              fix: "pass the tokenizer file the run was trained with")
        }
        let current = root["post_processor"].flatMap { $0 is NSNull ? nil : $0 }
        if !classification, current == nil { return file }
        let wanted: JSONValue = classification ? prepending("[CLS]", id: Int(try classificationID(of: file, location: location))) : .null
        let nullLine = "\"post_processor\": null"
        let text = String(decoding: file, as: UTF8.self)
        if current == nil, text.components(separatedBy: nullLine).count == 2 {
            // MixLab's own files: replace the one line, keep every other byte.
            return Data(text.replacingOccurrences(of: nullLine, with: "\"post_processor\": " + wanted.rendered(indent: "  ")).utf8)
        }
        root["post_processor"] = try JSONSerialization.jsonObject(with: Data(wanted.rendered().utf8), options: [.fragmentsAllowed])
        return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// The id of `[CLS]` in a WordPiece file.
    private static func classificationID(of file: Data, location: String) throws -> Int32 {
        let (wordPiece, _) = try WordPieceTokenizer.decode(file, path: "tokenizer.json", location: location)
        guard let id = wordPiece.id(of: "[CLS]") else {
            throw MixLabError(.invalidArgument, what: "the run's tokenizer has no [CLS] token", location: location,
                              fix: "pass the tokenizer file the run was trained with")
        }
        return id
    }

    /// The four special tokens of word and byte tokens as `added_tokens` entries.
    private static var specialEntries: JSONValue {
        .array(TextTokenization.specialNames.enumerated().map { id, token in
            .orderedObject([
                ("id", .integer(id)), ("content", .string(token)), ("single_word", .boolean(false)), ("lstrip", .boolean(false)),
                ("rstrip", .boolean(false)), ("normalized", .boolean(false)), ("special", .boolean(true)),
            ])
        })
    }

    /// A whole `tokenizer.json` from its parts, in the library's key order.
    private static func tokenizerFile(normalizer: JSONValue, preTokenizer: JSONValue, classification: Bool, decoder: JSONValue, model: JSONValue) -> Data {
        let file = JSONValue.orderedObject([
            ("version", .string("1.0")), ("truncation", .null), ("padding", .null), ("added_tokens", specialEntries),
            ("normalizer", normalizer), ("pre_tokenizer", preTokenizer),
            ("post_processor", classification ? prepending("<cls>", id: Int(TextTokenization.classification)) : .null),
            ("decoder", decoder), ("model", model),
        ])
        return Data((file.rendered() + "\n").utf8)
    }

    /// The `WordLevel` tokenizer of `tokens=word` over `vocabulary`.
    static func wordFile(_ vocabulary: [String], classification: Bool) -> Data {
        tokenizerFile(
            normalizer: .orderedObject([("type", .string("Lowercase"))]),
            preTokenizer: .orderedObject([
                ("type", .string("Sequence")),
                ("pretokenizers", .array([
                    .orderedObject([("type", .string("WhitespaceSplit"))]),
                    .orderedObject([
                        ("type", .string("Split")), ("pattern", .orderedObject([("Regex", .string(wordPattern))])),
                        ("behavior", .string("Isolated")), ("invert", .boolean(false)),
                    ]),
                ])),
            ]),
            classification: classification, decoder: .null,
            model: .orderedObject([
                ("type", .string("WordLevel")),
                ("vocab", .orderedObject(vocabulary.enumerated().map { ($0.element, .integer($0.offset)) })),
                ("unk_token", .string("<unk>")),
            ]))
    }

    /// GPT-2's map from bytes to printable symbols (`bytes_to_unicode`): the printable Latin-1 bytes
    /// stand for themselves, the other 68 bytes for U+0100 onwards in byte order.
    static let byteSymbols: [String] = {
        let printable = Set(Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF))
        var next = 0x100
        return (0...255).map { byte in
            if printable.contains(byte) { return String(UnicodeScalar(UInt8(byte))) }
            defer { next += 1 }
            return String(UnicodeScalar(UInt32(next))!)
        }
    }()

    /// The byte-level tokenizer of `tokens=byte`.
    static func byteFile(classification: Bool) -> Data {
        let byteLevel: [(String, JSONValue)] = [
            ("type", .string("ByteLevel")), ("add_prefix_space", .boolean(false)), ("trim_offsets", .boolean(false)),
            ("use_regex", .boolean(false)),
        ]
        let vocabulary = TextTokenization.specialNames.enumerated().map { ($0.element, JSONValue.integer($0.offset)) }
            + byteSymbols.enumerated().map { ($0.element, JSONValue.integer($0.offset + Int(TextTokenization.firstContent))) }
        return tokenizerFile(
            normalizer: .null, preTokenizer: .orderedObject(byteLevel), classification: classification,
            decoder: .orderedObject(byteLevel),
            model: .orderedObject([
                ("type", .string("BPE")), ("dropout", .null), ("unk_token", .null), ("continuing_subword_prefix", .null),
                ("end_of_word_suffix", .null), ("fuse_unk", .boolean(false)), ("byte_fallback", .boolean(false)),
                ("ignore_merges", .boolean(false)), ("vocab", .orderedObject(vocabulary)), ("merges", .array([])),
            ]))
    }
}
