import Foundation
import MixLabCore
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

import MixLabTasks
import MixLabTraining
@testable import MixLabStudies

/// A run record with the given settings and test accuracy (other fields plausible and fixed).
private func record(mixer: String, length: Int, seed: UInt64, accuracy: Double, stepMs: Double = 10) -> RunRecord {
    let metrics = RunRecord.Metrics(loss: 1 - accuracy, accuracy: accuracy, macroF1: accuracy - 0.01, count: 100)
    let environment = RunRecord.Environment(
        commit: "abc123", mixlabVersion: "0.1.0", swiftVersion: "6.3", cpu: "Test CPU", cores: 2, threads: 2,
        blasCore: "Cooperlake", fftwVersion: "fftw-3.3.10", system: "Linux", build: "release")
    return RunRecord(
        settings: ["mixer": mixer, "task": "parity", "task.length": "\(length)", "seed": "\(seed)", "threads": "2", "layers": "2"],
        taskSettings: ["length": "\(length)"], status: .completed, steps: 100, parameterCount: 1000,
        bestValidation: metrics, bestStep: 100, validation: metrics, test: metrics,
        curve: [.init(step: 50, trainLoss: 0.7, learningRate: 1e-3, validation: metrics),
                .init(step: 100, trainLoss: 0.5, learningRate: 0, validation: metrics)],
        medianStepMilliseconds: stepMs * Double(length) / 64, tokensPerSecond: 1000, wallSeconds: 1,
        peakMemoryMiB: 100 + Double(length), environment: environment, startedAt: "2026-01-01T00:00:00Z",
        finishedAt: "2026-01-01T00:00:01Z")
}

private let accuracies: [String: [Double]] = ["attention": [0.70, 0.72, 0.74], "fourier": [0.66, 0.69, 0.69]]

private func studyRecords() -> [RunRecord] {
    var records: [RunRecord] = []
    for length in [64, 128] {
        for (mixer, values) in accuracies.sorted(by: { $0.key < $1.key }) {
            for (seed, accuracy) in values.enumerated() {
                records.append(record(mixer: mixer, length: length, seed: UInt64(seed), accuracy: accuracy - Double(length) / 10_000))
            }
        }
    }
    return records
}

