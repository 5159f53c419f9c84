import Foundation
import MixLab

/// Wall-clock timing of repeated runs: warm-up, then `runs` measured repetitions.
struct TimingSummary: Sendable {
    /// Milliseconds of each measured run, in order.
    let milliseconds: [Double]

    var runs: Int { milliseconds.count }
    var median: Double {
        let sorted = milliseconds.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
    var minimum: Double { milliseconds.min() ?? .nan }

    /// Runs `body` `warmup` times unmeasured, then `runs` times measured.
    static func measure(warmup: Int, runs: Int, _ body: () throws -> Void) rethrows -> TimingSummary {
        for _ in 0..<warmup { try body() }
        var times: [Double] = []
        times.reserveCapacity(runs)
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return TimingSummary(milliseconds: times)
    }
}

/// The process's peak resident set size in MiB.
func peakResidentMiB() -> Double { ProcessMemory.peakResidentMiB }
