/// Splits RFC 4180 CSV text into records of fields.
///
/// Fields are separated by commas; a field that starts with a double quote runs to the next lone
/// double quote and may hold commas, line breaks and doubled quotes (`""` → `"`). Records end at `\n`
/// or `\r\n` outside quotes; a final line break is optional.
enum CSVReader {
    /// The records of `text`.
    ///
    /// - Returns: nil when a quoted field is never closed.
    /// - Complexity: O(n) in the length of `text`.
    static func records(_ text: String) -> [[String]]? {
        var records: [[String]] = []
        var record: [String] = []
        var field = String.UnicodeScalarView()
        var inQuotes = false
        var fieldStarted = false
        var iterator = text.unicodeScalars.makeIterator()
        var lookahead: Unicode.Scalar? = iterator.next()
        while let scalar = lookahead {
            lookahead = iterator.next()
            if inQuotes {
                if scalar == "\"" {
                    if lookahead == "\"" { field.append("\""); lookahead = iterator.next() } else { inQuotes = false }
                } else {
                    field.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where !fieldStarted:
                inQuotes = true
                fieldStarted = true
            case ",":
                record.append(String(field)); field = .init(); fieldStarted = false
            case "\r" where lookahead == "\n":
                continue
            case "\n":
                record.append(String(field)); field = .init(); fieldStarted = false
                records.append(record); record = []
            default:
                field.append(scalar)
                fieldStarted = true
            }
        }
        if inQuotes { return nil }
        if fieldStarted || !record.isEmpty {
            record.append(String(field))
            records.append(record)
        }
        return records
    }
}
