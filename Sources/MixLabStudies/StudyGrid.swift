import MixLabCore
import MixLabMixers
import MixLabModels
import MixLabTasks
import MixLabTraining

/// The cells of a study: the Cartesian product of its axes, minus excluded cells, each checked
/// against `RunConfiguration` and the task and mixer registries before anything runs.
///
/// **Order.** Cells are numbered like nested loops over the axes as written, the first axis outermost
/// (varying slowest) and the last innermost: for `mixer: [a, b]` then `seed: [0, 1]` the order is
/// a/0, a/1, b/0, b/1. Excluded cells are removed and the rest renumbered 0, 1, 2, …; shards take
/// cells by this index. The order depends only on the study file.
///
/// **Checks.** For each cell: its settings parse as a `RunConfiguration` (values in range, hybrid
/// layers within the layer count, warm-up shorter than training…); its task and mixer are
/// registered; every `task.*`, `mixer.*` and `attention.*` key is one the task, the mixer or the
/// attention layers accept, and values of settings with a fixed list of choices are among them.
/// Other values of task and mixer settings (sizes, ranges) are checked when a run builds its task and
/// model. Errors name the file and the line of the setting at fault, and the cell. The IDs must be
/// unique (two identical cells are an error), every exclude rule must remove at least one cell, and
/// the grid must not be empty. Settings that are valid but do nothing in some cells (`attention.*`
/// where there are no hybrid attention layers; with `mixer=attention` the heads are `mixer.heads`) are
/// reported in `warnings`.
///
/// Cost: O(cells × settings) string work and one `RunConfiguration` per cell; nothing is built.
public struct StudyGrid: Sendable {
    /// The study.
    public let specification: StudySpecification
    /// The cells in grid order.
    public let cells: [StudyCell]
    /// Settings that are valid but have no effect in some cells, for the user (at most one per kind).
    public let warnings: [String]

