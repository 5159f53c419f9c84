import Foundation
import MixLab
@testable import MixLabCommandLine
import Testing

@Suite struct TasksCommandTests {
    @Test func listingShowsEveryTaskWithItsKindAndSettings() {
        let listing = TasksListCommand.listing(TaskRegistry.shared)
        for name in TaskRegistry.shared.names {
            #expect(listing.contains("\n\(name)  (") || listing.hasPrefix("\(name)  ("), "\(name) missing")
        }
        #expect(listing.contains("listops  (sequence labels)"))
        #expect(listing.contains("reversal  (token labels)"))
        let presetLine = listing.split(separator: "\n").first { $0.contains("preset ") && $0.contains("lra|small|tiny") }
        #expect(presetLine?.contains("window and split sizes") == true)
    }

    @Test func showPrintsSettingsAndDecodedExamples() throws {
        let text = try TasksShowCommand.render(name: "listops", settings: ["preset=tiny"], split: "validation", count: 2, start: 5, stats: false)
        #expect(text.contains("preset=tiny") && text.contains("sequence length 64"))
        #expect(text.contains("validation[5]  label ") && text.contains("validation[6]  label "))
        #expect(!text.contains("validation[7]"))
        let tokenTask = try TasksShowCommand.render(
            name: "reversal", settings: ["length=4", "vocabulary=3"], split: "train", count: 1, start: 0, stats: false)
        let lines = tokenTask.split(separator: "\n")
        let tokens = try #require(lines.first { $0.hasPrefix("  tokens: ") }).dropFirst(10).split(separator: " ")
        let labels = try #require(lines.first { $0.hasPrefix("  labels: ") }).dropFirst(10).split(separator: " ")
        #expect(Array(labels) == Array(tokens.reversed()))
        let recall = try TasksShowCommand.render(
            name: "associative-recall", settings: ["pairs=2", "queries=1", "length=6"], split: "test", count: 1, start: 0, stats: false)
        #expect(recall.contains("·"), "unscored positions are marked")
    }

    @Test func statsReportLabelsLengthsSpeedAndDraws() throws {
        let text = try TasksShowCommand.render(name: "listops", settings: ["preset=tiny"], split: "train", count: 30, start: 0, stats: true)
        #expect(text.contains("30 train examples from index 0"))
        #expect(text.contains("length: min ") && text.contains("examples/s"))
        #expect(text.contains("trees drawn per kept tree"))
        #expect(!text.contains("train[0]"))
    }

    @Test func badInputIsRejectedWithTheFix() {
        func error(_ body: () throws -> String) -> MixLabError? {
            do { _ = try body(); return nil } catch { return error as? MixLabError }
        }
        let unknown = error { try TasksShowCommand.render(name: "listop", settings: [], split: "train", count: 1, start: 0, stats: false) }
        #expect(unknown?.fix.contains("listops") == true && unknown?.fix.contains("parity") == true)
        let split = error { try TasksShowCommand.render(name: "parity", settings: [], split: "dev", count: 1, start: 0, stats: false) }
        #expect(split?.fix.contains("validation") == true)
        let key = error { try TasksShowCommand.render(name: "parity", settings: ["lenght=3"], split: "train", count: 1, start: 0, stats: false) }
        #expect(key?.code == .unknownConfigKey && key?.fix.contains("length") == true)
        let item = error { try TasksShowCommand.render(name: "parity", settings: ["length"], split: "train", count: 1, start: 0, stats: false) }
        #expect(item?.code == .invalidArgument)
        let past = error {
            try TasksShowCommand.render(name: "parity", settings: ["test-size=3"], split: "test", count: 2, start: 2, stats: false)
        }
        #expect(past?.fix.contains("test-size") == true)
        let none = error { try TasksShowCommand.render(name: "parity", settings: [], split: "train", count: 0, start: 0, stats: false) }
        #expect(none?.code == .invalidArgument)
    }

