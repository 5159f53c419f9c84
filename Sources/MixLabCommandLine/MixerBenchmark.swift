import Foundation
import MixLab

/// Times a mixer's forward and forward+backward passes on random input, after checking its output.
///
/// The check compares the first example of the benchmarked shape with the mixer's dense Double
/// reference (`DenseReferenceProviding`), so a fast path that is wrong never gets a time.
struct MixerBenchmark {
    let mixer: any TokenMixer
    let shape: [Int]
    let warmup: Int
    let runs: Int

    /// The outcome of the reference check.
    struct ReferenceCheck {
        /// `max|y − y_ref| / max|y_ref|` on example 0, or nil when the mixer has no dense reference.
        let relativeError: Double?
        let tolerance: Double
        var passed: Bool { (relativeError ?? 0) <= tolerance }
    }

    /// One timed pass.
    struct Row {
        let pass: String
        let timing: TimingSummary
    }

    /// Compares example 0 with the dense reference (relative tolerance 1e-4 of the largest value).
    func checkAgainstReference(seed: UInt64 = 1) throws -> ReferenceCheck {
        let tolerance = 1e-4
        guard let reference = mixer as? any DenseReferenceProviding else {
            return ReferenceCheck(relativeError: nil, tolerance: tolerance)
        }
        var random = SeededRandom(seed: seed)
        let example = Tensor.normal([1, shape[1], shape[2]], using: &random)
        let fast = try mixer.forward(example, context: .inference).output
        let dense = try reference.denseReference(example)
        let scale = max(dense.map(abs).max() ?? 0, 1e-30)
        let error = zip(fast.values, dense).map { abs(Double($0) - $1) }.max() ?? 0
        return ReferenceCheck(relativeError: error / scale, tolerance: tolerance)
    }

    /// Times `forward`, then `forward` + `backward` with a random output gradient.
    func run(seed: UInt64 = 2) throws -> [Row] {
        var random = SeededRandom(seed: seed)
        let input = Tensor.normal(shape, using: &random)
        let gradient = Tensor.normal(shape, using: &random)
        let context = MixerContext.training
        let forward = try TimingSummary.measure(warmup: warmup, runs: runs) {
            _ = try mixer.forward(input, context: context)
        }
        let both = try TimingSummary.measure(warmup: warmup, runs: runs) {
            let (_, residuals) = try mixer.forward(input, context: context)
            _ = try mixer.backward(gradient, residuals: residuals, context: context)
        }
        for parameter in mixer.parameters { parameter.zeroGradient() }
        return [Row(pass: "forward", timing: forward), Row(pass: "forward+backward", timing: both)]
    }
}
