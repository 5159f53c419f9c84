import MixLabCore
import Testing

@testable import MixLabTasks

/// A tiny in-memory task for testing batching.
private struct ListedTask: LearningTask {
    let name = "listed"
    let settings: [String: String] = [:]
    let labelKind: TaskLabelKind
    let classes = 3
    let classNames = ["a", "b", "c"]
    let vocabulary = try! TaskVocabulary(names: ["<pad>", "x", "y", "z"])
    let sequenceLength = 4
    let examples: [TaskExample]

    func count(_ split: TaskSplit) -> Int { examples.count }
    func example(in split: TaskSplit, at index: Int) throws -> TaskExample { examples[index] }
}

@Suite struct TaskBatchTests {
    @Test func sequenceBatchPadsAndMasks() throws {
        let task = ListedTask(labelKind: .sequence, examples: [
            TaskExample(tokens: [1, 2, 3, 1], label: 2), TaskExample(tokens: [3], label: 0),
        ])
        let batch = try TaskBatch(task: task, split: .train, indices: [0, 1])
        #expect(batch.input.tokens == [1, 2, 3, 1, 3, 0, 0, 0])
        #expect(batch.input.paddingMask?.values == [1, 1, 1, 1, 1, 0, 0, 0])
        #expect(batch.labels == [2, 0])
    }

    @Test func fullBatchHasNoMask() throws {
        let task = ListedTask(labelKind: .sequence, examples: [TaskExample(tokens: [1, 2, 3, 1], label: 1)])
        #expect(try TaskBatch(task: task, split: .train, indices: [0]).input.paddingMask == nil)
    }

    @Test func tokenBatchIgnoresPadding() throws {
        let task = ListedTask(labelKind: .token, examples: [TaskExample(tokens: [1, 2], labels: [0, 1])])
        let batch = try TaskBatch(task: task, split: .test, indices: [0])
        #expect(batch.labels == [0, 1, TaskExample.ignoredLabel, TaskExample.ignoredLabel])
    }

    @Test func badExamplesAreRejected() throws {
        let cases: [(TaskLabelKind, TaskExample)] = [
            (.sequence, TaskExample(tokens: [1, 1, 1, 1, 1], label: 0)),  // too long
            (.sequence, TaskExample(tokens: [9], label: 0)),  // outside vocabulary
            (.sequence, TaskExample(tokens: [1, 2], labels: [0, 1])),  // two labels for a sequence task
            (.token, TaskExample(tokens: [1, 2], labels: [0])),  // one label for two tokens
        ]
        for (kind, example) in cases {
            let task = ListedTask(labelKind: kind, examples: [example])
            #expect(throws: MixLabError.self) { try TaskBatch(task: task, split: .train, indices: [0]) }
        }
        let empty = ListedTask(labelKind: .sequence, examples: [])
        #expect(throws: MixLabError.self) { try TaskBatch([], of: empty) }
    }

    @Test func vocabularyRejectsBadSpecialIds() {
        #expect(throws: MixLabError.self) { try TaskVocabulary(names: ["<pad>"]) }
        #expect(throws: MixLabError.self) { try TaskVocabulary(names: ["<pad>", "a"], mask: 0) }
        #expect(throws: MixLabError.self) { try TaskVocabulary(names: ["<pad>", "a"], classification: 2) }
    }

    @Test func registryRejectsUnknownTasksAndKeys() throws {
        let registry = TaskRegistry()
        try registry.register(TaskRegistration(
            name: "listed", summary: "test", labelKind: .sequence,
            keys: [TaskSettingKey("length", default: "4", allowed: "1…8", summary: "length")]
        ) { settings in
            _ = try settings.integer("length", default: 4, in: 1...8)
            return ListedTask(labelKind: .sequence, examples: [])
        })
        #expect(throws: MixLabError.self) { try registry.make("nope") }
        do {
            _ = try registry.make("listed", settings: ["lenght": "3"])
            Issue.record("an unknown key was accepted")
        } catch let error as MixLabError {
            #expect(error.code == .unknownConfigKey)
            #expect(error.fix.contains("length"))
        }
        #expect(throws: MixLabError.self) { try registry.make("listed", settings: ["length": "9"]) }
        #expect(throws: MixLabError.self) { try registry.register(TaskRegistration(
            name: "Bad Name", summary: "", labelKind: .sequence, keys: []) { _ in ListedTask(labelKind: .sequence, examples: []) })
        }
    }
}
