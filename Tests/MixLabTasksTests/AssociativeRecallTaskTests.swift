import MixLabCore
import Testing

@testable import MixLabTasks

@Suite struct AssociativeRecallTaskTests {
    @Test func queriesAskForKeysOfTheContextAndAreLabelledWithTheirValues() throws {
        let task = try AssociativeRecallTask(TaskSettings(task: "associative-recall", [
            "pairs": "5", "queries": "3", "key-vocabulary": "12", "value-vocabulary": "7", "length": "20",
        ]))
        #expect(task.vocabulary.size == 1 + 12 + 7 && task.classes == 7 && task.sequenceLength == 20)
        var valueCounts = [Int](repeating: 0, count: 7)
        for example in try examples(task, .train, 0..<300) {
            #expect(example.tokens.count == 20)
            var pairs: [Int32: Int32] = [:]
            for pair in 0..<5 {
                let key = example.tokens[2 * pair], value = example.tokens[2 * pair + 1]
                #expect((1...12).contains(key) && (13...19).contains(value))
                #expect(pairs[key] == nil, "keys are distinct")
                pairs[key] = value
                #expect(example.labels[2 * pair] == TaskExample.ignoredLabel && example.labels[2 * pair + 1] == TaskExample.ignoredLabel)
            }
            #expect(Set(pairs.values).count == 5, "values are distinct")
            let scored = example.labels.indices.filter { example.labels[$0] != TaskExample.ignoredLabel }
            #expect(scored.count == 3 && scored.allSatisfy { $0 >= 10 })
            #expect(Set(scored.map { example.tokens[$0] }).count == 3, "queries ask for distinct keys")
            for position in scored {
                let value = try #require(pairs[example.tokens[position]], "a query for a key that is not in the context")
                #expect(example.labels[position] == value - 13)
                valueCounts[Int(example.labels[position])] += 1
            }
        }
        #expect(valueCounts.allSatisfy { (90...170).contains($0) }, "values are uniform: \(valueCounts)")
    }

    @Test func badCombinationsNameTheirKeys() {
        let cases: [([String: String], String)] = [
            (["pairs": "9", "key-vocabulary": "8"], "key-vocabulary"),
            (["pairs": "9", "value-vocabulary": "8"], "value-vocabulary"),
            (["pairs": "4", "queries": "5"], "queries"),
            (["pairs": "8", "queries": "8", "length": "23"], "length"),
            (["pairs": "0"], "pairs"),
            (["key-vocabulary": "70000"], "key-vocabulary"),
        ]
        for (settings, key) in cases {
            expectRejected(key: key) { _ = try AssociativeRecallTask(TaskSettings(task: "associative-recall", settings)) }
        }
    }
}
