import Foundation
import MixLabCore

/// Reading and writing HuggingFace's `tokenizer.json` (the `tokenizers` library's serialization).
///
/// Written: `version` "1.0", `truncation` and `padding` null, `added_tokens` (the special tokens, not
/// normalized, `special: true`), a `BertNormalizer`, a `BertPreTokenizer`, no post-processor, a
/// `WordPiece` decoder and a `WordPiece` model (`unk_token`, `continuing_subword_prefix`,
/// `max_input_chars_per_word`, `vocab` in id order). Keys are written in the library's order, with
/// non-ASCII text as UTF-8, so `Tokenizer.from_file(path)` loads it and `encode(text).ids` equals
/// `encode(_:)`. The bytes are a function of the tokenizer alone.
///
/// Read: the same layout. A post-processor (`TemplateProcessing`, `BertProcessing`) is accepted and not
/// applied (MixLab's ids are those of `encode(text, add_special_tokens=False)`); every other difference
/// that would change the ids — another model type or normalizer, truncation or padding, added tokens that
/// are not special vocabulary entries — is refused with an error that names it.
extension WordPieceTokenizer {
    /// The tokenizer in the file at `path`, and the file's SHA-256.
    ///
    /// - Parameters:
    ///   - path: the tokenizer.json file.
    ///   - location: who reads it (a task setting, a command), for errors.
    /// - Throws: `MixLabError.ioFailure` when the file is missing or unreadable, is not JSON (e.g.
    ///   truncated) or not a tokenizer.json; `invalidConfigValue` for another model type, normalizer or
    ///   pre-tokenizer, truncation or padding, ids that are not 0..<n, or missing special tokens.
    public static func read(from path: String, location: String) throws -> (tokenizer: WordPieceTokenizer, sha256: String) {
        let place = "\(location) (\(path))"
        let retrain = "train one with `mixlab tokenizer train --output \(path)`"
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw MixLabError(.ioFailure, what: "there is no tokenizer file \(path)", location: place,
                              fix: "give the path of a tokenizer.json, or \(retrain)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MixLabError(.ioFailure, what: "cannot read the tokenizer file \(path)", location: place, fix: "check its permissions")
        }
        return try decode(data, path: path, location: location)
    }

