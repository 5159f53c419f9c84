import Foundation
import MixLabCore

/// ListOps as generated for the Long Range Arena: evaluate a nested prefix expression of MIN, MAX,
/// MED and SM over the digits 0–9; ten classes (the value).
///
/// **What it tests.** The value depends on every token through a tree whose shape must be recovered
/// from bracket structure hundreds of tokens long: hierarchical, long-range, exact reasoning. Published
/// test accuracies on the LRA preset: Transformer 36.4, FNet 35.3, Linformer 35.7, Performer 18.0 (Tay
/// et al.; Lee-Thorp et al.), S4 59.6. The classes are not balanced (see below): the majority class
/// alone scores about 17 %.
///
/// **Generator** (LRA's `generate_tree`, `lra_benchmarks/data/listops.py`, drawn in the same order):
///
///     tree(depth):                                  # the root is tree(1)
///         r = uniform [0, 1) if depth < max-depth else 1
///         if r > 0.25: return a digit, uniform in 0…9          (length 1)
///         k = uniform integer in 2…max-args
///         children = tree(depth + 1), k times
///         op = uniform in (MIN, MAX, MED, SM)                    # drawn after the children, as LRA
///         return [op children… ]                                 (length 2 + Σ children's lengths)
///
/// A subtree is a digit with probability 0.75 (certainly at `max-depth`). The length counts the
/// operator token and the closing token, so it equals the number of tokens of the sequence. A tree is
/// kept only when `min-length < length < max-length` (strict, as LRA); otherwise the next tree is drawn
/// from the same stream. A tree that reaches `max-length` tokens is abandoned at that point: it would
/// be rejected anyway, and since the draws are independent, stopping early changes neither which trees
/// are accepted nor their distribution, only the work spent on rejects (at most `max-length` tokens).
///
/// **Labels.** MIN and MAX of the arguments; MED is `int(np.median(args))`: the middle value for an odd
/// count, the mean of the two middle values truncated for an even count ([MED 3 4 ] = 3); SM is the sum
/// mod 10. Class `c` is the value `c`. The classes are skewed: for the LRA preset about 17 % are 0,
/// 17 % are 9 and 7–10 % each of the others (MIN and MAX over many digits saturate).
///
/// **Tokenisation.** One id per token, no parentheses: padding 0, digits `0`…`9` → 1…10, `[MIN` 11,
/// `[MAX` 12, `[MED` 13, `[SM` 14, `]` 15; examples are padded to the sequence length `max-length`
/// (LRA pads to 2000). This is the token sequence of LRA's text form (`( ( ( [MIN 4 ) 7 ) ] )`) with the
/// parentheses deleted, as the S4 code (`listops_tokenizer`) does. (LRA's own input pipeline ran the
/// text through `tfds`'s alphanumeric tokenizer, which also drops `]`; keeping it, as later work does,
/// makes the bracket structure explicit.) `tokenize(_:)` reads LRA's text form; `evaluate(_:)` computes
/// the label of a token sequence.
///
/// **Splits and deduplication.** Example `i` of a split comes from the stream (seed, split, i) of
/// `SyntheticSplits`. LRA draws 100 000 distinct trees and cuts them 96k/2k/2k. Here the validation and
/// test trees are generated once, on first need, together, under a lock: validation tree `j` is the
/// first in-window tree of its stream that is not one of validation trees 0…j−1, and test tree `j` the
/// first that is none of the validation trees and test trees 0…j−1. Training tree `i` is the first
/// in-window tree of its stream that is none of the validation or test trees. So no held-out tree is
/// ever a training tree, and held-out trees do not repeat. Unlike LRA, two training examples may be the
/// same tree (they are independent draws); for every preset that has negligible probability, since
/// even the shortest kept trees (11 tokens) have billions of possible forms, but a custom window of a
/// few tokens makes repeats common.
///
/// **Settings.** `preset` sets the window and split sizes; the explicit keys override it.
///
///     preset  min-length  max-length (= sequence length)  train / validation / test   accepted per draw
///     lra        500          2000                         96000 / 2000 / 2000        8.28 % (12.1 draws)
///     small       50           256                         96000 / 2000 / 2000        2.58 % (38.8 draws)
///     tiny        10            64                          2000 /  200 /  200        4.33 % (23.1 draws)
///
/// `max-depth` (10) and `max-args` (10) are LRA's in every preset; `seed` (0) fixes the data. The
/// acceptance rates are exact (a dynamic programme over the length law of each depth, in
/// `Scripts/fixtures/listops.py`); the mean accepted length is 1035 ± 394 tokens (lra), 152 ± 61
/// (small) and 23 ± 13 (tiny). Settings are validated when the task is made: a window must hold a
/// length (`min-length + 1 < max-length`) that trees of `max-depth` and `max-args` can reach. Draws are
/// capped at `maximumDraws` per example, with an error, for windows that are reachable but improbable.
///
/// **Complexity.** Constructing the task is O(max-depth · max-args · max-length²/64) word operations
/// for the reachability check. An example costs its expected draws times their mean size, O(max-length)
/// each at most; most rejected draws are a single digit (a root is a digit 75 % of the time). The
/// first example that needs the held-out trees generates all of them: O((validation + test) · cost of
/// an example) time and O((validation + test) · mean length) bytes. `example(in:at:)` is thread-safe.
/// `mixlab tasks show listops --stats --set preset=NAME` measures a preset's examples per second and
/// draws per kept tree on the machine at hand.
///
/// References: N. Nangia, S. Bowman, "ListOps: A Diagnostic Dataset for Latent Tree Learning", NAACL SRW
/// 2018; Y. Tay et al., "Long Range Arena: A Benchmark for Efficient Transformers", ICLR 2021.
public struct ListOpsTask: LearningTask {
    /// The presets: LRA's window and sizes, and two windows small enough for CPU runs and tests.
    public enum Preset: String, Sendable, CaseIterable {
        /// 500 < length < 2000, 96000/2000/2000 (the Long Range Arena).
        case lra
        /// 50 < length < 256, 96000/2000/2000.
        case small
        /// 10 < length < 64, 2000/200/200 (tests, quick looks).
        case tiny

