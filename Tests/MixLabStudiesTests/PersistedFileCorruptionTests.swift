import Foundation
import MixLabCore
import MixLabKernels
import MixLabModels
import MixLabTraining
import Testing

@testable import MixLabStudies
@testable import MixLabTasks

/// Every kind of file MixLab writes and later reads back, damaged 1,000 ways each (seeded byte changes
/// and truncations): each damaged file is refused with an error naming it, or read back exactly as
/// written (a change that leaves the content equal, e.g. in the seal field's key). None may be read as
/// different content.
@Suite struct PersistedFileCorruptionTests {
    /// How one damaged file was met.
    enum Outcome: Equatable {
        /// Refused with an error that names the file.
        case refused
        /// Read back equal to the original.
        case readUnchanged
        /// Read back with other content: a corruption accepted.
        case accepted(String)
        /// Refused, but the error does not name the file.
        case unclear(String)
    }

    static let variantsPerKind = 1_000

    /// `variantsPerKind` damaged copies of `original`, seeded: 70 % change 1–3 random bytes (each XORed
    /// with a random non-zero value), 30 % cut the file at a random length.
    static func variants(of original: Data, seed: UInt64) -> [Data] {
        var random = SeededRandom(seed: seed)
        return (0..<variantsPerKind).map { _ in
            var bytes = original
            if random.nextUniform() < 0.7 {
                for _ in 0..<random.nextInteger(in: 1...3) {
                    let index = random.nextIndex(below: bytes.count)
                    bytes[index] ^= UInt8(random.nextInteger(in: 1...255))
                }
            } else {
                bytes = bytes.prefix(random.nextIndex(below: bytes.count))
            }
            return bytes
        }
    }

    /// Writes each variant of the file at `path` in turn, reads it with `read`, and sorts the outcomes;
    /// the original is restored at the end.
    static func sweep<Content: Equatable>(
        _ path: String, seed: UInt64, read: () throws -> Content
    ) throws -> [Outcome] {
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let expected = try read()
        defer { try? original.write(to: URL(fileURLWithPath: path)) }
        let name = (path as NSString).lastPathComponent
        return try variants(of: original, seed: seed).map { variant in
            try variant.write(to: URL(fileURLWithPath: path))
            do {
                return try read() == expected ? .readUnchanged : .accepted(String(decoding: variant.prefix(200), as: UTF8.self))
            } catch let error as MixLabError {
                return "\(error.what) \(error.location)".contains(name) ? .refused : .unclear(error.description)
            } catch {
                return .unclear(String(describing: error))
            }
        }
    }

    static func expectAllDetected(_ outcomes: [Outcome], _ kind: String) {
        let accepted = outcomes.filter { if case .accepted = $0 { true } else { false } }
        let unclear = outcomes.filter { if case .unclear = $0 { true } else { false } }
        #expect(outcomes.count == variantsPerKind)
        #expect(accepted.isEmpty, "\(kind): \(accepted.count) damaged files read as other content, e.g. \(accepted.first.map { "\($0)" } ?? "")")
        #expect(unclear.isEmpty, "\(kind): \(unclear.count) refusals do not name the file, e.g. \(unclear.first.map { "\($0)" } ?? "")")
        #expect(outcomes.filter { $0 == .refused }.count >= variantsPerKind * 99 / 100, "\(kind): refused \(outcomes.filter { $0 == .refused }.count)")
    }

    /// A finished tiny run in `folder`: settings, checkpoints and record.
    static func trainedRun(in folder: URL) throws -> RunRecord {
        let settings = [
            "task": "majority", "task.length": "8", "task.train-size": "32", "task.validation-size": "8", "task.test-size": "8",
            "hidden": "8", "ffn": "8", "layers": "1", "batch": "4", "steps": "4", "warmup": "1", "eval-every": "2",
            "checkpoint-every": "2", "threads": String(Parallelism.threads),
        ]
        let configuration = try RunConfiguration(settings: settings)
        let task = try TaskRegistry.shared.make(configuration.task, settings: configuration.taskSettings)
        return try Trainer(configuration: configuration, task: task, directory: folder.path).run()
    }

