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

    /// Digits after the decimal point when printed.
    var decimals: Int {
        switch self {
        case .testAccuracy, .testMacroF1, .bestValidationAccuracy, .testLoss: return 3
        case .stepMilliseconds, .peakMemoryMiB: return 1
        case .tokensPerSecond: return 0
        }
    }
}