        /// (min-length, max-length, train, validation, test).
        var values: (minimumLength: Int, maximumLength: Int, train: Int, validation: Int, test: Int) {
            switch self {
            case .lra: (500, 2000, 96000, 2000, 2000)
            case .small: (50, 256, 96000, 2000, 2000)
            case .tiny: (10, 64, 2000, 200, 200)
            }
        }
    }

    /// The four operators, in LRA's order (the index is the operator's draw).
    public enum Operator: Int, Sendable, CaseIterable {
        case minimum, maximum, median, sumModulo10

        /// The token's text, as LRA writes it.
        public var text: String { ["[MIN", "[MAX", "[MED", "[SM"][rawValue] }
        /// The token id.
        public var token: Int32 { 11 + Int32(rawValue) }
    }

    /// One generated tree: its tokens, its value and the number of trees drawn to get it.
    public struct Tree: Sendable, Equatable {
        /// The token ids (no padding).
        public var tokens: [Int32]
        /// The value, 0…9 (the class).
        public var label: Int
        /// Trees drawn from the example's stream until this one was kept: draws rejected for their
        /// length, and (training, validation and test alike) draws that repeated a held-out tree.
        public var draws: Int
    }

    /// The registry entry.
    public static let registration = TaskRegistration(
        name: "listops",
        summary: "evaluate nested MIN/MAX/MED/SM lists over digits (LRA ListOps; 10 classes)",
        labelKind: .sequence,
        keys: [
            TaskSettingKey("preset", default: "lra", allowed: "lra|small|tiny", summary: "window and split sizes (keys below override)"),
            TaskSettingKey("min-length", default: "preset (lra 500)", allowed: "0…65534", summary: "trees are longer than this (strict)"),
            TaskSettingKey(
                "max-length", default: "preset (lra 2000)", allowed: "2…65536",
                summary: "trees are shorter than this (strict); the sequence length"),
            TaskSettingKey("max-depth", default: "10", allowed: "1…100", summary: "deepest level; the root is level 1"),
            TaskSettingKey("max-args", default: "10", allowed: "2…100", summary: "most arguments of an operator"),
        ] + SyntheticSplits.keys(train: "preset (lra 96000)", validation: "preset (lra 2000)", test: "preset (lra 2000)")
    ) { settings in
        try ListOpsTask(settings)
    }

