import MixLabCore
import Testing

import MixLabTasks
@testable import MixLabTraining

@Suite struct ClassificationMetricsTests {
    /// Three scored rows and one ignored row over 3 classes:
    ///
    ///     logits      label  predicted
    ///     [2, 1, 0]     0       0      correct
    ///     [0, 3, 1]     2       1      wrong
    ///     [1, 1, 0]     1       0      wrong (a tie goes to the first class)
    ///     [9, 0, 0]   −100      —      ignored
    ///
    /// TP = (1, 0, 0), FP = (1, 1, 0), FN = (0, 1, 1): F1 = (2/3, 0, 0), macro-F1 = 2/9; accuracy 1/3.
    /// Losses logsumexp(z) − z_y by hand: 0.4076059644, 2.1698460196, 0.8619948041; mean 1.1464822627.
    static let logits = try! Tensor(shape: [4, 3], values: [2, 1, 0, 0, 3, 1, 1, 1, 0, 9, 0, 0])
    static let labels: [Int32] = [0, 2, 1, -100]

    /// Two accumulators over disjoint rows, their sums added, give the metrics of one over all rows
    /// (what data-parallel evaluation does); a malformed vector of sums is refused.
    @Test func addedSumsEqualOneAccumulatorOverAllRows() throws {
        let first = try Tensor(shape: [2, 3], values: [2, 1, 0, 0, 3, 1])
        let second = try Tensor(shape: [2, 3], values: [1, 1, 0, 9, 0, 0])
        var whole = ClassificationMetrics(classes: 3, confusion: true)
        try whole.add(logits: Self.logits, labels: Self.labels)
        var left = ClassificationMetrics(classes: 3, confusion: true), right = ClassificationMetrics(classes: 3, confusion: true)
        try left.add(logits: first, labels: [0, 2])
        try right.add(logits: second, labels: [1, -100])
        let added = zip(left.sums, right.sums).map { $0 + $1 }
        let combined = try ClassificationMetrics(classes: 3, confusion: true, sums: added)
        #expect(combined.sums == whole.sums)
        #expect(combined.metrics == whole.metrics)
        #expect(throws: MixLabError.self) { try ClassificationMetrics(classes: 3, sums: added) }
        #expect(throws: MixLabError.self) { try ClassificationMetrics(classes: 1, sums: [0, 0.5, 1, 0, 0, 0]) }
    }

    @Test func matchesHandComputedValues() throws {
        var metrics = ClassificationMetrics(classes: 3)
        try metrics.add(logits: Self.logits, labels: Self.labels)
        let result = metrics.metrics
        #expect(result.count == 3)
        #expect(abs(result.accuracy - 1.0 / 3) < 1e-12)
        #expect(abs(result.macroF1 - 2.0 / 9) < 1e-12)
        #expect(abs(result.loss - 1.1464822627) < 1e-9)
    }

    /// Per class, from TP = (1, 0, 0), FP = (1, 1, 0), FN = (0, 1, 1): precision (1/2, 0, 0/0 → 0),
    /// recall (1, 0, 0), F1 (2/3, 0, 0), support (1, 1, 1), predicted (2, 1, 0); the confusion matrix
    /// C[label][prediction] has the rows (1, 0, 0), (1, 0, 0), (0, 1, 0).
    @Test func perClassScoresAndConfusionMatchHandComputedValues() throws {
        var metrics = ClassificationMetrics(classes: 3, confusion: true)
        try metrics.add(logits: Self.logits, labels: Self.labels)
        typealias Scores = ClassificationMetrics.ClassScores
        #expect(metrics.perClass == [
            Scores(precision: 0.5, recall: 1, f1: 2.0 / 3, support: 1, predicted: 2),
            Scores(precision: 0, recall: 0, f1: 0, support: 1, predicted: 1),
            Scores(precision: 0, recall: 0, f1: 0, support: 1, predicted: 0),
        ])
        #expect(metrics.confusion == [[1, 0, 0], [1, 0, 0], [0, 1, 0]])
        var plain = ClassificationMetrics(classes: 3)
        try plain.add(logits: Self.logits, labels: Self.labels)
        #expect(plain.confusion == nil && plain.perClass == metrics.perClass && plain.metrics == metrics.metrics)
    }

    @Test func classesAbsentFromLabelsAndPredictionsAreLeftOut() throws {
        // A fourth class that never occurs changes nothing; one that is only predicted counts as F1 = 0.
        var withAbsent = ClassificationMetrics(classes: 4)
        try withAbsent.add(logits: try Tensor(shape: [4, 4], values: [2, 1, 0, -5, 0, 3, 1, -5, 1, 1, 0, -5, 9, 0, 0, -5]), labels: Self.labels)
        #expect(abs(withAbsent.metrics.macroF1 - 2.0 / 9) < 1e-12)
        var onlyPredicted = ClassificationMetrics(classes: 3)
        // Labels (0, 0), predictions (0, 2): F1_0 = 2/3, F1_2 = 0, class 1 absent → macro-F1 = 1/3.
        try onlyPredicted.add(logits: try Tensor(shape: [2, 3], values: [1, 0, 0, 0, 0, 1]), labels: [0, 0])
        #expect(abs(onlyPredicted.metrics.macroF1 - 1.0 / 3) < 1e-12)
        #expect(onlyPredicted.metrics.accuracy == 0.5)
    }

    @Test func batchesAccumulateAndTokenLogitsAreRows() throws {
        var whole = ClassificationMetrics(classes: 3)
        try whole.add(logits: try Self.logits.reshaped([2, 2, 3]), labels: Self.labels)
        var split = ClassificationMetrics(classes: 3)
        let values = Self.logits.values
        try split.add(logits: try Tensor(shape: [1, 3], values: Array(values[0..<3])), labels: [0])
        try split.add(logits: try Tensor(shape: [3, 3], values: Array(values[3...])), labels: [2, 1, -100])
        #expect(whole.metrics == split.metrics)
        #expect(ClassificationMetrics(classes: 3).metrics == RunRecord.Metrics(loss: 0, accuracy: 0, macroF1: 0, count: 0))
    }

    @Test func badShapesAndLabelsAreErrors() {
        var metrics = ClassificationMetrics(classes: 3)
        #expect(throws: MixLabError.self) { try metrics.add(logits: Tensor(zeros: [2, 4]), labels: [0, 1]) }
        #expect(throws: MixLabError.self) { try metrics.add(logits: Tensor(zeros: [2, 3]), labels: [0]) }
        #expect(throws: MixLabError.self) { try metrics.add(logits: Tensor(zeros: [2, 3]), labels: [0, 3]) }
        #expect(metrics.count == 0)
    }
}
