import Foundation
import MixLabCore
import Testing

import MixLabTasks
import MixLabTraining
@testable import MixLabStudies

/// Reading study files: the format, and every bad input with its file and line.
@Suite struct StudySpecificationTests {
    static let good = """
        name: mixer-ablation
        description: Two mixers, two seeds.
        base:
          task: toy
          task.length: 16
          steps: 20
          warmup: 2
          lr: 1e-3
        axes:
          - mixer:
              - fourier
              - attention: {mixer.heads: 2}
          - seed: [0, 1]
        exclude:
          - {mixer: attention, seed: 1}
        results: out/results.jsonl
        """

    @Test func readsEverySection() throws {
        let specification = try StudySpecification(yaml: Self.good, path: "/studies/a/study.yaml")
        #expect(specification.name == "mixer-ablation")
        #expect(specification.description == "Two mixers, two seeds.")
        #expect(specification.base.map(\.text) == ["task=toy", "task.length=16", "steps=20", "warmup=2", "lr=1e-3"])
        #expect(specification.base.map(\.line) == [4, 5, 6, 7, 8])
        #expect(specification.axes.map(\.key) == ["mixer", "seed"])
        #expect(specification.axes[0].values.map(\.value) == ["fourier", "attention"])
        #expect(specification.axes[0].values[1].attached == [StudySetting(key: "mixer.heads", value: "2", line: 12)])
        #expect(specification.axes[1].values.map(\.line) == [13, 13])
        #expect(specification.exclusions == [StudyExclusion(line: 15, conditions: [.init(key: "mixer", values: ["attention"]), .init(key: "seed", values: ["1"])])])
        #expect(specification.resultsFile.path == "/studies/a/out/results.jsonl")
        #expect(specification.runDirectory(for: "abc").path == "/studies/a/runs/abc")
    }

    @Test func readsTheReportSection() throws {
        let yaml = "name: x\naxes:\n  - seed: [0]\nreport:\n  metric: test-macro-f1\n  baseline: mixer=attention\n  x: task.length\n  confidence: 0.9\n"
        let report = try StudySpecification(yaml: yaml, path: "s.yaml").report
        #expect(report.metric == .testMacroF1)
        #expect(report.baselineKey == "mixer" && report.baselineValue == "attention")
        #expect(report.xKey == "task.length" && report.confidence == 0.9)
        let options = report.options(keyOrder: ["mixer"])
        #expect(options.baseline?.key == "mixer" && options.keyOrder == ["mixer"])
        #expect(try StudySpecification(yaml: "name: x\naxes:\n  - seed: [0]\n", path: "s.yaml").report == StudyReportSettings())
    }

    @Test func resultsDefaultToResultsJSONLBesideTheFile() throws {
        let specification = try StudySpecification(yaml: "name: x\naxes:\n  - seed: [0]\n", path: "/s/x/study.yaml")
        #expect(specification.resultsFile.path == "/s/x/results.jsonl")
        #expect(specification.base.isEmpty && specification.description.isEmpty)
    }

    @Test func valuesAreKeptAsWritten() throws {
        let specification = try StudySpecification(
            yaml: "name: x\nbase: {lr: 1.0e-3, dropout: 0.10, task.flag: yes}\naxes:\n  - seed: [007, '3']\n", path: "s.yaml")
        #expect(specification.base.map(\.value) == ["1.0e-3", "0.10", "yes"])
        #expect(specification.axes[0].values.map(\.value) == ["007", "3"])
    }

