import Foundation
import MixLabCore
import MixLabTasks
import MixLabTraining

/// Aggregates a study's run records over seeds and turns them into tables and plots a paper can cite.
///
/// Runs are grouped by every setting that varies across the records except `seed` (and `threads`,
/// which changes speed, not results); each group is one configuration measured on several seeds. For
/// each group the report gives the mean, the sample standard deviation and a confidence interval of the
/// chosen metric, chosen by the metric's `ReportMetric.Scale`: for proportions (accuracy, macro-F1) a
/// logit-scale interval that includes the evaluation set's sampling error (`ProportionInterval`), for
/// positive costs a log-scale interval (`LogScaleInterval`), otherwise Student's (`SampleSummary`).
///
/// When a baseline is named (e.g. `mixer=attention`), each configuration is compared with the group
/// that differs only in that key (`MeanComparison`: paired by seed over shared seeds, Welch otherwise;
/// for accuracies with the evaluation set's lower-bound variance): the difference with its interval,
/// the ratio to the baseline with its interval (`RatioInterval`), an effect size (Cohen's `d_z` or
/// Hedges' `g`), the p-value and its Holm adjustment over every comparison of the table
/// (`HolmAdjustment`), the minimum detectable difference for the study's seeds and the seeds the
/// observed difference would need (`MinimumDetectableDifference`).
///
/// Everything is a pure function of the records and the options: groups are ordered by their settings
/// (numbers numerically, in the order of `keyOrder`), so a report re-made from the same results file is
/// byte-identical whatever order shards appended their rows in.
public struct StudyReport: Sendable {
    /// What to report and how.
    public struct Options: Sendable {
        /// The metric of the main columns.
        public var metric = ReportMetric.testAccuracy
        /// The key and value of the baseline configuration, e.g. (`mixer`, `attention`).
        public var baseline: (key: String, value: String)?
        /// The confidence level of the intervals.
        public var confidence = 0.95
        /// The preferred order of the varying keys (e.g. the study's axes); others follow, sorted.
        public var keyOrder: [String] = []
        /// A numeric key to put on the x axis of the "metric vs x" and cost plots (e.g. `task.length`).
        public var xKey: String?
        /// The settings of every configuration the study plans (its grid's cells), when known. The keys
        /// along which the planned baseline configurations vary are then the conditions a baseline must
        /// share, so that a partly run study never compares a configuration with the baseline of another
        /// task; without them, the finished baselines decide (see `baselineGroup(for:)`).
        public var plannedConfigurations: [[String: String]] = []

        /// The defaults: test accuracy, 95 % intervals, no baseline, no x key.
        public init() {}
    }

    /// One configuration: its values of the varying keys and its runs by seed.
    public struct Group: Sendable {
        /// The configuration's value of each varying key.
        public let values: [String: String]
        /// The runs, by seed.
        public let runs: [UInt64: RunRecord]

        /// `key=value` pairs of the varying keys, in `keys` order, for legends.
        public func label(_ keys: [String]) -> String {
            keys.map { "\($0)=\(values[$0] ?? "")" }.joined(separator: " ")
        }
    }

    /// The options the report was made with.
    public let options: Options
    /// Keys whose value differs between groups, in display order.
    public let varyingKeys: [String]
    /// The varying keys shown as table columns and in legends: all but the settings attached to an
    /// axis value (a key outside `keyOrder` whose value is fixed by the value of one axis key, such as
    /// `mixer.heads` written with `mixer=attention`), which `attachedSettings` lists instead.
    public let displayKeys: [String]
    /// For each axis value that carries settings, those settings: `task=listops` → `task.preset=tiny`.
    public let attachedSettings: [(value: String, settings: String)]
    /// The configurations, in display order.
    public let groups: [Group]

