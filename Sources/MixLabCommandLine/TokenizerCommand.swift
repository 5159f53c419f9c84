import ArgumentParser
import Foundation
import MixLab

/// `mixlab tokenizer`: train WordPiece subword tokenizers and look at what they do.
struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Train a WordPiece subword tokenizer (HuggingFace tokenizer.json) and encode text with one.",
        discussion: """
            Text tasks use a tokenizer with --set task.tokens=subword --set task.tokenizer=PATH; its vocabulary is the model's.
            """,
        subcommands: [TokenizerTrainCommand.self, TokenizerEncodeCommand.self])
}

/// `mixlab tokenizer train`: learns a WordPiece vocabulary from a prepared dataset's training split (or
/// text files) and writes it as tokenizer.json.
struct TokenizerTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Learn a WordPiece vocabulary from a corpus and write it as a HuggingFace tokenizer.json.",
        discussion: """
            The corpus is the train split of a prepared text dataset (--dataset, default mlm-corpus: `mixlab data fetch \
            mlm-corpus` first), never its validation or test split; or, with --text, text files with one document per line. \
            Training is deterministic: BPE-style merges of the most frequent adjacent pair, ties to the smaller ids (see \
            WordPieceTrainer). The seed only matters with --documents below the corpus size. Python's \
            tokenizers.Tokenizer.from_file(PATH) loads the result and encodes text to the same ids as MixLab.
            Examples:
              mixlab tokenizer train --output tokenizer.json
              mixlab tokenizer train --dataset news20 --vocab-size 16000 --output news20-wordpiece.json
            """)

    @Option(help: "The prepared text dataset whose train split is the corpus.")
    var dataset: String = "mlm-corpus"

    @Option(parsing: .upToNextOption, help: "Text files to train on instead (one document per line).")
    var text: [String] = []

    @Option(help: "Where to write tokenizer.json.")
    var output: String

    @Option(name: .customLong("vocab-size"), help: "Tokens in the vocabulary, the five special tokens included.")
    var vocabularySize: Int = 8192

    @Option(name: .customLong("min-frequency"), help: "Pairs seen fewer times are never merged.")
    var minimumFrequency: Int = 2

    @Option(name: .customLong("limit-alphabet"), help: "The most frequent characters kept in the initial alphabet.")
    var alphabetLimit: Int = 1000

    @Option(help: "Train on this many documents at most, drawn with --seed.")
    var documents: Int?

    @Option(help: "Seed of the document sample (only used with --documents).")
    var seed: UInt64 = 0

    @Option(name: .customLong("cache-dir"), help: "The data cache folder (default: $\(DataCache.environmentVariable) or ~/.cache/mixlab/data).")
    var cacheDirectory: String?

    func run() throws {
        let (tokenizer, summary) = try Self.train(
            dataset: dataset, textFiles: text, trainer: WordPieceTrainer(
                vocabularySize: vocabularySize, minimumFrequency: minimumFrequency, alphabetLimit: alphabetLimit,
                maximumDocuments: documents, seed: seed),
            cache: text.isEmpty ? try DataCache.resolve(directory: cacheDirectory) : nil)
        try tokenizer.write(to: output)
        let digest = ContentDigest.hex(of: tokenizer.huggingFaceJSON())
        print("""
            trained on \(summary.documents) documents (\(summary.words) words, \(summary.distinctWords) distinct), \
            alphabet \(summary.alphabet) characters, \(summary.merges) merges; stopped: \(summary.stoppedBecause)
            wrote \(output): WordPiece, \(tokenizer.size) tokens, sha256 \(digest)
            use it: --set task.tokens=subword --set task.tokenizer=\(output)
            """)
    }

    /// Trains on `textFiles` (one document per non-empty line) when given, else on the train split of
    /// `dataset` in `cache`.
    ///
    /// - Throws: `MixLabError` for an unreadable file, a missing dataset, an empty corpus or bad settings.
    static func train(
        dataset: String, textFiles: [String], trainer: WordPieceTrainer, cache: DataCache?
    ) throws -> (tokenizer: WordPieceTokenizer, summary: WordPieceTrainer.Summary) {
        guard !textFiles.isEmpty else {
            return try trainer.train(dataset: dataset, cache: cache!, location: "mixlab tokenizer train --dataset \(dataset)")
        }
        var documents: [String] = []
        for path in textFiles {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw MixLabError(.ioFailure, what: "cannot read the text file \(path)", location: "mixlab tokenizer train --text",
                                  fix: "check the path and its permissions")
            }
            documents += String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
                .filter { !$0.allSatisfy(\.isWhitespace) }.map(String.init)
        }
        return try trainer.train(documents, location: "mixlab tokenizer train --text \(textFiles.joined(separator: " "))")
    }
}

/// `mixlab tokenizer encode FILE TEXT…`: the tokens and ids of texts under a tokenizer.json.
struct TokenizerEncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode", abstract: "Show the subword tokens and ids of texts under a tokenizer.json.")

    @Argument(help: "The tokenizer.json file.")
    var file: String

    @Argument(help: "Texts to encode.")
    var texts: [String]

    func run() throws {
        print(try Self.render(file: file, texts: texts))
    }

    /// Per text: the tokens, then the ids.
    static func render(file: String, texts: [String]) throws -> String {
        let (tokenizer, sha256) = try WordPieceTokenizer.read(from: file, location: "mixlab tokenizer encode")
        var lines = ["\(file): \(tokenizer.size) tokens, sha256 \(sha256)"]
        for text in texts {
            let ids = tokenizer.encode(text)
            lines.append("")
            lines.append("text:   \(text)")
            lines.append("tokens: " + ids.map { tokenizer.tokens[Int($0)] }.joined(separator: " "))
            lines.append("ids:    " + ids.map(String.init).joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }
}
