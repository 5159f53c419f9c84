import Foundation
import MixLabCore
import MixLabMixers

import MixLabTasks
import MixLabTraining
@testable import MixLabStudies

/// Test doubles and helpers for the study tests.
enum StudyTestSupport {
    /// A registry with one small task, `toy` (settings `length` and `mode` = a|b), so that study tests
    /// do not depend on which tasks MixLab ships.
    static let tasks: TaskRegistry = {
        let registry = TaskRegistry()
        try! registry.register(TaskRegistration(
            name: "toy", summary: "a fixed toy task for study tests", labelKind: .sequence,
            keys: [.init("length", default: "8", allowed: "1…64", summary: "sequence length"),
                   .init("mode", default: "a", allowed: "a|b", summary: "a choice")],
            make: { settings in ToyTask(length: try settings.integer("length", default: 8, in: 1...64)) }))
        return registry
    }()

    /// A task of `length` tokens whose label is the first token's parity.
    struct ToyTask: LearningTask {
        let length: Int
        var name: String { "toy" }
        var settings: [String: String] { ["length": "\(length)"] }
        var labelKind: TaskLabelKind { .sequence }
        var classes: Int { 2 }
        var classNames: [String] { ["even", "odd"] }
        var vocabulary: TaskVocabulary { try! TaskVocabulary(names: ["<pad>", "1", "2"]) }
        var sequenceLength: Int { length }
        func count(_ split: TaskSplit) -> Int { 4 }
        func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
            TaskExample(tokens: [Int32(1 + index % 2)], label: Int32(index % 2))
        }
    }

    /// Loads a study from YAML text written to `study.yaml` in `folder`.
    static func study(_ yaml: String, in folder: URL) throws -> Study {
        let path = folder.appendingPathComponent("study.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try Study(contentsOf: path, tasks: tasks)
    }

    /// A fresh temporary folder (removed by `remove`).
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mixlab-study-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func remove(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }

    /// The error a throwing expression throws, as a `MixLabError`.
    static func error(_ body: () throws -> Void) -> MixLabError? {
        do {
            try body()
            return nil
        } catch {
            return error as? MixLabError
        }
    }

    /// A test double of the trainer: a record computed from the settings alone (test accuracy is
    /// the seed's share of 100 plus the learning rate), counting its calls and failing the cells whose
    /// settings contain `failing` (a `key=value`).
    final class FakeRunner: @unchecked Sendable {
        private let lock = NSLock()
        private var calls: [String] = []
        let failing: String?

        init(failing: String? = nil) {
            self.failing = failing
        }

        /// The cell IDs run so far, in order.
        var cellsRun: [String] { lock.withLock { calls } }

        var runner: StudyCellRunner {
            StudyCellRunner(name: "fake") { configuration, cellID, directory in
                self.lock.withLock { self.calls.append(cellID) }
                let settings = configuration.settings
                if let failing = self.failing, settings.contains(where: { "\($0.key)=\($0.value)" == failing }) {
                    throw MixLabError(.nonFiniteValue, what: "the loss became NaN", location: "step 3", fix: "lower lr")
                }
                guard FileManager.default.fileExists(atPath: directory.path) else {
                    throw MixLabError(.ioFailure, what: "no run directory", location: directory.path, fix: "")
                }
                return StudyTestSupport.record(settings)
            }
        }
    }

    /// A record for `settings` whose metrics depend on the seed and learning rate only.
    static func record(_ settings: [String: String], accuracy: Double? = nil) -> RunRecord {
        let value = accuracy ?? Double(UInt64(settings["seed"] ?? "0")! % 100) / 100 + Double(settings["lr"] ?? "0")!
        let metrics = RunRecord.Metrics(loss: 1 - value, accuracy: value, macroF1: value, count: 10)
        return RunRecord(
            settings: settings, taskSettings: [:], status: .completed, steps: 1, parameterCount: 1, bestValidation: metrics,
            bestStep: 1, validation: metrics, test: metrics, curve: [.init(step: 1, trainLoss: 1, learningRate: 0.001)],
            medianStepMilliseconds: 1, tokensPerSecond: 1, wallSeconds: 0.5, peakMemoryMiB: 1,
            environment: .init(commit: "test", mixlabVersion: "test", swiftVersion: "6", cpu: "test", cores: 1, threads: 1,
                               blasCore: "test", fftwVersion: "test", system: "test", build: "debug"),
            startedAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:00:01Z")
    }

    /// A result row for `cell` of `study` with a distinguishable accuracy.
    static func row(study: String = "s", cell: String, accuracy: Double = 0.5) -> StudyResultRow {
        StudyResultRow(study: study, cell: cell, record: record(["seed": "0"], accuracy: accuracy))
    }
}