    /// Groups `records` and checks them.
    ///
    /// - Throws: `MixLabError.invalidArgument` for no records, a record of another schema, a record
    ///   with a seed that is not a number (a record without one has the default seed 0), two records of one configuration with the same seed (a results file
    ///   merged twice), or a baseline or x key that does not vary in the study.
    public init(records: [RunRecord], options: Options = Options()) throws {
        let location = "study report"
        guard !records.isEmpty else {
            throw MixLabError(.invalidArgument, what: "there are no finished runs to report", location: location,
                              fix: "run the study first (`mixlab study run FILE`)")
        }
        if let other = records.first(where: { $0.schema != RunRecord.currentSchema }) {
            throw MixLabError(.invalidArgument, what: "a run record has schema '\(other.schema)'", location: location,
                              fix: "report results written by this MixLab version (\(RunRecord.currentSchema)), or re-run the study")
        }
        let ignored: Set<String> = ["seed", "threads"]
        let allKeys = Set(records.flatMap(\.settings.keys)).subtracting(ignored)
        let varying = allKeys.filter { key in Set(records.map { $0.settings[key] ?? "" }).count > 1 }
        let ordered = options.keyOrder.filter(varying.contains) + varying.subtracting(options.keyOrder).sorted()
        varyingKeys = ordered

        var byConfiguration: [[String]: [UInt64: RunRecord]] = [:]
        for record in records {
            guard let seed = UInt64(record.settings["seed"] ?? "0") else {  // an unset seed is the default, 0
                throw MixLabError(.invalidArgument, what: "a run record has a seed that is not a number", location: location,
                                  fix: "report records written by `mixlab train` or `mixlab study run`")
            }
            let key = ordered.map { record.settings[$0] ?? "" }
            if byConfiguration[key, default: [:]][seed] != nil {
                throw MixLabError(
                    .invalidArgument,
                    what: "two runs of \(zip(ordered, key).map { "\($0)=\($1)" }.joined(separator: " ")) have seed \(seed)",
                    location: location, fix: "remove the duplicate rows (`mixlab study merge` de-duplicates by cell)")
            }
            byConfiguration[key, default: [:]][seed] = record
        }
        groups = byConfiguration.keys.sorted(by: Self.settingsOrder).map { key in
            Group(values: Dictionary(uniqueKeysWithValues: zip(ordered, key)), runs: byConfiguration[key]!)
        }
        if let baseline = options.baseline {
            guard varying.contains(baseline.key) else {
                throw MixLabError(.invalidArgument, what: "the baseline key '\(baseline.key)' does not vary in this study",
                                  location: location, fix: "name a key that varies: \(ordered.joined(separator: ", "))")
            }
            guard groups.contains(where: { $0.values[baseline.key] == baseline.value }) else {
                throw MixLabError(.invalidArgument, what: "no run has \(baseline.key)=\(baseline.value)", location: location,
                                  fix: "use a value the study has: \(Set(groups.compactMap { $0.values[baseline.key] }).sorted().joined(separator: ", "))")
            }
        }
        if let xKey = options.xKey {
            guard varying.contains(xKey), groups.allSatisfy({ Double($0.values[xKey] ?? "") != nil }) else {
                throw MixLabError(.invalidArgument, what: "'\(xKey)' is not a numeric key that varies in this study",
                                  location: location, fix: "name a numeric varying key: \(ordered.joined(separator: ", "))")
            }
        }
        self.options = options
        let axisKeys = ordered.filter(options.keyOrder.contains)
        let allGroups = groups
        var parents: [String: String] = [:]
        for key in ordered where !axisKeys.contains(key) {
            if let parent = axisKeys.first(where: { Self.isDetermined(key, by: $0, in: allGroups) }) { parents[key] = parent }
        }
        displayKeys = ordered.filter { parents[$0] == nil }
        var notes: [(value: String, settings: String)] = []
        for parent in axisKeys {
            let children = ordered.filter { parents[$0] == parent }
            guard !children.isEmpty else { continue }
            var seen = Set<String>()
            for group in allGroups {
                let value = group.values[parent] ?? ""
                guard seen.insert(value).inserted else { continue }
                let settings = children.compactMap { key in group.values[key].flatMap { $0.isEmpty ? nil : "\(key)=\($0)" } }
                if !settings.isEmpty { notes.append(("\(parent)=\(value)", settings.joined(separator: ", "))) }
            }
        }
        attachedSettings = notes
    }