    /// The largest number of trees drawn for one example before giving up with an error.
    public static let maximumDraws = 1_000_000
    /// The probability that a subtree above `max-depth` is an operator (LRA's `VALUE_P`).
    public static let operatorProbability = 0.25
    /// The closing token's id.
    public static let closingToken: Int32 = 15

    /// The registry name.
    public let name = "listops"
    /// Sequence-level labels: one class per example.
    public let labelKind = TaskLabelKind.sequence
    /// Ten: the values 0–9.
    public let classes = 10
    /// The values `0`…`9`.
    public let classNames = (0..<10).map { "\($0)" }
    /// Padding, the digits, the four operators and `]` (16 ids).
    public let vocabulary = try! TaskVocabulary(
        names: ["<pad>"] + (0..<10).map { "\($0)" } + Operator.allCases.map(\.text) + ["]"])

    /// The preset the other values started from.
    public let preset: Preset
    /// Trees are longer than this (strict).
    public let minimumLength: Int
    /// Trees are shorter than this (strict); also the sequence length.
    public let maximumLength: Int
    /// The deepest level a node can be on (the root is level 1); nodes there are digits.
    public let maximumDepth: Int
    /// The most arguments an operator takes (at least 2).
    public let maximumArguments: Int
    /// The seed and split sizes.
    public let splits: SyntheticSplits

    private let heldOut = HeldOutTrees()

    /// The task from its settings (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidConfigValue` naming the key: a value out of range, an empty window,
    ///   or a window no tree of `max-depth` and `max-args` can land in.
    public init(_ settings: TaskSettings = TaskSettings(task: "listops")) throws {
        preset = Preset(rawValue: try settings.choice("preset", default: "lra", allowed: Preset.allCases.map(\.rawValue)))!
        let defaults = preset.values
        minimumLength = try settings.integer("min-length", default: defaults.minimumLength, in: 0...65534)
        maximumLength = try settings.integer("max-length", default: defaults.maximumLength, in: 2...65536)
        maximumDepth = try settings.integer("max-depth", default: 10, in: 1...100)
        maximumArguments = try settings.integer("max-args", default: 10, in: 2...100)
        splits = try SyntheticSplits(settings, train: defaults.train, validation: defaults.validation, test: defaults.test)
        let location = "task listops"
        guard minimumLength + 1 < maximumLength else {
            throw MixLabError(
                .invalidConfigValue,
                what: "min-length=\(minimumLength) and max-length=\(maximumLength) leave no length (trees need min-length < length < max-length)",
                location: location, fix: "set max-length to at least min-length + 2 = \(minimumLength + 2), or lower min-length")
        }
        let reachable = Self.reachableLengths(maximumDepth: maximumDepth, maximumArguments: maximumArguments, below: maximumLength)
        guard reachable.contains(where: { $0 > minimumLength }) else {
            let longest = reachable.last ?? 1
            throw MixLabError(
                .invalidConfigValue,
                what: "no tree with max-depth=\(maximumDepth) and max-args=\(maximumArguments) is longer than min-length=\(minimumLength) "
                    + "and shorter than max-length=\(maximumLength) (the longest such tree has \(longest) tokens)",
                location: location, fix: "raise max-depth or max-args, or lower min-length below \(longest)")
        }
    }

    /// Every key with its resolved value: `TaskRegistry.make` with these remakes the same task.
    public var settings: [String: String] {
        splits.settings.merging([
            "preset": preset.rawValue, "min-length": "\(minimumLength)", "max-length": "\(maximumLength)",
            "max-depth": "\(maximumDepth)", "max-args": "\(maximumArguments)",
        ]) { $1 }
    }

    /// `max-length`: every tree is shorter.
    public var sequenceLength: Int { maximumLength }

