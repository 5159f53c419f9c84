import Foundation
import MixLabCore
import Testing

@testable import MixLabTasks

@Suite struct FrequencyTaskTests {
    /// The power of the mean-removed levels at frequency `nu` (cycles per token).
    private func power(_ levels: [Double], at nu: Double) -> Double {
        let mean = levels.reduce(0, +) / Double(levels.count)
        var re = 0.0, im = 0.0
        for (t, level) in levels.enumerated() {
            re += (level - mean) * cos(2 * .pi * nu * Double(t))
            im += (level - mean) * sin(2 * .pi * nu * Double(t))
        }
        return re * re + im * im
    }

    @Test func withoutNoiseTheSpectrumPeaksAtTheClassFrequency() throws {
        let task = try FrequencyTask(TaskSettings(task: "frequency", ["noise": "0", "classes": "5"]))
        #expect(zip(task.frequencies, [0.1, 0.1375, 0.175, 0.2125, 0.25]).allSatisfy { abs($0 - $1) < 1e-12 })
        for example in try examples(task, .train, 0..<100) {
            let levels = example.tokens.map { Double($0 - 1) }
            let strongest = task.frequencies.indices.max { power(levels, at: task.frequencies[$0]) < power(levels, at: task.frequencies[$1]) }
            #expect(strongest == Int(example.labels[0]))
        }
    }

    @Test func labelsAreBalancedAndNoiseReplacesTokensAtTheSetRate() throws {
        let clean = try FrequencyTask(TaskSettings(task: "frequency", ["noise": "0"]))
        let noisy = try FrequencyTask(TaskSettings(task: "frequency", ["noise": "0.5"]))
        var counts = [Int](repeating: 0, count: 4)
        var changed = 0, total = 0
        for index in 0..<200 {
            let a = try clean.example(in: .validation, at: index), b = try noisy.example(in: .validation, at: index)
            counts[Int(a.labels[0])] += 1
            #expect(a.labels == b.labels)
            // The class and phase are drawn before any noise, so the clean levels agree: tokens differ only
            // where noise replaced a level by another one.
            changed += zip(a.tokens, b.tokens).filter { $0 != $1 }.count
            total += a.tokens.count
        }
        #expect(counts.allSatisfy { (30...70).contains($0) }, "\(counts)")
        // A replaced token keeps its level with probability 1/8: expected change rate 0.5 · 7/8 ≈ 0.44.
        let rate = Double(changed) / Double(total)
        #expect(abs(rate - 0.4375) < 0.03, "\(rate)")
    }

    @Test func badFrequenciesAndLevelsNameTheirKeys() {
        let cases: [([String: String], String)] = [
            (["min-frequency": "0.3", "max-frequency": "0.2"], "min-frequency"),
            (["min-frequency": "0"], "min-frequency"),
            (["max-frequency": "0.6"], "max-frequency"),
            (["classes": "1"], "classes"),
            (["levels": "1"], "levels"),
            (["noise": "1.5"], "noise"),
        ]
        for (settings, key) in cases {
            expectRejected(key: key) { _ = try FrequencyTask(TaskSettings(task: "frequency", settings)) }
        }
    }
}
