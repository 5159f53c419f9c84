import MixLabTasks
import MixLabTraining

/// A number a study report can tabulate and plot, read from each run record.
public enum ReportMetric: String, Sendable, CaseIterable {
    case testAccuracy = "test-accuracy"
    case testMacroF1 = "test-macro-f1"
    case testLoss = "test-loss"
    case bestValidationAccuracy = "best-validation-accuracy"
    case stepMilliseconds = "step-ms"
    case tokensPerSecond = "tokens-per-s"
    case peakMemoryMiB = "peak-mib"

    /// The value in `record`, or nil when the record does not have it (e.g. no test evaluation).
    public func value(in record: RunRecord) -> Double? {
        switch self {
        case .testAccuracy: return record.test?.accuracy
        case .testMacroF1: return record.test?.macroF1
        case .testLoss: return record.test?.loss
        case .bestValidationAccuracy: return record.bestValidation?.accuracy
        case .stepMilliseconds: return record.medianStepMilliseconds
        case .tokensPerSecond: return record.tokensPerSecond
        case .peakMemoryMiB: return record.peakMemoryMiB
        }
    }

    /// A column title, e.g. `test accuracy`.
    public var title: String {
        switch self {
        case .testAccuracy: return "test accuracy"
        case .testMacroF1: return "test macro-F1"
        case .testLoss: return "test loss"
        case .bestValidationAccuracy: return "best validation accuracy"
        case .stepMilliseconds: return "step (ms)"
        case .tokensPerSecond: return "tokens/s"
        case .peakMemoryMiB: return "peak memory (MiB)"
        }
    }

    /// Whether larger values are better (for marking the best row).
    public var largerIsBetter: Bool {
        switch self {
        case .testAccuracy, .testMacroF1, .bestValidationAccuracy, .tokensPerSecond: return true
        case .testLoss, .stepMilliseconds, .peakMemoryMiB: return false
        }
    }

    /// What values the metric takes, which decides its confidence interval.
    public enum Scale: Sendable {
        /// A fraction in [0, 1] (accuracy, macro-F1): a logit-scale interval (`ProportionInterval`).
        case proportion
        /// A positive quantity whose noise is multiplicative (time, throughput, memory): a log-scale
        /// interval (`LogScaleInterval`).
        case positive
        /// Any real number (loss): a Student-t interval (`SampleSummary`).
        case real
    }

    /// What values the metric takes.
    public var scale: Scale {
        switch self {
        case .testAccuracy, .testMacroF1, .bestValidationAccuracy: return .proportion
        case .stepMilliseconds, .tokensPerSecond, .peakMemoryMiB: return .positive
        case .testLoss: return .real
        }
    }

    /// The number of independent examples the metric was measured on in `record` (the split's example
    /// count, which for token-level tasks is smaller than the count of scored tokens, whose errors
    /// within one example are correlated); nil for metrics that are not measured on a split or when the
    /// record does not say.
    public func evaluationSize(in record: RunRecord) -> Int? {
        let (metrics, split): (RunRecord.Metrics?, String)
        switch self {
        case .testAccuracy, .testMacroF1, .testLoss: (metrics, split) = (record.test, "test")
        case .bestValidationAccuracy: (metrics, split) = (record.bestValidation, "validation")
        case .stepMilliseconds, .tokensPerSecond, .peakMemoryMiB: return nil
        }
        guard let scored = metrics?.count, scored > 0 else { return nil }
        if let examples = record.splitSizes?[split], examples > 0 { return min(examples, scored) }
        return scored
    }

    /// The number of scored labels the metric was measured on in `record` (examples for sequence tasks,
    /// tokens for token tasks); nil for metrics that are not measured on a split.
    public func scoredCount(in record: RunRecord) -> Int? {
        switch self {
        case .testAccuracy, .testMacroF1, .testLoss: return record.test.flatMap { $0.count > 0 ? $0.count : nil }
        case .bestValidationAccuracy: return record.bestValidation.flatMap { $0.count > 0 ? $0.count : nil }
        case .stepMilliseconds, .tokensPerSecond, .peakMemoryMiB: return nil
        }
    }

    /// Digits after the decimal point when printed.
    var decimals: Int {
        switch self {
        case .testAccuracy, .testMacroF1, .bestValidationAccuracy, .testLoss: return 3
        case .stepMilliseconds, .peakMemoryMiB: return 1
        case .tokensPerSecond: return 0
        }
    }
}
