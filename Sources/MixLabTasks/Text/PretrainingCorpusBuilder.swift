import Foundation
import MixLabCore

/// Builds a pre-training corpus (`PretrainingCorpusLayout`): gathers its documents, leaves out every text
/// of the fine-tuning tasks' held-out splits and every repeat, and splits what remains.
///
/// 1. **Held-out texts**: the validation and test texts of every dataset of `heldOutOf`, read from the
///    prepared cache (the very files the tasks evaluate on), as `exclusionKey`s: white space collapsed,
///    then lower-cased. Lower-casing makes the rule stricter than the tasks' own texts require.
/// 2. **Documents**, in layout order (artifact files in file order, then prepared training splits in
///    their order), each with white space collapsed (`TextRecord`). A document whose exclusion key is a
///    held-out key is dropped; then a document whose text equals an earlier kept one (exactly, after
///    white-space normalisation) is dropped as a repeat.
/// 3. **Splits** of the corpus itself, for the masked-language-modelling task: bucket = first 8 bytes of
///    SHA-256(text) as a big-endian integer mod 100; bucket 0 → test, 1 → validation, 2–99 → train.
///
/// O(n) hashing for n bytes of text. The notes record every count and the SHA-256 of each held-out file
/// read, so a corpus can be traced to the splits it was checked against.
enum PretrainingCorpusBuilder {
    /// The text a held-out comparison uses: `TextRecord.collapsingWhitespace`, then lower-cased.
    static func exclusionKey<Text: StringProtocol>(_ text: Text) -> String {
        TextRecord.collapsingWhitespace(text).lowercased()
    }

    /// The split of a kept document by the SHA-256 of its text.
    static func split(of text: String) -> TaskSplit {
        switch SplitRules.bucket(of: text) {
        case 0: return .test
        case 1: return .validation
        default: return .train
        }
    }

    /// The rule of `split(of:)` in words, for the manifest.
    static let splitRuleDescription =
        "documents from the training splits of the sources only; texts of any listed task's validation or test split (compared lower-cased, "
        + "white space collapsed) and exact repeats removed; then split by SHA-256 of the text: first 8 bytes as a big-endian integer mod 100, "
        + "0 → test, 1 → validation, 2–99 → train"

    /// The corpus of `layout` from the artifact extracted at `root` and the prepared datasets of `cache`.
    ///
    /// - Parameter classNames: the corpus's classes, the sources' names.
    /// - Returns: the records by split and the notes for the manifest.
    /// - Throws: `MixLabError.ioFailure` when a required dataset is not prepared or damaged (the fix is its
    ///   fetch command) or an artifact file is malformed; `invalidConfigValue` when no document remains.
    static func build(
        _ layout: PretrainingCorpusLayout, classNames: [String], extractedAt root: String, cache: DataCache
    ) throws -> (splits: [TaskSplit: [TextRecord]], notes: [String]) {
        let location = "preparing the pre-training corpus"
        var notes: [String] = []
        // 1. Held-out texts.
        var heldOut = Set<String>()
        for dataset in layout.heldOutOf {
            let corpus = try PreparedTextCorpus.open(dataset, in: cache, location: location)
            var count = 0
            for split in [TaskSplit.validation, .test] {
                let part = corpus.split(split)
                for index in 0..<part.count {
                    heldOut.insert(exclusionKey(String(decoding: part.text(index), as: UTF8.self)))
                    count += 1
                }
            }
            let files = corpus.manifest.files.filter { $0.name == "validation.tsv" || $0.name == "test.tsv" }
                .map { "\($0.name) \($0.sha256)" }.joined(separator: ", ")
            notes.append("held out of \(dataset): \(count) validation and test texts (\(files))")
        }
        // 2. Documents.
        let classIndex = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        var kept: [TextRecord] = []
        var seen = Set<String>()
        func take(_ records: [TextRecord], source: String) {
            var excluded = 0, repeats = 0, added = 0
            for record in records {
                if heldOut.contains(exclusionKey(record.text)) {
                    excluded += 1
                } else if !seen.insert(record.text).inserted {
                    repeats += 1
                } else {
                    kept.append(TextRecord(label: classIndex[source]!, source: record.source, text: record.text))
                    added += 1
                }
            }
            notes.append("\(source): \(records.count) documents read, \(excluded) dropped as held-out texts, \(repeats) dropped as repeats, \(added) kept")
        }
        for part in layout.documents {
            let read = try OrangeTabReader.read(
                ArtifactExtractor.contents(of: root + "/" + part.path), fileName: (part.path as NSString).lastPathComponent, classNames: nil)
            take(read.records, source: part.source)
        }
        for part in layout.trainingSplits {
            let corpus = try PreparedTextCorpus.open(part.dataset, in: cache, location: location)
            let train = corpus.split(.train)
            let wanted = part.classes.map { Set($0.compactMap { corpus.manifest.classes.firstIndex(of: $0) }) }
            var records: [TextRecord] = []
            for index in 0..<train.count where wanted?.contains(Int(train.labels[index])) ?? true {
                records.append(TextRecord(label: 0, source: "\(part.dataset):\(train.sources[index])",
                                          text: String(decoding: train.text(index), as: UTF8.self)))
            }
            take(records, source: part.source)
        }
        guard !kept.isEmpty else {
            throw MixLabError(
                .invalidConfigValue, what: "no document of the pre-training corpus remains (the sources are empty or all held out)",
                location: location, fix: "check the sources of the corpus layout and the prepared datasets it reads")
        }
        let bytes = kept.map(\.text.utf8.count).reduce(0, +)
        notes.append("kept \(kept.count) documents, \(bytes) bytes of text")
        // 3. Splits.
        return (Dictionary(grouping: kept) { split(of: $0.text) }, notes)
    }
}
