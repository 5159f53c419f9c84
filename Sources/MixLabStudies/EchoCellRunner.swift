import Crypto
import Foundation
import MixLabCore
import MixLabTasks
import MixLabTraining

extension StudyCellRunner {
    /// A runner that trains nothing: it answers each cell at once with a record whose metrics are a
    /// deterministic function of the cell's settings.
    ///
    /// It exists to run the study machinery itself — grids, sharding, resuming, locking, Slurm arrays,
    /// merging — end to end in seconds (`make test-slurm` uses it), and says what it is in every
    /// record: `environment.build` is `echo (no training)` and the step time, throughput and memory are 0.
    /// Its numbers mean nothing about any model.
    ///
    /// Metrics: with `h` the SHA-256 of the sorted `key=value` lines of `configuration.settings`,
    /// validation and test accuracy are the first and second 32-bit words of `h` divided by 2³², loss is
    /// `1 − accuracy`; the curve has one point per evaluation (`eval-every`), the last at `steps`.
    /// It writes `echo.json` (the settings) into the run directory, so a run leaves a trace there.
    public static let echo = StudyCellRunner(name: "echo") { configuration, _, directory in
        let settings = configuration.settings
        let text = settings.keys.sorted().map { "\($0)=\(settings[$0]!)\n" }.joined()
        let digest = Array(SHA256.hash(data: Data(text.utf8)))
        func fraction(_ word: Int) -> Double {
            let value = digest[(4 * word)..<(4 * word + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return Double(value) / 4_294_967_296
        }
        let started = Date()
        let validation = RunRecord.Metrics(loss: 1 - fraction(0), accuracy: fraction(0), macroF1: fraction(0), count: 100)
        let test = RunRecord.Metrics(loss: 1 - fraction(1), accuracy: fraction(1), macroF1: fraction(1), count: 100)
        let steps = configuration.steps
        let points = Array(stride(from: configuration.evalEvery, to: steps, by: configuration.evalEvery)) + [steps]
        let curve = points.map { step in
            RunRecord.CurvePoint(step: step, trainLoss: 1 - fraction(2) * Double(step) / Double(steps),
                                 learningRate: Double(configuration.learningRate), validation: step == steps ? validation : nil)
        }
        let trace = try JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys, .prettyPrinted])
        try AtomicFile.write(trace, to: directory.appendingPathComponent("echo.json").path)
        let format = ISO8601DateFormatter()
        let environment = RunRecord.Environment(
            commit: "unknown", mixlabVersion: "n/a", swiftVersion: "n/a", cpu: "n/a",
            cores: ProcessInfo.processInfo.activeProcessorCount, threads: configuration.threads,
            blasCore: "n/a", fftwVersion: "n/a", system: "n/a", build: echoBuild)
        return RunRecord(
            settings: settings, taskSettings: configuration.taskSettings, status: .completed, steps: steps, parameterCount: 0,
            bestValidation: validation, bestStep: steps, validation: validation, test: test, curve: curve,
            medianStepMilliseconds: 0, tokensPerSecond: 0, wallSeconds: Date().timeIntervalSince(started), peakMemoryMiB: 0,
            environment: environment, startedAt: format.string(from: started), finishedAt: format.string(from: Date()))
    }

    /// The `environment.build` of the echo runner's records.
    public static let echoBuild = "echo (no training)"
}
