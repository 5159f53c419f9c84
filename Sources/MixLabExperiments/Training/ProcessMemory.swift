import Foundation

/// The memory the process uses.
public enum ProcessMemory {
    /// The process's peak resident set size so far, MiB (`getrusage`; Linux reports `ru_maxrss` in KiB).
    public static var peakResidentMiB: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
