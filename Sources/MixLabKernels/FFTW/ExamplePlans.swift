import Foundation
import MixLabCore

/// One FFTW plan of a kernel, for one example: single-threaded, and multi-threaded on first use.
///
/// Kernels run a batch either one example per thread with the single-threaded plan (the usual case), or,
/// for a batch smaller than the thread count, one example after the other with FFTW's own threads
/// (`forEachExample`). The multi-threaded plan is made only when first needed, for the thread count of
/// that moment (as `RealFourierFFT` does), so kernels never plan twice up front.
final class ExamplePlans: @unchecked Sendable {
    /// The plan with one FFTW thread.
    let singleThread: FFTWPlan
    private let description: FFTWPlanDescription
    private let lock = NSLock()
    private var multiThread: [Int: FFTWPlan] = [:]

    /// Plans `description` single-threaded.
    ///
    /// - Throws: `MixLabError.invalidArgument` when FFTW cannot plan it.
    init(_ description: FFTWPlanDescription) throws {
        self.description = description
        singleThread = try FFTWPlanner.shared.plan(description)
    }

    /// The plan for `threads` FFTW threads inside one execution.
    func plan(threads: Int) -> FFTWPlan {
        guard threads > 1 else { return singleThread }
        return lock.withLock {
            if let plan = multiThread[threads] { return plan }
            var threaded = description
            threaded.threads = threads
            // A layout that planned single-threaded plans multi-threaded too; keep going if not.
            let plan = (try? FFTWPlanner.shared.plan(threaded)) ?? singleThread
            multiThread[threads] = plan
            return plan
        }
    }
}

/// Runs `body(example, scratch, fftwThreads)` for every example of a batch, with `scratchFloats` floats of
/// 64-byte aligned scratch per running thread.
///
/// Examples are split into `Parallelism.threads` fixed contiguous chunks run in parallel, each example
/// with one FFTW thread; a batch smaller than the thread count runs its examples in turn with
/// `fftwThreads = Parallelism.threads`. The split depends only on the batch size and the thread count.
func forEachExample(
    batch: Int, scratchFloats: Int, _ body: (_ example: Int, _ scratch: UnsafeMutablePointer<Float>, _ fftwThreads: Int) -> Void
) {
    let threads = Parallelism.threads
    if batch >= threads || threads == 1 {
        Parallelism.forEachChunk(of: batch, chunks: threads) { examples in
            let scratch = TensorStorage(count: scratchFloats, zeroed: false)
            for b in examples { body(b, scratch.pointer, 1) }
        }
    } else {
        let scratch = TensorStorage(count: scratchFloats, zeroed: false)
        for b in 0..<batch { body(b, scratch.pointer, threads) }
    }
}