    /// Expands and checks the grid of `specification`.
    ///
    /// - Throws: `MixLabError` (`unknownConfigKey`, `unknownMixer`, `invalidConfigValue`,
    ///   `invalidArgument`) naming the file, the line and the cell.
    public init(_ specification: StudySpecification, tasks: TaskRegistry = .shared, mixers: MixerRegistry = .shared) throws {
        self.specification = specification
        let path = specification.path
        let defaults = RunConfiguration().settings
        var cells: [StudyCell] = []
        var cellOfID: [String: (cell: StudyCell, canonical: [String: String])] = [:]
        var exclusionUsed = [Bool](repeating: false, count: specification.exclusions.count)
        var warnings: [String] = []
        var warnedAboutAttention = false
        let combinations = specification.axes.reduce(1) { $0 * $1.values.count }

        for combination in 0..<combinations {
            // Mixed-radix digits of `combination`, the last axis fastest.
            var digits = [Int](repeating: 0, count: specification.axes.count)
            var rest = combination
            for axis in specification.axes.indices.reversed() {
                digits[axis] = rest % specification.axes[axis].values.count
                rest /= specification.axes[axis].values.count
            }
            var sources = Dictionary(uniqueKeysWithValues: specification.base.map { ($0.key, $0) })
            var axisSettings: [StudySetting] = []
            for (axis, digit) in zip(specification.axes, digits) {
                let value = axis.values[digit]
                for setting in [StudySetting(key: axis.key, value: value.value, line: value.line)] + value.attached {
                    if let earlier = axisSettings.first(where: { $0.key == setting.key }) {
                        throw MixLabError(
                            .invalidArgument,
                            what: "\(setting.key) is set twice in one cell: \(earlier.text) (line \(earlier.line)) and \(setting.text)",
                            location: "\(path):\(setting.line)",
                            fix: "sweep \(setting.key) on one axis only, or attach it to the values of one axis")
                    }
                    axisSettings.append(setting)
                    sources[setting.key] = setting
                }
            }
            let given = sources.values.sorted { $0.key < $1.key }
            let label = axisSettings.map(\.text).joined(separator: " ")

            // Exclusions compare canonical values, defaults included.
            func value(of key: String) -> String? {
                if let source = sources[key] { return Self.canonical(key, source.value) }
                return defaults[key] ?? RunConfiguration.keys.first { $0.name == key }?.defaultValue
            }
            var excluded = false
            for (rule, exclusion) in specification.exclusions.enumerated()
            where exclusion.conditions.allSatisfy({ condition in
                condition.values.map { Self.canonical(condition.key, $0) }.contains(value(of: condition.key) ?? "")
            }) {
                exclusionUsed[rule] = true
                excluded = true
            }
            if excluded { continue }

            let cellDescription = "cell \(cells.count): \(label)"
            let configuration: RunConfiguration
            do {
                configuration = try RunConfiguration(settings: sources.mapValues(\.value), location: cellDescription)
            } catch let error as MixLabError {
                throw MixLabError(error.code, what: error.what, location: Self.locate(error, in: given, path: path, cell: cellDescription),
                                  fix: error.fix)
            }
            try Self.checkRegistries(configuration, sources: sources, path: path, cell: cellDescription, tasks: tasks, mixers: mixers)

            let canonicalSettings = Dictionary(uniqueKeysWithValues: given.map { ($0.key, configuration.settings[$0.key] ?? $0.value) })
            let id = StudyCell.identifier(canonicalSettings: canonicalSettings)
            let cell = StudyCell(index: cells.count, id: id, sources: given, axisSettings: axisSettings, configuration: configuration)
            if let (twin, twinSettings) = cellOfID[id] {
                let same = twinSettings == canonicalSettings
                throw MixLabError(
                    .invalidArgument,
                    what: same
                        ? "cells \(twin.index) (\(twin.label)) and \(cell.index) (\(cell.label)) have the same settings"
                        : "cells \(twin.index) and \(cell.index) have the same ID \(id) (a hash collision)",
                    location: "\(path):\(axisSettings.last?.line ?? 1)",
                    fix: same ? "remove the repeated axis value" : "add a setting that tells them apart (e.g. a different seed) and report the collision")
            }
            cellOfID[id] = (cell, canonicalSettings)
            let attentionMixer = EncoderConfiguration().attentionMixer
            if configuration.attentionLayers == 0, !configuration.attentionSettings.isEmpty, !warnedAboutAttention {
                warnedAboutAttention = true
                let keys = configuration.attentionSettings.keys.sorted().map { "attention.\($0)" }
                warnings.append(
                    "\(path):\(sources[keys[0]]?.line ?? 1): \(keys.joined(separator: ", ")) has no effect in cells without hybrid attention layers (attention-layers=0), e.g. cell \(cell.index) (\(cell.label))"
                        + (configuration.mixer == attentionMixer
                            ? "; with mixer=\(attentionMixer) every layer is configured by mixer.* (e.g. mixer.heads)" : ""))
            }
            cells.append(cell)
        }
        for (rule, used) in exclusionUsed.enumerated() where !used {
            let exclusion = specification.exclusions[rule]
            throw MixLabError(
                .invalidArgument,
                what: "the exclude rule {\(exclusion.conditions.map { "\($0.key): \($0.values.joined(separator: "|"))" }.joined(separator: ", "))} matches no cell",
                location: "\(path):\(exclusion.line)",
                fix: "check its keys and values against the axes (a typo would exclude nothing), or remove it")
        }
        guard !cells.isEmpty else {
            throw MixLabError(
                .invalidArgument, what: "the grid is empty: the exclude rules remove all \(combinations) cells",
                location: "\(path):\(specification.exclusions.first?.line ?? 1)", fix: "loosen the exclude rules")
        }
        self.cells = cells
        self.warnings = warnings
    }

    /// The cells of `shard`, in grid order.
    public func cells(in shard: StudyShard) -> [StudyCell] {
        cells.filter { $0.belongs(to: shard) }
    }

    /// The cell with ID `id`, if the grid has one.
    public func cell(withID id: String) -> StudyCell? {
        cells.first { $0.id == id }
    }

    // MARK: - Checks

    /// `value` in `RunConfiguration`'s canonical form when it parses on its own, else as written.
    static func canonical(_ key: String, _ value: String) -> String {
        // Settings that lift the cross-key limits (warm-up below steps, hybrid layers within layers).
        var settings = ["schedule": "constant", "layers": "1024"]
        settings[key] = value
        return (try? RunConfiguration(settings: settings))?.settings[key] ?? value
    }