    /// The number of examples in `split` (its `-size` setting).
    public func count(_ split: TaskSplit) -> Int { splits.count(split) }

    /// Example `index` of `split`, generated from its own stream (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidArgument` for an index outside `0 ..< count(split)`.
    public func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        let tree = try tree(in: split, at: index)
        return TaskExample(tokens: tree.tokens, label: Int32(tree.label))
    }

    /// Tree `index` of `split`, with the number of draws it took.
    ///
    /// - Throws: `MixLabError.invalidArgument` for an index outside the split; `invalidConfigValue` when
    ///   `maximumDraws` trees were drawn without one to keep (an improbable window).
    public func tree(in split: TaskSplit, at index: Int) throws -> Tree {
        try splits.checkIndex(index, in: split, task: name)
        let trees = try heldOutTrees()
        switch split {
        case .validation: return trees.validation[index].tree
        case .test: return trees.test[index].tree
        case .train:
            var random = try splits.random(for: .train, at: index, task: name)
            var buffer: [UInt8] = []
            let (label, draws) = try drawTree(avoiding: trees.tokens, into: &buffer, random: &random)
            return Tree(tokens: buffer.map { Int32($0) }, label: label, draws: draws)
        }
    }

    // MARK: - Reading and evaluating token sequences

    /// The token ids of a tree in LRA's text form, e.g. `( ( ( [MIN 4 ) 7 ) ] )` or `[MIN 4 7 ]`:
    /// parentheses are dropped, the rest is split on white space.
    ///
    /// - Throws: `MixLabError.invalidArgument` for a word that is not a ListOps token.
    public static func tokenize(_ text: String) throws -> [Int32] {
        let names = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] + Operator.allCases.map(\.text) + ["]"]
        let words = text.replacingOccurrences(of: "(", with: " ").replacingOccurrences(of: ")", with: " ")
            .split(whereSeparator: \.isWhitespace)
        return try words.map { word in
            guard let index = names.firstIndex(of: String(word)) else {
                throw MixLabError(
                    .invalidArgument, what: "'\(word)' is not a ListOps token", location: "ListOpsTask.tokenize",
                    fix: "write trees with 0–9, [MIN, [MAX, [MED, [SM and ], e.g. [MAX 2 9 [MIN 4 7 ] 0 ]")
            }
            return Int32(index + 1)
        }
    }

    /// The value of a token sequence (its label), by a stack machine independent of the generator.
    ///
    /// - Throws: `MixLabError.invalidArgument` for a sequence that is not one well-formed tree: an unknown
    ///   id, a `]` without an open operator, an operator without arguments, an unclosed operator, or
    ///   tokens after the tree.
    public static func evaluate(_ tokens: [Int32]) throws -> Int {
        func malformed(_ what: String) -> MixLabError {
            MixLabError(.invalidArgument, what: what, location: "ListOpsTask.evaluate",
                        fix: "pass the tokens of one tree, e.g. tokenize(\"[MAX 2 9 [MIN 4 7 ] 0 ]\")")
        }
        var open: [(operator: Operator, arguments: [Int])] = []
        var result: Int?
        for (position, token) in tokens.enumerated() {
            guard result == nil else { throw malformed("tokens continue after the tree ends (position \(position))") }
            var value: Int?
            switch token {
            case 1...10:
                value = Int(token) - 1
            case 11...14:
                open.append((Operator(rawValue: Int(token) - 11)!, []))
            case closingToken:
                guard let node = open.popLast() else { throw malformed("']' at position \(position) closes no operator") }
                guard !node.arguments.isEmpty else { throw malformed("\(node.operator.text) at position \(position) has no arguments") }
                value = node.operator.apply(node.arguments)
            default:
                throw malformed("token id \(token) at position \(position) is not a ListOps token (1…15)")
            }
            if let value {
                if open.isEmpty { result = value } else { open[open.count - 1].arguments.append(value) }
            }
        }
        guard let result else { throw malformed(tokens.isEmpty ? "no tokens" : "\(open.count) operator(s) are not closed") }
        return result
    }

    /// The lengths below `limit` that a tree of these parameters can have (sorted): {1} at `maximumDepth`,
    /// and {1} ∪ {2 + a sum of k lengths of the next level, 2 ≤ k ≤ maximumArguments} above it.
    static func reachableLengths(maximumDepth: Int, maximumArguments: Int, below limit: Int) -> [Int] {
        var level = LengthSet(limit: limit)
        level.insert(1)
        for _ in 1..<max(maximumDepth, 1) {
            var sums = level  // sums of k lengths of the level below, k = 1 first
            var node = LengthSet(limit: limit)
            for _ in 2...maximumArguments {
                sums = sums.sumset(with: level)
                node.formUnion(sums, shiftedBy: 2)
            }
            node.insert(1)
            level = node
        }
        return level.elements
    }

    // MARK: - Generation

    /// Draws trees from `random` into `buffer` until one lies strictly inside the window and is not in
    /// `avoided`; returns its value and the number of trees drawn.
    private func drawTree(
        avoiding avoided: Set<[UInt8]>, into buffer: inout [UInt8], random: inout SeededRandom
    ) throws -> (label: Int, draws: Int) {
        buffer.reserveCapacity(maximumLength)
        for draw in 1...Self.maximumDraws {
            buffer.removeAll(keepingCapacity: true)
            guard let value = appendSubtree(depth: 1, to: &buffer, random: &random),
                  buffer.count > minimumLength, buffer.count < maximumLength, !avoided.contains(buffer)
            else { continue }
            return (value, draw)
        }
        throw MixLabError(
            .invalidConfigValue,
            what: "\(Self.maximumDraws) trees were drawn without one longer than min-length=\(minimumLength) and shorter than "
                + "max-length=\(maximumLength) that is not a validation or test tree",
            location: "task listops",
            fix: "widen the window, raise max-depth or max-args, or lower validation-size and test-size (the window may hold few trees)")
    }

    /// Appends a subtree rooted at `depth` to `tokens` and returns its value, or nil as soon as `tokens`
    /// holds `maximumLength` tokens (the tree is too long: the caller rejects it).
    private func appendSubtree(depth: Int, to tokens: inout [UInt8], random: inout SeededRandom) -> Int? {
        guard tokens.count < maximumLength else { return nil }
        // LRA: r = random() below max_depth, else r = 1; a digit when r > VALUE_P (no draw at max_depth).
        if depth >= maximumDepth || random.nextUniform() > Self.operatorProbability {
            let digit = random.nextIndex(below: 10)
            tokens.append(UInt8(digit + 1))
            return digit
        }
        let argumentCount = random.nextInteger(in: 2...maximumArguments)
        let operatorPosition = tokens.count
        tokens.append(0)  // the operator, drawn after the arguments
        var arguments = DigitCounts()
        for _ in 0..<argumentCount {
            guard let value = appendSubtree(depth: depth + 1, to: &tokens, random: &random) else { return nil }
            arguments.add(value)
        }
        let op = Operator(rawValue: random.nextIndex(below: 4))!
        tokens[operatorPosition] = UInt8(op.token)
        tokens.append(UInt8(Self.closingToken))
        return arguments.value(of: op)
    }

    /// The validation and test trees (generated on first call; see the type's documentation).
    private func heldOutTrees() throws -> HeldOutTrees.Trees {
        try heldOut.get {
            var trees = HeldOutTrees.Trees()
            var buffer: [UInt8] = []
            for split in [TaskSplit.validation, .test] {
                var stored: [HeldOutTrees.Stored] = []
                stored.reserveCapacity(splits.count(split))
                for index in 0..<splits.count(split) {
                    var random = try splits.random(for: split, at: index, task: name)
                    let (label, draws) = try drawTree(avoiding: trees.tokens, into: &buffer, random: &random)
                    trees.tokens.insert(buffer)
                    stored.append(HeldOutTrees.Stored(tokens: buffer, label: UInt8(label), draws: draws))
                }
                if split == .validation { trees.validation = stored } else { trees.test = stored }
            }
            return trees
        }
    }
}

