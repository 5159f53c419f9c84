import MixLabCore
import Testing

@testable import MixLabTasks

@Suite struct BitStringTaskTests {
    private func bits(_ example: TaskExample) -> [Int] { example.tokens.map { Int($0) - 1 } }

    @Test func parityIsTheXorOfTheBitsAndBalanced() throws {
        let task = try BitStringTask(.parity, TaskSettings(task: "parity", ["length": "16", "min-length": "1"]))
        let batch = try examples(task, .train, 0..<400)
        for example in batch {
            #expect(Int(example.labels[0]) == bits(example).reduce(0, ^))
        }
        let odd = batch.filter { $0.labels[0] == 1 }.count
        #expect((160...240).contains(odd), "\(odd) of 400 odd")
        #expect(Set(batch.map(\.tokens.count)) == Set(1...16), "every length of the window occurs")
    }

    @Test func majorityCountsAndBreaksTiesWithTheFirstBit() throws {
        let task = try BitStringTask(.majority, TaskSettings(task: "majority", ["length": "6", "min-length": "2"]))
        let batch = try examples(task, .train, 0..<400)
        var ties = 0
        for example in batch {
            let ones = bits(example).reduce(0, +), zeros = example.tokens.count - ones
            let expected = ones == zeros ? bits(example)[0] : (ones > zeros ? 1 : 0)
            if ones == zeros { ties += 1 }
            #expect(Int(example.labels[0]) == expected)
        }
        #expect(ties > 20, "ties are exercised (\(ties))")
        let ones = batch.filter { $0.labels[0] == 1 }.count
        #expect((160...240).contains(ones), "\(ones) of 400 labelled 1")
    }

    @Test func parityAndMajorityWithTheSameSeedSeeTheSameBits() throws {
        let parity = try BitStringTask(.parity, TaskSettings(task: "parity", ["length": "9"]))
        let majority = try BitStringTask(.majority, TaskSettings(task: "majority", ["length": "9"]))
        #expect(try examples(parity, .test, 0..<5).map(\.tokens) == examples(majority, .test, 0..<5).map(\.tokens))
    }

    @Test func badLengthsNameTheirKeys() {
        expectRejected(key: "min-length") { _ = try BitStringTask(.parity, TaskSettings(task: "parity", ["length": "8", "min-length": "9"])) }
        expectRejected(key: "length") { _ = try BitStringTask(.parity, TaskSettings(task: "parity", ["length": "0"])) }
        expectRejected(key: "min-length") { _ = try BitStringTask(.majority, TaskSettings(task: "majority", ["min-length": "0"])) }
        expectRejected(key: "length") { _ = try BitStringTask(.majority, TaskSettings(task: "majority", ["length": "2000000"])) }
    }
}
