import Foundation
import MixLabCore
import Testing

import MixLabTasks
import MixLabTraining
@testable import MixLabStudies

/// Running studies: resuming, shards, recovery of finished runs, locks, and failing cells.
@Suite struct StudyRunTests {
    static let yaml = """
        name: run-test
        base: {task: toy, steps: 20, warmup: 2}
        axes:
          - mixer: [fourier, dct]
          - seed: [0, 1, 2]
        """

    @Test func runsEveryCellOnceAndResumesWithoutRepeating() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let study = try StudyTestSupport.study(Self.yaml, in: folder)
        // A first attempt that dies at the cell with seed 2 (as a killed process would stop there).
        let failing = StudyTestSupport.FakeRunner(failing: "seed=2")
        var lines: [String] = []
        let error = StudyTestSupport.error { try study.run(StudyRunOptions(), runner: failing.runner) { lines.append($0) } }
        #expect(error?.code == .nonFiniteValue && error?.what.contains("cell 2") == true && error?.fix.contains("resume") == true)
        #expect(failing.cellsRun == study.grid.cells.prefix(3).map(\.id))
        #expect(try study.progress().done == Set(study.grid.cells.prefix(2).map(\.id)))

        let runner = StudyTestSupport.FakeRunner()
        let summary = try study.run(StudyRunOptions(), runner: runner.runner) { lines.append($0) }
        #expect(runner.cellsRun == study.grid.cells.dropFirst(2).map(\.id), "finished cells are skipped")
        #expect(summary.ran == 4 && summary.alreadyDone == 2 && summary.cells == 6)
        let again = StudyTestSupport.FakeRunner()
        #expect(try study.run(StudyRunOptions(), runner: again.runner) { _ in }.ran == 0)
        #expect(again.cellsRun.isEmpty)

