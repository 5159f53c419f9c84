import Foundation
import MixLabCore
import Testing

@testable import MixLabTasks

/// The real-data tasks on fixture datasets: tokenisation, windows, images, masked-language modelling.
@Suite struct RealDataTaskTests {
    /// The registered tasks that read prepared datasets (`polarity` and `retrieval`: LongRangeTaskTests).
    static let taskNames: Set<String> = ["news20", "reuters8", "rt-sentiment", "langid", "fashion-mnist", "digits", "mlm", "polarity", "retrieval"]

    let fixtures = DatasetFixtures.shared

    /// A cache with the fixture datasets prepared (each test gets its own).
    func preparedCache(_ names: [String], from artifact: String) throws -> (TemporaryFolder, DataCache) {
        let folder = try TemporaryFolder("tasks")
        let cache = DataCache(root: folder.path)
        _ = try DatasetFetcher(catalog: fixtures.catalog, cache: cache).fetch(names, options: .init(artifactPath: artifact))
        return (folder, cache)
    }

    func bytes(_ text: String) -> [Int32] { text.utf8.map { Int32($0) + 4 } }

    @Test func byteTokensAreUTF8BytesPastTheSpecialIds() throws {
        let (folder, cache) = try preparedCache(["news20"], from: fixtures.wheelPath)
        defer { folder.remove() }
        let task = try TextClassificationTask(dataset: "news20", settings: TaskSettings(task: "news20", ["length": "12"]), cache: cache)
        #expect(task.vocabulary.size == 260 && task.vocabulary.names[4 + 97] == "a" && task.vocabulary.names[4 + 32] == "␣")
        #expect(task.classes == 3 && task.classNames == DatasetFixtures.newsClasses && task.sequenceLength == 12)
        let first = try task.example(in: .test, at: 0)
        #expect(first == TaskExample(tokens: bytes(String(DatasetFixtures.newsTest[0].1.prefix(12))), label: 0))
        let withToken = try TextClassificationTask(
            dataset: "news20", settings: TaskSettings(task: "news20", ["length": "12", "cls": "true"]), cache: cache)
        #expect(withToken.vocabulary.classification == TextTokenization.classification)
        #expect(try withToken.example(in: .test, at: 0).tokens == [3] + bytes(String(DatasetFixtures.newsTest[0].1.prefix(11))))
        #expect(task.settings == ["tokens": "byte", "length": "12", "cls": "false"])
        // Batches of these examples pass the batch checks.
        #expect(try TaskBatch(task: task, split: .train, indices: [0, 1, 2]).labels.count == 3)
        #expect(throws: MixLabError.self) { try task.example(in: .test, at: 9) }
    }