@Suite struct StudyReportTests {
    @Test func groupsBySettingsOtherThanSeed() throws {
        var options = StudyReport.Options()
        options.keyOrder = ["mixer"]
        let report = try StudyReport(records: studyRecords(), options: options)
        #expect(report.varyingKeys == ["mixer", "task.length"])
        #expect(report.groups.map { $0.label(report.varyingKeys) } == [
            "mixer=attention task.length=64", "mixer=attention task.length=128",
            "mixer=fourier task.length=64", "mixer=fourier task.length=128",
        ])
        let first = try #require(report.summary(report.groups[0], .testAccuracy))
        #expect(abs(first.mean - (0.72 - 0.0064)) < 1e-12)
        #expect(first.count == 3)
    }

    @Test func baselineComparisonIsPairedBySeed() throws {
        var options = StudyReport.Options()
        options.baseline = ("mixer", "attention")
        let report = try StudyReport(records: studyRecords(), options: options)
        let fourier = try #require(report.groups.first { $0.values["mixer"] == "fourier" })
        let comparison = try #require(report.comparison(fourier))
        #expect(comparison.kind == .paired)
        // Differences per seed: −0.04, −0.03, −0.05 → mean −0.04, sd 0.01; the 100 test examples add
        // the smallest variance a difference of 0.04 can have on them, 0.04 · 0.96 / 100; ν stays 2.
        #expect(abs(comparison.difference + 0.04) < 1e-12)
        #expect(abs(comparison.t + 0.04 / (0.01 * 0.01 / 3 + 0.04 * 0.96 / 100).squareRoot()) < 1e-9)
        #expect(comparison.degreesOfFreedom == 2)
        #expect(report.comparison(report.groups[0]) == nil)  // the baseline itself
        let table = report.table
        #expect(table.header.contains("Δ vs mixer=attention"))
        #expect(table.header.contains("p (Holm)"))
        let row = try #require(table.rows.first { $0.contains("fourier") })
        #expect(row.contains { $0.hasPrefix("-0.040 [") })
        #expect(row.contains { $0.hasSuffix("(paired)") })
        #expect(row.contains { $0.hasPrefix("d_z -4.0") })  // −0.04 / 0.01
        // The MDD counts the 100 test examples too: above the seeds-only value k · 0.01/√3.
        let mdd = try #require(report.minimumDetectableDifference(comparison))
        let seedsOnly = try #require(MinimumDetectableDifference(spread: 0.01, seeds: 3))
        #expect(mdd.evaluationSize == 100 && mdd.value > seedsOnly.value + 0.01)
        #expect(row[try #require(table.header.firstIndex(of: "MDD"))] == String(format: "%.3f", mdd.value))
    }

    /// Two seeds that differ from the baseline by the same amount have no spread, yet a finite test set
    /// leaves a detectable difference above zero.
    @Test func equalDifferencesOnAFiniteTestSetHaveAPositiveMDD() throws {
        let records = [0.70, 0.72, 0.66, 0.68].enumerated().map { index, accuracy in
            record(mixer: index < 2 ? "attention" : "fourier", length: 64, seed: UInt64(index % 2), accuracy: accuracy)
        }
        var options = StudyReport.Options()
        options.baseline = ("mixer", "attention")
        let report = try StudyReport(records: records, options: options)
        let fourier = try #require(report.groups.first { $0.values["mixer"] == "fourier" })
        let comparison = try #require(report.comparison(fourier))
        #expect(comparison.spread == 0)
        let mdd = try #require(report.minimumDetectableDifference(comparison)).value
        // k²/(m + k²) with k = t(0.975; 1) + t(0.8; 1) = 14.0826 and m = 100 (scipy).
        #expect(abs(mdd - 0.664789) < 1e-5, "\(mdd)")
    }

    /// A partly run study whose baseline has finished at one length only: with the planned grid, the
    /// other length's runs have no baseline yet, instead of being compared with another length's.
    @Test func aBaselineNotYetRunIsMissingNotTakenFromAnotherTask() throws {
        let records = studyRecords().filter { $0.settings["mixer"] == "fourier" || $0.settings["task.length"] == "64" }
        var options = StudyReport.Options()
        options.baseline = ("mixer", "attention")
        let finishedOnly = try StudyReport(records: records, options: options)
        let fourier128 = try #require(finishedOnly.groups.first { $0.values["mixer"] == "fourier" && $0.values["task.length"] == "128" })
        #expect(finishedOnly.baselineGroup(for: fourier128)?.values["task.length"] == "64", "the finished baselines alone cannot tell")

        options.plannedConfigurations = ["attention", "fourier"].flatMap { mixer in
            ["64", "128"].map { ["mixer": mixer, "task": "parity", "task.length": $0] }
        }
        let planned = try StudyReport(records: records, options: options)
        let fourier64 = try #require(planned.groups.first { $0.values["mixer"] == "fourier" && $0.values["task.length"] == "64" })
        #expect(planned.baselineGroup(for: fourier64)?.values["task.length"] == "64")
        let plannedFourier128 = try #require(planned.groups.first { $0.values["mixer"] == "fourier" && $0.values["task.length"] == "128" })
        #expect(planned.baselineGroup(for: plannedFourier128) == nil)
        #expect(planned.comparisons.count == 1)
        let row = try #require(planned.table.rows.first { $0.contains("fourier") && $0.contains("128") })
        #expect(row.filter { $0 == "–" }.count >= 2, "no difference and no ratio without a baseline: \(row)")
    }

    /// Holm's adjustment runs over every comparison of the table, in the table's row order.
    @Test func tablesAdjustTheirPValuesByHolm() throws {
        var options = StudyReport.Options()
        options.baseline = ("mixer", "attention")
        let report = try StudyReport(records: studyRecords(), options: options)
        let comparisons = report.comparisons
        #expect(comparisons.count == 2)  // fourier at lengths 64 and 128
        let expected = try #require(HolmAdjustment.adjusted(comparisons.map(\.comparison.pValue)))
        #expect(comparisons.map(\.holm) == expected)
        let column = try #require(report.table.header.firstIndex(of: "p (Holm)"))
        let cells = report.table.rows.map { $0[column] }.filter { $0 != "–" }
        #expect(cells == expected.map { String(format: "%.3g", $0) })
        #expect(report.statisticsNotes.joined().contains("Holm"))
        #expect(report.statisticsNotes.joined().contains("minimum detectable difference"))
    }

    /// Fourteen mixers in one panel are split into small multiples that each repeat the baseline and
    /// stay within the palette; the curves carry interval bands.
    @Test func crowdedLearningCurvesBecomeSmallMultiplesWithBands() throws {
        var records: [RunRecord] = []
        for index in 0..<14 {
            for seed in 0..<3 {
                records.append(record(mixer: index == 0 ? "attention" : "mixer-\(index)", length: 64, seed: UInt64(seed),
                                      accuracy: 0.5 + Double(index) / 100 + Double(seed) / 200))
            }
        }
        var options = StudyReport.Options()
        options.baseline = ("mixer", "attention")
        let curves = try StudyReport(records: records, options: options).learningCurves
        #expect(curves.map(\.name) == ["learning-curves-part-1", "learning-curves-part-2"])
        for (_, plot) in curves {
            #expect(plot.series.count <= SVGLinePlot.maximumDistinctSeries)
            #expect(plot.series.first?.name == "mixer=attention")
            #expect(plot.bands)
            #expect(plot.svg.contains("<polygon"))
            #expect(!plot.svg.contains("stroke-dasharray"))  // no colour reused
        }
        #expect(Set(curves.flatMap { $0.plot.series.map(\.name) }).count == 14)
    }

    /// Accuracy intervals respect [0, 1] and widen with a small test set; cost intervals stay positive.
    @Test func intervalsFollowTheMetricsScale() throws {
        var records = studyRecords()
        for index in records.indices where records[index].settings["mixer"] == "fourier" {
            let seed = Int(records[index].settings["seed"]!)!
            records[index].test?.accuracy = [0.999, 0.96, 1.0][seed]
        }
        let report = try StudyReport(records: records)
        let fourier = try #require(report.groups.first { $0.values["mixer"] == "fourier" })
        let t = try #require(report.summary(fourier, .testAccuracy)?.interval)
        #expect(t.upperBound > 1)  // Student's interval runs past 1
        let bounded = try #require(report.interval(fourier, .testAccuracy))
        #expect(bounded.upperBound <= 1 && bounded.lowerBound > 0)
        let cost = try #require(report.interval(fourier, .stepMilliseconds))
        #expect(cost.lowerBound > 0)
    }

    @Test func settingsAttachedToTheBaselineDoNotBlockTheMatch() throws {
        // As a study file writes `- attention: {mixer.heads: 2}`: only the baseline has mixer.heads.
        let records = studyRecords().map { record -> RunRecord in
            var record = record
            if record.settings["mixer"] == "attention" { record.settings["mixer.heads"] = "2" }
            return record
        }
        var options = StudyReport.Options()
        options.baseline = ("mixer", "attention")
        let report = try StudyReport(records: records, options: options)
        #expect(report.varyingKeys.contains("mixer.heads"))
        for group in report.groups where group.values["mixer"] == "fourier" {
            let base = try #require(report.baselineGroup(for: group))
            #expect(base.values["task.length"] == group.values["task.length"])
            #expect(base.values["mixer.heads"] == "2")
        }
        // With the axes known, the attached setting leaves the columns for a note under the table.
        options.keyOrder = ["mixer", "task.length"]
        let folded = try StudyReport(records: records, options: options)
        #expect(folded.displayKeys == ["mixer", "task.length"])
        #expect(folded.attachedSettings.map { "\($0.value): \($0.settings)" } == ["mixer=attention: mixer.heads=2"])
        #expect(!folded.table.header.contains("mixer.heads"))
    }

    @Test func aBaselineRunOnceMatchesEveryValueOfAKeyItDoesNotSweep() throws {
        // As hybrid-layouts: attention-layers=0 runs with one placement only; k > 0 with several.
        var records: [RunRecord] = []
        for (layers, placements) in [("0", ["top"]), ("2", ["bottom", "top"])] {
            for placement in placements {
                for seed in 0..<3 {
                    var r = record(mixer: "fourier", length: 64, seed: UInt64(seed), accuracy: 0.5 + Double(seed) / 100 + (layers == "2" ? 0.1 + Double(seed * seed) / 1000 : 0))
                    r.settings["attention-layers"] = layers
                    r.settings["placement"] = placement
                    records.append(r)
                }
            }
        }
        var options = StudyReport.Options()
        options.baseline = ("attention-layers", "0")
        let report = try StudyReport(records: records, options: options)
        for group in report.groups where group.values["attention-layers"] == "2" {
            let found = report.comparison(group)
            #expect(found != nil, "no comparison for \(group.values)")
            #expect(abs((found?.difference ?? 0) - (0.1 + 5.0 / 3000)) < 1e-9)
        }
    }

    @Test func outputIsIndependentOfRecordOrder() throws {
        var options = StudyReport.Options()
        options.baseline = ("mixer", "attention")
        options.xKey = "task.length"
        let a = try StudyReport(records: studyRecords(), options: options)
        let b = try StudyReport(records: studyRecords().reversed(), options: options)
        #expect(a.table == b.table)
        #expect(a.scalingPlots.map(\.plot.svg) == b.scalingPlots.map(\.plot.svg))
        #expect(a.learningCurves.map(\.plot.svg) == b.learningCurves.map(\.plot.svg))
    }

    /// A cost metric is drawn once, on the log–log axes of the cost plots.
    @Test func aCostMetricIsNotDrawnTwice() throws {
        var options = StudyReport.Options()
        options.xKey = "task.length"
        options.metric = .stepMilliseconds
        let names = try StudyReport(records: studyRecords(), options: options).scalingPlots.map(\.name)
        #expect(names == ["step-time-vs-task-length", "peak-memory-vs-task-length"])
        options.metric = .testAccuracy
        let withAccuracy = try StudyReport(records: studyRecords(), options: options).scalingPlots.map(\.name)
        #expect(withAccuracy == ["test-accuracy-vs-task-length", "step-time-vs-task-length", "peak-memory-vs-task-length"])
    }

    @Test func writesEveryOutputAsValidFiles() throws {
        var options = StudyReport.Options()
        options.xKey = "task.length"
        let report = try StudyReport(records: studyRecords(), options: options)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mixlab-report-\(UUID().uuidString)").path
        defer { if ProcessInfo.processInfo.environment["MIXLAB_KEEP_REPORT"] == nil { try? FileManager.default.removeItem(atPath: folder) } else { print("report kept in", folder) } }
        let written = try report.write(to: folder, title: "Test study", reproduce: ["mixlab study run study.yaml"])
        let names = Set(written.map { ($0 as NSString).lastPathComponent })
        #expect(names.isSuperset(of: ["report.md", "table.md", "table.tex", "table.csv", "learning-curves.svg",
                                      "test-accuracy-vs-task-length.svg", "step-time-vs-task-length.svg"]))
        for path in written where path.hasSuffix(".svg") {
            let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(parser.parse(), "\(path) is not well-formed XML")
        }
        let markdown = try String(contentsOfFile: folder + "/report.md", encoding: .utf8)
        #expect(markdown.contains("mixlab study run study.yaml"))
        #expect(markdown.contains("abc123"))
        let csv = try String(contentsOfFile: folder + "/table.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 5)
    }

    @Test func badInputsAreExplained() throws {
        #expect(throws: MixLabError.self) { try StudyReport(records: []) }
        var duplicated = studyRecords()
        duplicated.append(duplicated[0])
        #expect(throws: MixLabError.self) { try StudyReport(records: duplicated) }
        var wrongSchema = studyRecords()
        wrongSchema[1].schema = "mixlab.run.v0"
        #expect(throws: MixLabError.self) { try StudyReport(records: wrongSchema) }
        var options = StudyReport.Options()
        options.baseline = ("layers", "2")  // does not vary
        #expect(throws: MixLabError.self) { try StudyReport(records: studyRecords(), options: options) }
        options.baseline = ("mixer", "dct")  // not in the study
        #expect(throws: MixLabError.self) { try StudyReport(records: studyRecords(), options: options) }
        options.baseline = nil
        options.xKey = "mixer"  // not numeric
        #expect(throws: MixLabError.self) { try StudyReport(records: studyRecords(), options: options) }
    }

    @Test func tableFormatsEscape() {
        let table = ReportTable(header: ["name", "value"], rows: [["a_b & c|d", "1,5 \"x\""]], numericColumns: [1])
        #expect(table.markdown.contains("a_b & c\\|d"))
        #expect(table.markdown.contains("|---|---:|"))
        #expect(table.latex.contains("a\\_b \\& c|d"))
        #expect(table.latex.contains("\\begin{tabular}{lr}"))
        #expect(table.csv.contains("\"1,5 \"\"x\"\"\""))
    }

    @Test func theLegendWidensForLongNamesAndTheDefaultLayoutStays() {
        let short = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "mixer=fourier", points: [.init(x: 1, y: 1)])])
        #expect(short.svg.contains("width=\"760.0\""))
        let long = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y", series: [
            .init(name: "mixer=exponential-smoothing, attention-layers=2", points: [.init(x: 1, y: 1)]),
        ])
        #expect(long.svg.contains("width=\"904.2\""))  // 760 − 210 + 44 + 6.6 × 47
    }

    @Test func logAxesTickAtPowersOfTen() {
        let plot = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y", xScale: .logarithmic, yScale: .logarithmic, series: [
            .init(name: "s", points: [.init(x: 128, y: 3), .init(x: 8192, y: 400), .init(x: -1, y: 5)]),
        ])
        let svg = plot.svg
        for label in [">200<", ">1000<", ">5000<", ">10<", ">100<"] { #expect(svg.contains(label), "missing tick \(label)") }
        #expect(svg.components(separatedBy: "<circle").count == 3)  // the negative x is left out
    }
}
