import Foundation
import MixLabCore

/// Reads scikit-learn's `digits.csv`: one 8×8 image per line, 64 comma-separated intensities 0–16 then
/// the digit 0–9.
enum DigitsReader {
    /// The images of `data`.
    ///
    /// - Throws: `MixLabError.ioFailure` naming the line for a wrong field count or a value out of range.
    static func read(_ data: Data, fileName: String) throws -> ImageSet {
        func bad(_ what: String) -> MixLabError {
            MixLabError(.ioFailure, what: "\(fileName) is not the expected digits CSV: \(what)", location: "data preparation",
                        fix: "check that the artifact is the pinned one (its files may be damaged or of another version)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw bad("it is not UTF-8") }
        var set = ImageSet(height: 8, width: 8)
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 65 else { throw bad("line \(number + 1) has \(fields.count) fields, expected 65") }
            var pixels: [UInt8] = []
            pixels.reserveCapacity(64)
            for field in fields.prefix(64) {
                guard let value = Double(field), value == value.rounded(), (0...16).contains(value) else {
                    throw bad("line \(number + 1) has the intensity '\(field)', expected an integer 0–16")
                }
                pixels.append(UInt8(value))
            }
            guard let label = Int(fields[64]), (0...9).contains(label) else {
                throw bad("line \(number + 1) has the label '\(fields[64])', expected 0–9")
            }
            set.append(pixels, label: UInt8(label))
        }
        guard set.count > 0 else { throw bad("it holds no rows") }
        return set
    }
}
