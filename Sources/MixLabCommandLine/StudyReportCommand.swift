import ArgumentParser
import Foundation
import MixLab

/// `mixlab study report FILE`: tables and plots of a study's results, aggregated over seeds.
struct StudyReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Aggregate a study's results over seeds into Markdown, LaTeX and CSV tables and SVG plots.",
        discussion: """
            Runs are grouped by every setting that varies except seed; each group gets the mean, standard
            deviation and a confidence interval of the metric that stays in its range (accuracies: on the
            logit scale, with the test set's own sampling error; times and memory: on the log scale), and,
            with a baseline, the difference to the baseline configuration with a paired (same seeds) or
            Welch t-test, Holm-adjusted p-values, an effect size, the ratio to the baseline and the minimum
            detectable difference for the number of seeds. The study file's
            `report:` section sets the defaults (metric, baseline, x, confidence); these options override it.
            Writes report.md, table.md, table.tex, table.csv and SVG plots into --out (default: report/
            beside the study file) and prints the Markdown table. The same results give the same files.
            """)

    @Argument(help: "The study file.")
    var file: String

    @Option(help: "A results file to read instead of the study's.")
    var results: String?

    @Option(help: "The folder to write the report into (default: report/ beside the study file).")
    var out: String?

    @Option(help: "The main metric: \(ReportMetric.allCases.map(\.rawValue).joined(separator: ", ")).")
    var metric: String?

    @Option(help: "The baseline configuration as key=value, e.g. mixer=attention.")
    var baseline: String?

    @Option(name: .customLong("x"), help: "A numeric varying key for the scaling plots, e.g. task.length.")
    var xKey: String?

    @Option(help: "The confidence level of the intervals, in (0, 1).")
    var confidence: Double?

    func run() throws {
        let study = try Study(contentsOf: file, resultsFile: results.map { URL(fileURLWithPath: $0) })
        var settings = study.specification.report
        if let metric {
            guard let parsed = ReportMetric(rawValue: metric) else {
                throw MixLabError(.invalidArgument, what: "there is no report metric '\(metric)'", location: "--metric",
                                  fix: "use one of: \(ReportMetric.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            settings.metric = parsed
        }
        if let baseline {
            guard let equals = baseline.firstIndex(of: "="), equals != baseline.startIndex else {
                throw MixLabError(.invalidArgument, what: "'\(baseline)' is not key=value", location: "--baseline",
                                  fix: "name the baseline configuration, e.g. --baseline mixer=attention")
            }
            settings.baselineKey = String(baseline[..<equals])
            settings.baselineValue = String(baseline[baseline.index(after: equals)...])
        }
        if let xKey { settings.xKey = xKey }
        if let confidence {
            guard confidence > 0, confidence < 1 else {
                throw MixLabError(.invalidArgument, what: "confidence \(confidence) is not in (0, 1)", location: "--confidence",
                                  fix: "use e.g. --confidence 0.95")
            }
            settings.confidence = confidence
        }
        let reproduce = ["mixlab study run \(file)", "mixlab study report \(file)" + overrides]
        let (report, folder, written) = try Self.write(study, settings: settings, out: out, reproduce: reproduce) {
            FileHandle.standardError.write(Data("warning: \($0)\n".utf8))
        }
        printLine(report.table.markdown)
        printLine("\(report.groups.reduce(0) { $0 + $1.runs.count }) runs of \(study.grid.cells.count) cells; "
                  + "wrote \(written.count) files into \(folder)")
    }

    /// Reports the rows of `study`'s results file that belong to its grid into `out` (default:
    /// `report/` beside the study file); returns the report, the folder and the files written.
    static func write(
        _ study: Study, settings: StudyReportSettings, out: String?, reproduce: [String], warn: (String) -> Void
    ) throws -> (report: StudyReport, folder: String, written: [String]) {
        let contents = try study.results.read()
        contents.warnings.forEach(warn)
        let cells = Set(study.grid.cells.map(\.id))
        let records = contents.rows.filter { $0.study == study.specification.name && cells.contains($0.cell) }.map(\.record)
        var options = settings.options(keyOrder: study.specification.axes.map(\.key))
        options.plannedConfigurations = study.grid.cells.map(\.configuration.settings)
        let report = try StudyReport(records: records, options: options)
        let folder = out ?? study.specification.folder.appendingPathComponent("report").path
        let name = study.specification.name
        let title = study.specification.description.isEmpty ? "Study \(name)" : "Study \(name): \(study.specification.description)"
        return (report, folder, try report.write(to: folder, title: title, reproduce: reproduce))
    }

    /// The options given on the command line, as they must be repeated to remake the same report.
    private var overrides: String {
        var parts: [String] = []
        if let results { parts.append("--results \(results)") }
        if let metric { parts.append("--metric \(metric)") }
        if let baseline { parts.append("--baseline \(baseline)") }
        if let xKey { parts.append("--x \(xKey)") }
        if let confidence { parts.append("--confidence \(confidence)") }
        return parts.isEmpty ? "" : " " + parts.joined(separator: " ")
    }
}
