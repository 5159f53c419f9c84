import Foundation
import MixLabCore
import MixLabTasks

/// The memory the process uses, and the peak of one run within a longer-lived process.
///
/// A study runs many cells one after another in one process, where `getrusage`'s `ru_maxrss` only
/// ever grows. On Linux the peak resident set size (`VmHWM` in `/proc/self/status`) can be reset to the
/// current size by writing `5` to `/proc/self/clear_refs` (Linux ≥ 4.0), so `startMeasuringPeak()`
/// gives each run its own peak. Elsewhere the peak falls back to `ru_maxrss`, the process's peak.
public enum ProcessMemory {
    /// The peak resident set size since the last `startMeasuringPeak()` (or since the process
    /// started), MiB.
    public static var peakResidentMiB: Double {
        if let highWater = statusField("VmHWM:") { return highWater / 1024 }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // Linux reports KiB
    }

    /// The current resident set size, MiB (nil where `/proc/self/status` is not available).
    public static var residentMiB: Double? {
        statusField("VmRSS:").map { $0 / 1024 }
    }

    /// Starts a new peak measurement: returns MixLab's idle tensor blocks to the system (so that blocks
    /// cached by an earlier run do not count towards this one) and resets the peak to the current size.
    ///
    /// Returns false when the peak cannot be reset here (not Linux, or `/proc` unavailable); the peak
    /// is then the process's. A process that runs several trainers at once shares one peak.
    @discardableResult
    public static func startMeasuringPeak() -> Bool {
        TensorMemoryPool.shared.releaseCachedMemory()
        let descriptor = open("/proc/self/clear_refs", O_WRONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return write(descriptor, "5", 1) == 1
    }

    /// A `kB` field of `/proc/self/status`, in KiB (read with `read(2)`: procfs files report size 0).
    private static func statusField(_ name: String) -> Double? {
        let descriptor = open("/proc/self/status", O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        let status = String(decoding: bytes, as: UTF8.self)
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            return line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Double($0) }
        }
        return nil
    }
}
