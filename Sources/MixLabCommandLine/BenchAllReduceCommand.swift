import ArgumentParser
import Foundation
import MixLab

/// `mixlab bench allreduce --values N`: the time of one gradient all-reduce among the ranks of an MPI job.
///
/// Each repetition starts after a barrier, so the time is the collective itself, not the wait for a
/// slower rank (which `mixlab train`'s recorded all-reduce time includes). Rank 0 prints the median.
struct BenchAllReduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Time the all-reduce (sum) of N Floats among the ranks of an MPI job (run it under mpirun -np R).",
        discussion: """
            N is a model's gradient values per step: `mixlab train` records it as dataParallelism.gradientValues in run.json \
            (trainable parameters + 2). Example: mpirun -np 2 mixlab bench allreduce --values 4418370
            """)

    @Option(help: "Float values summed per all-reduce.")
    var values: Int

    @Option(help: "Measured repetitions.")
    var runs: Int = 20

    @Option(help: "Unmeasured repetitions first.")
    var warmup: Int = 3

    @Flag(help: "Print one JSON object instead of a line.")
    var json = false

    func validate() throws {
        guard values >= 1 else { throw ValidationError("--values must be at least 1 (got \(values))") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1 (got \(runs))") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be 0 or more (got \(warmup))") }
    }

    func run() throws {
        let communicator = try MPILaunch.communicator()
        guard communicator.size > 1 else {
            throw MixLabError(.invalidArgument, what: "one process has nothing to all-reduce with", location: "mixlab bench allreduce",
                              fix: "start it under MPI, e.g. mpirun -np 2 mixlab bench allreduce --values \(values)")
        }
        var buffer = [Float](repeating: 1, count: values)
        var milliseconds: [Double] = []
        for repetition in 0..<(warmup + runs) {
            try communicator.barrier()
            let began = DispatchTime.now().uptimeNanoseconds
            try communicator.allReduceSum(&buffer)
            if repetition >= warmup { milliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - began) / 1e6) }
            for i in buffer.indices { buffer[i] = 1 }
        }
        communicator.finalize()
        guard communicator.isRoot else { return }
        let sorted = milliseconds.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let bytes = Double(values) * 4
        // Ring all-reduce bus bandwidth: 2(N − 1)/N · bytes / time.
        let busGBps = 2 * Double(communicator.size - 1) / Double(communicator.size) * bytes / (median / 1000) / 1e9
        if json {
            print(#"{"ranks":\#(communicator.size),"values":\#(values),"median_ms":\#(median),"min_ms":\#(sorted[0]),"bus_gb_per_s":\#(busGBps)}"#)
        } else {
            print(String(format: "all-reduce of %d Floats (%.1f MB) over %d ranks: median %.3f ms, min %.3f ms (%d runs); bus bandwidth %.2f GB/s",
                         values, bytes / 1e6, communicator.size, median, sorted[0], runs, busGBps))
        }
    }
}
