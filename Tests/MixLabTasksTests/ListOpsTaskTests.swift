import Foundation
import MixLabCore
import Testing

@testable import MixLabTasks

/// Trees from the Python port of LRA's generator: LRA's text form, `to_value`, and `generate_tree`'s length.
private struct TreeFixture: Decodable {
    struct Case: Decodable {
        let text: String
        let label: Int
        let length: Int
        let origin: String
    }

    let cases: [Case]
}

/// Exact window statistics of LRA's generator (dynamic programme) and its label law (Monte Carlo).
private struct WindowFixture: Decodable {
    struct Case: Decodable {
        let preset: String
        let minLength: Int
        let maxLength: Int
        let acceptance: Double
        let expectedDraws: Double
        let meanLength: Double
        let lengthSd: Double
        let labelDistribution: [Double]
        let labelSamples: Int
    }

    let cases: [Case]
}

private func listops(_ settings: [String: String]) throws -> ListOpsTask {
    try ListOpsTask(TaskSettings(task: "listops", settings))
}

@Suite struct ListOpsTaskTests {
    @Test func referenceTreesHaveTheReferenceLabelsAndLengths() throws {
        let fixture = try loadFixture("listops", as: TreeFixture.self, snakeCaseKeys: true)
        #expect(fixture.cases.count >= 60)
        var operatorsSeen = Set<Int32>()
        for reference in fixture.cases {
            let tokens = try ListOpsTask.tokenize(reference.text)
            #expect(tokens.count == reference.length, "\(reference.text)")
            #expect(try ListOpsTask.evaluate(tokens) == reference.label, "\(reference.origin): \(reference.text)")
            operatorsSeen.formUnion(tokens.filter { (11...14).contains($0) })
        }
        #expect(operatorsSeen == [11, 12, 13, 14])
        #expect(fixture.cases.contains { $0.length > 500 }, "the LRA window is represented")
    }

    @Test func medianTruncatesTheMeanOfTheMiddlePair() throws {
        let cases: [(String, Int)] = [
            ("[MED 3 4 ]", 3), ("[MED 0 9 ]", 4), ("[MED 1 2 3 4 ]", 2), ("[MED 9 1 5 ]", 5), ("[SM 9 9 9 ]", 7),
            ("( ( ( [MIN 4 ) 7 ) ] )", 4), ("[MAX 2 9 [MIN 4 7 ] 0 ]", 9),
        ]
        for (text, value) in cases {
            #expect(try ListOpsTask.evaluate(ListOpsTask.tokenize(text)) == value, "\(text)")
        }
    }

    @Test func malformedTextAndTokensAreRejected() {
        #expect(throws: MixLabError.self) { try ListOpsTask.tokenize("[MAX 2 10 ]") }
        #expect(throws: MixLabError.self) { try ListOpsTask.tokenize("[FIRST 2 3 ]") }
        for text in ["[MAX 2 3", "2 3", "]", "[MIN ]", "[MIN 2 ] ]", ""] {
            #expect(throws: MixLabError.self, "\(text)") { try ListOpsTask.evaluate(ListOpsTask.tokenize(text)) }
        }
        #expect(throws: MixLabError.self) { try ListOpsTask.evaluate([0]) }
        #expect(throws: MixLabError.self) { try ListOpsTask.evaluate([16]) }
    }

    @Test func tokenizerMatchesTheVocabulary() throws {
        let task = try listops(["preset": "tiny"])
        let text = "[MIN [MAX 0 1 2 3 4 ] [MED 5 6 7 ] [SM 8 9 ] ]"
        let tokens = try ListOpsTask.tokenize(text)
        #expect(task.vocabulary.decode(tokens) == text)
        #expect(task.vocabulary.size == 16)
    }

    @Test func presetsAndOverrides() throws {
        let lra = try listops([:])
        #expect(lra.preset == .lra && lra.minimumLength == 500 && lra.maximumLength == 2000 && lra.sequenceLength == 2000)
        #expect(lra.count(.train) == 96000 && lra.count(.validation) == 2000 && lra.count(.test) == 2000)
        #expect(lra.maximumDepth == 10 && lra.maximumArguments == 10)
        let small = try listops(["preset": "small"])
        #expect(small.minimumLength == 50 && small.sequenceLength == 256)
        let custom = try listops(["preset": "small", "max-length": "300", "train-size": "10", "max-depth": "6"])
        #expect(custom.minimumLength == 50 && custom.sequenceLength == 300 && custom.count(.train) == 10 && custom.maximumDepth == 6)
    }

    @Test func badSettingsNameTheirKeys() {
        let cases: [([String: String], String)] = [
            (["preset": "huge"], "preset"),
            (["min-length": "100", "max-length": "100"], "max-length"),
            (["min-length": "99", "max-length": "100"], "min-length"),
            (["max-length": "1"], "max-length"),
            (["max-args": "1"], "max-args"),
            (["max-depth": "0"], "max-depth"),
            (["preset": "tiny", "max-depth": "1"], "max-depth"),  // only single digits: nothing longer than 10
            (["preset": "tiny", "max-depth": "2", "max-args": "3"], "max-args"),  // the longest tree has 5 tokens
        ]
        for (settings, key) in cases {
            expectRejected(key: key) { _ = try listops(settings) }
        }
    }

