import Foundation
import MixLabCore
import Testing

import MixLabTasks
@testable import MixLabTraining

@Suite struct TrainingDataOrderTests {
    @Test(arguments: [1, 2, 3, 5, 23, 64, 65, 1000])
    func everyEpochIsASeededPermutation(_ count: Int) throws {
        let epochs = try (0..<3).map { try TrainingDataOrder.permutation(count: count, seed: 4, epoch: $0) }
        for order in epochs { #expect(order.sorted() == Array(0..<count)) }
        if count >= 5 {
            #expect(Set(epochs).count == 3, "each epoch has its own order")
            #expect(epochs[0] != (try TrainingDataOrder.permutation(count: count, seed: 5, epoch: 0)), "each seed too")
            #expect(epochs[0] != Array(0..<count))
        }
        #expect(epochs[1] == (try TrainingDataOrder.permutation(count: count, seed: 4, epoch: 1)))
    }

    /// Over 4000 epochs of 5 examples, each example comes first about 800 times (σ ≈ 25).
    @Test func firstPositionsAreUniform() throws {
        var order = try TrainingDataOrder(count: 5, seed: 11)
        var firsts = [Int](repeating: 0, count: 5)
        for epoch in 0..<4000 { firsts[order.example(atPosition: epoch * 5)] += 1 }
        #expect(firsts.allSatisfy { abs($0 - 800) < 125 }, "\(firsts)")
    }

    @Test func stepsReadTheConcatenatedEpochsAndDependOnlyOnTheStep() throws {
        var order = try TrainingDataOrder(count: 23, seed: 4)
        let stream = try (0..<3).flatMap { try TrainingDataOrder.permutation(count: 23, seed: 4, epoch: $0) }
        var batch = [Int](repeating: 0, count: 5)
        for step in 1...13 {
            order.fill(&batch, step: step)
            #expect(batch == Array(stream[(step - 1) * 5 ..< step * 5]), "step \(step)")
        }
        // A fresh order jumps straight to a step (as a resumed run does).
        var fresh = try TrainingDataOrder(count: 23, seed: 4)
        fresh.fill(&batch, step: 9)
        #expect(batch == Array(stream[40..<45]))
        #expect(order.epochs(afterStep: 23, batch: 5) == 5)
        #expect(try TrainingDataOrder.example(at: 7, count: 23, seed: 4, epoch: 2) == stream[46 + 7])
        // A batch larger than the split holds examples more than once.
        var small = try TrainingDataOrder(count: 3, seed: 1)
        var large = [Int](repeating: 0, count: 7)
        small.fill(&large, step: 1)
        let smallStream = try (0..<3).flatMap { try TrainingDataOrder.permutation(count: 3, seed: 1, epoch: $0) }
        #expect(large == Array(smallStream.prefix(7)))
        #expect(throws: MixLabError.self) { try TrainingDataOrder(count: 0, seed: 1) }
    }

    /// A split of 2³¹ examples costs no memory: positions deep into it are computed directly.
    @Test func hugeSplitsNeedNoPermutationInMemory() throws {
        var order = try TrainingDataOrder(count: 1 << 31, seed: 2)
        let values = (0..<64).map { order.example(atPosition: (1 << 31) * 3 + 1_000_000_007 + $0) }
        #expect(values.allSatisfy { (0..<(1 << 31)).contains($0) } && Set(values).count == 64)
    }
}

@Suite struct TrainerStateTests {
    @Test func roundTripsEveryDoubleExactly() throws {
        var random = SeededRandom(seed: 3)
        var state = TrainerState()
        state.step = 17
        state.pendingLossSum = 1.0 / 3 + 1e-17
        state.stepMilliseconds = (0..<50).map { _ in random.nextUniform() * 100 }
        state.curve = (1...5).map { step in
            RunRecord.CurvePoint(step: step, trainLoss: random.nextNormal(), learningRate: random.nextUniform() * 1e-3,
                                 validation: step % 2 == 0 ? RunRecord.Metrics(loss: random.nextUniform(), accuracy: 2.0 / 3, macroF1: 0.1, count: 9) : nil)
        }
        state.bestValidation = RunRecord.Metrics(loss: .pi, accuracy: 0.7, macroF1: 0.6999999999999999, count: 3)
        state.resumedAtSteps = [4, 8]
        let decoded = try TrainerState.decode(metadata: [TrainerState.metadataKey: try state.encoded()], source: "test")
        #expect(decoded == state)
        #expect(decoded.stepMilliseconds.map(\.bitPattern) == state.stepMilliseconds.map(\.bitPattern))
    }