    /// Whether every value of `parent` comes with a single value of `key` across `groups`.
    static func isDetermined(_ key: String, by parent: String, in groups: [Group]) -> Bool {
        var seen: [String: String] = [:]
        for group in groups {
            let value = group.values[key] ?? ""
            if let earlier = seen.updateValue(value, forKey: group.values[parent] ?? ""), earlier != value { return false }
        }
        return true
    }

    /// Orders value lists element by element, numbers numerically.
    static func settingsOrder(_ a: [String], _ b: [String]) -> Bool {
        for (x, y) in zip(a, b) where x != y {
            if let u = Double(x), let v = Double(y) { return u < v }
            return x < y
        }
        return false
    }

    /// The summary of `metric` over a group's seeds (nil when no run has the metric).
    public func summary(_ group: Group, _ metric: ReportMetric) -> SampleSummary? {
        SampleSummary(values(group, metric), confidence: options.confidence)
    }

    /// The values of `metric` in a group's runs, in seed order.
    func values(_ group: Group, _ metric: ReportMetric) -> [Double] {
        group.runs.keys.sorted().compactMap { group.runs[$0].flatMap(metric.value) }
    }

    /// The smallest evaluation set of `metric` among a group's runs (nil when a run does not say).
    func evaluationSize(_ group: Group, _ metric: ReportMetric) -> Int? {
        let sizes = group.runs.values.map { metric.evaluationSize(in: $0) }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil }) else { return nil }
        return sizes.compactMap { $0 }.min()
    }

    /// The confidence interval of `metric` over a group's seeds, by the metric's scale: a
    /// `ProportionInterval` (with the evaluation set's size) for proportions, a `LogScaleInterval` for
    /// positive costs, a Student-t `SampleSummary` interval otherwise. Nil when there is none (no runs
    /// with the metric, or one run of a metric without an evaluation set).
    public func interval(_ group: Group, _ metric: ReportMetric) -> ClosedRange<Double>? {
        let values = values(group, metric)
        switch metric.scale {
        case .proportion:
            return ProportionInterval(values, evaluationSize: evaluationSize(group, metric), confidence: options.confidence)?.interval
        case .positive:
            return LogScaleInterval(values, confidence: options.confidence)?.interval
        case .real:
            return SampleSummary(values, confidence: options.confidence)?.interval
        }
    }

    /// The baseline group for `group`: the baseline configuration with the same values of the keys
    /// along which the baseline itself varies; nil for the baseline itself or when the study has no
    /// such configuration (yet).
    ///
    /// Keys the baseline configurations all share one value of are not conditions: settings attached
    /// to the baseline value (`mixer.heads` written with `mixer=attention`), or a key the study does not
    /// sweep for the baseline (`placement` when `attention-layers=0` runs only once per task). The
    /// baseline configurations are the planned ones (`Options.plannedConfigurations`) when given, else
    /// the finished ones — which, in a partly run study, may not yet vary along a key they will.
    public func baselineGroup(for group: Group) -> Group? {
        guard let baseline = options.baseline, group.values[baseline.key] != baseline.value else { return nil }
        let baselines = groups.filter { $0.values[baseline.key] == baseline.value }
        let planned = options.plannedConfigurations.filter { $0[baseline.key] == baseline.value }
        let baselineSettings = planned.isEmpty ? baselines.map(\.values) : planned
        let conditions = varyingKeys.filter { key in
            key != baseline.key && Set(baselineSettings.map { $0[key] ?? "" }).count > 1
        }
        return baselines.first { candidate in conditions.allSatisfy { candidate.values[$0] == group.values[$0] } }
    }

    /// The comparison of `group` with its baseline on the report's metric; for accuracies, with the
    /// evaluation set's lower-bound variance (both sides evaluated on the same set; its size is the
    /// smaller count of scored labels of the two).
    public func comparison(_ group: Group) -> MeanComparison? {
        guard let base = baselineGroup(for: group) else { return nil }
        return MeanComparison(metricValues(group), against: metricValues(base), confidence: options.confidence,
                              evaluationSize: sharedEvaluationSize(group, base))
    }

    /// The ratio of `group`'s mean to its baseline's, with its interval (nil without a baseline or with
    /// a non-positive mean).
    public func ratio(_ group: Group) -> RatioInterval? {
        guard let base = baselineGroup(for: group) else { return nil }
        let comparison = comparison(group)
        return RatioInterval(metricValues(group), against: metricValues(base), confidence: options.confidence,
                             evaluationVariance: comparison?.evaluationVariance ?? 0)
    }

    /// Every comparison of the table with its Holm-adjusted p-value, in group order (the family is
    /// every row that has a comparison).
    public var comparisons: [(group: Group, comparison: MeanComparison, holm: Double)] {
        let found = groups.compactMap { group in comparison(group).map { (group, $0) } }
        let adjusted = HolmAdjustment.adjusted(found.map(\.1.pValue)) ?? found.map { _ in 1 }
        return zip(found, adjusted).map { ($0.0, $0.1, $1) }
    }

    /// The minimum detectable difference of a comparison (paired t-test at the report's α = 1 − confidence,
    /// power 0.8, from the observed spread and the comparison's evaluation set; nil with fewer than two seeds).
    public func minimumDetectableDifference(_ comparison: MeanComparison) -> MinimumDetectableDifference? {
        MinimumDetectableDifference(
            spread: comparison.spread, seeds: comparison.seeds, evaluationSize: comparison.evaluationSize,
            fixedEvaluationVariance: comparison.extraEvaluationVariance, alpha: 1 - options.confidence, power: Self.power)
    }

    /// The seeds a comparison's observed difference would need for a paired t-test to detect it with
    /// power 0.8 at the table's Bonferroni level `(1 − confidence)/k` (k comparisons: the level Holm's
    /// method applies to the smallest p-value, so a difference that reaches it survives the adjustment),
    /// the evaluation set's variance included.
    public func seedsNeeded(_ comparison: MeanComparison) -> MinimumDetectableDifference.SeedsNeeded? {
        MinimumDetectableDifference.seedsNeeded(
            for: comparison.difference, spread: comparison.spread, evaluationVariance: comparison.evaluationVariance,
            alpha: (1 - options.confidence) / Double(max(comparisonCount, 1)), power: Self.power)
    }

    /// The number of comparisons in the table (the Holm family).
    public var comparisonCount: Int { groups.reduce(0) { $0 + (comparison($1) == nil ? 0 : 1) } }

    /// The power the report's seed counts are judged against.
    public static let power = 0.8

    private func metricValues(_ group: Group) -> [UInt64: Double] { group.runs.compactMapValues(options.metric.value) }

    /// The evaluation-set size of a comparison of accuracies (nil for other metrics: the lower bound
    /// holds for means of per-example outcomes only).
    private func sharedEvaluationSize(_ group: Group, _ base: Group) -> Int? {
        guard options.metric == .testAccuracy || options.metric == .bestValidationAccuracy else { return nil }
        let counts = (Array(group.runs.values) + Array(base.runs.values)).map { options.metric.scoredCount(in: $0) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 != nil }) else { return nil }
        return counts.compactMap { $0 }.min()
    }

    /// The results table: one row per configuration.
    public var table: ReportTable {
        let metric = options.metric
        let level = Int((options.confidence * 100).rounded())
        var header = displayKeys + ["seeds", "\(metric.title) (mean ± sd)", "\(level) % CI"]
        if let baseline = options.baseline {
            header += ["Δ vs \(baseline.key)=\(baseline.value)", "% of \(baseline.key)=\(baseline.value)",
                       "effect size", "p", "p (Holm)", "MDD", "seeds needed"]
        }
        header += ["step (ms)", "peak memory (MiB)"]
        let firstNumeric = displayKeys.count
        var holm: [[String: String]: Double] = [:]
        for entry in comparisons { holm[entry.group.values] = entry.holm }
        let rows = groups.map { group -> [String] in
            var row = displayKeys.map { group.values[$0] ?? "" }
            row.append("\(group.runs.count)")
            let main = summary(group, metric)
            row.append(main.map { s in
                s.standardDeviation.map { "\(format(s.mean, metric)) ± \(format($0, metric))" } ?? format(s.mean, metric)
            } ?? "–")
            row.append(interval(group, metric).map { "[\(format($0.lowerBound, metric)), \(format($0.upperBound, metric))]" } ?? "–")
            if options.baseline != nil {
                if let comparison = comparison(group) {
                    let interval = comparison.differenceInterval
                    row.append("\(signed(comparison.difference, metric)) [\(signed(interval.lowerBound, metric)), \(signed(interval.upperBound, metric))]")
                    row.append(ratio(group).map { r in
                        "\(percent(r.ratio)) % [\(percent(r.interval.lowerBound)), \(percent(r.interval.upperBound))]"
                    } ?? "–")
                    row.append(comparison.effectSize.map { (comparison.kind == .paired ? "d_z " : "g ") + signed($0, decimals: 1) } ?? "–")
                    row.append(String(format: "%.3g", comparison.pValue) + " (\(comparison.kind.rawValue))")
                    let adjusted = holm[group.values] ?? 1
                    row.append(String(format: "%.3g", adjusted))
                    row.append(minimumDetectableDifference(comparison).map { $0.isBeyondAccuracyRange ? "> 1" : format($0.value, metric) } ?? "–")
                    row.append(seedsCell(comparison, adjusted: adjusted))
                } else if let base = baselineGroup(for: group), let a = summary(group, metric), let b = summary(base, metric), a.mean > 0, b.mean > 0 {
                    // Too few seeds for a test: the difference and the ratio of the means, without intervals.
                    row += [signed(a.mean - b.mean, metric), "\(percent(a.mean / b.mean)) %", "–", "–", "–", "–", "–"]
                } else {
                    row += ["–", "–", "–", "–", "–", "–", "–"]
                }
            }
            row.append(summary(group, .stepMilliseconds).map { format($0.mean, .stepMilliseconds) } ?? "–")
            row.append(summary(group, .peakMemoryMiB).map { format($0.mean, .peakMemoryMiB) } ?? "–")
            return row
        }
        return ReportTable(header: header, rows: rows, numericColumns: Set(firstNumeric..<header.count))
    }

    /// The seeds a difference needs, flagged with ⚑ when it is not established (Holm-adjusted p ≥ α)
    /// and the study has fewer seeds than it needs.
    private func seedsCell(_ comparison: MeanComparison, adjusted: Double) -> String {
        guard let needed = seedsNeeded(comparison) else { return "–" }
        let established = adjusted < 1 - options.confidence
        let text: String
        let short: Bool
        switch needed {
        case .seeds(let n): (text, short) = ("\(n)", n > comparison.seeds)
        case .moreThan(let n): (text, short) = ("> \(n)", true)
        case .largerEvaluationSet: (text, short) = ("larger test set", true)
        }
        return !established && short ? text + " ⚑" : text
    }

    private func signed(_ value: Double, _ metric: ReportMetric) -> String {
        signed(value, decimals: metric.decimals)
    }

    private func signed(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", abs(value))
        return (value < 0 && Double(text) != 0 ? "-" : "+") + text
    }

    private func percent(_ ratio: Double) -> String {
        let value = 100 * ratio
        return String(format: value >= 999.5 ? "%.0f" : value >= 9.995 ? "%.1f" : "%.2f", value)
    }

    private func format(_ value: Double, _ metric: ReportMetric) -> String {
        String(format: "%.\(metric.decimals)f", value)
    }

    /// Validation accuracy against the step, averaged over seeds, with its interval as a band (a
    /// `ProportionInterval` over the seeds with the validation set's size): one plot per task when the
    /// task varies, one line per configuration. A panel with more configurations than a reader can
    /// tell apart by colour is split into small multiples (`-part-1`, `-part-2`, …) of at most
    /// `SVGLinePlot.maximumDistinctSeries` lines, each repeating the baseline configuration as the common
    /// reference when the panel has exactly one.
    public var learningCurves: [(name: String, plot: SVGLinePlot)] {
        let panelKey = displayKeys.contains("task") ? "task" : nil
        let panels = panelKey.map { key in Array(Set(groups.compactMap { $0.values[key] })).sorted() } ?? [""]
        let seriesKeys = displayKeys.filter { $0 != panelKey }
        return panels.flatMap { panel -> [(name: String, plot: SVGLinePlot)] in
            let members = groups.filter { panelKey == nil || $0.values[panelKey!] == panel }
            let series = members.map { group -> SVGLinePlot.Series in
                var bySteps: [Int: [UInt64: Double]] = [:]
                var sizes: [Int: Int] = [:]
                for (seed, run) in group.runs {
                    for point in run.curve {
                        guard let validation = point.validation else { continue }
                        bySteps[point.step, default: [:]][seed] = validation.accuracy
                        let size = min(validation.count, run.splitSizes?["validation"] ?? validation.count)
                        if size > 0 { sizes[point.step] = min(size, sizes[point.step] ?? size) }
                    }
                }
                let points = bySteps.keys.sorted().map { step -> SVGLinePlot.Point in
                    let values = bySteps[step]!.keys.sorted().map { bySteps[step]![$0]! }
                    let mean = values.reduce(0, +) / Double(values.count)
                    let band = ProportionInterval(values, evaluationSize: sizes[step], confidence: options.confidence)?.interval
                    return SVGLinePlot.Point(x: Double(step), y: mean, low: band?.lowerBound, high: band?.upperBound)
                }
                return SVGLinePlot.Series(name: group.label(seriesKeys), points: points)
            }
            let isBaseline = members.map { group in options.baseline.map { group.values[$0.key] == $0.value } ?? false }
            var reference = zip(series, isBaseline).filter(\.1).map(\.0)
            var others = zip(series, isBaseline).filter { !$0.1 }.map(\.0)
            if reference.count != 1 { (reference, others) = ([], series) }  // repeat a single baseline line only
            let capacity = SVGLinePlot.maximumDistinctSeries - reference.count
            let parts: [[SVGLinePlot.Series]]
            if series.count <= SVGLinePlot.maximumDistinctSeries {
                parts = [series]
            } else {
                let count = (others.count + capacity - 1) / capacity
                let size = (others.count + count - 1) / count  // balanced parts
                parts = stride(from: 0, to: others.count, by: size).map { reference + others[$0..<min($0 + size, others.count)] }
            }
            let level = Int((options.confidence * 100).rounded())
            return parts.enumerated().map { index, part in
                var title = panel.isEmpty ? "Validation accuracy during training" : "Validation accuracy during training: \(panel)"
                var name = panel.isEmpty ? "learning-curves" : "learning-curves-\(Self.fileSafe(panel))"
                if parts.count > 1 {
                    title += " (\(index + 1) of \(parts.count))"
                    name += "-part-\(index + 1)"
                }
                var plot = SVGLinePlot(title: title, xLabel: "step",
                                       yLabel: "validation accuracy (mean over seeds, \(level) % band)", series: part)
                plot.bands = true
                return (name, plot)
            }
        }
    }

    /// `metric` against the x key (with confidence intervals), and step time and peak memory against
    /// it on log–log axes; empty without an x key. When the metric is step time or peak memory, its
    /// log–log plot is the only one drawn of it.
    public var scalingPlots: [(name: String, plot: SVGLinePlot)] {
        guard let xKey = options.xKey else { return [] }
        let seriesKeys = displayKeys.filter { $0 != xKey }
        var lines: [String: [Group]] = [:]
        for group in groups { lines[group.label(seriesKeys), default: []].append(group) }
        let names = lines.keys.sorted()
        func plot(_ metric: ReportMetric, title: String, logarithmic: Bool) -> SVGLinePlot {
            let series = names.map { name in
                SVGLinePlot.Series(name: name, points: lines[name]!.compactMap { group in
                    guard let x = Double(group.values[xKey]!), let s = summary(group, metric) else { return nil }
                    let band = interval(group, metric)
                    return SVGLinePlot.Point(x: x, y: s.mean, low: band?.lowerBound, high: band?.upperBound)
                })
            }
            let scale: SVGLinePlot.Scale = logarithmic ? .logarithmic : .linear
            return SVGLinePlot(title: title, xLabel: xKey, yLabel: metric.title, xScale: scale, yScale: scale, series: series)
        }
        let costs = [
            ("step-time-vs-\(Self.fileSafe(xKey))", plot(.stepMilliseconds, title: "Training step time against \(xKey)", logarithmic: true)),
            ("peak-memory-vs-\(Self.fileSafe(xKey))", plot(.peakMemoryMiB, title: "Peak memory against \(xKey)", logarithmic: true)),
        ]
        if options.metric == .stepMilliseconds || options.metric == .peakMemoryMiB { return costs }
        return [("\(Self.fileSafe(options.metric.rawValue))-vs-\(Self.fileSafe(xKey))",
                 plot(options.metric, title: "\(options.metric.title) against \(xKey)", logarithmic: false))] + costs
    }

    static func fileSafe(_ text: String) -> String {
        String(text.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
    }

    /// The sentences under the table that say how its statistics were computed, including the minimum
    /// detectable difference for the study's seeds.
    public var statisticsNotes: [String] {
        let level = Int((options.confidence * 100).rounded())
        let metric = options.metric
        var lines = ["Mean ± sample standard deviation over seeds. \(level) % CI: " + intervalNote(metric)]
        guard let baseline = options.baseline else { return lines }
        let alpha = String(format: "%g", 1 - options.confidence)
        var comparison = "Δ: difference of means to the configuration with \(baseline.key)=\(baseline.value) and the same other settings, "
            + "[with its \(level) % CI]; % of \(baseline.key)=\(baseline.value): the ratio of the means [with a \(level) % delta-method CI on the log ratio]; "
            + "effect size: Cohen's d_z (mean difference over the standard deviation of the per-seed differences) when paired, Hedges' g otherwise; "
            + "p: two-sided t-test, paired by seed when both sides share their seeds, Welch otherwise"
        if metric == .testAccuracy || metric == .bestValidationAccuracy {
            comparison += ", with the smallest variance the shared evaluation set can add to a difference of accuracies "
                + "(|Δ|(1 − |Δ|)/m for m scored labels: the models disagree on at least m|Δ| of them) and the seeds' degrees of freedom, so p is never below the classic test's"
        }
        let found = comparisons
        comparison += found.isEmpty
            ? "; no configuration has two seeds on each side, so the table has no intervals, tests or effect sizes for the differences."
            : "; p (Holm): adjusted by Holm's step-down method over all \(found.count) comparisons of this table (family-wise error rate \(alpha))."
        lines.append(comparison)
        let mdds = found.compactMap { minimumDetectableDifference($0.comparison)?.value }.sorted()
        let seedCounts = Set(found.map(\.comparison.seeds)).sorted()
        if let low = mdds.first, let high = mdds.last {
            let median = mdds.count % 2 == 1 ? mdds[mdds.count / 2] : (mdds[mdds.count / 2 - 1] + mdds[mdds.count / 2]) / 2
            let flagged = found.filter { seedsCell($0.comparison, adjusted: $0.holm).hasSuffix("⚑") }.count
            lines.append("MDD: the minimum detectable difference with the study's \(seedCounts.map(String.init).joined(separator: "/")) seeds "
                + "(t-test paired by seed, or Welch's with the smaller side's seeds; α = \(alpha), power \(String(format: "%g", Self.power)), from the observed spread of the differences"
                + (found.contains { $0.comparison.evaluationSize != nil } ? " and the evaluation set's variance at that difference" : "") + "): "
                + "median \(format(median, metric)), from \(format(low, metric)) to \(format(high, metric)) across the rows; "
                + "a smaller difference is likely to go undetected. Seeds needed: how many seeds the observed difference needs for "
                + "power \(String(format: "%g", Self.power)) at the Bonferroni level α/\(found.count), which survives Holm's adjustment "
                + "(the evaluation set's variance included; \"larger test set\": no number of seeds suffices); "
                + "⚑ marks the \(flagged) of \(found.count) differences not established after Holm's adjustment that would need more seeds than the study has.")
        }
        return lines
    }

    private func intervalNote(_ metric: ReportMetric) -> String {
        switch metric.scale {
        case .proportion:
            return "on the logit scale (delta method, empirical-logit correction at 0 and 1), including the evaluation set's own "
                + "sampling error p(1 − p)/m for its m examples, which more seeds do not reduce, added to the seeds' variance s²/n "
                + "(Welch–Satterthwaite degrees of freedom); it stays inside [0, 1], and with one seed it covers the evaluation set's error alone."
        case .positive:
            return "on the log scale (Student-t interval of the mean log, exponentiated): an interval of the geometric mean, always positive."
        case .real:
            return "Student-t interval of the mean."
        }
    }

    /// How the results were produced: commits, machines, threads, builds, as Markdown lines.
    public var provenance: [String] {
        let runs = groups.flatMap { $0.runs.values }
        func distinct(_ value: (RunRecord.Environment) -> String) -> String {
            Set(runs.map { value($0.environment) }).sorted().joined(separator: "; ")
        }
        return [
            "- runs: \(runs.count) in \(groups.count) configurations",
            "- MixLab commit(s): \(distinct(\.commit)) (version \(distinct(\.mixlabVersion)), \(distinct(\.build)) build)",
            "- machine(s): \(distinct(\.cpu)), \(distinct { "\($0.cores)" }) cores, \(distinct { "\($0.threads)" }) threads",
            "- libraries: OpenBLAS \(distinct(\.blasCore)) kernels, FFTW \(distinct(\.fftwVersion)), Swift \(distinct(\.swiftVersion))",
            "- system: \(distinct(\.system))",
        ]
    }

    /// Writes `report.md`, `table.md`, `table.tex`, `table.csv` and the SVG plots into `directory`
    /// (created if missing; each file replaced atomically) and returns the paths written.
    ///
    /// - Parameters:
    ///   - directory: the folder to write into.
    ///   - title: the study's name, for the headings.
    ///   - reproduce: the commands that reproduce the results and the report, shown in `report.md`.
    public func write(to directory: String, title: String, reproduce: [String]) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw MixLabError(.ioFailure, what: "cannot create the report folder \(directory)", location: "study report",
                              fix: "check the path and its permissions")
        }
        let table = table
        let plots = learningCurves + scalingPlots
        var written: [String] = []
        func put(_ name: String, _ text: String) throws {
            let path = (directory as NSString).appendingPathComponent(name)
            try AtomicFile.write(Data(text.utf8), to: path)
            written.append(path)
        }
        try put("table.md", table.markdown)
        try put("table.tex", table.latex)
        try put("table.csv", table.csv)
        for (name, plot) in plots { try put("\(name).svg", plot.svg) }

        var lines = ["# \(title)", "", table.markdown]
        if !attachedSettings.isEmpty {
            lines.append("Settings that go with a value: " + attachedSettings.map { "\($0.value): \($0.settings)" }.joined(separator: "; ") + ".")
            lines.append("")
        }
        lines += statisticsNotes
        lines.append("Step time: median training step of each run (forward, loss, backward, optimiser), mean over seeds.")
        if !plots.isEmpty {
            lines += ["", "## Plots", ""] + plots.map { "![\($0.plot.title)](\($0.name).svg)" }
        }
        lines += ["", "## Reproduce", ""] + reproduce.map { "    \($0)" } + ["", "## Provenance", ""] + provenance
        try put("report.md", lines.joined(separator: "\n") + "\n")
        return written
    }
}
