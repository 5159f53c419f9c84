import Foundation
import MixLabCore
import MixLabTasks
import MixLabTraining

/// One line of a study's results file: the record of one finished run, with the study name and
/// the cell ID beside the record's own fields.
///
/// A line is one JSON object (keys sorted, no newline inside) ending with `\n`:
/// `{"cell":"3f2a…","study":"mixer-ablation","schema":"mixlab.run.v1","settings":{…},"test":{…},…}`.
/// Non-finite numbers are written as the strings `"nan"`, `"inf"`, `"-inf"`.
public struct StudyResultRow: Sendable, Equatable, Codable {
    /// The study name.
    public var study: String
    /// The cell ID (`StudyCell.id`).
    public var cell: String
    /// The run's record.
    public var record: RunRecord

    /// A row from its parts.
    public init(study: String, cell: String, record: RunRecord) {
        self.study = study
        self.cell = cell
        self.record = record
    }

    private enum CodingKeys: String, CodingKey {
        case study, cell
    }

    /// Decodes the record's fields and `study`, `cell` from one object.
    public init(from decoder: any Decoder) throws {
        record = try RunRecord(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        study = try container.decode(String.self, forKey: .study)
        cell = try container.decode(String.self, forKey: .cell)
    }

    /// Encodes the record's fields and `study`, `cell` into one object.
    public func encode(to encoder: any Encoder) throws {
        try record.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(study, forKey: .study)
        try container.encode(cell, forKey: .cell)
    }

    /// The row as one line of JSON, newline included.
    public func jsonLine() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var data = FileIntegrity.sealedJSONObject(try encoder.encode(self))
        data.append(0x0A)
        return data
    }

    /// Decodes one line (without its newline).
    ///
    /// - Throws: `MixLabError.invalidArgument` naming `location` when the line's seal (`FileIntegrity`)
    ///   does not match, the line is not a row, or its record has another schema than
    ///   `RunRecord.currentSchema`.
    public init(jsonLine line: Data, location: String) throws {
        do {
            try FileIntegrity.verify(line, path: location, location: location, fix: "restore the file from a backup, or delete the line to re-run its cell")
        } catch let error as MixLabError {
            throw MixLabError(.invalidArgument, what: error.what, location: location, fix: error.fix)
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            self = try decoder.decode(Self.self, from: line)
        } catch {
            let schema = (try? JSONSerialization.jsonObject(with: line) as? [String: Any])?["schema"] as? String
            if let schema, schema != RunRecord.currentSchema {
                throw MixLabError(
                    .invalidArgument, what: "the row has record schema '\(schema)'; this MixLab reads \(RunRecord.currentSchema)",
                    location: location, fix: "read it with the MixLab version that wrote it, or re-run the cell")
            }
            throw MixLabError(
                .invalidArgument, what: "the line is not a study result row (\(Self.reason(error)))", location: location,
                fix: "restore the file from a backup, or delete the line to re-run its cell")
        }
        guard record.schema == RunRecord.currentSchema else {
            throw MixLabError(
                .invalidArgument, what: "the row has record schema '\(record.schema)'; this MixLab reads \(RunRecord.currentSchema)",
                location: location, fix: "read it with the MixLab version that wrote it, or re-run the cell")
        }
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty:
            return "not valid JSON"
        case DecodingError.dataCorrupted(let context):
            return "bad value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        default:
            return "\(error)"
        }
    }
}