    /// Each bad file, the error code, the line in the location, and a phrase of the message.
    static let badFiles: [(yaml: String, code: MixLabError.Code, line: Int, phrase: String)] = [
        ("name: x\naxes:\n  - seed: [0]\nbogus: 1\n", .unknownConfigKey, 4, "top-level key 'bogus'"),
        ("name: x\nbase:\n  steps: 10\n  stepz: 20\naxes:\n  - seed: [0]\n", .unknownConfigKey, 4, "no run setting 'stepz'"),
        ("name: x\naxes:\n  - sead: [0, 1]\n", .unknownConfigKey, 3, "no run setting 'sead'"),
        ("name: x\naxes:\n  - mixer: [fourier, {attention: {mixr.heads: 2}}]\n", .unknownConfigKey, 3, "no run setting 'mixr.heads'"),
        ("name: x\naxes:\n  - seed: [0]\n  - seed: [1]\n", .invalidArgument, 4, "axis 'seed' is given twice"),
        ("name: x\naxes:\n  - seed: []\n", .invalidArgument, 3, "no values"),
        ("name: x\naxes: []\n", .invalidArgument, 2, "axes is empty"),
        ("name: x\nbase: {steps: 3}\n", .invalidArgument, 1, "no axes"),
        ("axes:\n  - seed: [0]\n", .invalidArgument, 1, "no name"),
        ("name: Big Study\naxes:\n  - seed: [0]\n", .invalidArgument, 1, "not a valid study name"),
        ("name: x\naxes:\n  - seed: 0\n", .invalidArgument, 3, "not a list"),
        ("name: x\naxes:\n  - {seed: [0], lr: [1]}\n", .invalidArgument, 3, "one `key: [values]`"),
        ("name: x\nbase:\n  steps:\naxes:\n  - seed: [0]\n", .invalidArgument, 3, "has no value"),
        ("name: x\nbase:\n  steps: [1, 2]\naxes:\n  - seed: [0]\n", .invalidArgument, 3, "single value"),
        ("name: x\nbase:\n  steps: 1\n  steps: 2\naxes:\n  - seed: [0]\n", .invalidArgument, 3, "given twice"),
        ("name: x\naxes:\n  - seed: [0\n", .invalidArgument, 4, "not valid YAML"),
        ("name: x\naxes:\n  - mixer: [{fourier: {mixer: dct}}]\n", .invalidArgument, 3, "attaches a setting of its own key"),
        ("name: x\naxes:\n  - seed: [0]\nexclude:\n  - {seeed: 1}\n", .unknownConfigKey, 5, "no run setting 'seeed'"),
        ("", .invalidArgument, 1, "empty"),
        ("- just\n- a list\n", .invalidArgument, 1, "not a mapping"),
        ("name: x\naxes:\n  - seed: [0]\nreport:\n  metric: accuracy\n", .invalidConfigValue, 5, "no report metric 'accuracy'"),
        ("name: x\naxes:\n  - seed: [0]\nreport:\n  baseline: attention\n", .invalidConfigValue, 5, "not key=value"),
        ("name: x\naxes:\n  - seed: [0]\nreport:\n  baseline: mixr=attention\n", .unknownConfigKey, 5, "no run setting 'mixr'"),
        ("name: x\naxes:\n  - seed: [0]\nreport:\n  x: length\n", .unknownConfigKey, 5, "no run setting 'length'"),
        ("name: x\naxes:\n  - seed: [0]\nreport:\n  confidence: 95\n", .invalidConfigValue, 5, "not a level"),
        ("name: x\naxes:\n  - seed: [0]\nreport:\n  baseline: mixer=fourier\n  colour: red\n", .unknownConfigKey, 6, "no report key 'colour'"),
        ("name: x\naxes:\n  - seed: [0]\nreport: [metric]\n", .invalidArgument, 4, "report is not a mapping"),
    ]

    @Test(arguments: badFiles.indices)
    func rejectsBadFilesWithTheirLine(_ index: Int) {
        let bad = Self.badFiles[index]
        let error = StudyTestSupport.error { _ = try StudySpecification(yaml: bad.yaml, path: "Experiments/x/study.yaml") }
        #expect(error?.code == bad.code, "\(bad.yaml)")
        #expect(error?.location.hasPrefix("Experiments/x/study.yaml:\(bad.line)") == true, "\(error?.location ?? "no error") for\n\(bad.yaml)")
        #expect(error?.what.contains(bad.phrase) == true, "\(error?.what ?? "no error")")
        #expect(error?.fix.isEmpty == false)
    }

    @Test func unknownKeysListWhatIsAllowed() {
        let topLevel = StudyTestSupport.error { _ = try StudySpecification(yaml: "name: x\naxis:\n  - seed: [0]\n", path: "s.yaml") }
        #expect(topLevel?.fix.contains("name, description, base, axes, exclude, results, report") == true)
        let setting = StudyTestSupport.error { _ = try StudySpecification(yaml: "name: x\naxes:\n  - sed: [0]\n", path: "s.yaml") }
        #expect(setting?.fix.contains("seed") == true && setting?.fix.contains("mixer.KEY") == true)
    }

    @Test func aMissingFileIsAnIOError() {
        let error = StudyTestSupport.error { _ = try StudySpecification(contentsOf: "/nonexistent/study.yaml") }
        #expect(error?.code == .ioFailure)
        #expect(error?.what.contains("/nonexistent/study.yaml") == true)
    }
}
