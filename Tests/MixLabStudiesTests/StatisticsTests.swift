import Testing

import MixLabTasks
import MixLabTraining
@testable import MixLabStudies

private struct SummaryCase: Decodable {
    let values: [Double]
    let mean: Double
    let sd: Double
    let low: Double
    let high: Double
}

private struct ComparisonCase: Decodable {
    let a: [Double]
    let b: [Double]
    let pairedT: Double
    let pairedP: Double
    let welchT: Double
    let welchP: Double
    let welchDf: Double
}

private struct Document<Case: Decodable>: Decodable {
    let cases: [Case]
}

private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(b))
}

@Suite struct StatisticsTests {
    @Test func summariesMatchScipy() throws {
        for c in try loadFixture("statistics-summary", as: Document<SummaryCase>.self).cases {
            let summary = try #require(SampleSummary(c.values))
            #expect(summary.count == c.values.count)
            #expect(close(summary.mean, c.mean))
            #expect(close(try #require(summary.standardDeviation), c.sd))
            let interval = try #require(summary.interval)
            #expect(close(interval.lowerBound, c.low, 1e-8), "\(c.values)")
            #expect(close(interval.upperBound, c.high, 1e-8), "\(c.values)")
        }
    }

    @Test func comparisonsMatchScipy() throws {
        for c in try loadFixture("statistics-comparison", as: Document<ComparisonCase>.self, snakeCaseKeys: true).cases {
            let a = Dictionary(uniqueKeysWithValues: c.a.enumerated().map { (UInt64($0.offset), $0.element) })
            let b = Dictionary(uniqueKeysWithValues: c.b.enumerated().map { (UInt64($0.offset), $0.element) })
            let paired = try #require(MeanComparison(a, against: b))
            #expect(paired.kind == .paired)
            #expect(close(paired.t, c.pairedT, 1e-9))
            #expect(close(paired.pValue, c.pairedP, 1e-8))
            // Different seeds on the two sides: no pairing is possible, Welch's test is used.
            let shifted = Dictionary(uniqueKeysWithValues: b.map { ($0.key + 100, $0.value) })
            let welch = try #require(MeanComparison(a, against: shifted))
            #expect(welch.kind == .welch)
            #expect(close(welch.t, c.welchT, 1e-9))
            #expect(close(welch.degreesOfFreedom, c.welchDf, 1e-9))
            #expect(close(welch.pValue, c.welchP, 1e-8))
        }
    }

    @Test func degenerateSamples() throws {
        #expect(SampleSummary([]) == nil)
        #expect(SampleSummary([1, .nan]) == nil)
        let single = try #require(SampleSummary([0.5]))
        #expect(single.mean == 0.5 && single.standardDeviation == nil && single.interval == nil)
        #expect(MeanComparison([0: 0.5], against: [0: 0.4]) == nil)  // one seed: no test
        #expect(MeanComparison([0: 0.5, 1: 0.6], against: [0: 0.4, 1: 0.5]) == nil)  // constant difference
    }
}