extension ListOpsTask.Operator {
    /// The operator's value on `arguments` (not empty): min, max, truncated median, sum mod 10.
    func apply(_ arguments: [Int]) -> Int {
        switch self {
        case .minimum: return arguments.min()!
        case .maximum: return arguments.max()!
        case .sumModulo10: return arguments.reduce(0, +) % 10
        case .median:
            let sorted = arguments.sorted()
            let count = sorted.count
            return (sorted[(count - 1) / 2] + sorted[count / 2]) / 2
        }
    }
}

/// A multiset of digits 0…9 with fewer than 256 of each, kept as counts (no allocation): the arguments
/// of one operator while its tree is generated.
private struct DigitCounts {
    private var counts = SIMD16<UInt8>()
    private var total = 0
    private var sum = 0

    mutating func add(_ digit: Int) {
        counts[digit] &+= 1
        total += 1
        sum += digit
    }

    /// The digit of rank `rank` (0-based) in sorted order.
    private func digit(ofRank rank: Int) -> Int {
        var seen = 0
        for digit in 0..<10 {
            seen += Int(counts[digit])
            if seen > rank { return digit }
        }
        preconditionFailure("rank \(rank) of \(total) digits")
    }

    /// The operator's value: as `Operator.apply`, from the counts.
    func value(of op: ListOpsTask.Operator) -> Int {
        switch op {
        case .minimum: digit(ofRank: 0)
        case .maximum: digit(ofRank: total - 1)
        case .median: (digit(ofRank: (total - 1) / 2) + digit(ofRank: total / 2)) / 2
        case .sumModulo10: sum % 10
        }
    }
}

