import Foundation
import MixLabCore
import Testing

@testable import MixLabTasks

/// A registered task with small settings, for the properties every synthetic task must have.
struct TaskCase: Sendable, CustomTestStringConvertible {
    let name: String
    let settings: [String: String]

    var testDescription: String { name }

    func make(_ overrides: [String: String] = [:]) throws -> any LearningTask {
        try TaskRegistry.shared.make(name, settings: settings.merging(overrides) { $1 })
    }

    /// Every built-in task, small.
    static let all = [
        TaskCase(name: "listops", settings: ["preset": "tiny", "validation-size": "40", "test-size": "40"]),
        TaskCase(name: "associative-recall", settings: ["pairs": "4", "queries": "3", "key-vocabulary": "8", "value-vocabulary": "6", "length": "16"]),
        TaskCase(name: "parity", settings: ["length": "12", "min-length": "5"]),
        TaskCase(name: "majority", settings: ["length": "10", "min-length": "3"]),
        TaskCase(name: "frequency", settings: ["length": "32", "min-length": "24"]),
        TaskCase(name: "motif", settings: ["length": "24", "min-length": "12", "vocabulary": "6", "motif-length": "3"]),
        TaskCase(name: "reversal", settings: ["length": "10", "min-length": "3"]),
        TaskCase(name: "pathfinder", settings: ["difficulty": "easy"]),
    ]
}

/// The examples at `indices` of `split`.
func examples(_ task: any LearningTask, _ split: TaskSplit, _ indices: some Sequence<Int>) throws -> [TaskExample] {
    try indices.map { try task.example(in: split, at: $0) }
}

@Suite struct SyntheticTaskTests {
    @Test func everyBuiltinTaskIsCovered() {
        // The real-data tasks read prepared datasets; RealDataTaskTests covers them on fixtures.
        #expect(Set(TaskRegistry.shared.names) == Set(TaskCase.all.map(\.name)).union(RealDataTaskTests.taskNames))
    }

    @Test(arguments: TaskCase.all)
    func sameSeedSameExamplesOtherSeedOtherExamples(_ taskCase: TaskCase) throws {
        let task = try taskCase.make()
        let again = try taskCase.make()
        let other = try taskCase.make(["seed": "1"])
        for split in TaskSplit.allCases {
            let indices = [0, 1, 2, 3, 4, 5, task.count(split) - 1]
            let first = try examples(task, split, indices)
            #expect(try examples(again, split, indices) == first)
            // In reverse order, and each asked twice: an example does not depend on what came before.
            #expect(try examples(task, split, indices.reversed()).reversed() == first)
            #expect(try examples(other, split, indices) != first)
        }
    }

    @Test(arguments: TaskCase.all)
    func splitsDiffer(_ taskCase: TaskCase) throws {
        let task = try taskCase.make()
        let train = try examples(task, .train, 0..<8)
        let validation = try examples(task, .validation, 0..<8)
        let test = try examples(task, .test, 0..<8)
        #expect(train != validation && train != test && validation != test)
    }

    @Test(arguments: TaskCase.all)
    func examplesFitTheTaskAndBatch(_ taskCase: TaskCase) throws {
        let task = try taskCase.make()
        #expect(task.classNames.count == task.classes)
        #expect(task.vocabulary.names[0] == "<pad>")
        for split in TaskSplit.allCases {
            let batch = try examples(task, split, 0..<30)
            for example in batch {
                #expect(!example.tokens.isEmpty && example.tokens.count <= task.sequenceLength)
                #expect(example.tokens.allSatisfy { $0 >= 1 && Int($0) < task.vocabulary.size }, "padding or unknown ids inside \(example)")
                switch task.labelKind {
                case .sequence, .pair:
                    #expect(example.labels.count == 1)
                case .token:
                    #expect(example.labels.count == example.tokens.count)
                }
                #expect(example.labels.allSatisfy { $0 == TaskExample.ignoredLabel || (0..<Int32(task.classes)).contains($0) })
                #expect(example.labels.contains { $0 != TaskExample.ignoredLabel }, "an example with nothing to score")
            }
            let padded = try TaskBatch(batch, of: task)
            #expect(padded.input.tokens.count == batch.count * task.sequenceLength)
            #expect(padded.labels.count == (task.labelKind == .token ? batch.count * task.sequenceLength : batch.count))
        }
    }

    @Test(arguments: TaskCase.all)
    func resolvedSettingsRemakeTheSameTask(_ taskCase: TaskCase) throws {
        let task = try taskCase.make()
        let registration = try TaskRegistry.shared.registration(named: taskCase.name)
        #expect(Set(task.settings.keys) == Set(registration.keys.map(\.name)), "settings report every key and no other")
        let remade = try TaskRegistry.shared.make(taskCase.name, settings: task.settings)
        #expect(remade.settings == task.settings)
        #expect(try examples(remade, .train, 0..<5) == examples(task, .train, 0..<5))
        #expect(try examples(remade, .test, 0..<5) == examples(task, .test, 0..<5))
    }

    @Test(arguments: TaskCase.all)
    func indicesOutsideASplitAreRejected(_ taskCase: TaskCase) throws {
        let task = try taskCase.make(["validation-size": "7"])
        #expect(task.count(.validation) == 7)
        for index in [-1, 7, Int.max] {
            do {
                _ = try task.example(in: .validation, at: index)
                Issue.record("index \(index) was accepted")
            } catch let error as MixLabError {
                #expect(error.code == .invalidArgument)
                #expect(error.what.contains("validation") && error.fix.contains("0 to 6"))
            }
        }
    }

    @Test(arguments: TaskCase.all)
    func badSplitSizesAndSeedsNameTheKey(_ taskCase: TaskCase) throws {
        for (key, value) in [("train-size", "0"), ("validation-size", "-3"), ("test-size", "many"), ("seed", "-1")] {
            expectRejected(key: key) { _ = try taskCase.make([key: value]) }
        }
        do {
            _ = try taskCase.make(["trainsize": "5"])
            Issue.record("an unknown key was accepted")
        } catch let error as MixLabError {
            #expect(error.code == .unknownConfigKey && error.fix.contains("train-size"))
        }
    }

    @Test(arguments: TaskCase.all)
    func concurrentCallsGiveTheSequentialExamples(_ taskCase: TaskCase) throws {
        let sequential = try examples(taskCase.make(), .train, 0..<24)
        let task = try taskCase.make()  // fresh: lazily built state (ListOps's held-out trees) is built under contention
        let results = ResultBox(count: 24)
        DispatchQueue.concurrentPerform(iterations: 24) { index in
            results.set(index, Result { try task.example(in: .train, at: index) })
        }
        #expect(try results.values.map { try $0.get() } == sequential)
    }
}

/// Checks that `body` throws `invalidConfigValue` whose text names `key`.
func expectRejected(key: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("a bad \(key) was accepted", sourceLocation: sourceLocation)
    } catch let error as MixLabError {
        #expect(error.code == .invalidConfigValue, sourceLocation: sourceLocation)
        #expect(error.what.contains(key) || error.fix.contains(key), "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// Results written from several threads, each to its own slot.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<TaskExample, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<TaskExample, any Error>) { lock.withLock { slots[index] = result } }

    var values: [Result<TaskExample, any Error>] { lock.withLock { slots.map { $0! } } }
}
