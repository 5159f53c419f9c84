import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTasks
import MixLabTraining
import Testing
@testable import MixLabStudies

/// Studies run by the real trainer, on a tiny model and a synthetic task.
@Suite struct StudyTrainerTests {
    /// `threads` is the process's current count, so that no test changes it (the trainer applies it process-wide).
    static let yaml = """
        name: trainer-study
        base:
          task: majority
          task.length: 8
          task.train-size: 64
          task.validation-size: 16
          task.test-size: 16
          hidden: 8
          ffn: 16
          layers: 1
          batch: 4
          steps: 4
          warmup: 1
          eval-every: 2
          checkpoint-every: 2
          threads: \(Parallelism.threads)
        axes:
          - mixer: [fourier, identity]
          - seed: [0, 1]
        """

    static func study(in folder: URL) throws -> Study {
        let path = folder.appendingPathComponent("study.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try Study(contentsOf: path)
    }

    @Test func trainedCellsAreReproducibleAndFinishedRunsAreNotTrainedAgain() throws {
        let first = try StudyTestSupport.temporaryFolder(), second = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(first); StudyTestSupport.remove(second) }
        let study = try Self.study(in: first)
        let summary = try study.run(StudyRunOptions(), runner: .trainer()) { _ in }
        #expect(summary.ran == 4)
        let rows = try study.results.read().rows
        #expect(rows.count == 4 && rows.allSatisfy { $0.record.steps == 4 && $0.record.test?.count == 16 })
        for row in rows {
            let files = try FileManager.default.contentsOfDirectory(atPath: study.specification.runDirectory(for: row.cell).path)
            #expect(files.contains(RunDirectory.recordFile) && files.contains(RunDirectory.lastCheckpointFile), "the trainer's run folder")
        }

        // The same study elsewhere gives the same metrics: runs are deterministic.
        let again = try Self.study(in: second)
        try again.run(StudyRunOptions(shard: try StudyShard(parsing: "1/2")), runner: .trainer()) { _ in }
        try again.run(StudyRunOptions(shard: try StudyShard(parsing: "0/2")), runner: .trainer()) { _ in }
        let rowsAgain = try again.results.read().rows
        #expect(Set(rowsAgain.map(\.cell)) == Set(rows.map(\.cell)))
        for row in rows {
            let twin = try #require(rowsAgain.first { $0.cell == row.cell })
            #expect(twin.record.test == row.record.test && twin.record.validation == row.record.validation)
            #expect(twin.record.curve.map(\.trainLoss) == row.record.curve.map(\.trainLoss))
        }

        // A crash after training but before the row was written: the trainer's run.json is used as it is.
        try FileManager.default.removeItem(at: study.results.url)
        for row in rows { try FileManager.default.removeItem(at: study.specification.cellResultFile(for: row.cell)) }
        let resumed = try study.run(StudyRunOptions(), runner: .trainer()) { _ in }
        #expect(resumed.ran == 4)
        let rowsAfter = try study.results.read().rows
        for row in rows {
            #expect(rowsAfter.first { $0.cell == row.cell }?.record.finishedAt == row.record.finishedAt, "not trained again")
        }
    }
}

/// A study given a mixer registry of its own checks and trains its cells with that registry.
@Suite struct StudyPrivateRegistryTests {
    @Test func aMixerKnownOnlyToTheStudysRegistryIsCheckedAndTrained() throws {
        let registry = MixerRegistry()
        try registry.register(MixerRegistration(name: "private-identity", summary: "y = x", keys: []) { _, _ in IdentityMixer() })
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let path = folder.appendingPathComponent("study.yaml").path
        let yaml = StudyTrainerTests.yaml.replacingOccurrences(of: "[fourier, identity]", with: "[private-identity]")
            .replacingOccurrences(of: "[0, 1]", with: "[0]")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: MixLabError.self) { try Study(contentsOf: path) }
        let study = try Study(contentsOf: path, mixers: registry)
        try study.preflight(study.grid.cells)
        let summary = try study.run(StudyRunOptions(), runner: .trainer(mixers: registry)) { _ in }
        #expect(summary.ran == 1)
        #expect(try study.results.read().rows.first?.record.settings["mixer"] == "private-identity")
    }
}
