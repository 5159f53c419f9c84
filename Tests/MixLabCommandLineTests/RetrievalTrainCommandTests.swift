import Foundation
import MixLab
import Testing

@testable import MixLabCommandLine
@testable import MixLabTasks

/// `mixlab train --task retrieval` end to end: a tiny two-tower model on a small prepared `news20`.
@Suite struct RetrievalTrainCommandTests {
    @Test func retrievalTrainsATwoTowerModelEndToEnd() throws {
        let root = TrainCommandTests.folder("retrieval")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cache = DataCache(root: root + "/data")
        let descriptor = try DatasetCatalog.standard.descriptor(named: "news20")
        // Three groups of one topic (hard negatives only), documents that name their group's words.
        let groups = ["comp.graphics", "comp.windows.x", "misc.forsale"]
        let words = [["pixel", "image", "render"], ["window", "xterm", "widget"], ["sale", "price", "offer"]]
        var splits: [TaskSplit: [TextRecord]] = [:]
        for (split, count) in [(TaskSplit.train, 10), (.validation, 4), (.test, 4)] {
            splits[split] = groups.indices.flatMap { group in
                (0..<count).map { index in
                    TextRecord(label: descriptor.classNames.firstIndex(of: groups[group])!, source: "\(split)/\(group)/\(index)",
                               text: "\(words[group][index % 3]) \(words[group][(index + 1) % 3]) \(split.rawValue) \(index)")
                }
            }
        }
        try FileManager.default.createDirectory(atPath: cache.directory(of: "news20"), withIntermediateDirectories: true)
        _ = try PreparedDatasetWriter.write(
            .text(splits), of: descriptor, source: .init(artifact: "fixture", sha256: "0", pinnedSHA256: "0", obtainedBy: "test", paths: []),
            notes: [], into: cache.directory(of: "news20"))
        let tasks = TaskRegistry()
        var registration = RetrievalTask.registration
        registration.make = { settings in try RetrievalTask(settings: settings, cache: cache) }
        try tasks.register(registration)

        let out = root + "/run"
        let arguments = ["--task", "retrieval", "--set", "task.length=32", "--set", "task.train-size=24", "--set", "task.validation-size=8",
                         "--set", "task.test-size=8", "--out", out, "--quiet"] + TrainCommandTests.tiny
        let record = try TrainCommand.parse(arguments).train(tasks: tasks)
        #expect(record.model == "pair-classifier" && record.steps == 4)
        #expect(record.test?.count == 8 && record.validation?.count == 8)
        #expect(record.taskSettings["length"] == "32" && record.taskSettings["train-size"] == "24")
        for file in ["run.json", "checkpoint-last.safetensors", "curve.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file) is written")
        }
        let again = try TrainCommand.parse(arguments + ["--force"]).train(tasks: tasks)
        #expect(again.test == record.test, "the same settings train the same model")
        // `mixlab eval` reopens the two-tower model and scores the same pairs; `mixlab predict` reads raw
        // text, which a pair task does not take, and says so.
        let (report, _) = try EvalCommand.parse([out, "--split", "test"]).evaluate(tasks: tasks)
        #expect(report.evaluation.metrics.accuracy == record.test?.accuracy && report.evaluation.model == .pairClassifier)
        let run = try TrainedRun(path: out, tasks: tasks)
        let predict = #expect(throws: MixLabError.self) { try TextPredictor(run: run) }
        #expect(predict?.what.contains("does not classify raw text") == true)
        // No HuggingFace class is a two-tower model: the export is MixLab's own format, and says why.
        let exported = try HuggingFaceExport.export(run: out, to: root + "/exported", tasks: tasks)
        #expect(exported.architecture == nil && exported.files.contains(HuggingFaceExport.MixLabFormat.weightsFile))
        #expect(exported.notes.contains { $0.contains("a two-tower pair classifier (task retrieval) has no HuggingFace FNet class") },
                "\(exported.notes)")
        // Too many pairs for the validation split is refused before training.
        let tooMany = #expect(throws: MixLabError.self) {
            try TrainCommand.parse(["--task", "retrieval", "--set", "task.length=32", "--set", "task.train-size=24", "--set", "task.validation-size=5000",
                                    "--out", root + "/bad", "--quiet"] + TrainCommandTests.tiny).train(tasks: tasks)
        }
        #expect(tooMany?.fix.contains("set validation-size to at most") == true, "\(String(describing: tooMany))")
    }
}
