import Foundation
import MixLabCore

/// A prepared text dataset in memory: per split, the labels, sources and UTF-8 texts of its examples.
///
/// Opened through `open(_:in:location:)`, which checks the manifest and the SHA-256 of every file once
/// per process (cached in `PreparedDatasetStore`) and parses `SPLIT.tsv` (`CLASS<TAB>SOURCE<TAB>TEXT`).
/// Immutable, so tasks share it across threads.
final class PreparedTextCorpus: Sendable {
    /// The examples of one split; texts are stored back to back in one buffer.
    struct Split: Sendable {
        /// The class index of each example.
        let labels: [Int32]
        /// Where each example came from (file and line, movie, language and page).
        let sources: [String]
        /// All texts, concatenated.
        let bytes: [UInt8]
        /// `starts[i] ..< starts[i + 1]` is example i's text in `bytes`.
        let starts: [Int]

        /// The number of examples.
        var count: Int { labels.count }

        /// The UTF-8 text of example `index`.
        func text(_ index: Int) -> ArraySlice<UInt8> {
            bytes[starts[index]..<starts[index + 1]]
        }
    }

    /// The manifest the corpus was read with.
    let manifest: DatasetManifest
    private let splits: [TaskSplit: Split]

    private init(manifest: DatasetManifest, splits: [TaskSplit: Split]) {
        self.manifest = manifest
        self.splits = splits
    }

    /// The examples of `split`.
    func split(_ split: TaskSplit) -> Split {
        splits[split]!
    }

    /// Opens the prepared text dataset `name` of `cache`.
    ///
    /// - Parameter location: who opens it (e.g. `task news20`), for errors.
    /// - Throws: `MixLabError.ioFailure` when it is not prepared (the fix is the exact fetch command) or
    ///   damaged — a file missing, truncated or changed, a line that does not parse, counts that differ
    ///   from the manifest (the fix is the fetch command with `--force`).
    static func open(_ name: String, in cache: DataCache, location: String) throws -> PreparedTextCorpus {
        let manifest = try DatasetManifest.read(dataset: name, in: cache, location: location)
        guard manifest.kind == .text else {
            throw DatasetManifest.damaged(name, cache, location, "its manifest describes \(manifest.kind.rawValue) data, not text")
        }
        let fingerprint = try PreparedDatasetStore.fingerprint(of: manifest, in: cache, location: location)
        return try PreparedDatasetStore.shared.value(for: cache.directory(of: name), fingerprint: fingerprint) {
            try manifest.verifyFiles(in: cache, location: location)
            var splits: [TaskSplit: Split] = [:]
            for split in TaskSplit.allCases {
                splits[split] = try parse(split, of: manifest, in: cache, location: location)
            }
            return PreparedTextCorpus(manifest: manifest, splits: splits)
        }
    }

    private static func parse(_ split: TaskSplit, of manifest: DatasetManifest, in cache: DataCache, location: String) throws -> Split {
        let file = PreparedDatasetWriter.textFile(split)
        func damaged(_ what: String) -> MixLabError {
            DatasetManifest.damaged(manifest.dataset, cache, location, "\(file): \(what)")
        }
        guard let data = FileManager.default.contents(atPath: cache.directory(of: manifest.dataset) + "/" + file) else {
            throw damaged("cannot be read")
        }
        return try parse(data, split, of: manifest, in: cache, location: location)
    }

    /// Parses the bytes of a split's `.tsv` file: one `class<TAB>source<TAB>text` line per example,
    /// counts checked against the manifest. O(n) for n bytes.
    static func parse(_ data: Data, _ split: TaskSplit, of manifest: DatasetManifest, in cache: DataCache, location: String) throws -> Split {
        let file = PreparedDatasetWriter.textFile(split)
        func damaged(_ what: String) -> MixLabError {
            DatasetManifest.damaged(manifest.dataset, cache, location, "\(file): \(what)")
        }
        let classIndex = Dictionary(uniqueKeysWithValues: manifest.classes.enumerated().map { ($1, Int32($0)) })
        var labels: [Int32] = []
        var sources: [String] = []
        var bytes: [UInt8] = []
        var starts: [Int] = [0]
        bytes.reserveCapacity(data.count)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let all = raw.bindMemory(to: UInt8.self)
            var lineStart = 0
            var line = 1
            while lineStart < all.count {
                guard let newline = all[lineStart...].firstIndex(of: 0x0A) else { throw damaged("line \(line) does not end") }
                guard let tab1 = all[lineStart..<newline].firstIndex(of: 0x09),
                      let tab2 = all[(tab1 + 1)..<newline].firstIndex(of: 0x09) else {
                    throw damaged("line \(line) does not have three tab-separated fields")
                }
                let className = String(decoding: UnsafeBufferPointer(rebasing: all[lineStart..<tab1]), as: UTF8.self)
                guard let label = classIndex[className] else { throw damaged("line \(line) has the unknown class '\(className)'") }
                labels.append(label)
                sources.append(String(decoding: UnsafeBufferPointer(rebasing: all[(tab1 + 1)..<tab2]), as: UTF8.self))
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: all[(tab2 + 1)..<newline]))
                starts.append(bytes.count)
                lineStart = newline + 1
                line += 1
            }
        }
        var perClass = [Int](repeating: 0, count: manifest.classes.count)
        for label in labels { perClass[Int(label)] += 1 }
        let expected = manifest.counts(split)
        guard labels.count == expected.count, perClass == expected.perClass else {
            throw damaged("it holds \(labels.count) examples (per class \(perClass)); the manifest says \(expected.count) (\(expected.perClass))")
        }
        return Split(labels: labels, sources: sources, bytes: bytes, starts: starts)
    }
}