    /// A tokeniser from the bytes of a `tokenizer.json`, and their SHA-256; `path` names the file in
    /// errors.
    ///
    /// - Throws: as `read(from:location:)`, for the file's content.
    public static func decode(_ data: Data, path: String, location: String) throws -> (tokenizer: WordPieceTokenizer, sha256: String) {
        let place = "\(location) (\(path))"
        let retrain = "train one with `mixlab tokenizer train --output \(path)`"
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw MixLabError(
                .ioFailure,
                what: "\(path) is not valid JSON (\(data.count) bytes; a truncated or damaged file?): \(error.localizedDescription)",
                location: place, fix: "copy the complete file again, or \(retrain)")
        }
        func unsupported(_ what: String, _ fix: String) -> MixLabError {
            MixLabError(.invalidConfigValue, what: "\(path): \(what)", location: place, fix: fix)
        }
        guard let file = root as? [String: Any], let model = file["model"] as? [String: Any] else {
            throw MixLabError(.ioFailure, what: "\(path) is JSON but not a HuggingFace tokenizer.json (it has no \"model\" object)",
                              location: place, fix: "give the path of a tokenizer.json, or \(retrain)")
        }
        let type = model["type"] as? String ?? "(none)"
        guard type == "WordPiece" else {
            throw unsupported(
                "its model is of type \(type); MixLab's subword tokens read WordPiece models",
                "use a WordPiece tokenizer.json (BERT-style), or \(retrain)")
        }
        for key in ["truncation", "padding"] where !(file[key] == nil || file[key] is NSNull) {
            throw unsupported("it sets \(key); MixLab cuts and pads to the task's length itself", "set \"\(key)\": null in the file")
        }
        guard let normalizerObject = file["normalizer"] as? [String: Any], normalizerObject["type"] as? String == "BertNormalizer" else {
            let found = (file["normalizer"] as? [String: Any])?["type"] as? String ?? "none"
            throw unsupported("its normalizer is \(found); MixLab applies BertNormalizer", "use a BERT-style tokenizer.json, or \(retrain)")
        }
        let lowercases = normalizerObject["lowercase"] as? Bool ?? true
        let stripAccents = normalizerObject["strip_accents"] as? Bool ?? lowercases  // null: strip when lower-casing
        let normalizer = BertNormalizer(
            cleansText: normalizerObject["clean_text"] as? Bool ?? true,
            separatesChineseCharacters: normalizerObject["handle_chinese_chars"] as? Bool ?? true,
            stripsAccents: stripAccents, lowercases: lowercases)
        let preTokenizer = (file["pre_tokenizer"] as? [String: Any])?["type"] as? String ?? "none"
        guard preTokenizer == "BertPreTokenizer" else {
            throw unsupported("its pre-tokenizer is \(preTokenizer); MixLab applies BertPreTokenizer", "use a BERT-style tokenizer.json, or \(retrain)")
        }
        if let processor = file["post_processor"] as? [String: Any], let kind = processor["type"] as? String,
           !["TemplateProcessing", "BertProcessing"].contains(kind) {
            throw unsupported("its post-processor is \(kind)", "set \"post_processor\": null")
        }
        guard let vocab = model["vocab"] as? [String: Any], !vocab.isEmpty else {
            throw unsupported("its model has no vocab", retrain)
        }
        var tokens = [String?](repeating: nil, count: vocab.count)
        for (token, value) in vocab {
            guard let id = (value as? NSNumber)?.intValue, id >= 0, id < vocab.count, tokens[id] == nil else {
                throw unsupported(
                    "the vocab gives '\(token)' the id \(value), but ids must be 0..<\(vocab.count), each used once",
                    "renumber the vocab densely from 0 (MixLab's embedding has one row per id), or \(retrain)")
            }
            tokens[id] = token
        }
        var specials: [String] = []
        for entry in file["added_tokens"] as? [[String: Any]] ?? [] {
            let content = entry["content"] as? String ?? ""
            let id = (entry["id"] as? NSNumber)?.intValue
            guard entry["special"] as? Bool == true, entry["normalized"] as? Bool != true, let id, (0..<tokens.count).contains(id),
                  tokens[id] == content else {
                throw unsupported(
                    "its added token '\(content)' (id \(id.map(String.init) ?? "none")) is not a special, not-normalized token with the same id in the vocab",
                    "keep only special tokens of the vocab in added_tokens, or \(retrain)")
            }
            specials.append(content)
        }
        let tokenizer = try WordPieceTokenizer(
            tokens: tokens.map { $0! }, unknownToken: model["unk_token"] as? String ?? "[UNK]",
            continuingSubwordPrefix: model["continuing_subword_prefix"] as? String ?? "##",
            maximumCharactersPerWord: (model["max_input_chars_per_word"] as? NSNumber)?.intValue ?? 100,
            normalizer: normalizer, specialTokens: specials, location: place)
        return (tokenizer, ContentDigest.hex(of: data))
    }

    /// The tokenizer as `tokenizer.json` bytes (UTF-8, two-space indentation, a final newline).
    public func huggingFaceJSON() -> Data {
        let quoted = JSONValue.quoted
        var lines = ["{", "  \"version\": \"1.0\",", "  \"truncation\": null,", "  \"padding\": null,", "  \"added_tokens\": ["]
        for (index, token) in specialTokens.enumerated() {
            lines += [
                "    {", "      \"id\": \(id(of: token)!),", "      \"content\": \(quoted(token)),", "      \"single_word\": false,",
                "      \"lstrip\": false,", "      \"rstrip\": false,", "      \"normalized\": false,", "      \"special\": true",
                index == specialTokens.count - 1 ? "    }" : "    },",
            ]
        }
        lines += [
            "  ],",
            "  \"normalizer\": {", "    \"type\": \"BertNormalizer\",", "    \"clean_text\": \(normalizer.cleansText),",
            "    \"handle_chinese_chars\": \(normalizer.separatesChineseCharacters),", "    \"strip_accents\": \(normalizer.stripsAccents),",
            "    \"lowercase\": \(normalizer.lowercases)", "  },",
            "  \"pre_tokenizer\": {", "    \"type\": \"BertPreTokenizer\"", "  },",
            "  \"post_processor\": null,",
            "  \"decoder\": {", "    \"type\": \"WordPiece\",", "    \"prefix\": \(quoted(continuingSubwordPrefix)),", "    \"cleanup\": true", "  },",
            "  \"model\": {", "    \"type\": \"WordPiece\",", "    \"unk_token\": \(quoted(unknownToken)),",
            "    \"continuing_subword_prefix\": \(quoted(continuingSubwordPrefix)),",
            "    \"max_input_chars_per_word\": \(maximumCharactersPerWord),", "    \"vocab\": {",
        ]
        for (id, token) in tokens.enumerated() {
            lines.append("      \(quoted(token)): \(id)" + (id == tokens.count - 1 ? "" : ","))
        }
        lines += ["    }", "  }", "}", ""]
        return Data(lines.joined(separator: "\n").utf8)
    }

    /// Writes `huggingFaceJSON()` to `path` atomically (readers see the old file or the new one).
    ///
    /// - Throws: `MixLabError.ioFailure` when the file cannot be written.
    public func write(to path: String) throws {
        try AtomicFile.write(huggingFaceJSON(), to: path)
    }
}
