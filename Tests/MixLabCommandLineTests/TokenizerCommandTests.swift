import Foundation
import MixLab
@testable import MixLabCommandLine
import Testing

/// `mixlab tokenizer train` and `mixlab tokenizer encode`: a tokenizer.json from text files, what it
/// encodes, and the errors of empty corpora, missing datasets and bad files.
@Suite struct TokenizerCommandTests {
    func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "mixlab-tokenizer-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func trainWritesATokenizerThatEncodeReads() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("the transform transforms\n\nthe transformer\ntransforms the text\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/corpus.txt"))
        let output = folder + "/tokenizer.json"
        let (status, printed) = try MissingLibraryTests.mixlab(
            ["tokenizer", "train", "--text", folder + "/corpus.txt", "--vocab-size", "40", "--output", output], environment: [:])
        #expect(status == 0, "\(printed)")
        #expect(printed.contains("trained on 3 documents") && printed.contains("task.tokens=subword"))
        let (tokenizer, sha256) = try WordPieceTokenizer.read(from: output, location: "test")
        #expect(printed.contains("sha256 \(sha256)"))
        let shown = try TokenizerEncodeCommand.render(file: output, texts: ["The transformer [MASK]"])
        let ids = tokenizer.encode("The transformer [MASK]")
        #expect(shown.contains("ids:    " + ids.map(String.init).joined(separator: " ")))
        #expect(shown.contains("tokens: " + ids.map { tokenizer.tokens[Int($0)] }.joined(separator: " ")))
        #expect(shown.hasSuffix("[MASK]") || shown.contains(" [MASK]\n"))
    }

    @Test func emptyCorporaAndMissingDatasetsAreClearErrors() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("\n  \n".utf8).write(to: URL(fileURLWithPath: folder + "/empty.txt"))
        let empty = try #require(throws: MixLabError.self) {
            try TokenizerTrainCommand.train(dataset: "mlm-corpus", textFiles: [folder + "/empty.txt"], trainer: WordPieceTrainer(), cache: nil)
        }
        #expect(empty.what.contains("no documents") && empty.location.contains("--text"))
        let missing = try #require(throws: MixLabError.self) {
            try TokenizerTrainCommand.train(dataset: "news20", textFiles: [], trainer: WordPieceTrainer(), cache: DataCache(root: folder))
        }
        #expect(missing.what.contains("not prepared") && missing.fix.contains("mixlab data fetch news20 --cache-dir"))
        let (status, printed) = try MissingLibraryTests.mixlab(["tokenizer", "encode", folder + "/empty.txt", "x"], environment: [:])
        #expect(status != 0 && printed.contains("not valid JSON"), "\(printed)")
    }
}
