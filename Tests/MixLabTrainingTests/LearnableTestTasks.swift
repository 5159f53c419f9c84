import Foundation
import MixLabCore
import MixLabTasks
import MixLabTraining

/// Small learnable tasks for the trainer's tests: one per model kind, generated from a seed.
///
/// Example `i` of a split comes from `SeededRandom(seed: seed).derived(split number).derived(i)`, so every
/// call returns the same example.
struct LearnableTestTask: LearningTask {
    /// What is learned.
    enum Kind: String, Sendable, CaseIterable {
        /// Sequence task: is the marker token `m` anywhere in the sequence (lengths 3…8, padded)?
        case marker
        /// Token task: each token's class is `(id − 1) mod 3`; every fourth position is not scored.
        case tokenClass = "token-class"
        /// Masked-language modelling: an alternating pattern `x y x y …` with one or two positions
        /// replaced by the mask token; the labels are the original ids at the masked positions.
        case pattern
        /// Pair task: are the two sequences made of the same token (lengths 3…8, one position of
        /// each redrawn uniformly from `a…d`)? Balanced; the pair's first token is uniform over `a…d`.
        case sameToken = "same-token"
    }

    let kind: Kind
    let seed: UInt64
    let counts: [TaskSplit: Int]

    init(_ kind: Kind, seed: UInt64 = 1, train: Int = 64, validation: Int = 24, test: Int = 24) {
        self.kind = kind
        self.seed = seed
        counts = [.train: train, .validation: validation, .test: test]
    }

    var name: String { "test-\(kind.rawValue)" }
    var settings: [String: String] { ["seed": String(seed), "train": String(counts[.train]!)] }
    var labelKind: TaskLabelKind {
        switch kind {
        case .marker: return .sequence
        case .tokenClass, .pattern: return .token
        case .sameToken: return .pair
        }
    }
    var classes: Int {
        switch kind {
        case .marker, .sameToken: return 2
        case .tokenClass: return 3
        case .pattern: return vocabulary.size
        }
    }
    var classNames: [String] { (0..<classes).map { "class \($0)" } }
    var vocabulary: TaskVocabulary {
        switch kind {
        case .marker: return try! TaskVocabulary(names: ["<pad>", "a", "b", "c", "d", "m"])
        case .sameToken: return try! TaskVocabulary(names: ["<pad>", "a", "b", "c", "d"])
        case .tokenClass: return try! TaskVocabulary(names: ["<pad>", "a", "b", "c", "d", "e", "f"])
        case .pattern: return try! TaskVocabulary(names: ["<pad>", "a", "b", "c", "d", "<mask>"], mask: 5)
        }
    }
    var sequenceLength: Int { 8 }

    func count(_ split: TaskSplit) -> Int { counts[split]! }

    func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        guard (0..<count(split)).contains(index) else {
            throw MixLabError(.invalidArgument, what: "index \(index) is outside 0..<\(count(split))", location: name, fix: "use a valid index")
        }
        let splitNumber = UInt64(TaskSplit.allCases.firstIndex(of: split)!)
        var random = SeededRandom(seed: seed).derived(splitNumber).derived(UInt64(index))
        switch kind {
        case .marker:
            let length = random.nextInteger(in: 3...8)
            var tokens = (0..<length).map { _ in Int32(random.nextInteger(in: 1...4)) }
            let label = Int32(random.nextIndex(below: 2))
            if label == 1 { tokens[random.nextIndex(below: length)] = 5 }
            return TaskExample(tokens: tokens, label: label)
        case .tokenClass:
            let length = random.nextInteger(in: 4...8)
            let tokens = (0..<length).map { _ in Int32(random.nextInteger(in: 1...6)) }
            let labels = tokens.enumerated().map { position, token in position % 4 == 3 ? TaskExample.ignoredLabel : (token - 1) % 3 }
            return TaskExample(tokens: tokens, labels: labels)
        case .pattern:
            let first = Int32(random.nextInteger(in: 1...4))
            var second = Int32(random.nextInteger(in: 1...3))
            if second >= first { second += 1 }
            let original = (0..<8).map { $0 % 2 == 0 ? first : second }
            var tokens = original
            var labels = [Int32](repeating: TaskExample.ignoredLabel, count: 8)
            for _ in 0..<random.nextInteger(in: 1...2) {
                let position = random.nextIndex(below: 8)
                tokens[position] = 5
                labels[position] = original[position]
            }
            return TaskExample(tokens: tokens, labels: labels)
        case .sameToken:
            let label = Int32(random.nextIndex(below: 2))
            let first = Int32(random.nextInteger(in: 1...4))
            var second = first
            if label == 0 {
                second = Int32(random.nextInteger(in: 1...3))
                if second >= first { second += 1 }
            }
            func sequence(of token: Int32) -> [Int32] {
                var tokens = [Int32](repeating: token, count: random.nextInteger(in: 3...8))
                tokens[random.nextIndex(below: tokens.count)] = Int32(random.nextInteger(in: 1...4))
                return tokens
            }
            return TaskExample(first: sequence(of: first), second: sequence(of: second), label: label)
        }
    }
}

/// `LearnableTestTask(.pattern)` whose training examples are masked afresh at every draw (as MLM's
/// dynamic masking); it counts the draws it was asked for.
final class RedrawnPatternTask: ResampledTrainingTask, @unchecked Sendable {
    let base: LearnableTestTask
    private let lock = NSLock()
    private var drawsSeen: [UInt64] = []

    init(train: Int, validation: Int, test: Int) {
        base = LearnableTestTask(.pattern, train: train, validation: validation, test: test)
    }

    var name: String { "test-redrawn-pattern" }
    var settings: [String: String] { base.settings }
    var labelKind: TaskLabelKind { base.labelKind }
    var classes: Int { base.classes }
    var classNames: [String] { base.classNames }
    var vocabulary: TaskVocabulary { base.vocabulary }
    var sequenceLength: Int { base.sequenceLength }
    func count(_ split: TaskSplit) -> Int { base.count(split) }
    func example(in split: TaskSplit, at index: Int) throws -> TaskExample { try base.example(in: split, at: index) }

    /// The draws asked for so far, in order.
    var draws: [UInt64] { lock.withLock { drawsSeen } }

    func trainingExample(at index: Int, draw: UInt64) throws -> TaskExample {
        lock.withLock { drawsSeen.append(draw) }
        let fixed = try base.example(in: .train, at: index)
        let original = fixed.tokens.enumerated().map { position, token in
            token == 5 ? fixed.labels[position] : token
        }
        var random = SeededRandom(seed: 77).derived(draw).derived(UInt64(index))
        var tokens = original
        var labels = [Int32](repeating: TaskExample.ignoredLabel, count: original.count)
        let position = random.nextIndex(below: original.count)
        tokens[position] = 5
        labels[position] = original[position]
        return TaskExample(tokens: tokens, labels: labels)
    }
}
