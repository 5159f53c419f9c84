import Foundation
import MixLabCore
import MixLabTasks

/// The end of a run: the last evaluations, the final checkpoint, the run record and the learning curve.
extension Trainer {
    /// Evaluates validation (unless the last step just did) and test, saves the final checkpoint, and
    /// writes the curve and `run.json`.
    func finish() throws -> RunRecord {
        if state.lastValidationStep != state.step {
            _ = try evaluateValidation(step: state.step)
        }
        try saveCheckpoint()
        let test = try evaluate(.test, step: state.step)
        try observer?(.evaluated(step: state.step, split: .test, metrics: test, isBest: false))
        let record = makeRecord(test: test)
        if let directory {
            try Self.writeCurve(state.curve, to: directory.file(RunDirectory.curveFile))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try AtomicFile.write(FileIntegrity.sealedJSONObject(try encoder.encode(record)), to: directory.file(RunDirectory.recordFile))
        }
        try observer?(.finished(record))
        return record
    }

    /// The run record from the state, the timings and the test metrics.
    func makeRecord(test: RunRecord.Metrics) -> RunRecord {
        let measured = state.stepMilliseconds.isEmpty ? warmupMilliseconds : state.stepMilliseconds
        let median = Self.median(measured)
        let tokens = Double(configuration.batch * task.sequenceLength)
        var record = RunRecord(
            settings: configuration.settings, taskSettings: task.settings, status: state.stoppedEarly ? .earlyStopped : .completed,
            steps: state.step, parameterCount: start.parameterCount, bestValidation: state.bestValidation, bestStep: state.bestStep,
            validation: state.lastValidation, test: test, curve: state.curve, medianStepMilliseconds: median,
            tokensPerSecond: median > 0 ? tokens / (median / 1000) : 0, wallSeconds: currentWallSeconds,
            peakMemoryMiB: max(state.peakMemoryMiB, ProcessMemory.peakResidentMiB), environment: .current(threads: threads, mixers: mixerRegistrations),
            startedAt: state.startedAt, finishedAt: Self.timestamp())
        record.model = modelKind.rawValue
        record.splitSizes = Dictionary(uniqueKeysWithValues: TaskSplit.allCases.map { ($0.rawValue, task.count($0)) })
        record.resumedAtSteps = state.resumedAtSteps
        record.initialization = initialization
        record.dataParallelism = dataParallelRecord
        return record
    }

    /// Wall time of the run so far: the saved time of earlier processes plus this one's.
    var currentWallSeconds: Double {
        wallSecondsBefore + Double(DispatchTime.now().uptimeNanoseconds - processStart) / 1e9
    }

    /// Appends one point to the live learning-curve file (best effort).
    func appendToCurveFile(_ point: RunRecord.CurvePoint) {
        guard let curveFile, let line = try? Self.curveLine(point) else { return }
        // The live copy for watching a run; the authoritative one is rewritten from the state at the end.
        try? curveFile.write(contentsOf: Data((line + "\n").utf8))
    }

    /// The median of `values` (0 when empty).
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// `date` in ISO 8601.
    static func timestamp(_ date: Date = Date()) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    /// The first six items joined by commas, and how many there are in all when more.
    static func list(_ items: [String]) -> String {
        items.prefix(6).joined(separator: ", ") + (items.count > 6 ? ", … (\(items.count) in all)" : "")
    }

    /// `object` as compact JSON with sorted keys (checkpoint metadata).
    static func json(_ object: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(object)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// One line of the learning-curve file (JSON Lines).
    static func curveLine(_ point: RunRecord.CurvePoint) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(point), as: UTF8.self)
    }

    /// Writes the whole learning curve to `path` atomically.
    static func writeCurve(_ curve: [RunRecord.CurvePoint], to path: String) throws {
        let text = try curve.map { try curveLine($0) + "\n" }.joined()
        try AtomicFile.write(Data(text.utf8), to: path)
    }
}
