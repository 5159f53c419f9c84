import Foundation
import MixLabCore

/// A task's registry entry: its name, a one-line summary, its settings, and a factory.
public struct TaskRegistration: Sendable {
    /// The registry name, e.g. `listops`.
    public var name: String
    /// What the task tests, in one line (shown by `mixlab tasks`).
    public var summary: String
    /// Sequence- or token-level labels.
    public var labelKind: TaskLabelKind
    /// Every setting the task accepts.
    public var keys: [TaskSettingKey]
    /// Builds the task from validated settings (unknown keys are rejected before this is called).
    public var make: @Sendable (TaskSettings) throws -> any LearningTask

    /// A registration from its parts.
    public init(
        name: String, summary: String, labelKind: TaskLabelKind, keys: [TaskSettingKey],
        make: @escaping @Sendable (TaskSettings) throws -> any LearningTask
    ) {
        self.name = name
        self.summary = summary
        self.labelKind = labelKind
        self.keys = keys
        self.make = make
    }
}

/// Maps task names to factories; open to tasks defined outside MixLab.
public final class TaskRegistry: @unchecked Sendable {
    /// The registry the CLI and studies use, with MixLab's tasks registered.
    public static let shared: TaskRegistry = {
        let registry = TaskRegistry()
        for registration in BuiltinTasks.registrations {
            try! registry.register(registration)
        }
        return registry
    }()

    private let lock = NSLock()
    private var byName: [String: TaskRegistration] = [:]

    /// An empty registry.
    public init() {}

    /// Every registration, sorted by name.
    public var registrations: [TaskRegistration] {
        lock.withLock { byName.values.sorted { $0.name < $1.name } }
    }

    /// The registered names, sorted.
    public var names: [String] { registrations.map(\.name) }

    /// Adds a task.
    ///
    /// - Throws: `MixLabError.invalidArgument` when the name is taken or not a lowercase identifier.
    public func register(_ registration: TaskRegistration) throws {
        let name = registration.name
        guard !name.isEmpty, name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw MixLabError(
                .invalidArgument, what: "'\(name)' is not a valid task name", location: "TaskRegistry.register",
                fix: "use lowercase letters, digits, '-' and '_' (e.g. my-task)")
        }
        try lock.withLock {
            guard byName[name] == nil else {
                throw MixLabError(
                    .invalidArgument, what: "a task named '\(name)' is already registered",
                    location: "TaskRegistry.register", fix: "choose another name, e.g. '\(name)-2'")
            }
            byName[name] = registration
        }
    }

    /// The registration for `name`.
    ///
    /// - Throws: `MixLabError.invalidArgument` listing the registered names.
    public func registration(named name: String) throws -> TaskRegistration {
        if let found = lock.withLock({ byName[name] }) { return found }
        throw MixLabError(
            .invalidArgument, what: "no task is registered as '\(name)'", location: "task name",
            fix: "use one of: \(names.joined(separator: ", ")) (see `mixlab tasks`)")
    }

    /// Makes the task `name` with `values`, after rejecting unknown keys.
    ///
    /// - Throws: `invalidArgument` for an unknown task, `unknownConfigKey` (listing the accepted keys), or
    ///   the factory's errors.
    public func make(_ name: String, settings values: [String: String] = [:]) throws -> any LearningTask {
        let registration = try registration(named: name)
        let known = Set(registration.keys.map(\.name))
        if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            let accepted = registration.keys.map(\.name).joined(separator: ", ")
            throw MixLabError(
                .unknownConfigKey, what: "task '\(name)' has no setting '\(unknown)'", location: "task \(name)",
                fix: accepted.isEmpty ? "remove it: '\(name)' takes no settings" : "use one of: \(accepted)")
        }
        return try registration.make(TaskSettings(task: name, values))
    }
}
