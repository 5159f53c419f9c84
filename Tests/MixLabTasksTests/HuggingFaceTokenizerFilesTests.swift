import Foundation
import MixLabCore
@testable import MixLabTasks
import Testing

/// The HuggingFace tokenizer files of text tasks: word splitting against HF `tokenizers` on every Unicode
/// scalar, the byte map, the subword copy, and reading the files back.
@Suite struct HuggingFaceTokenizerFilesTests {
    static let specials = ["<pad>", "<unk>", "<mask>", "<cls>"]

    /// How "a" + c + "a" is cut: W (one word), S (c alone), X (c is white space), or nil (anything else,
    /// listed with its pieces), as `Scripts/fixtures/hf_export.py` classifies `tokenizers`' pieces.
    static func kind(_ pieces: [String], _ c: String) -> String? {
        if pieces == ["a" + c + "a"] { return "W" }
        if pieces == ["a", c, "a"] { return "S" }
        if pieces == ["a", "a"] { return "X" }
        return nil
    }

    @Test func wordSplittingEqualsTheExportedPreTokenizerOnEveryUnicodeScalar() throws {
        let url = try #require(Bundle.module.url(forResource: "hf-word-pretokenizer", withExtension: "json", subdirectory: "Fixtures"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let fixture = try #require((root["cases"] as? [[String: Any]])?.first)
        #expect(fixture["pattern_sha256"] as? String == ContentDigest.hex(of: Data(HuggingFaceTokenizerFiles.wordPattern.utf8)),
                "the fixture was made with another pattern: run Scripts/fixtures/hf_export_runs.sh and make fixtures")
        var ranges: [[String]] = []
        var listed: [String] = []
        var previous: UInt32?
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let c = String(scalar)
            let pieces = WordSplitter.words(Array(("a" + c + "a").utf8))
            guard let kind = Self.kind(pieces, c) else {
                listed.append("\(value) \(pieces)")
                previous = nil  // a listed scalar ends the range before it
                continue
            }
            if let last = ranges.last, last[2] == kind, UInt32(last[1]) == previous {
                ranges[ranges.count - 1][1] = "\(value)"
            } else {
                ranges.append(["\(value)", "\(value)", kind])
            }
            previous = value
        }
        let rangeRows: [[Any]] = try #require(fixture["ranges"] as? [[Any]])
        let listedRows: [[Any]] = try #require(fixture["listed"] as? [[Any]])
        let expectedRanges: [[String]] = rangeRows.map { row in row.map { "\($0)" } }
        let expectedListed: [String] = listedRows.map { row in "\(row[0]) \((row[1] as? [String]) ?? [])" }
        #expect(ranges.count == expectedRanges.count && listed.count == expectedListed.count)
        let firstRange: ([String], [String])? = zip(ranges, expectedRanges).first { $0.0 != $0.1 }
        #expect(firstRange == nil, "first differing range: MixLab \(firstRange.map { "\($0.0)" } ?? ""), tokenizers \(firstRange.map { "\($0.1)" } ?? "")")
        let firstListed: (String, String)? = zip(listed, expectedListed).first { $0.0 != $0.1 }
        #expect(firstListed == nil, "first differing scalar: MixLab \(firstListed?.0 ?? ""), tokenizers \(firstListed?.1 ?? "")")
    }

    @Test func theByteMapIsGPT2s() {
        let symbols = HuggingFaceTokenizerFiles.byteSymbols
        #expect(symbols.count == 256 && Set(symbols).count == 256)
        #expect(symbols[Int(UInt8(ascii: "a"))] == "a" && symbols[Int(UInt8(ascii: "!"))] == "!")
        #expect(symbols[0] == "\u{100}" && symbols[32] == "\u{120}" && symbols[127] == "\u{121}" && symbols[173] == "\u{143}")
        #expect(symbols[161] == "\u{A1}" && symbols[255] == "\u{FF}")
    }

    @Test func wordAndByteFilesReadBackAsTheirTokenisation() throws {
        let vocabulary = Self.specials + ["film", "good", "."]
        let word = try HuggingFaceTokenizerFiles.make(
            taskName: "rt-sentiment", taskSettings: ["tokens": "word", "length": "16", "cls": "true"], vocabulary: vocabulary, wordPieceFile: nil)
        let (wordSettings, wordNames) = try #require(HuggingFaceTokenizerFiles.tokenisation(of: word.tokenizerJSON))
        #expect(wordSettings == ["tokens": "word"] && wordNames == vocabulary)
        let wordJSON = try #require(try JSONSerialization.jsonObject(with: word.tokenizerJSON) as? [String: Any])
        let processor = try #require(wordJSON["post_processor"] as? [String: Any])
        #expect(processor["type"] as? String == "TemplateProcessing")
        let config = try #require(try JSONSerialization.jsonObject(with: word.tokenizerConfigJSON) as? [String: Any])
        #expect(config["model_max_length"] as? Int == 16 && config["pad_token"] as? String == "<pad>")
        #expect(config["model_input_names"] as? [String] == ["input_ids", "token_type_ids"])

        let byteNames = Self.specials + (0...255).map(TextTokenization.byteName)
        let byte = try HuggingFaceTokenizerFiles.make(
            taskName: "news20", taskSettings: ["tokens": "byte", "length": "32", "cls": "false"], vocabulary: byteNames, wordPieceFile: nil)
        let (byteSettings, readNames) = try #require(HuggingFaceTokenizerFiles.tokenisation(of: byte.tokenizerJSON))
        #expect(byteSettings == ["tokens": "byte"] && readNames == byteNames)
        let byteJSON = try #require(try JSONSerialization.jsonObject(with: byte.tokenizerJSON) as? [String: Any])
        #expect(byteJSON["post_processor"] is NSNull)

        let wrong = try #require(throws: MixLabError.self) {
            try HuggingFaceTokenizerFiles.make(
                taskName: "news20", taskSettings: ["tokens": "byte", "length": "32"], vocabulary: Self.specials + ["x"], wordPieceFile: nil)
        }
        #expect(wrong.what.contains("byte vocabulary of 5 tokens"))
        let notText = try #require(throws: MixLabError.self) {
            try HuggingFaceTokenizerFiles.make(taskName: "parity", taskSettings: ["length": "8"], vocabulary: ["<pad>", "0", "1"], wordPieceFile: nil)
        }
        #expect(notText.what.contains("does not read text"))
    }

    @Test func subwordFilesAreTheRunsFileWithTheTasksPostProcessor() throws {
        let tokenizer = try WordPieceTokenizer(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "film", "good", "##s"])
        let file = tokenizer.huggingFaceJSON()
        let plain = try HuggingFaceTokenizerFiles.make(
            taskName: "mlm", taskSettings: ["tokens": "subword", "length": "8", "cls": "false"], vocabulary: tokenizer.tokens, wordPieceFile: file)
        #expect(plain.tokenizerJSON == file, "without cls the run's file is copied byte for byte")
        let withClassification = try HuggingFaceTokenizerFiles.make(
            taskName: "mlm", taskSettings: ["tokens": "subword", "length": "8", "cls": "true"], vocabulary: tokenizer.tokens, wordPieceFile: file)
        let (read, _) = try WordPieceTokenizer.decode(withClassification.tokenizerJSON, path: "patched", location: "test")
        #expect(read == tokenizer, "MixLab reads the patched file as the same tokenizer")
        let json = try #require(try JSONSerialization.jsonObject(with: withClassification.tokenizerJSON) as? [String: Any])
        let special = try #require(((json["post_processor"] as? [String: Any])?["special_tokens"] as? [String: Any])?["[CLS]"] as? [String: Any])
        #expect(special["ids"] as? [Int] == [2])
        let changedLines = zip(String(decoding: file, as: UTF8.self).split(separator: "\n"),
                               String(decoding: withClassification.tokenizerJSON, as: UTF8.self).split(separator: "\n")).filter { $0 != $1 }
        #expect(changedLines.first?.0 == "  \"post_processor\": null,", "only the post-processor line changes")
        let (settings, names) = try #require(HuggingFaceTokenizerFiles.tokenisation(of: file))
        #expect(settings == ["tokens": "subword", "tokenizer-sha256": ContentDigest.hex(of: file)] && names == tokenizer.tokens)

        let other = try WordPieceTokenizer(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "film", "bad"])
        let mismatch = try #require(throws: MixLabError.self) {
            try HuggingFaceTokenizerFiles.make(
                taskName: "mlm", taskSettings: ["tokens": "subword", "length": "8"], vocabulary: other.tokens, wordPieceFile: file)
        }
        #expect(mismatch.what.contains("vocabulary differs"))
    }
}