    /// A checkpoint's content as a reader sees it: tensor bits and metadata.
    struct CheckpointContent: Equatable {
        let tensors: [String: [UInt32]]
        let metadata: [String: String]

        init(_ path: String) throws {
            let contents = try SafeTensors.read(path)
            tensors = contents.tensors.mapValues { $0.values.map(\.bitPattern) }
            metadata = contents.metadata
        }
    }

    @Test func checkpointsSettingsAndRecordsAreRefusedWhenDamaged() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Self.trainedRun(in: folder)
        let run = RunDirectory(folder.path)

        let last = run.file(RunDirectory.lastCheckpointFile)
        Self.expectAllDetected(try Self.sweep(last, seed: 1) { () -> CheckpointContent in
            let content = try CheckpointContent(last)
            _ = try TrainerState.decode(metadata: content.metadata, source: last)
            return content
        }, "checkpoint-last")
        let best = run.file(RunDirectory.bestCheckpointFile)
        Self.expectAllDetected(try Self.sweep(best, seed: 2) { try CheckpointContent(best) }, "checkpoint-best")
        Self.expectAllDetected(try Self.sweep(run.file(RunDirectory.settingsFile), seed: 3) { try run.readSettings() }, "settings.json")
        let record = run.file(RunDirectory.recordFile)
        Self.expectAllDetected(try Self.sweep(record, seed: 4) { try RunRecord.read(from: record) }, "run.json")
    }

    @Test func resultRowsAreNeverReadAltered() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let record = try Self.trainedRun(in: folder.appendingPathComponent("run"))
        let results = StudyResultsFile(folder.appendingPathComponent("results.jsonl"))
        try results.append((0..<3).map { StudyResultRow(study: "corruption", cell: "cell\($0)", record: record) })
        let original = try results.read().rows
        // A damaged complete row is an error naming file and line; a damaged last row (its newline gone)
        // is dropped with a warning naming them, and its cell runs again. Either way no altered row is read.
        let outcomes = try Self.sweep(results.url.path, seed: 5) { () -> [StudyResultRow] in
            let contents = try results.read()
            guard contents.rows == original else {
                let isPrefix = contents.rows == Array(original.prefix(contents.rows.count))
                if isPrefix, contents.warnings.contains(where: { $0.contains("results.jsonl") }) {
                    throw MixLabError(.ioFailure, what: contents.warnings.joined(), location: "test", fix: "none")
                }
                return contents.rows
            }
            return contents.rows
        }
        Self.expectAllDetected(outcomes, "results.jsonl")
    }

    @Test func datasetManifestsAreRefusedWhenDamaged() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = DataCache(root: folder.path)
        let records: [TaskSplit: [TextRecord]] = [
            .train: [TextRecord(label: 0, source: "a:1", text: "profits rose"), TextRecord(label: 1, source: "a:2", text: "oil fell")],
            .validation: [TextRecord(label: 2, source: "a:3", text: "grain")],
            .test: [TextRecord(label: 0, source: "b:1", text: "earnings")],
        ]
        let descriptor = DatasetCatalog.reuters8
        try FileManager.default.createDirectory(atPath: cache.directory(of: descriptor.name), withIntermediateDirectories: true)
        _ = try PreparedDatasetWriter.write(
            .text(records), of: descriptor,
            source: .init(artifact: "test.whl", sha256: "", pinnedSHA256: "", obtainedBy: "test", paths: []),
            notes: ["a note"], into: cache.directory(of: descriptor.name))
        let outcomes = try Self.sweep(cache.manifestPath(of: descriptor.name), seed: 6) {
            try DatasetManifest.read(dataset: descriptor.name, in: cache, location: "test")
        }
        Self.expectAllDetected(outcomes, "manifest.json")
    }
}
