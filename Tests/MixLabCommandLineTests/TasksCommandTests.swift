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
