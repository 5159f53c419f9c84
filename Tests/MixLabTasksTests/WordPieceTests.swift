import Foundation
import MixLabCore
import Testing

@testable import MixLabTasks

/// WordPiece subword tokenizers: ids identical to HuggingFace `tokenizers` (golden fixture), deterministic
/// training, the tokenizer.json format, and the errors bad files and empty corpora give.
@Suite struct WordPieceTests {
    struct Case: Decodable {
        let text: String
        let stripAccents: Bool
        let ids: [Int32]
        let tokens: [String]
    }

    struct Fixture: Decodable {
        let cases: [Case]
    }

    static func fixturePath(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/wordpiece"))
        return url.path
    }

    /// The committed corpus as `mixlab tokenizer train --text` reads it: one document per non-empty line.
    static func corpusDocuments() throws -> [String] {
        let text = try String(contentsOfFile: try fixturePath("corpus.txt"), encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }.map(String.init)
    }

    @Test func idsEqualHuggingFaceTokenizersOnTrickyStrings() throws {
        let fixture = try loadFixture("wordpiece/expected", as: Fixture.self, snakeCaseKeys: true)
        #expect(fixture.cases.count >= 40)
        let path = try Self.fixturePath("tokenizer.json")
        let plain = try WordPieceTokenizer.read(from: path, location: "test").tokenizer
        // The strip-accents variant: the file changed exactly as Scripts/fixtures/wordpiece.py changes it.
        let folder = try TemporaryFolder("wordpiece")
        defer { folder.remove() }
        let variant = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "\"strip_accents\": false", with: "\"strip_accents\": true")
        try Data(variant.utf8).write(to: URL(fileURLWithPath: folder.path + "/strip.json"))
        let stripping = try WordPieceTokenizer.read(from: folder.path + "/strip.json", location: "test").tokenizer
        #expect(stripping.normalizer.stripsAccents && !plain.normalizer.stripsAccents)
        for item in fixture.cases {
            let tokenizer = item.stripAccents ? stripping : plain
            let ids = tokenizer.encode(item.text)
            #expect(ids == item.ids, "\(item.text.debugDescription) (strip accents \(item.stripAccents))")
            #expect(ids.map { tokenizer.tokens[Int($0)] } == item.tokens)
        }
    }

    @Test func trainingReproducesTheCommittedTokenizerByteForByte() throws {
        let (tokenizer, summary) = try WordPieceTrainer(vocabularySize: 400).train(Self.corpusDocuments())
        let committed = try Data(contentsOf: URL(fileURLWithPath: try Self.fixturePath("tokenizer.json")))
        #expect(tokenizer.huggingFaceJSON() == committed)
        #expect(summary.documents == 20 && summary.merges > 100)
        #expect(Array(tokenizer.tokens.prefix(5)) == WordPieceTokenizer.requiredSpecialTokens)
        // What is written reads back as the same tokenizer.
        let folder = try TemporaryFolder("wordpiece")
        defer { folder.remove() }
        try tokenizer.write(to: folder.path + "/t.json")
        let (read, sha256) = try WordPieceTokenizer.read(from: folder.path + "/t.json", location: "test")
        #expect(read == tokenizer && sha256 == ContentDigest.hex(of: committed))
    }

    @Test func mergesFollowTheStatedTieRuleAndStopRules() throws {
        // "ab" and "cd" three times each: (a, ##b) and (c, ##d) tie at 3; the smaller left id (a) goes first.
        let documents = ["ab cd ab cd ab cd"]
        let initial = WordPieceTokenizer.requiredSpecialTokens + ["a", "c", "##b", "##d"]
        let one = try WordPieceTrainer(vocabularySize: initial.count + 1).train(documents).tokenizer
        #expect(one.tokens == initial + ["ab"])
        let two = try WordPieceTrainer(vocabularySize: 100).train(documents)
        #expect(two.tokenizer.tokens == initial + ["ab", "cd"])
        #expect(two.summary.stoppedBecause.contains("no pair"))
        // Below min-frequency nothing merges; a merged string that exists keeps its id.
        #expect(try WordPieceTrainer(vocabularySize: 100, minimumFrequency: 4).train(documents).tokenizer.tokens == initial)
        let repeated = try WordPieceTrainer(vocabularySize: 100).train(["aaaa aaaa"]).tokenizer
        // (##a, ##a) occurs twice per word; then (a, ##aa) and (##aa, ##a) tie at 2 and the smaller left id wins.
        #expect(repeated.tokens == WordPieceTokenizer.requiredSpecialTokens + ["a", "##a", "##aa", "aaa", "aaaa"])
        #expect(repeated.encode("aaaa aaa a") == [9, 8, 5])
    }

    @Test func theSeedOnlyChoosesADocumentSample() throws {
        let documents = try Self.corpusDocuments()
        func tokens(_ limit: Int?, _ seed: UInt64) throws -> [String] {
            try WordPieceTrainer(vocabularySize: 300, maximumDocuments: limit, seed: seed).train(documents).tokenizer.tokens
        }
        #expect(try tokens(nil, 1) == tokens(nil, 2))
        #expect(try tokens(8, 1) == tokens(8, 1))
        #expect(try tokens(8, 1) != tokens(8, 2))
        #expect(try tokens(100, 5) == tokens(nil, 0))
    }

    @Test func encodingIsGreedyLongestMatchFirstWithWholeWordUnknowns() throws {
        let tokenizer = try WordPieceTokenizer(
            tokens: WordPieceTokenizer.requiredSpecialTokens + ["un", "unaff", "##aff", "##able", "##a", "##ble", "a", "b"],
            maximumCharactersPerWord: 8)
        func tokens(_ text: String) -> [String] { tokenizer.encode(text).map { tokenizer.tokens[Int($0)] } }
        #expect(tokens("unaffable") == ["[UNK]"], "9 scalars: longer than the limit of 8")
        #expect(tokens("unaffa") == ["unaff", "##a"])
        #expect(tokens("unable UNABLE") == ["un", "##able", "un", "##able"])
        #expect(tokens("unx able") == ["[UNK]", "a", "##ble"], "a word with a piece that matches nothing is one [UNK]")
        #expect(tokens("a[MASK]b [SEP]") == ["a", "[MASK]", "b", "[SEP]"])
        #expect(tokens("") == [] && tokens(" \n ") == [])
    }

    @Test func badTokenizerFilesAreClearErrors() throws {
        let folder = try TemporaryFolder("wordpiece")
        defer { folder.remove() }
        let good = try String(contentsOfFile: try Self.fixturePath("tokenizer.json"), encoding: .utf8)
        func error(_ content: String?, _ name: String = "t.json") throws -> MixLabError {
            let path = folder.path + "/" + name
            if let content { try Data(content.utf8).write(to: URL(fileURLWithPath: path)) }
            return try #require(throws: MixLabError.self) { try WordPieceTokenizer.read(from: path, location: "task news20 setting tokenizer") }
        }
        func check(_ error: MixLabError, _ code: MixLabError.Code, _ words: [String]) {
            #expect(error.code == code, "\(error)")
            for word in words { #expect(error.what.contains(word), "\(error.what) should mention \(word)") }
            #expect(error.location.contains("task news20 setting tokenizer") && !error.fix.isEmpty)
        }
        check(try error(nil, "missing.json"), .ioFailure, ["no tokenizer file", "missing.json"])
        let truncated = try error(String(good.prefix(good.count / 2)))
        check(truncated, .ioFailure, ["not valid JSON", "truncated"])
        #expect(truncated.fix.contains("mixlab tokenizer train"))
        check(try error("\u{1}\u{2} not json"), .ioFailure, ["not valid JSON"])
        check(try error("{\"version\": \"1.0\"}"), .ioFailure, ["not a HuggingFace tokenizer.json"])
        let bpe = good.replacingOccurrences(of: "\"type\": \"WordPiece\",\n    \"unk_token\"", with: "\"type\": \"BPE\",\n    \"unk_token\"")
        check(try error(bpe), .invalidConfigValue, ["type BPE", "WordPiece"])
        let unigram = "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]]}, \"normalizer\": null}"
        check(try error(unigram), .invalidConfigValue, ["type Unigram"])
        let noMask = good.replacingOccurrences(of: "\"[MASK]\": 4", with: "\"[MASKED]\": 4")
            .replacingOccurrences(of: "\"content\": \"[MASK]\"", with: "\"content\": \"[MASKED]\"")
        let missing = try error(noMask)
        check(missing, .invalidConfigValue, ["lacks the special token [MASK]"])
        #expect(missing.fix.contains("[PAD] [UNK] [CLS] [SEP] [MASK]"))
        let swapped = good.replacingOccurrences(of: "\"[PAD]\": 0", with: "\"[PAD]\": 999").replacingOccurrences(of: "\"[UNK]\": 1,", with: "\"[UNK]\": 0,")
        check(try error(swapped), .invalidConfigValue, ["ids must be 0..<"])
        check(try error(good.replacingOccurrences(of: "\"truncation\": null", with: "\"truncation\": {\"max_length\": 8}")),
              .invalidConfigValue, ["truncation"])
        check(try error(good.replacingOccurrences(of: "\"type\": \"BertNormalizer\"", with: "\"type\": \"NFKC\"")),
              .invalidConfigValue, ["normalizer is NFKC"])
        // Found by the tokenizer-json fuzz target: an added token with a negative id trapped (index out of range).
        for id in ["-1", "-9223372036854775809", "1e30"] {
            let negative = good.replacingOccurrences(of: "\"id\": 0,", with: "\"id\": \(id),")
            check(try error(negative), .invalidConfigValue, ["added token"])
        }
        // A vocabulary whose [PAD] is not id 0: MixLab pads with 0.
        let tokens = ["[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]", "a"]
        let notFirst = try #require(throws: MixLabError.self) { try WordPieceTokenizer(tokens: tokens, location: "here") }
        #expect(notFirst.what.contains("[PAD] has id 1") && notFirst.location == "here")
    }

    @Test func emptyCorporaAreClearErrors() throws {
        let none = try #require(throws: MixLabError.self) { try WordPieceTrainer().train([], location: "mixlab tokenizer train") }
        #expect(none.what.contains("no documents") && none.location == "mixlab tokenizer train" && none.fix.contains("mixlab data fetch"))
        let blank = try #require(throws: MixLabError.self) { try WordPieceTrainer().train(["", "  \n\t", "\u{200B}"]) }
        #expect(blank.what.contains("hold no words"))
        let small = try #require(throws: MixLabError.self) { try WordPieceTrainer(vocabularySize: 8).train(["abcdef"]) }
        #expect(small.what.contains("below the 5 special tokens and 6 initial symbols") && small.fix.contains("above 11"))
    }
}
