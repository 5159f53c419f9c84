import Foundation
import MixLabCore
import MixLabTasks

/// Shows a run's progress: one line that updates in place on a terminal, plain log lines otherwise.
///
/// Terminal style (`\r` + erase line, redrawn at most 10 times a second):
///
///     step 420/1000  loss 0.5123  lr 8.2e-04  31.5 steps/s  ETA 0:18  val acc 0.7810
///
/// with evaluations, checkpoints and the end printed as lines of their own above it. Lines style (for
/// logs and pipes): the same fields every `logEvery` steps, and a line at every evaluation. The loss is
/// the mean over the steps since the previous line; steps/s and the ETA come from the mean time of the
/// last 20 steps (the ETA counts training steps only, not evaluations).
public final class TrainingProgressReporter {
    /// How progress is shown.
    public enum Style: Sendable {
        /// A single line redrawn in place (for a terminal).
        case terminal
        /// Plain lines, one every `logEvery` steps and one per evaluation.
        case lines
    }

    /// The style in use.
    public let style: Style
    private let logEvery: Int
    private let write: (String) -> Void
    private var lossSum = 0.0
    private var lossSteps = 0
    private var recentSeconds = [Double](repeating: 0, count: 20)
    private var recentCount = 0
    private var lastValidationAccuracy: Double?
    private var lastDraw: UInt64 = 0
    private var lineIsOpen = false

    /// A reporter writing with `write` (standard error by default).
    public init(style: Style, logEvery: Int, write: @escaping (String) -> Void = TrainingProgressReporter.writeToStandardError) {
        self.style = style
        self.logEvery = max(1, logEvery)
        self.write = write
    }

    /// A reporter on standard error: terminal style when it is a terminal (`isatty`), lines otherwise.
    public static func onStandardError(logEvery: Int) -> TrainingProgressReporter {
        TrainingProgressReporter(style: isatty(STDERR_FILENO) == 1 ? .terminal : .lines, logEvery: logEvery)
    }

    /// Writes `text` to standard error unbuffered.
    public static func writeToStandardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Handles one event (pass it as the trainer's observer).
    public func handle(_ event: TrainingEvent) {
        switch event {
        case .started(let start):
            var text = start.resumedFromStep.map { "resuming \(start.task) from the checkpoint of step \($0)/\(start.totalSteps)" }
                ?? "training \(start.task) for \(start.totalSteps) steps"
            text += ": \(start.model.rawValue), \(start.parameterCount) parameters, \(start.threads) thread(s)"
            printLine(text)
            for warning in start.warnings { printLine("warning: \(warning)") }
        case .step(let report):
            lossSum += Double(report.loss)
            lossSteps += 1
            recentSeconds[recentCount % recentSeconds.count] = report.seconds
            recentCount += 1
            switch style {
            case .terminal:
                let now = DispatchTime.now().uptimeNanoseconds
                if now - lastDraw >= 100_000_000 || report.step == report.totalSteps {
                    lastDraw = now
                    write("\r\u{1B}[2K" + progressText(report))
                    lineIsOpen = true
                    resetLoss()
                }
            case .lines:
                if report.step % logEvery == 0 {
                    printLine(progressText(report))
                    resetLoss()
                }
            }
        case .evaluated(let step, let split, let metrics, let isBest):
            if split == .validation { lastValidationAccuracy = metrics.accuracy }
            printLine("step \(step): \(split.rawValue) " + Self.describe(metrics) + (isBest ? "  (best so far)" : ""))
        case .checkpointed(let step, let path):
            if style == .lines { printLine("step \(step): checkpoint saved to \(path)") }
        case .stoppedEarly(let step, let bestStep):
            printLine("early stopping after step \(step): no better validation accuracy since step \(bestStep)")
        case .finished(let record):
            var text = "finished \(record.steps) steps in \(Self.duration(record.wallSeconds))"
            text += String(format: " (median step %.2f ms, %.0f tokens/s, peak memory %.0f MiB)",
                           record.medianStepMilliseconds, record.tokensPerSecond, record.peakMemoryMiB)
            if let best = record.bestValidation, let bestStep = record.bestStep {
                text += "\nbest validation at step \(bestStep): " + Self.describe(best)
            }
            if let test = record.test { text += "\ntest (final model): " + Self.describe(test) }
            printLine(text)
        }
    }

    private func resetLoss() {
        lossSum = 0
        lossSteps = 0
    }

    private func progressText(_ report: TrainingStepReport) -> String {
        let window = min(recentCount, recentSeconds.count)
        let meanSeconds = recentSeconds.prefix(window).reduce(0, +) / Double(max(window, 1))
        let stepsPerSecond = meanSeconds > 0 ? 1 / meanSeconds : 0
        let remaining = Double(report.totalSteps - report.step) * meanSeconds
        var text = "step \(report.step)/\(report.totalSteps)"
        text += String(format: "  loss %.4f  lr %.1e  %.1f steps/s", lossSum / Double(max(lossSteps, 1)),
                       Double(report.learningRate), stepsPerSecond)
        text += "  ETA " + Self.duration(remaining)
        if let accuracy = lastValidationAccuracy { text += String(format: "  val acc %.4f", accuracy) }
        return text
    }

    /// Writes `text` as line(s) of its own, closing an open progress line first.
    private func printLine(_ text: String) {
        if lineIsOpen {
            write("\r\u{1B}[2K")
            lineIsOpen = false
        }
        write(text + "\n")
    }

    /// `loss 0.4123  accuracy 0.8120  macro-F1 0.8040  (n = 2000)`.
    static func describe(_ metrics: RunRecord.Metrics) -> String {
        String(format: "loss %.4f  accuracy %.4f  macro-F1 %.4f  (n = %d)", metrics.loss, metrics.accuracy, metrics.macroF1, metrics.count)
    }

    /// `1:02:03`, `2:03` or `4.2s`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, (total % 3600) / 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }
}