    /// `file:line (cell …)` of the setting a `RunConfiguration` error is about: the message of every
    /// value error starts with `key=`; for one that names two keys, the first key the cell gives.
    private static func locate(_ error: MixLabError, in given: [StudySetting], path: String, cell: String) -> String {
        let blamed = given.filter { error.what.hasPrefix("\($0.key)=") }.max { $0.key.count < $1.key.count }
            ?? given.first { error.what.contains("\($0.key)=") }
        return "\(path):\(blamed?.line ?? 1) (\(cell))"
    }

    private static func checkRegistries(
        _ configuration: RunConfiguration, sources: [String: StudySetting], path: String, cell: String,
        tasks: TaskRegistry, mixers: MixerRegistry
    ) throws {
        func location(_ key: String) -> String {
            if let source = sources[key] { return "\(path):\(source.line) (\(cell))" }
            return "\(path) (\(cell), \(key) not set: the default \(key) is \(RunConfiguration.keys.first { $0.name == key }?.defaultValue ?? "?"))"
        }
        // The task.
        let task: TaskRegistration
        do { task = try tasks.registration(named: configuration.task) } catch let error as MixLabError {
            throw MixLabError(
                .invalidArgument, what: error.what, location: location("task"),
                fix: tasks.names.isEmpty ? "no task is registered in this build of MixLab: register one with TaskRegistry.register" : error.fix)
        }
        try checkFamily("task.", configuration.taskSettings, owner: "task '\(task.name)'", keys: task.keys,
                        sources: sources, location: location)
        // The mixer of the non-attention layers.
        let mixer: MixerRegistration
        do { mixer = try mixers.registration(named: configuration.mixer) } catch let error as MixLabError {
            throw MixLabError(.unknownMixer, what: error.what, location: location("mixer"), fix: error.fix)
        }
        try checkFamily("mixer.", configuration.mixerSettings, owner: "mixer '\(mixer.name)'", keys: mixer.keys,
                        sources: sources, location: location)
        // The attention layers of a hybrid.
        if configuration.attentionLayers > 0 || !configuration.attentionSettings.isEmpty {
            let attentionName = EncoderConfiguration().attentionMixer
            let attention: MixerRegistration
            do { attention = try mixers.registration(named: attentionName) } catch let error as MixLabError {
                let key = sources["attention-layers"] != nil ? "attention-layers" : sources.keys.sorted().first { $0.hasPrefix("attention.") } ?? "attention-layers"
                throw MixLabError(.unknownMixer, what: error.what, location: location(key), fix: error.fix)
            }
            try checkFamily("attention.", configuration.attentionSettings, owner: "the attention layers", keys: attention.keys,
                            sources: sources, location: location)
        }
    }

    /// Checks that each `prefix`-key is one `keys` accepts, and that values of keys whose allowed
    /// values are a plain list of choices (`a|b|c`) are one of them.
    private static func checkFamily(
        _ prefix: String, _ values: [String: String], owner: String, keys: [MixerConfigurationKey],
        sources: [String: StudySetting], location: (String) -> String
    ) throws {
        for key in values.keys.sorted() {
            guard let accepted = keys.first(where: { $0.name == key }) else {
                let names = keys.map(\.name)
                throw MixLabError(
                    .unknownConfigKey, what: "\(owner) has no setting '\(key)' (\(prefix)\(key))", location: location(prefix + key),
                    fix: names.isEmpty
                        ? "remove it: \(owner) takes no settings (attach settings to one axis value: `- name: {\(prefix)KEY: VALUE}`)"
                        : "use one of: \(names.map { prefix + $0 }.joined(separator: ", ")) (settings that only one axis value takes go beside it: `- name: {\(prefix)KEY: VALUE}`)")
            }
            let value = values[key]!
            guard let choices = Self.choices(accepted.allowed), !choices.contains(value) else { continue }
            if choices == ["true", "false"], (try? SettingValues.boolean(value, key: key, default: false, location: "")) != nil { continue }
            throw MixLabError(
                .invalidConfigValue, what: "\(prefix)\(key)=\(value) is not allowed for \(owner)", location: location(prefix + key),
                fix: "use one of: \(choices.joined(separator: ", "))")
        }
    }

    /// The choices of an `allowed` text that is a plain list like `sequence|hidden|both`, else nil.
    static func choices(_ allowed: String) -> [String]? {
        let choices = allowed.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let plain = choices.count >= 2 && choices.allSatisfy { choice in
            !choice.isEmpty && choice.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
        return plain ? choices : nil
    }
}
