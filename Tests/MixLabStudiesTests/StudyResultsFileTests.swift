import Foundation
import MixLabCore
import Testing

import MixLabTasks
import MixLabTraining
@testable import MixLabStudies

/// The results file: round trip, crash recovery, malformed lines, concurrent writers, merging.
@Suite struct StudyResultsFileTests {
    @Test func rowsRoundTripAsOneSortedJSONLine() throws {
        var row = StudyTestSupport.row(study: "ablation", cell: "0123456789ab", accuracy: 0.75)
        row.record.curve[0].trainLoss = .nan
        let line = try row.jsonLine()
        #expect(line.last == 0x0A && line.dropLast().contains(0x0A) == false)
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.hasPrefix("{\"\(FileIntegrity.key)\":\"crc32:"), "the seal comes first")
        #expect(text.contains("\",\"bestStep\":1,"), "then the fields in key order")
        #expect(text.contains("\"cell\":\"0123456789ab\"") && text.contains("\"study\":\"ablation\"") && text.contains("\"schema\":\"mixlab.run.v1\""))
        #expect(text.contains("\"trainLoss\":\"nan\""))
        let back = try StudyResultRow(jsonLine: line.dropLast(), location: "test")
        #expect(back.study == row.study && back.cell == row.cell && back.record.test == row.record.test)
        #expect(back.record.curve[0].trainLoss.isNaN)
    }

    @Test func appendSkipsCellsAlreadyPresent() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let file = StudyResultsFile(folder.appendingPathComponent("results.jsonl"))
        #expect(try file.read().rows.isEmpty, "an absent file has no rows")
        let first = try file.append([StudyTestSupport.row(cell: "a"), StudyTestSupport.row(cell: "b"), StudyTestSupport.row(cell: "a")])
        #expect(first.appended == 2 && first.skipped == 1)
        let second = try file.append([StudyTestSupport.row(cell: "b", accuracy: 0.9), StudyTestSupport.row(study: "t", cell: "b")])
        #expect(second.appended == 1 && second.skipped == 1, "a cell is identified by study and cell ID")
        let rows = try file.read().rows
        #expect(rows.map(\.cell) == ["a", "b", "b"] && rows.map(\.study) == ["s", "s", "t"])
        #expect(rows[1].record.test?.accuracy == 0.5, "the first row of a cell is kept")
    }

    @Test func aTruncatedLastLineIsIgnoredThenRepairedWithoutLosingRows() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let url = folder.appendingPathComponent("results.jsonl")
        let file = StudyResultsFile(url)
        try file.append([StudyTestSupport.row(cell: "a"), StudyTestSupport.row(cell: "b")])
        // A writer killed in the middle of its write leaves part of a line.
        let partial = try StudyTestSupport.row(cell: "c").jsonLine().prefix(57)
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: partial)
        try handle.close()

        let contents = try file.read()
        #expect(contents.rows.map(\.cell) == ["a", "b"])
        #expect(contents.warnings.count == 1 && contents.warnings[0].contains("results.jsonl:3") && contents.warnings[0].contains("unfinished"))
        let outcome = try file.append([StudyTestSupport.row(cell: "c")])
        #expect(outcome.appended == 1 && outcome.removedBytes == 57)
        let repaired = try file.read()
        #expect(repaired.rows.map(\.cell) == ["a", "b", "c"] && repaired.warnings.isEmpty)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 3 && text.hasSuffix("\n"))
    }

    @Test func aCompleteLastRowWithoutNewlineIsKept() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let url = folder.appendingPathComponent("results.jsonl")
        try StudyTestSupport.row(cell: "a").jsonLine().dropLast().write(to: url)
        let file = StudyResultsFile(url)
        #expect(try file.read().rows.map(\.cell) == ["a"])
        try file.append([StudyTestSupport.row(cell: "b")])
        #expect(try file.read().rows.map(\.cell) == ["a", "b"])
    }

    @Test func aMalformedLineInTheMiddleIsAnErrorWithItsLineNumber() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let url = folder.appendingPathComponent("results.jsonl")
        var data = try StudyTestSupport.row(cell: "a").jsonLine()
        data.append(Data("{\"study\": \"s\", \"cell\": \"x\"}\n".utf8))
        data.append(try StudyTestSupport.row(cell: "b").jsonLine())
        try data.write(to: url)
        let file = StudyResultsFile(url)
        let error = StudyTestSupport.error { _ = try file.read() }
        #expect(error?.location == url.path + ":2")
        #expect(error?.what.contains("not a study result row") == true)
        let before = try Data(contentsOf: url)
        #expect(StudyTestSupport.error { try file.append([StudyTestSupport.row(cell: "c")]) } != nil)
        #expect(try Data(contentsOf: url) == before, "nothing is written to a damaged file")

        try Data("garbage\n".utf8).write(to: url)
        #expect(StudyTestSupport.error { _ = try file.read() }?.what.contains("not valid JSON") == true)
        var other = String(decoding: try StudyTestSupport.row(cell: "a").jsonLine(), as: UTF8.self)
        other = other.replacingOccurrences(of: "mixlab.run.v1", with: "mixlab.run.v9")
        try (FileIntegrity.seal(Data(other.dropLast().utf8)) + Data("\n".utf8)).write(to: url)
        #expect(StudyTestSupport.error { _ = try file.read() }?.what.contains("schema 'mixlab.run.v9'") == true)
    }

    @Test func concurrentWritersNeverInterleaveLoseOrDuplicateRows() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let url = folder.appendingPathComponent("results.jsonl")
        let writers = 6, rowsPerWriter = 10
        // One thread per writer, each opening the file itself (its own open file description, as another
        // process would), all started together.
        let done = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for writer in 0..<writers {
            done.enter()
            Thread {
                start.wait()
                let file = StudyResultsFile(url)
                for row in 0..<rowsPerWriter {
                    _ = try? file.append([StudyTestSupport.row(cell: "w\(writer)-r\(row)", accuracy: Double(row) / 100)])
                    // Every writer also appends the same shared cell: it must appear once.
                    _ = try? file.append([StudyTestSupport.row(cell: "shared-\(row)")])
                }
                done.leave()
            }.start()
        }
        for _ in 0..<writers { start.signal() }
        done.wait()
        let contents = try StudyResultsFile(url).read()
        #expect(contents.warnings.isEmpty)
        #expect(contents.rows.count == writers * rowsPerWriter + rowsPerWriter)
        #expect(Set(contents.rows.map(\.cell)).count == contents.rows.count, "no cell twice")
        for writer in 0..<writers {
            let mine = contents.rows.filter { $0.cell.hasPrefix("w\(writer)-") }
            #expect(mine.map(\.cell) == (0..<rowsPerWriter).map { "w\(writer)-r\($0)" }, "each writer's rows in its order")
        }
    }

    @Test func mergeDeduplicatesByStudyAndCell() throws {
        let folder = try StudyTestSupport.temporaryFolder()
        defer { StudyTestSupport.remove(folder) }
        let shard0 = StudyResultsFile(folder.appendingPathComponent("results.shard-0.jsonl"))
        let shard1 = StudyResultsFile(folder.appendingPathComponent("results.shard-1.jsonl"))
        let merged = StudyResultsFile(folder.appendingPathComponent("results.jsonl"))
        try shard0.append([StudyTestSupport.row(cell: "a"), StudyTestSupport.row(cell: "c")])
        try shard1.append([StudyTestSupport.row(cell: "b"), StudyTestSupport.row(cell: "c", accuracy: 0.9)])
        try merged.append([StudyTestSupport.row(cell: "b", accuracy: 0.1)])
        let outcome = try merged.merge(from: [shard0, shard1])
        #expect(outcome.appended == 2 && outcome.skipped == 2)
        let rows = try merged.read().rows
        #expect(rows.map(\.cell) == ["b", "a", "c"])
        #expect(rows.map { $0.record.test!.accuracy } == [0.1, 0.5, 0.5], "rows already present and first inputs win")
        #expect(try merged.merge(from: [shard0, shard1]).appended == 0, "merging again adds nothing")
        let missing = StudyTestSupport.error { try merged.merge(from: [StudyResultsFile(folder.appendingPathComponent("nope.jsonl"))]) }
        #expect(missing?.code == .ioFailure)
    }
}