    @Test func reachableLengthsAreExact() {
        // max-args 2, max-depth 3: a root of two subtrees, each a digit or [op d d ] (4 tokens): 1, 4, 7, 10.
        #expect(ListOpsTask.reachableLengths(maximumDepth: 3, maximumArguments: 2, below: 100) == [1, 4, 7, 10])
        #expect(ListOpsTask.reachableLengths(maximumDepth: 1, maximumArguments: 10, below: 100) == [1])
        #expect(ListOpsTask.reachableLengths(maximumDepth: 2, maximumArguments: 4, below: 100) == [1, 4, 5, 6])
        let lra = ListOpsTask.reachableLengths(maximumDepth: 10, maximumArguments: 10, below: 2000)
        #expect(lra == [1] + Array(4..<2000))
    }

    @Test func generatedTreesAreWellFormedAndInsideTheWindow() throws {
        let task = try listops(["preset": "tiny", "validation-size": "50", "test-size": "50"])
        for split in TaskSplit.allCases {
            for index in 0..<50 {
                let tree = try task.tree(in: split, at: index)
                #expect(tree.tokens.count > 10 && tree.tokens.count < 64)
                #expect(try ListOpsTask.evaluate(tree.tokens) == tree.label)
                #expect(tree.draws >= 1)
                #expect(try task.example(in: split, at: index) == TaskExample(tokens: tree.tokens, label: Int32(tree.label)))
            }
        }
    }

    /// Over a few hundred trees of the tiny preset: operators uniform, labels distributed as the reference
    /// generator's, lengths and draws per kept tree as the exact law of LRA's generator says.
    @Test func statisticsMatchTheReferenceGenerator() throws {
        let window = try #require(try loadFixture("listops-windows", as: WindowFixture.self, snakeCaseKeys: true).cases.first { $0.preset == "tiny" })
        let task = try listops(["preset": "tiny", "validation-size": "20", "test-size": "20"])
        let trees = try (0..<400).map { try task.tree(in: .train, at: $0) }
        let n = Double(trees.count)

        var operators = [Int](repeating: 0, count: 4)
        for tree in trees { for token in tree.tokens where (11...14).contains(token) { operators[Int(token) - 11] += 1 } }
        let total = Double(operators.reduce(0, +))
        for count in operators {  // each operator ≈ 1/4, standard error ≈ 0.01 for ~1500 operators
            #expect(abs(Double(count) / total - 0.25) < 0.04, "\(operators)")
        }

        var labels = [Double](repeating: 0, count: 10)
        for tree in trees { labels[tree.label] += 1 / n }
        #expect(labels.allSatisfy { $0 > 0 }, "every class occurs: \(labels)")
        let totalVariation = zip(labels, window.labelDistribution).map { abs($0 - $1) }.reduce(0, +) / 2
        #expect(totalVariation < 0.1, "labels \(labels) vs reference \(window.labelDistribution)")
        #expect(labels[0] > 0.1 && labels[9] > 0.1, "MIN and MAX saturate: 0 and 9 are the common classes")

        let meanLength = trees.map { Double($0.tokens.count) }.reduce(0, +) / n
        #expect(abs(meanLength - window.meanLength) < 4 * window.lengthSd / n.squareRoot(), "mean length \(meanLength) vs \(window.meanLength)")

        // Draws per kept tree are geometric with p = acceptance: standard deviation √(1 − p)/p.
        let meanDraws = trees.map { Double($0.draws) }.reduce(0, +) / n
        let drawsSd = (1 - window.acceptance).squareRoot() / window.acceptance
        #expect(abs(meanDraws - window.expectedDraws) < 4 * drawsSd / n.squareRoot(), "draws \(meanDraws) vs \(window.expectedDraws)")
    }

    @Test func heldOutTreesAreDistinctAndNeverTrainingTrees() throws {
        // Lengths 4 and 5 only ([op d d ] and [op d d d ]): 4400 trees, 200 of them held out, so a generator
        // without the check would hand out held-out trees for training.
        let window: [String: String] = ["min-length": "3", "max-length": "6", "max-depth": "2", "train-size": "400"]
        let task = try listops(window.merging(["validation-size": "100", "test-size": "100"]) { $1 })
        let unchecked = try listops(window.merging(["validation-size": "1", "test-size": "1"]) { $1 })
        let heldOut = try Set(examples(task, .validation, 0..<100).map(\.tokens) + examples(task, .test, 0..<100).map(\.tokens))
        #expect(heldOut.count == 200)
        var leaks = 0
        for index in 0..<400 {
            let tree = try task.example(in: .train, at: index).tokens
            #expect(!heldOut.contains(tree))
            let plain = try unchecked.example(in: .train, at: index).tokens
            if heldOut.contains(plain) { leaks += 1 }
        }
        #expect(leaks > 5, "the window is too large for the test to mean anything (\(leaks) leaks)")
    }

    @Test func aWindowWithTooFewTreesFailsWithAnError() throws {
        // Only [op d d ] (400 trees) fits; 500 held-out trees cannot be distinct.
        let task = try listops(["min-length": "3", "max-length": "5", "max-depth": "2", "max-args": "2",
                                "validation-size": "300", "test-size": "200"])
        do {
            _ = try task.example(in: .train, at: 0)
            Issue.record("an impossible held-out set was generated")
        } catch let error as MixLabError {
            #expect(error.code == .invalidConfigValue && error.fix.contains("validation-size"))
        }
    }
}
