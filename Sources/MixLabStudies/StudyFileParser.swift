import Foundation
import MixLabCore
import MixLabTasks
import MixLabTraining
import Yams

/// Turns the YAML of a study file into a `StudySpecification`, checking its structure and the name of
/// every key, and naming the file and line of every error.
///
/// YAML is parsed into a node tree (Yams, on libyaml), whose nodes carry their line; scalars are read
/// as the text written, never converted by YAML's type rules. Duplicate keys in a mapping are a YAML
/// error and reported as such.
struct StudyFileParser {
    /// The path of the file, for messages and the results file.
    let path: String

    func parse(_ yaml: String) throws -> StudySpecification {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw error(.invalidArgument, "the study file is empty", line: 1, fix: Self.example)
            }
            root = node
        } catch let yamlError as YamlError {
            throw translate(yamlError)
        }
        guard let top = root.mapping else {
            throw error(.invalidArgument, "the study file is not a mapping of keys", at: root, fix: Self.example)
        }
        for (key, _) in top {
            let name = try scalar(key, "a top-level key")
            guard StudySpecification.topLevelKeys.contains(name) else {
                throw error(
                    .unknownConfigKey, "there is no top-level key '\(name)' in a study file", at: key,
                    fix: "use: \(StudySpecification.topLevelKeys.joined(separator: ", ")) (run settings go under base:)")
            }
        }
        guard let nameNode = top["name"] else {
            throw error(.invalidArgument, "the study has no name", at: root, fix: "add a line such as `name: mixer-ablation`")
        }
        let name = try scalar(nameNode, "name")
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw error(.invalidArgument, "'\(name)' is not a valid study name", at: nameNode,
                        fix: "use lowercase letters, digits, '-' and '_' (e.g. mixer-ablation)")
        }
        let description = try top["description"].map { try scalar($0, "description") } ?? ""
        let base = try top["base"].map { try settings($0, "base") } ?? []
        guard let axesNode = top["axes"] else {
            throw error(.invalidArgument, "the study has no axes", at: root,
                        fix: "add the settings to sweep, e.g.\naxes:\n  - mixer: [fourier, dct]\n  - seed: [0, 1, 2]")
        }
        let axes = try parseAxes(axesNode)
        let exclusions = try top["exclude"].map(parseExclusions) ?? []
        var resultsFile: URL?
        if let resultsNode = top["results"] {
            let results = try scalar(resultsNode, "results")
            guard !results.isEmpty else {
                throw error(.invalidArgument, "results is empty", at: resultsNode, fix: "name a file, e.g. `results: results.jsonl`")
            }
            resultsFile = results.hasPrefix("/")
                ? URL(fileURLWithPath: results)
                : StudySpecification.folder(of: path).appendingPathComponent(results)
        }
        let report = try top["report"].map(parseReport) ?? StudyReportSettings()
        return StudySpecification(
            path: path, name: name, description: description, base: base, axes: axes, exclusions: exclusions,
            resultsFile: resultsFile, report: report)
    }

    // MARK: - Sections

    private func parseAxes(_ node: Node) throws -> [StudyAxis] {
        guard let items = node.sequence else {
            throw error(.invalidArgument, "axes is not a list", at: node,
                        fix: "write each axis as a list item: `  - seed: [0, 1, 2]`")
        }
        guard !items.isEmpty else {
            throw error(.invalidArgument, "axes is empty: the grid has no cells", at: node,
                        fix: "add at least one axis, e.g. `  - seed: [0]`")
        }
        var axes: [StudyAxis] = []
        for item in items {
            guard let mapping = item.mapping, mapping.count == 1, let (keyNode, valuesNode) = mapping.first.map({ ($0.key, $0.value) }) else {
                throw error(.invalidArgument, "an axis must be one `key: [values]` item", at: item,
                            fix: "write one axis per list item, e.g. `  - mixer: [fourier, dct]`")
            }
            let key = try settingKey(keyNode)
            if let earlier = axes.first(where: { $0.key == key }) {
                throw error(.invalidArgument, "the axis '\(key)' is given twice (first on line \(earlier.line))", at: keyNode,
                            fix: "merge the two into one list of values")
            }
            guard let valueNodes = valuesNode.sequence else {
                throw error(.invalidArgument, "the values of axis '\(key)' are not a list", at: valuesNode,
                            fix: "write them as a list, e.g. `\(key): [a, b]` (a single value belongs under base:)")
            }
            guard !valueNodes.isEmpty else {
                throw error(.invalidArgument, "the axis '\(key)' has no values: the grid has no cells", at: valuesNode,
                            fix: "give at least one value, or remove the axis")
            }
            var values: [StudyAxis.Value] = []
            for valueNode in valueNodes {
                if let attached = valueNode.mapping {
                    guard attached.count == 1, let entry = attached.first else {
                        throw error(.invalidArgument, "a value of axis '\(key)' with settings must be one `value: {settings}` item", at: valueNode,
                                    fix: "write e.g. `- attention: {mixer.heads: 4}`")
                    }
                    let value = try scalar(entry.key, "a value of axis '\(key)'")
                    let extra = try settings(entry.value, "the settings of \(key)=\(value)")
                    if let clash = extra.first(where: { $0.key == key }) {
                        throw error(.invalidArgument, "\(key)=\(value) attaches a setting of its own key '\(key)'", line: clash.line,
                                    fix: "remove it: the value of the axis is \(value)")
                    }
                    values.append(StudyAxis.Value(value: value, line: line(entry.key), attached: extra))
                } else {
                    values.append(StudyAxis.Value(value: try scalar(valueNode, "a value of axis '\(key)'"), line: line(valueNode)))
                }
            }
            axes.append(StudyAxis(key: key, line: line(keyNode), values: values))
        }
        return axes
    }

    private func parseReport(_ node: Node) throws -> StudyReportSettings {
        guard let mapping = node.mapping else {
            throw error(.invalidArgument, "report is not a mapping", at: node,
                        fix: "write e.g.\nreport:\n  baseline: mixer=attention\n  metric: test-accuracy")
        }
        var report = StudyReportSettings()
        for (keyNode, valueNode) in mapping {
            let key = try scalar(keyNode, "a report key")
            let value = try scalar(valueNode, "report \(key)")
            switch key {
            case "metric":
                guard let metric = ReportMetric(rawValue: value) else {
                    throw error(.invalidConfigValue, "there is no report metric '\(value)'", at: valueNode,
                                fix: "use one of: \(ReportMetric.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                report.metric = metric
            case "baseline":
                guard let equals = value.firstIndex(of: "="), equals != value.startIndex, value.index(after: equals) != value.endIndex else {
                    throw error(.invalidConfigValue, "baseline '\(value)' is not key=value", at: valueNode,
                                fix: "name the baseline configuration, e.g. `baseline: mixer=attention`")
                }
                report.baselineKey = try settingKey(String(value[..<equals]), at: valueNode)
                report.baselineValue = String(value[value.index(after: equals)...])
            case "x":
                report.xKey = try settingKey(valueNode)
            case "confidence":
                guard let level = Double(value), level > 0, level < 1 else {
                    throw error(.invalidConfigValue, "confidence \(value) is not a level in (0, 1)", at: valueNode,
                                fix: "write e.g. `confidence: 0.95`")
                }
                report.confidence = level
            default:
                throw error(.unknownConfigKey, "there is no report key '\(key)'", at: keyNode,
                            fix: "use: metric, baseline, x, confidence")
            }
        }
        return report
    }

    private func parseExclusions(_ node: Node) throws -> [StudyExclusion] {
        guard let items = node.sequence else {
            throw error(.invalidArgument, "exclude is not a list", at: node,
                        fix: "write one rule per list item, e.g. `  - {mixer: attention, task.length: 8192}`")
        }
        return try items.map { item in
            guard let mapping = item.mapping, !mapping.isEmpty else {
                throw error(.invalidArgument, "an exclude rule must be a mapping of settings", at: item,
                            fix: "write e.g. `  - {mixer: attention, seed: [3, 4]}`")
            }
            let conditions = try mapping.map { keyNode, valueNode -> StudyExclusion.Condition in
                let key = try settingKey(keyNode)
                if let list = valueNode.sequence {
                    guard !list.isEmpty else {
                        throw error(.invalidArgument, "the exclude condition '\(key)' lists no values", at: valueNode,
                                    fix: "give the values to leave out, e.g. `\(key): [a, b]`")
                    }
                    return .init(key: key, values: try list.map { try scalar($0, "a value of exclude condition '\(key)'") })
                }
                return .init(key: key, values: [try scalar(valueNode, "exclude condition '\(key)'")])
            }
            return StudyExclusion(line: line(item), conditions: conditions)
        }
    }

    /// A mapping of run settings (`base:` or the settings attached to an axis value).
    private func settings(_ node: Node, _ what: String) throws -> [StudySetting] {
        guard let mapping = node.mapping else {
            throw error(.invalidArgument, "\(what) is not a mapping of run settings", at: node,
                        fix: "write settings as `key: value` lines (or `{key: value, …}`)")
        }
        return try mapping.map { keyNode, valueNode in
            let key = try settingKey(keyNode)
            return StudySetting(key: key, value: try scalar(valueNode, "\(key)"), line: line(valueNode))
        }
    }

    // MARK: - Scalars and keys

    /// A run setting key: one of `RunConfiguration.keys` or a dotted `task.` / `mixer.` / `attention.` key.
    private func settingKey(_ node: Node) throws -> String {
        try settingKey(try scalar(node, "a setting key"), at: node)
    }

    /// `key` if it is a run setting; an error at `node` otherwise.
    private func settingKey(_ key: String, at node: Node) throws -> String {
        let known = RunConfiguration.keys.contains { $0.name == key }
            || RunConfiguration.prefixes.contains { key.hasPrefix($0) && key.count > $0.count }
        guard known else {
            throw error(
                .unknownConfigKey, "there is no run setting '\(key)'", at: node,
                fix: "use one of: \(RunConfiguration.keys.map(\.name).joined(separator: ", ")), or task.KEY / mixer.KEY / attention.KEY")
        }
        return key
    }

    /// The text of a scalar node; lists, mappings and empty values are errors.
    private func scalar(_ node: Node, _ what: String) throws -> String {
        guard let scalar = node.scalar else {
            throw error(.invalidArgument, "\(what) must be a single value, not a \(node.sequence != nil ? "list" : "mapping")", at: node,
                        fix: "write one value (quote it if it contains ': ' or starts with '[' or '{'); to sweep several values, "
                            + "make the setting an axis: `axes: [{KEY: [a, b]}]`")
        }
        if scalar.style == .plain, node.null != nil {
            throw error(.invalidArgument, "\(what) has no value", at: node, fix: "write a value after the colon")
        }
        return scalar.string
    }

    // MARK: - Errors

    private func line(_ node: Node) -> Int { node.mark?.line ?? 1 }

    private func error(_ code: MixLabError.Code, _ what: String, at node: Node, fix: String) -> MixLabError {
        error(code, what, line: line(node), fix: fix)
    }

    private func error(_ code: MixLabError.Code, _ what: String, line: Int, fix: String) -> MixLabError {
        MixLabError(code, what: what, location: "\(path):\(line)", fix: fix)
    }

    private func translate(_ yamlError: YamlError) -> MixLabError {
        let fix = "fix the YAML syntax (indent with spaces; quote values that contain ': ')"
        switch yamlError {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return MixLabError(.invalidArgument, what: "the study file is not valid YAML: \(problem)",
                               location: "\(path):\(mark.line):\(mark.column)", fix: fix)
        case let .duplicatedKeysInMapping(duplicates, context):
            return MixLabError(.invalidArgument, what: "a key is given twice in one mapping: \(duplicates.joined(separator: ", "))",
                               location: "\(path):\(context.mark.line)", fix: "keep one of them")
        default:
            return MixLabError(.invalidArgument, what: "the study file is not valid YAML: \(yamlError)", location: path, fix: fix)
        }
    }

    private static let example = """
        start from this shape:
        name: my-study
        base: {task: parity, steps: 200}
        axes:
          - mixer: [fourier, dct]
          - seed: [0, 1, 2]
        """
}
