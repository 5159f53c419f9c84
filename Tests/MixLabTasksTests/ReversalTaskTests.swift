import Foundation
import MixLabCore
import Testing

@testable import MixLabTasks

@Suite struct ReversalTaskTests {
    @Test func plainLabelsAreTheReversedSequence() throws {
        let task = try ReversalTask(TaskSettings(task: "reversal", ["length": "12", "min-length": "1"]))
        var counts = [Int](repeating: 0, count: task.classes)
        for example in try examples(task, .train, 0..<200) {
            #expect(example.labels == example.tokens.reversed().map { $0 - 1 })
            for label in example.labels { counts[Int(label)] += 1 }
        }
        let total = Double(counts.reduce(0, +))
        #expect(counts.allSatisfy { abs(Double($0) / total - 1 / 8) < 0.03 }, "\(counts)")
    }

    /// The circular variant is the map of the squared unnormalised DFT divided by n: x_t ↦ x_{(−t) mod n}.
    @Test func circularLabelsAreTheSquaredDFT() throws {
        let task = try ReversalTask(TaskSettings(task: "reversal", ["length": "7", "variant": "circular"]))
        for example in try examples(task, .test, 0..<20) {
            let x = example.tokens.map { Double($0 - 1) }
            let n = x.count
            func dft(_ re: [Double], _ im: [Double]) -> ([Double], [Double]) {
                var outRe = [Double](repeating: 0, count: n), outIm = outRe
                for k in 0..<n {
                    for t in 0..<n {
                        let angle = -2 * Double.pi * Double(k * t) / Double(n)
                        outRe[k] += re[t] * cos(angle) - im[t] * sin(angle)
                        outIm[k] += re[t] * sin(angle) + im[t] * cos(angle)
                    }
                }
                return (outRe, outIm)
            }
            let once = dft(x, [Double](repeating: 0, count: n))
            let twice = dft(once.0, once.1)
            #expect(zip(twice.0, example.labels).allSatisfy { abs($0 / Double(n) - Double($1)) < 1e-9 })
            #expect(twice.1.allSatisfy { abs($0) < 1e-9 })
        }
    }

    @Test func badSettingsNameTheirKeys() {
        expectRejected(key: "variant") { _ = try ReversalTask(TaskSettings(task: "reversal", ["variant": "mirror"])) }
        expectRejected(key: "vocabulary") { _ = try ReversalTask(TaskSettings(task: "reversal", ["vocabulary": "1"])) }
        expectRejected(key: "min-length") { _ = try ReversalTask(TaskSettings(task: "reversal", ["min-length": "33"])) }
    }
}