    @Test func wordVocabularyComesFromTheTrainingSplitOnly() throws {
        let (folder, cache) = try preparedCache(["news20"], from: fixtures.wheelPath)
        defer { folder.remove() }
        let task = try TextClassificationTask(
            dataset: "news20", settings: TaskSettings(task: "news20", ["tokens": "word", "min-count": "1"]), cache: cache)
        let names = task.vocabulary.names
        #expect(Array(names.prefix(4)) == ["<pad>", "<unk>", "<mask>", "<cls>"])
        // Most frequent first, ties in byte order: "common", "number", "report", "words" are in all 27 training
        // documents; each class name is twice in each of its 9.
        #expect(Array(names[4...10]) == ["common", "number", "report", "words", "alpha", "beta", "gamma"])
        #expect(!names.contains("zebra"), "a word seen only in test is not in the vocabulary")
        let test = try task.example(in: .test, at: 0)  // "alpha zebra test 0 common"
        let id = { (word: String) in Int32(names.firstIndex(of: word)!) }
        #expect(test.tokens == [id("alpha"), TextTokenization.unknown, TextTokenization.unknown, TextTokenization.unknown, id("common")])
        // vocab-size keeps the most frequent words; min-count drops rare ones.
        let small = try TextClassificationTask(
            dataset: "news20", settings: TaskSettings(task: "news20", ["tokens": "word", "vocab-size": "3", "min-count": "1"]), cache: cache)
        #expect(small.vocabulary.names.dropFirst(4) == ["common", "number", "report"])
        let frequent = try TextClassificationTask(
            dataset: "news20", settings: TaskSettings(task: "news20", ["tokens": "word", "min-count": "20"]), cache: cache)
        #expect(Set(frequent.vocabulary.names.dropFirst(4)) == ["common", "words", "report", "number"])
        #expect(throws: MixLabError.self) {
            try TextClassificationTask(dataset: "news20", settings: TaskSettings(task: "news20", ["vocab-size": "10"]), cache: cache)
        }
        #expect(throws: MixLabError.self) {
            try TextClassificationTask(dataset: "news20", settings: TaskSettings(task: "news20", ["tokens": "word", "min-count": "1000"]), cache: cache)
        }
    }

    @Test func langidExamplesAreWindowsOfParagraphs() throws {
        let (folder, cache) = try preparedCache(["langid"], from: fixtures.debPath)
        defer { folder.remove() }
        let corpus = try PreparedTextCorpus.open("langid", in: cache, location: "test")
        let task = try TextClassificationTask(dataset: "langid", settings: TaskSettings(task: "langid", ["length": "16"]), cache: cache)
        for split in TaskSplit.allCases {
            let part = corpus.split(split)
            let expected = (0..<part.count).map { max(1, part.text($0).count / 16) }.reduce(0, +)
            #expect(task.count(split) == expected)
        }
        var rebuilt: [Int32] = []
        var index = 0
        let first = corpus.split(.train)
        while rebuilt.count < (first.text(0).count / 16) * 16 {
            let example = try task.example(in: .train, at: index)
            #expect(example.tokens.count == 16 && example.labels == [first.labels[0]])
            rebuilt += example.tokens
            index += 1
        }
        #expect(rebuilt == Array(first.text(0).prefix(rebuilt.count)).map { Int32($0) + 4 })
        #expect(TextWindows(counts: [5, 40, 33], length: 16).count == 1 + 2 + 2)
    }

    @Test func imageTokensPoolingAndQuantisation() throws {
        let (folder, cache) = try preparedCache(["fashion-mnist", "digits"], from: fixtures.debPath)
        defer { folder.remove() }
        let pixels = (0..<16).map { Int(DatasetFixtures.fashionPixel(0, $0, test: true)) }
        let plain = try ImageClassificationTask(dataset: "fashion-mnist", settings: TaskSettings(task: "fashion-mnist"), cache: cache)
        #expect(plain.sequenceLength == 16 && plain.vocabulary.size == 257)
        #expect(try plain.example(in: .test, at: 0) == TaskExample(tokens: pixels.map { Int32($0 + 1) }, label: 0))
        let pooled = try ImageClassificationTask(
            dataset: "fashion-mnist", settings: TaskSettings(task: "fashion-mnist", ["pool": "2", "cls": "true"]), cache: cache)
        #expect(pooled.sequenceLength == 5)
        let expected = [(0, 0), (0, 2), (2, 0), (2, 2)].map { row, column in
            let sum = pixels[row * 4 + column] + pixels[row * 4 + column + 1] + pixels[(row + 1) * 4 + column] + pixels[(row + 1) * 4 + column + 1]
            return Int32((sum + 2) / 4 + 1)
        }
        #expect(try pooled.example(in: .test, at: 0).tokens == [257] + expected)
        let quantised = try ImageClassificationTask(
            dataset: "fashion-mnist", settings: TaskSettings(task: "fashion-mnist", ["levels": "4"]), cache: cache)
        #expect(quantised.vocabulary.size == 5)
        #expect(try quantised.example(in: .test, at: 0).tokens == pixels.map { Int32($0 * 4 / 256 + 1) })
        #expect(throws: MixLabError.self) {
            try ImageClassificationTask(dataset: "fashion-mnist", settings: TaskSettings(task: "fashion-mnist", ["pool": "3"]), cache: cache)
        }
        let digits = try ImageClassificationTask(dataset: "digits", settings: TaskSettings(task: "digits"), cache: cache)
        #expect(digits.sequenceLength == 64 && digits.vocabulary.size == 18)
        let set = try PreparedImageSet.open("digits", in: cache, location: "test").split(.train)
        #expect(try digits.example(in: .train, at: 3) == TaskExample(tokens: set.image(3).map { Int32($0) + 1 }, label: Int32(set.labels[3])))
    }

    @Test func maskingChoosesFifteenPercentWithBERTProportions() {
        var random = SeededRandom(seed: 7)
        var chosen = 0, masked = 0, replaced = 0, kept = 0
        for _ in 0..<400 {
            let original = (0..<100).map { Int32(4 + $0 % 50) }
            var tokens = original
            let labels = MaskedLanguageModelling.mask(&tokens, rate: 0.15, maskToken: 2, contentTokens: 4..<54, random: &random)
            let positions = labels.indices.filter { labels[$0] != TaskExample.ignoredLabel }
            #expect(positions.count == 15)
            for position in labels.indices where !positions.contains(position) { #expect(tokens[position] == original[position]) }
            for position in positions {
                #expect(labels[position] == original[position])
                chosen += 1
                if tokens[position] == 2 { masked += 1 } else if tokens[position] == original[position] { kept += 1 } else { replaced += 1 }
            }
        }
        // 6000 chosen positions; a random replacement equals the original 1 time in 50.
        #expect(abs(Double(masked) / Double(chosen) - 0.8) < 0.02)
        #expect(abs(Double(replaced) / Double(chosen) - 0.1 * 49 / 50) < 0.015)
        #expect(abs(Double(kept) / Double(chosen) - (0.1 + 0.1 / 50)) < 0.015)
        // A classification token is never chosen; a short sequence still gets one position.
        var tokens: [Int32] = [3, 10]
        var one = SeededRandom(seed: 1)
        #expect(MaskedLanguageModelling.mask(&tokens, rate: 0.15, maskToken: 2, contentTokens: 4..<10, skipFirst: true, random: &one)
            == [TaskExample.ignoredLabel, 10])
    }

    @Test func mlmExamplesAreDeterministicPerSeedSplitAndIndex() throws {
        let (folder, cache) = try preparedCache(["news20"], from: fixtures.wheelPath)
        defer { folder.remove() }
        func task(_ seed: String) throws -> MaskedLanguageModelTask {
            try MaskedLanguageModelTask(settings: TaskSettings(task: "mlm", ["dataset": "news20", "length": "20", "seed": seed]), cache: cache)
        }
        let a = try task("3"), b = try task("3"), c = try task("4")
        #expect(a.labelKind == .token && a.classes == 260 && a.vocabulary.mask == TextTokenization.mask)
        #expect(try a.example(in: .train, at: 5) == b.example(in: .train, at: 5))
        #expect(try a.example(in: .train, at: 5) != c.example(in: .train, at: 5))
        let example = try a.example(in: .train, at: 5)
        #expect(example.tokens.count == 20 && example.labels.count == 20)
        #expect(example.labels.filter { $0 != TaskExample.ignoredLabel }.count == 3)
        #expect(try a.example(in: .train, at: 5) != a.example(in: .validation, at: 0) || a.count(.validation) == 0)
        // Windows cover the texts: a 41-byte text gives 2 windows of 20.
        let corpus = try PreparedTextCorpus.open("news20", in: cache, location: "test")
        let part = corpus.split(.test)
        #expect(a.count(.test) == (0..<part.count).map { max(1, part.text($0).count / 20) }.reduce(0, +))
        let batch = try TaskBatch(task: a, split: .test, indices: [0, 1])
        #expect(batch.labels.count == 40)
        let word = try MaskedLanguageModelTask(
            settings: TaskSettings(task: "mlm", ["dataset": "news20", "tokens": "word", "min-count": "1", "length": "4"]), cache: cache)
        #expect(word.classes == word.vocabulary.size && word.settings["tokens"] == "word")
    }

    @Test func mlmTrainingWindowsAreMaskedAfreshAtEveryDrawUnlessStatic() throws {
        let (folder, cache) = try preparedCache(["news20"], from: fixtures.wheelPath)
        defer { folder.remove() }
        func task(_ extra: [String: String]) throws -> MaskedLanguageModelTask {
            try MaskedLanguageModelTask(
                settings: TaskSettings(task: "mlm", ["dataset": "news20", "length": "20", "seed": "3"].merging(extra) { $1 }), cache: cache)
        }
        let dynamic = try task([:]), fixed = try task(["masking": "static"])
        #expect(dynamic.settings["masking"] == "dynamic" && fixed.settings["masking"] == "static")
        // The same draw is the same example; other draws mask other positions of the same window.
        let unmasked = { (example: TaskExample) in
            zip(example.tokens, example.labels).map { $1 == TaskExample.ignoredLabel ? $0 : $1 }
        }
        let draws = try (0..<20).map { try dynamic.trainingExample(at: 5, draw: UInt64($0)) }
        #expect(try dynamic.trainingExample(at: 5, draw: 7) == draws[7])
        #expect(Set(draws.map(\.labels)).count > 10, "20 draws of 3 masked positions in 20 repeat rarely")
        let fixedWindow = unmasked(try dynamic.example(in: .train, at: 5))
        #expect(Set(draws.map(unmasked)).count == 1 && unmasked(draws[0]) == fixedWindow)
        #expect(draws.allSatisfy { $0.labels.filter { $0 != TaskExample.ignoredLabel }.count == 3 })
        // Evaluation windows and static training windows do not depend on the draw.
        #expect(try dynamic.example(in: .validation, at: 0) == fixed.example(in: .validation, at: 0))
        #expect(try fixed.trainingExample(at: 5, draw: 9) == fixed.example(in: .train, at: 5))
        // A batch of training draws numbers its examples from the first draw.
        let batch = try TaskBatch(task: dynamic, trainingIndices: [5, 5], firstDraw: 7)
        #expect(Array(batch.labels[20..<40]) == draws[8].labels && Array(batch.labels[0..<20]) == draws[7].labels)
        // With cls=true every window starts with the classification token, which is never masked.
        let withToken = try task(["cls": "true"])
        #expect(withToken.vocabulary.classification == TextTokenization.classification && withToken.settings["cls"] == "true")
        for draw in 0..<20 {
            let example = try withToken.trainingExample(at: 5, draw: UInt64(draw))
            #expect(example.tokens.count == 20 && example.tokens[0] == TextTokenization.classification)
            #expect(example.labels[0] == TaskExample.ignoredLabel)
        }
        #expect(withToken.count(.train) >= dynamic.count(.train), "19 text tokens per window instead of 20")
        let error = try #require(throws: MixLabError.self) { try task(["masking": "sometimes"]) }
        #expect(error.what.contains("masking") && error.fix.contains("dynamic"))
    }

    @Test func subwordTokensUseTheTokenizerFileItsVocabularyAndItsSpecialIds() throws {
        let (folder, cache) = try preparedCache(["news20"], from: fixtures.wheelPath)
        defer { folder.remove() }
        let (tokenizer, _) = try WordPieceTrainer(vocabularySize: 60).train(dataset: "news20", cache: cache, location: "test")
        let path = folder.path + "/tokenizer.json"
        try tokenizer.write(to: path)
        let sha256 = try ContentDigest.hex(ofFileAt: path)
        let settings = ["tokens": "subword", "tokenizer": path, "length": "8", "cls": "true"]
        let task = try TextClassificationTask(dataset: "news20", settings: TaskSettings(task: "news20", settings), cache: cache)
        #expect(task.vocabulary.names == tokenizer.tokens && task.vocabulary.classification == tokenizer.id(of: "[CLS]"))
        #expect(task.settings == ["tokens": "subword", "tokenizer": path, "tokenizer-sha256": sha256, "length": "8", "cls": "true"])
        let text = DatasetFixtures.newsTest[0].1
        #expect(try task.example(in: .test, at: 0).tokens == [tokenizer.id(of: "[CLS]")!] + tokenizer.encode(text).prefix(7))
        // Masked-language modelling: [MASK] masks, replacements come from the ids after the special tokens.
        let mlm = try MaskedLanguageModelTask(
            settings: TaskSettings(task: "mlm", ["dataset": "news20", "tokens": "subword", "tokenizer": path, "length": "6"]), cache: cache)
        #expect(mlm.classes == tokenizer.size && mlm.vocabulary.mask == tokenizer.id(of: "[MASK]"))
        #expect(mlm.settings["tokenizer-sha256"] == sha256)
        for index in 0..<mlm.count(.train) {
            let example = try mlm.example(in: .train, at: index)
            #expect(example.tokens.allSatisfy { $0 == tokenizer.id(of: "[MASK]")! || $0 >= 5 || $0 == tokenizer.id(of: "[UNK]")! })
        }
        // Settings of the other modes, and a missing tokenizer, are refused with the fix.
        func refused(_ values: [String: String]) throws -> MixLabError {
            try #require(throws: MixLabError.self) {
                try TextClassificationTask(dataset: "news20", settings: TaskSettings(task: "news20", values), cache: cache)
            }
        }
        #expect(try refused(["tokens": "subword"]).fix.contains("tokenizer=PATH"))
        #expect(try refused(["tokenizer": path]).what.contains("tokens=byte does not use a tokenizer"))
        #expect(try refused(["tokens": "subword", "tokenizer": path, "vocab-size": "10"]).what.contains("its tokenizer's vocabulary"))
        let missing = try refused(["tokens": "subword", "tokenizer": folder.path + "/none.json"])
        #expect(missing.code == .ioFailure && missing.location.contains("task news20 setting tokenizer"))
    }

    @Test func registryOffersEveryRealTaskAndRejectsUnknownKeys() throws {
        #expect(Self.taskNames.isSubset(of: TaskRegistry.shared.names))
        #expect(throws: MixLabError.self) { try TaskRegistry.shared.make("news20", settings: ["pool": "2"]) }
        #expect(throws: MixLabError.self) { try TaskRegistry.shared.make("digits", settings: ["levels": "4"]) }
    }
}
