import Foundation
import MixLab
import Testing

@testable import MixLabCommandLine
@testable import MixLabTasks

/// `mixlab eval` and `mixlab predict` on a tiny text classification run: the report folder, its
/// refusal to overwrite, and predictions of raw text with empty lines, long lines and binary input.
@Suite struct EvalPredictCommandTests {
    /// A data cache holding a small prepared rt-sentiment (positive words → fresh, negative → rotten)
    /// and a private registry whose rt-sentiment task reads it.
    final class Fixture: @unchecked Sendable {
        let root: String
        let tasks = TaskRegistry()

        init() throws {
            root = NSTemporaryDirectory() + "mixlab-eval-predict-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let cache = DataCache(root: root)
            let descriptor = try DatasetCatalog.standard.descriptor(named: "rt-sentiment")
            let positive = ["good", "great", "fine", "lovely", "superb"], negative = ["bad", "awful", "dull", "poor", "weak"]
            func records(_ count: Int, offset: Int) -> [TextRecord] {
                (0..<count).map { index in
                    let label = index % 2
                    let words = label == 1 ? positive : negative
                    let text = "the film was \(words[(index + offset) % 5]) and \(words[(index + offset + 2) % 5])"
                    return TextRecord(label: label, source: "movie-\(index + offset)", text: text)
                }
            }
            let folder = cache.directory(of: "rt-sentiment")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            _ = try PreparedDatasetWriter.write(
                .text([.train: records(40, offset: 0), .validation: records(10, offset: 40), .test: records(10, offset: 50)]),
                of: descriptor,
                source: .init(artifact: "fixture", sha256: "0", pinnedSHA256: "0", obtainedBy: "test", paths: []),
                notes: [], into: folder)
            var registration = TextClassificationTask.registration("rt-sentiment")
            registration.make = { settings in try TextClassificationTask(dataset: "rt-sentiment", settings: settings, cache: cache) }
            try tasks.register(registration)
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        /// Trains a tiny word-token classifier into a new folder and returns the folder and its record.
        func train(_ name: String) throws -> (folder: String, record: RunRecord) {
            let out = root + "/" + name
            let arguments = ["--task", "rt-sentiment", "--set", "task.tokens=word", "--set", "task.length=8", "--set", "task.cls=true",
                             "--set", "pooling=first", "--out", out, "--quiet"] + TrainCommandTests.tiny
            return (out, try TrainCommand.parse(arguments).train(tasks: tasks))
        }
    }

    static func predictions(
        _ predictor: TextPredictor, _ input: String, batch: Int = 2
    ) throws -> (lines: [[String: Any]], notes: [String]) {
        var lines: [[String: Any]] = []
        var notes: [String] = []
        try PredictCommand.predict(
            predictor, input: Data(input.utf8), inputName: "input.txt", batchSize: batch, note: { notes.append($0) },
            write: { lines.append(try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]) })
        return (lines, notes)
    }

