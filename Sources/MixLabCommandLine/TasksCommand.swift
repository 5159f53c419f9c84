import ArgumentParser
import Foundation
import MixLab

/// `mixlab tasks`: the registered tasks and their settings; `mixlab tasks show NAME`: a few examples.
struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "List the registered tasks and their settings, or show examples of one.",
        subcommands: [TasksListCommand.self, TasksShowCommand.self, TasksRenderCommand.self], defaultSubcommand: TasksListCommand.self)
}

/// `mixlab tasks [list]`: every registered task with its label kind, summary and settings.
struct TasksListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the registered tasks with their settings (key, default, allowed values, meaning).")

    func run() throws {
        print(Self.listing(TaskRegistry.shared))
    }

    /// For each task: `name  (label kind)  summary`, then an indented, left-aligned table of its settings.
    static func listing(_ registry: TaskRegistry) -> String {
        registry.registrations.map { registration in
            let header = "\(registration.name)  (\(registration.labelKind.rawValue) labels)  \(registration.summary)"
            guard !registration.keys.isEmpty else { return header + "\n    no settings" }
            let rows = [["key", "default", "allowed", "meaning"]]
                + registration.keys.map { [$0.name, $0.defaultValue, $0.allowed, $0.summary] }
            let widths = (0..<3).map { column in rows.map { $0[column].count }.max()! }
            let lines = rows.map { cells in
                "    " + (0..<3).map { cells[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) + "  " }.joined() + cells[3]
            }
            return ([header] + lines).joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}

/// `mixlab tasks show NAME`: a task's resolved settings and a few decoded examples with their labels, or
/// statistics over many examples (`--stats`).
struct TasksShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a task's settings and a few decoded examples with their labels.",
        discussion: """
            Examples:
              mixlab tasks show listops --set preset=tiny
              mixlab tasks show reversal --set length=8 --split validation --count 2
              mixlab tasks show listops --set preset=lra --count 200 --stats
              mixlab tasks show pathfinder --set difficulty=easy --count 1000 --stats
            --stats prints label and length statistics and the generation speed instead of the examples.
            Pictures of image tasks (pathfinder): `mixlab tasks render`.
            """)

    @Argument(help: "The registered task name (see `mixlab tasks`).")
    var name: String

    @Option(name: .customLong("set"), help: "A task setting key=value (repeatable), e.g. --set preset=tiny.")
    var settings: [String] = []

    @Option(help: "The split: train, validation or test.")
    var split: String = "train"

    @Option(help: "How many examples.")
    var count: Int = 3

    @Option(help: "The index of the first example.")
    var start: Int = 0

    @Flag(help: "Print statistics over the examples (labels, lengths, speed) instead of the examples.")
    var stats = false

    func run() throws {
        print(try Self.render(name: name, settings: settings, split: split, count: count, start: start, stats: stats))
    }

    /// The text `show` prints.
    ///
    /// - Throws: `MixLabError` for an unknown task or setting, a bad split, count or start, or an index past
    ///   the end of the split.
    static func render(name: String, settings: [String], split splitName: String, count: Int, start: Int, stats: Bool) throws -> String {
        guard let split = TaskSplit(rawValue: splitName) else {
            throw MixLabError(
                .invalidArgument, what: "--split \(splitName) is not a split", location: "mixlab tasks show",
                fix: "use one of: \(TaskSplit.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard count >= 1, start >= 0 else {
            throw MixLabError(
                .invalidArgument, what: "--count \(count) --start \(start) select no examples", location: "mixlab tasks show",
                fix: "use --count ≥ 1 and --start ≥ 0")
        }
        let values = try TaskSettings(task: name, parsing: settings).values
        let task = try TaskRegistry.shared.make(name, settings: values)
        let available = task.count(split)
        guard start + count <= available else {
            throw MixLabError(
                .invalidArgument,
                what: "examples \(start)..<\(start + count) run past the \(split.rawValue) split (\(available) examples)",
                location: "mixlab tasks show", fix: "lower --start or --count, or raise the split size (--set \(split.rawValue)-size=N)")
        }
        var lines = [
            "\(task.name)  (\(task.labelKind.rawValue) labels, \(task.classes) classes, vocabulary \(task.vocabulary.size), "
                + "sequence length \(task.sequenceLength))",
            "settings: " + task.settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
            "splits: " + TaskSplit.allCases.map { "\($0.rawValue) \(task.count($0))" }.joined(separator: ", "),
            "",
        ]
        if stats {
            lines += try statistics(of: task, split: split, indices: start..<(start + count))
        } else {
            for index in start..<(start + count) {
                lines += describe(try task.example(in: split, at: index), of: task, title: "\(split.rawValue)[\(index)]")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One example: its tokens, and its label (sequence tasks) or per-token labels aligned under the
    /// tokens (token tasks; `·` marks positions that are not scored).
    static func describe(_ example: TaskExample, of task: any LearningTask, title: String) -> [String] {
        func className(_ label: Int32) -> String {
            label >= 0 && Int(label) < task.classNames.count ? task.classNames[Int(label)] : "<\(label)?>"
        }
        let tokens = example.tokens.map { task.vocabulary.decode([$0]) }
        switch task.labelKind {
        case .sequence:
            return ["\(title)  label \(className(example.labels[0]))  (\(tokens.count) tokens)", "  " + tokens.joined(separator: " "), ""]
        case .pair:
            let second = (example.pairedTokens ?? []).map { task.vocabulary.decode([$0]) }
            return ["\(title)  label \(className(example.labels[0]))  (\(tokens.count) + \(second.count) tokens)",
                    "  first:  " + tokens.joined(separator: " "), "  second: " + second.joined(separator: " "), ""]
        case .token:
            let labels = example.labels.map { $0 == TaskExample.ignoredLabel ? "·" : className($0) }
            let widths = zip(tokens, labels).map { max($0.count, $1.count) }
            func aligned(_ cells: [String]) -> String {
                let padded = zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " ")
                return String(padded.reversed().drop(while: { $0 == " " }).reversed())
            }
            return ["\(title)  (\(tokens.count) tokens)", "  tokens: " + aligned(tokens), "  labels: " + aligned(labels), ""]
        }
    }

    /// Label frequencies, lengths and generation speed over `indices` (the first example is timed apart:
    /// it may build state, e.g. ListOps's held-out trees).
    static func statistics(of task: any LearningTask, split: TaskSplit, indices: Range<Int>) throws -> [String] {
        var labelCounts = [Int](repeating: 0, count: task.classes)
        var ignored = 0
        var lengths: [Int] = []
        var seconds: [Double] = []
        for index in indices {
            let begin = DispatchTime.now().uptimeNanoseconds
            let example = try task.example(in: split, at: index)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
            lengths.append(example.tokens.count)
            for label in example.labels {
                if label == TaskExample.ignoredLabel { ignored += 1 } else { labelCounts[Int(label)] += 1 }
            }
        }
        let scored = labelCounts.reduce(0, +)
        var lines = ["\(indices.count) \(split.rawValue) examples from index \(indices.lowerBound):"]
        let meanLength = Double(lengths.reduce(0, +)) / Double(lengths.count)
        lines.append("  length: min \(lengths.min()!), mean \(formatted(meanLength, digits: 1)), max \(lengths.max()!)")
        lines.append("  labels (\(scored) scored\(task.labelKind == .token ? ", \(ignored) not scored" : "")):")
        for (label, count) in labelCounts.enumerated() where count > 0 || task.classes <= 16 {
            lines.append("    \(task.classNames[label].padding(toLength: 12, withPad: " ", startingAt: 0)) "
                         + "\(count)  (\(formatted(100 * Double(count) / Double(max(scored, 1)), digits: 1)) %)")
        }
        if let listops = task as? ListOpsTask {
            let draws = try indices.map { try listops.tree(in: split, at: $0).draws }
            let total = draws.reduce(0, +)
            lines.append("  trees drawn per kept tree: \(formatted(Double(total) / Double(draws.count), digits: 2)) "
                         + "(kept \(formatted(100 * Double(draws.count) / Double(total), digits: 2)) % of draws)")
        }
        if let pathfinder = task as? PathfinderTask {
            let scenes = try indices.map { try pathfinder.scene(in: split, at: $0) }
            let draws = scenes.map(\.draws)
            let distractors = scenes.map(\.distractorPaths)
            let attempted = pathfinder.geometry.distractorDashes / max(1, pathfinder.difficulty.pathDashes / 3)
            lines.append("  target path pairs drawn per image: mean \(formatted(Double(draws.reduce(0, +)) / Double(draws.count), digits: 2)), "
                         + "max \(draws.max()!)")
            lines.append("  distractor paths per image: mean \(formatted(Double(distractors.reduce(0, +)) / Double(distractors.count), digits: 2)) "
                         + "of \(attempted) attempted")
        }
        lines.append("  first example: \(formatted(seconds[0] * 1e3, digits: 2)) ms")
        if seconds.count > 1 {
            let rest = seconds.dropFirst().reduce(0, +)
            lines.append("  then: \(formatted(Double(seconds.count - 1) / rest, digits: 0)) examples/s "
                         + "(\(formatted(rest / Double(seconds.count - 1) * 1e6, digits: 1)) µs each, one thread)")
        }
        return lines
    }
}