    @Test func pathfinderStatsReportDrawsAndDistractors() throws {
        let text = try TasksShowCommand.render(
            name: "pathfinder", settings: ["difficulty=easy"], split: "train", count: 10, start: 0, stats: true)
        #expect(text.contains("length: min 1024, mean 1024.0, max 1024"))
        #expect(text.contains("disconnected 5  (50.0 %)") && text.contains("connected    5  (50.0 %)"))
        #expect(text.contains("target path pairs drawn per image: mean ") && text.contains("of 10 attempted"))
    }

    @Test func renderWritesPicturesOfPathfinderExamples() throws {
        let folder = NSTemporaryDirectory() + "mixlab-render-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let lines = try TasksRenderCommand.render(
            name: "pathfinder", settings: ["difficulty=medium"], split: "validation", count: 3, start: 4, scale: 2, columns: 2, folder: folder)
        let task = try TaskRegistry.shared.make("pathfinder", settings: ["difficulty": "medium"]) as! PathfinderTask
        var files: [String] = []
        for index in 4..<7 {
            let label = task.classNames[try task.scene(in: .validation, at: index).connected ? 1 : 0]
            files.append("validation-\(index)-\(label).png")
            #expect(lines.contains { $0.hasPrefix("validation-\(index)-\(label).png  \(label)  target paths 9 and 9 dashes") })
        }
        let written = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(written == (files + ["grid.png", "grid.svg"]).sorted())
        let png = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + files[0]))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png[16..<24]) == [0, 0, 0, 64, 0, 0, 0, 64], "32 pixels enlarged twice")
        let grid = try Data(contentsOf: URL(fileURLWithPath: folder + "/grid.png"))
        // Two columns and two rows of 64-pixel tiles with 2-pixel gaps: 134 × 134.
        #expect(Array(grid[16..<24]) == [0, 0, 0, 134, 0, 0, 0, 134])
        let svg = try String(contentsOfFile: folder + "/grid.svg", encoding: .utf8)
        #expect(svg.contains("validation[4] ") && svg.contains("data:image/png;base64,") && svg.hasPrefix("<svg"))
    }

    @Test func renderRejectsTasksThatAreNotImagesAndBadOptions() {
        func error(_ body: () throws -> [String]) -> MixLabError? {
            do { _ = try body(); return nil } catch { return error as? MixLabError }
        }
        let folder = NSTemporaryDirectory() + "mixlab-render-unused"
        let listops = error {
            try TasksRenderCommand.render(name: "listops", settings: [], split: "train", count: 1, start: 0, scale: 1, columns: 1, folder: folder)
        }
        #expect(listops?.fix.contains("pathfinder") == true && listops?.fix.contains("tasks show listops") == true)
        let scale = error {
            try TasksRenderCommand.render(name: "pathfinder", settings: [], split: "train", count: 1, start: 0, scale: 0, columns: 1, folder: folder)
        }
        #expect(scale?.fix.contains("--scale") == true)
        let past = error {
            try TasksRenderCommand.render(
                name: "pathfinder", settings: ["test-size=2"], split: "test", count: 3, start: 0, scale: 1, columns: 1, folder: folder)
        }
        #expect(past?.fix.contains("test-size") == true)
        #expect(!FileManager.default.fileExists(atPath: folder), "nothing is written before the arguments are checked")
    }

    /// The executable exits non-zero and names the registered tasks.
    @Test func unknownTaskExitsWithTheRegisteredNames() throws {
        let (status, output) = try MissingLibraryTests.mixlab(["tasks", "show", "nope"], environment: [:])
        #expect(status != 0)
        #expect(output.contains("no task is registered as 'nope'"))
        for name in TaskRegistry.shared.names { #expect(output.contains(name)) }
        let (listStatus, listing) = try MissingLibraryTests.mixlab(["tasks"], environment: [:])
        #expect(listStatus == 0 && listing.contains("associative-recall  (token labels)"))
    }
}