    @Test func evalWritesTheReportBesideTheRunAndRefusesToReplaceIt() throws {
        let fixture = try Fixture()
        let (out, record) = try fixture.train("eval")
        let (report, folder) = try EvalCommand.parse([out, "--split", "test"]).evaluate(tasks: fixture.tasks)
        #expect(folder == out + "/eval/test-last")
        #expect(report.evaluation.metrics.accuracy == record.test?.accuracy, "the final model on the test split is the run's test score")
        #expect(report.evaluation.confusion?.flatMap { $0 }.reduce(0, +) == 10)
        for file in ["report.md", "confusion.svg", "metrics.json"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + file), "\(file) is written")
        }
        #expect(report.markdown.contains("fresh") && report.markdown.contains("rotten"))
        let bins = try #require(report.evaluation.byLength?.bins)
        #expect(bins.reduce(0) { $0 + $1.examples } == 10 && bins.count <= RunEvaluation.defaultLengthBins)
        let first = bins[0]
        let range = first.shortest == first.longest ? "\(first.shortest)" : "\(first.shortest)–\(first.longest)"
        #expect(report.markdown.contains("## Accuracy by input length")
            && report.markdown.contains("| \(range) | \(first.examples) | \(first.correct) | \(formatted(first.accuracy, digits: 4)) | ["))
        let before = try Data(contentsOf: URL(fileURLWithPath: folder + "/metrics.json"))
        #expect {
            _ = try EvalCommand.parse([out, "--split", "test"]).evaluate(tasks: fixture.tasks)
        } throws: { ($0 as? MixLabError)?.what.contains("already holds an evaluation") == true }
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/metrics.json")) == before, "a refused eval leaves the report alone")
        _ = try EvalCommand.parse([out, "--split", "test", "--force"]).evaluate(tasks: fixture.tasks)

        #expect {
            _ = try EvalCommand.parse([out, "--split", "dev"]).evaluate(tasks: fixture.tasks)
        } throws: { ($0 as? MixLabError)?.location == "--split" }
        #expect {
            _ = try EvalCommand.parse([out, "--checkpoint", "first"]).evaluate(tasks: fixture.tasks)
        } throws: { ($0 as? MixLabError)?.location == "--checkpoint" }
        #expect {
            _ = try EvalCommand.parse([out, "--set", "hidden=16"]).evaluate(tasks: fixture.tasks)
        } throws: { ($0 as? MixLabError)?.code == .unknownConfigKey }
        #expect(throws: (any Error).self) { try EvalCommand.parse([out, "--batch", "0"]).validate() }
        #expect(throws: (any Error).self) { try EvalCommand.parse([out, "--length-bins", "0"]).validate() }
        let two = try EvalCommand.parse([out, "--split", "test", "--length-bins", "2", "--force"]).evaluate(tasks: fixture.tasks)
        let twoBins = try #require(two.report.evaluation.byLength?.bins)
        #expect((1...2).contains(twoBins.count) && twoBins.reduce(0) { $0 + $1.examples } == 10)
    }

    @Test func predictWritesOneLinePerInputLineInOrder() throws {
        let fixture = try Fixture()
        let (out, _) = try fixture.train("predict")
        let predictor = try TextPredictor(run: try TrainedRun(path: out, tasks: fixture.tasks))
        let long = Array(repeating: "good", count: 20).joined(separator: " ")
        let input = "the film was great and fine\n\n   \r\nthe film was awful and dull\r\n\(long)\n"
        let (lines, notes) = try Self.predictions(predictor, input)
        #expect(lines.map { $0["line"] as? Int } == [1, 2, 3, 4, 5])
        #expect(lines[1]["error"] as? String == "empty line" && lines[2]["error"] as? String == "empty line")
        #expect(notes.count == 1 && notes[0].hasPrefix("1 of 3 text line(s)"), "one note says how many texts were cut: \(notes)")
        for index in [0, 3, 4] {
            let probabilities = try #require(lines[index]["probabilities"] as? [String: Double])
            #expect(Set(probabilities.keys) == ["fresh", "rotten"])
            #expect(abs(probabilities.values.reduce(0, +) - 1) < 1e-9)
            let label = try #require(lines[index]["label"] as? String)
            #expect(probabilities[label]! >= probabilities.values.max()!)
        }
        // A text's prediction does not depend on the batch it is read in.
        let (single, _) = try Self.predictions(predictor, input, batch: 1)
        for index in [0, 3, 4] {
            #expect(single[index]["label"] as? String == lines[index]["label"] as? String)
            let a = single[index]["probabilities"] as! [String: Double], b = lines[index]["probabilities"] as! [String: Double]
            #expect(abs(a["fresh"]! - b["fresh"]!) < 1e-5)
        }
        // The same text gives what the task's own encoding gives the model.
        let encoded = predictor.task.encode(text: "  the film   was great and fine ")
        let direct = try predictor.probabilities([encoded.tokens])[0]
        let fresh = try #require(predictor.task.classNames.firstIndex(of: "fresh"))
        #expect(abs(direct[fresh] - (lines[0]["probabilities"] as! [String: Double])["fresh"]!) < 1e-5)
    }

    @Test func predictRefusesBinaryInputBeforeWritingAnything() throws {
        let fixture = try Fixture()
        let (out, _) = try fixture.train("binary")
        let predictor = try TextPredictor(run: try TrainedRun(path: out, tasks: fixture.tasks))
        var written = 0
        func attempt(_ bytes: [UInt8]) -> MixLabError? {
            do {
                try PredictCommand.predict(predictor, input: Data(bytes), inputName: "in.bin", batchSize: 4, note: { _ in },
                                           write: { _ in written += 1 })
                return nil
            } catch { return error as? MixLabError }
        }
        let nul = attempt(Array("fine film\nbad\u{0}film\n".utf8))
        #expect(nul?.what.contains("line 2 of in.bin holds the control byte 0x00") == true, "\(String(describing: nul))")
        let invalid = attempt(Array("ok\n".utf8) + [0xFF, 0xFE, 0x0A] + Array("x\n".utf8) + [0xC3, 0x0A])
        #expect(invalid?.what.contains("line 2 of in.bin is not valid UTF-8 (2 lines in all: 2, 4)") == true, "\(String(describing: invalid))")
        #expect(written == 0, "nothing is written when the input is refused")
        #expect(try PredictCommand.lines(of: Data(), inputName: "empty").isEmpty)
        #expect(try PredictCommand.lines(of: Data("a\nb".utf8), inputName: "x") == [.text("a"), .text("b")], "a last line without a line break")
    }

    @Test func predictRefusesARunThatDoesNotClassifyText() throws {
        let out = TrainCommandTests.folder("predict-reversal")
        defer { try? FileManager.default.removeItem(atPath: out) }
        _ = try TrainCommand.parse(["--task", "reversal", "--set", "task.length=8", "--out", out, "--quiet"] + TrainCommandTests.tiny).train(tasks: .shared)
        #expect {
            _ = try TextPredictor(run: try TrainedRun(path: out))
        } throws: { ($0 as? MixLabError)?.what.contains("does not classify raw text") == true }
    }
}