    @Test func missingOrForeignStatesAreErrors() {
        #expect(throws: MixLabError.self) { try TrainerState.decode(metadata: [:], source: "x") }
        #expect(throws: MixLabError.self) { try TrainerState.decode(metadata: [TrainerState.metadataKey: "{"], source: "x") }
        var future = TrainerState()
        future.schema = "mixlab.trainer-state.v9"
        #expect {
            try TrainerState.decode(metadata: [TrainerState.metadataKey: try future.encoded()], source: "x")
        } throws: { ($0 as? MixLabError)?.what.contains("v9") == true }
    }
}

@Suite struct TrainingProgressReporterTests {
    final class Output: @unchecked Sendable {
        var text = ""
    }

    static func events() -> [TrainingEvent] {
        let start = TrainingStart(task: "parity", model: .sequenceClassifier, parameterCount: 1234, totalSteps: 4, resumedFromStep: 2,
                                  replaced: nil, threads: 2, warnings: ["careful"])
        let metrics = RunRecord.Metrics(loss: 0.5, accuracy: 0.75, macroF1: 0.7, count: 8)
        return [
            .started(start),
            .step(TrainingStepReport(step: 3, totalSteps: 4, loss: 0.6, learningRate: 1e-3, gradientNorm: 1, seconds: 0.01, epochs: 1)),
            .step(TrainingStepReport(step: 4, totalSteps: 4, loss: 0.4, learningRate: 5e-4, gradientNorm: 1, seconds: 0.01, epochs: 1.5)),
            .evaluated(step: 4, split: .validation, metrics: metrics, isBest: true),
            .checkpointed(step: 4, path: "/tmp/run/checkpoint-last.safetensors"),
        ]
    }

    @Test func linesStyleLogsEveryNStepsAndEveryEvaluation() {
        let output = Output()
        let reporter = TrainingProgressReporter(style: .lines, logEvery: 2) { output.text += $0 }
        for event in Self.events() { reporter.handle(event) }
        let lines = output.text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "resuming parity from the checkpoint of step 2/4: sequence-classifier, 1234 parameters, 2 thread(s)")
        #expect(lines[1] == "warning: careful")
        #expect(lines[2].hasPrefix("step 4/4  loss 0.5000  lr 5.0e-04  100.0 steps/s  ETA 0.0s"), "\(lines[2])")
        #expect(lines[3] == "step 4: validation loss 0.5000  accuracy 0.7500  macro-F1 0.7000  (n = 8)  (best so far)")
        #expect(lines[4] == "step 4: checkpoint saved to /tmp/run/checkpoint-last.safetensors")
        #expect(!output.text.contains("\r"))
    }

    @Test func terminalStyleRedrawsOneLine() {
        let output = Output()
        let reporter = TrainingProgressReporter(style: .terminal, logEvery: 2) { output.text += $0 }
        for event in Self.events() { reporter.handle(event) }
        #expect(output.text.contains("\r\u{1B}[2Kstep 3/4  loss 0.6000"))
        #expect(output.text.contains("\r\u{1B}[2Kstep 4: validation"), "an evaluation clears the progress line first")
        #expect(!output.text.contains("checkpoint saved"))
        #expect(TrainingProgressReporter.duration(3725) == "1:02:05" && TrainingProgressReporter.duration(61) == "1:01")
    }
}
