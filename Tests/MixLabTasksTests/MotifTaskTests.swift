import MixLabCore
import Testing

@testable import MixLabTasks

@Suite struct MotifTaskTests {
    /// Whether `motif` occurs in `sequence` (a plain search, independent of the task's).
    private func occurs(_ motif: [Int32], in sequence: [Int32]) -> Bool {
        guard sequence.count >= motif.count else { return false }
        for start in 0...(sequence.count - motif.count) where Array(sequence[start..<(start + motif.count)]) == motif {
            return true
        }
        return false
    }

    @Test func positivesHoldTheMotifNegativesNeverDo() throws {
        // A 2-symbol motif over 4 symbols occurs by chance in most random sequences of 14: negatives need redraws.
        let task = try MotifTask(TaskSettings(task: "motif", ["vocabulary": "4", "motif-length": "2", "length": "14", "min-length": "2"]))
        #expect(task.motif.count == 2)
        var positives = 0
        for example in try examples(task, .train, 0..<400) {
            let symbols = example.tokens.map { $0 - 1 }
            #expect(occurs(task.motif, in: symbols) == (example.labels[0] == 1))
            positives += Int(example.labels[0])
        }
        #expect((160...240).contains(positives), "\(positives) of 400 positive")
    }

    @Test func theMotifIsFixedPerSeedOrGiven() throws {
        let a = try MotifTask(TaskSettings(task: "motif"))
        let b = try MotifTask(TaskSettings(task: "motif"))
        let c = try MotifTask(TaskSettings(task: "motif", ["seed": "7"]))
        #expect(a.motif == b.motif && a.motif.count == 4)
        #expect(a.motif != c.motif)
        let given = try MotifTask(TaskSettings(task: "motif", ["motif": "3,1,4,1,5"]))
        #expect(given.motif == [3, 1, 4, 1, 5] && given.settings["motif-length"] == "5")
        #expect(try MotifTask(TaskSettings(task: "motif", ["motif": "3,1,4,1,5", "motif-length": "5"])).motif.count == 5)
    }

    @Test func badMotifsNameTheirKeys() {
        let cases: [([String: String], String)] = [
            (["motif": "3,1,x"], "motif"),
            (["motif": "3,1,8"], "motif"),  // the vocabulary has 8 symbols: 0…7
            (["motif": ""], "motif"),
            (["motif": "1,2", "motif-length": "3"], "motif-length"),
            (["motif-length": "9", "length": "8"], "motif-length"),
            (["vocabulary": "2", "motif-length": "3"], "vocabulary"),  // 62/8 expected occurrences
            (["vocabulary": "1"], "vocabulary"),
        ]
        for (settings, key) in cases {
            expectRejected(key: key) { _ = try MotifTask(TaskSettings(task: "motif", settings)) }
        }
    }
}