        let rows = try study.results.read().rows
        #expect(rows.map(\.cell).sorted() == study.grid.cells.map(\.id).sorted())
        #expect(rows.allSatisfy { $0.study == "run-test" })
        for row in rows {
            let cell = try #require(study.grid.cell(withID: row.cell))
            #expect(row.record.settings == cell.configuration.settings)
            #expect(FileManager.default.fileExists(atPath: study.specification.cellResultFile(for: cell.id).path))
            let runFiles = try FileManager.default.contentsOfDirectory(atPath: study.specification.runDirectory(for: cell.id).path)
            #expect(runFiles.isEmpty, "the run directory is the runner's alone")
        }
    }

    @Test func shardsRunDisjointCellsThatTogetherCoverTheGrid() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let study = try StudyTestSupport.study(Self.yaml, in: folder)
        var ran: [String] = []
        for index in 0..<4 {
            let runner = StudyTestSupport.FakeRunner()
            try study.run(StudyRunOptions(shard: try StudyShard(index: index, count: 4)), runner: runner.runner) { _ in }
            #expect(runner.cellsRun == study.grid.cells.filter { $0.index % 4 == index }.map(\.id))
            ran += runner.cellsRun
        }
        #expect(ran.sorted() == study.grid.cells.map(\.id).sorted())
        #expect(try study.progress().counts(shards: 4).map(\.done) == [2, 2, 1, 1])
    }

    @Test func aFinishedRunWhoseRowWasLostIsAppendedWithoutRunningAgain() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let study = try StudyTestSupport.study(Self.yaml, in: folder)
        try study.run(StudyRunOptions(), runner: StudyTestSupport.FakeRunner().runner) { _ in }
        let kept = try study.results.read().rows
        // A crash after the run wrote runs/<cell>.result.json but before its row reached the results file.
        try FileManager.default.removeItem(at: study.results.url)
        try StudyResultsFile(study.results.url).append(Array(kept.prefix(4)))
        let runner = StudyTestSupport.FakeRunner()
        let summary = try study.run(StudyRunOptions(), runner: runner.runner) { _ in }
        #expect(runner.cellsRun.isEmpty && summary.recovered == 2)
        #expect(try study.results.read().rows.map(\.cell) == kept.map(\.cell))
    }

    @Test func aFinishedEchoRunIsNotTakenForATrainedOne() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let study = try StudyTestSupport.study(Self.yaml, in: folder)
        // An echo run (as with --results elsewhere) leaves its rows in runs/<cell>.result.json.
        try study.run(StudyRunOptions(), runner: .echo) { _ in }
        try FileManager.default.removeItem(at: study.results.url)
        let runner = StudyTestSupport.FakeRunner()
        let error = StudyTestSupport.error { try study.run(StudyRunOptions(), runner: runner.runner) { _ in } }
        #expect(error?.what.contains("holds the row of an echo run (no training)") == true, "\(String(describing: error))")
        #expect(error?.fix.contains("remove") == true && runner.cellsRun.isEmpty)
        #expect(try study.results.read().rows.isEmpty, "no echo row reaches the results file of a trained study")
    }

    @Test func aCellLockedByAnotherProcessIsSkipped() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let study = try StudyTestSupport.study(Self.yaml, in: folder)
        let busy = study.grid.cells[1]
        try FileManager.default.createDirectory(at: study.specification.runsFolder, withIntermediateDirectories: true)
        let lockPath = study.specification.cellLockFile(for: busy.id).path
        let held = try #require(try FileLock(path: lockPath, location: "test"))
        #expect(try FileLock(path: lockPath, location: "test", patience: 0) == nil, "the lock excludes other holders")
        #expect(FileLock.holder(of: lockPath)?.description == "this process")
        let runner = StudyTestSupport.FakeRunner()
        let summary = try study.run(StudyRunOptions(), runner: runner.runner) { _ in }
        #expect(summary.busy == 1 && summary.ran == 5 && !runner.cellsRun.contains(busy.id))
        withExtendedLifetime(held) {}
    }

    @Test func keepGoingRunsTheOtherCellsAndFailsAtTheEnd() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let study = try StudyTestSupport.study(Self.yaml, in: folder)
        let runner = StudyTestSupport.FakeRunner(failing: "mixer=dct")
        let error = StudyTestSupport.error { try study.run(StudyRunOptions(keepGoing: true), runner: runner.runner) { _ in } }
        #expect(runner.cellsRun.count == 6)
        #expect(error?.what.hasPrefix("3 of 6 cells failed") == true)
        #expect(try study.progress().done.count == 3)
    }

    @Test func threadsOverrideKeepsCellIDs() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let study = try StudyTestSupport.study(Self.yaml, in: folder)
        try study.run(StudyRunOptions(threads: 1), runner: StudyTestSupport.FakeRunner().runner) { _ in }
        let rows = try study.results.read().rows
        #expect(rows.allSatisfy { $0.record.settings["threads"] == "1" })
        #expect(Set(rows.map(\.cell)) == Set(study.grid.cells.map(\.id)))
    }

    @Test func aRecordForOtherSettingsIsRejected() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let study = try StudyTestSupport.study(Self.yaml, in: folder)
        let wrong = StudyCellRunner(name: "wrong") { configuration, _, _ in
            var settings = configuration.settings
            settings["seed"] = "99"
            return StudyTestSupport.record(settings)
        }
        let error = StudyTestSupport.error { try study.run(StudyRunOptions(), runner: wrong) { _ in } }
        #expect(error?.what.contains("seed: 0 → 99") == true)
        #expect(try study.results.read().rows.isEmpty)
    }

    @Test func badTaskValuesFailBeforeAnyCellRuns() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let study = try StudyTestSupport.study("""
            name: preflight
            base: {task: toy, steps: 20, warmup: 2}
            axes:
              - seed: [0, 1]
              - task.length: [8, 100]
            """, in: folder)
        let runner = StudyTestSupport.FakeRunner()
        let error = StudyTestSupport.error { try study.run(StudyRunOptions(), runner: runner.runner) { _ in } }
        #expect(runner.cellsRun.isEmpty, "nothing runs")
        #expect(error?.code == .invalidConfigValue && error?.what.contains("length=100") == true)
        #expect(error?.location.hasPrefix("\(study.specification.path):5 (cell 1: seed=0 task.length=100") == true, "\(error?.location ?? "")")
    }

    @Test func theEchoRunnerIsDeterministic() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let cell = try StudyTestSupport.study(Self.yaml, in: folder).grid.cells[3]
        let first = try StudyCellRunner.echo.run(cell.configuration, cell.id, folder)
        let second = try StudyCellRunner.echo.run(cell.configuration, cell.id, folder)
        #expect(first.test == second.test && first.validation == second.validation && first.curve == second.curve)
        #expect(first.settings == cell.configuration.settings && first.environment.build == "echo (no training)")
        #expect((0..<1).contains(first.test!.accuracy) && first.curve.last?.step == 20 && first.curve.count == 1)
        let other = try StudyCellRunner.echo.run(
            try StudyTestSupport.study(Self.yaml, in: folder).grid.cells[4].configuration, "x", folder)
        #expect(other.test != first.test)
    }
}