/// A set of lengths `0 ..< limit` as a bit set, with the sums the reachability check needs.
private struct LengthSet {
    let limit: Int
    private var words: [UInt64]

    init(limit: Int) {
        self.limit = limit
        words = [UInt64](repeating: 0, count: (limit + 63) / 64)
    }

    mutating func insert(_ length: Int) {
        if length < limit { words[length / 64] |= 1 << UInt64(length % 64) }
    }

    func contains(_ length: Int) -> Bool {
        length < limit && words[length / 64] & (1 << UInt64(length % 64)) != 0
    }

    var elements: [Int] { (0..<limit).filter(contains) }

    /// Adds {x + shift : x ∈ other} below the limit.
    mutating func formUnion(_ other: LengthSet, shiftedBy shift: Int) {
        let wordShift = shift / 64, bitShift = UInt64(shift % 64)
        for index in stride(from: words.count - 1, through: wordShift, by: -1) {
            var word = other.words[index - wordShift] << bitShift
            if bitShift > 0, index - wordShift >= 1 { word |= other.words[index - wordShift - 1] >> (64 - bitShift) }
            words[index] |= word
        }
        if limit % 64 != 0 { words[words.count - 1] &= (1 << UInt64(limit % 64)) - 1 }
    }

    /// {x + y : x ∈ self, y ∈ other} below the limit.
    func sumset(with other: LengthSet) -> LengthSet {
        var result = LengthSet(limit: limit)
        for y in other.elements { result.formUnion(self, shiftedBy: y) }
        return result
    }
}

/// The validation and test trees of one `ListOpsTask`, generated once under a lock.
private final class HeldOutTrees: @unchecked Sendable {
    /// One stored tree (token ids fit a byte).
    struct Stored {
        var tokens: [UInt8]
        var label: UInt8
        var draws: Int

        var tree: ListOpsTask.Tree { ListOpsTask.Tree(tokens: tokens.map { Int32($0) }, label: Int(label), draws: draws) }
    }

    /// Both splits, and the set of every held-out tree's tokens.
    struct Trees {
        var validation: [Stored] = []
        var test: [Stored] = []
        var tokens: Set<[UInt8]> = []
    }

    private let lock = NSLock()
    private var trees: Trees?

    /// The trees, made by `make` on the first call (callers wait meanwhile); a failed `make` is retried.
    func get(_ make: () throws -> Trees) throws -> Trees {
        try lock.withLock {
            if let trees { return trees }
            let made = try make()
            trees = made
            return made
        }
    }
}
