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

private struct ProportionCase: Decodable {
    let values: [Double]
    let m: Int?
    let confidence: Double
    let low: Double
    let high: Double
    let df: Double
}

private struct LogScaleCase: Decodable {
    let values: [Double]
    let geometricMean: Double
    let low: Double
    let high: Double
}

private struct HolmCase: Decodable {
    let p: [Double]
    let adjusted: [Double]
}

private struct EffectCase: Decodable {
    struct Expected: Decodable {
        let t: Double
        let df: Double
        let p: Double
        let low: Double
        let high: Double
        let effect: Double
        let ratioLow: Double
        let ratioHigh: Double
    }
    let a: [Double]
    let b: [Double]
    let m: Int?
    let paired: Expected
    let welch: Expected
}

private struct MDDCase: Decodable {
    let n: Int
    let sigma: Double
    let alpha: Double
    let power: Double
    let m: Int?
    let fixed: Double
    let mdd: Double
    let exact: Double?
}

private struct SeedsNeededCase: Decodable {
    let difference: Double
    let sigma: Double
    let evaluationVariance: Double
    let alpha: Double
    let needed: Int
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

    @Test func anExtraEvaluationVarianceAddsToTheSeedsAndWidensTheInterval() throws {
        let a: [UInt64: Double] = [0: 0.71, 1: 0.74, 2: 0.70], b: [UInt64: Double] = [0: 0.66, 1: 0.70, 2: 0.67]
        let plain = try #require(MeanComparison(a, against: b))
        let withSize = try #require(MeanComparison(a, against: b, evaluationSize: 2000))
        let extra = try #require(MeanComparison(a, against: b, extraEvaluationVariance: withSize.evaluationVariance))
        #expect(close(extra.evaluationVariance, withSize.evaluationVariance, 1e-15) && close(extra.pValue, withSize.pValue, 1e-12))
        let both = try #require(MeanComparison(a, against: b, evaluationSize: 2000, extraEvaluationVariance: 1e-4))
        #expect(close(both.evaluationVariance, withSize.evaluationVariance + 1e-4, 1e-15))
        #expect(both.degreesOfFreedom == plain.degreesOfFreedom, "the seeds' degrees of freedom are kept")
        #expect(both.pValue > withSize.pValue && withSize.pValue > plain.pValue)
        #expect(both.differenceInterval.upperBound - both.differenceInterval.lowerBound
            > plain.differenceInterval.upperBound - plain.differenceInterval.lowerBound)
        for bad in [-1e-6, .nan, .infinity] {
            #expect(MeanComparison(a, against: b, extraEvaluationVariance: bad) == nil)
        }
    }

    /// The logit interval with the evaluation set's term against an independent numpy computation.
    @Test func proportionIntervalsMatchNumpy() throws {
        for c in try loadFixture("statistics-proportion", as: Document<ProportionCase>.self).cases {
            let found = try #require(ProportionInterval(c.values, evaluationSize: c.m, confidence: c.confidence))
            let interval = try #require(found.interval, "\(c.values)")
            #expect(close(interval.lowerBound, c.low, 1e-9), "\(c.values) m=\(String(describing: c.m))")
            #expect(close(interval.upperBound, c.high, 1e-9), "\(c.values) m=\(String(describing: c.m))")
            #expect(close(found.degreesOfFreedom, c.df, 1e-9), "\(c.values)")
            #expect(interval.lowerBound >= 0 && interval.upperBound <= 1)
            #expect(interval.contains(found.mean))
        }
    }

    /// The tracker's example: a t interval [0.415, 1.105]-like result stays inside [0, 1], and the same
    /// seeds on 200 examples give a wider interval than on 10,000.
    @Test func proportionIntervalsAreBoundedAndCountTheTestSet() throws {
        let values = [0.55, 0.99, 0.97]
        let t = try #require(SampleSummary(values)?.interval)
        #expect(t.upperBound > 1)
        let bounded = try #require(ProportionInterval(values, evaluationSize: 1000)?.interval)
        #expect(bounded.lowerBound > 0 && bounded.upperBound < 1)
        let agreeing = [0.61, 0.612, 0.608]
        let small = try #require(ProportionInterval(agreeing, evaluationSize: 200)?.interval)
        let large = try #require(ProportionInterval(agreeing, evaluationSize: 10_000)?.interval)
        #expect(small.upperBound - small.lowerBound > 3 * (large.upperBound - large.lowerBound))
        // More seeds do not remove the test set's share.
        let many = try #require(ProportionInterval(Array(repeating: agreeing, count: 30).flatMap { $0 }, evaluationSize: 200)?.interval)
        #expect(many.upperBound - many.lowerBound > 0.1)
    }

    @Test func proportionEdgeCasesGiveNoNaN() throws {
        for (values, m) in [([1.0, 1.0, 1.0], 1000), ([0.0], 50), ([0.0, 0.0], 1), ([1.0], 1), ([0.5, 0.5], 10)] as [([Double], Int)] {
            let found = try #require(ProportionInterval(values, evaluationSize: m))
            let interval = try #require(found.interval)
            #expect(interval.lowerBound.isFinite && interval.upperBound.isFinite, "\(values) m=\(m)")
            #expect(interval.lowerBound >= 0 && interval.upperBound <= 1 && interval.contains(found.mean), "\(values) m=\(m)")
            #expect(found.degreesOfFreedom.isFinite && found.degreesOfFreedom > 0)
        }
        #expect(try #require(ProportionInterval([0.7], evaluationSize: nil)).interval == nil)  // one seed, no test set
        #expect(try #require(ProportionInterval([0.7], evaluationSize: 500)).includesSeedSpread == false)
        #expect(try #require(ProportionInterval([1, 1], evaluationSize: nil)).interval == 1...1)
        // Bad input.
        #expect(ProportionInterval([], evaluationSize: 100) == nil)
        #expect(ProportionInterval([0.5, 1.2], evaluationSize: 100) == nil)
        #expect(ProportionInterval([0.5, -0.1], evaluationSize: 100) == nil)
        #expect(ProportionInterval([0.5, .nan], evaluationSize: 100) == nil)
        #expect(ProportionInterval([0.5, 0.6], evaluationSize: 0) == nil)
        for confidence in [0, 1, -0.5, 1.5, .nan] {
            #expect(ProportionInterval([0.5, 0.6], evaluationSize: 100, confidence: confidence) == nil)
            #expect(SampleSummary([0.5, 0.6], confidence: confidence) == nil)
            #expect(LogScaleInterval([5, 6], confidence: confidence) == nil)
            #expect(MeanComparison([0: 0.5, 1: 0.7], against: [0: 0.4, 1: 0.5], confidence: confidence) == nil)
            #expect(RatioInterval([0: 0.5, 1: 0.7], against: [0: 0.4, 1: 0.5], confidence: confidence) == nil)
        }
    }

    @Test func logScaleIntervalsMatchScipy() throws {
        for c in try loadFixture("statistics-log-scale", as: Document<LogScaleCase>.self, snakeCaseKeys: true).cases {
            let found = try #require(LogScaleInterval(c.values))
            #expect(close(found.geometricMean, c.geometricMean))
            let interval = try #require(found.interval)
            #expect(close(interval.lowerBound, c.low, 1e-9) && close(interval.upperBound, c.high, 1e-9), "\(c.values)")
            #expect(interval.lowerBound > 0)
        }
        #expect(LogScaleInterval([5])?.interval == nil)
        #expect(LogScaleInterval([5, 5])?.interval == 5...5)
        #expect(LogScaleInterval([5, 0]) == nil)
        #expect(LogScaleInterval([]) == nil)
    }

    @Test func holmMatchesStatsmodels() throws {
        for c in try loadFixture("statistics-holm", as: Document<HolmCase>.self).cases {
            let adjusted = try #require(HolmAdjustment.adjusted(c.p))
            #expect(adjusted.count == c.adjusted.count)
            for (found, expected) in zip(adjusted, c.adjusted) { #expect(close(found, expected, 1e-12), "\(c.p)") }
        }
        #expect(HolmAdjustment.adjusted([]) == [])
        #expect(HolmAdjustment.adjusted([0.1, 1.5]) == nil)
        #expect(HolmAdjustment.adjusted([0.1, .nan]) == nil)
        #expect(HolmAdjustment.adjusted([-0.01]) == nil)
    }

    /// Difference intervals, effect sizes and ratio intervals, with and without the evaluation set's term.
    @Test func effectSizesAndRatiosMatchScipy() throws {
        for c in try loadFixture("statistics-effect", as: Document<EffectCase>.self, snakeCaseKeys: true).cases {
            let a = Dictionary(uniqueKeysWithValues: c.a.enumerated().map { (UInt64($0.offset), $0.element) })
            let b = Dictionary(uniqueKeysWithValues: c.b.enumerated().map { (UInt64($0.offset), $0.element) })
            let shifted = Dictionary(uniqueKeysWithValues: b.map { ($0.key + 100, $0.value) })
            for (other, expected, kind) in [(b, c.paired, MeanComparison.Kind.paired), (shifted, c.welch, .welch)] {
                let found = try #require(MeanComparison(a, against: other, evaluationSize: c.m))
                #expect(found.kind == kind)
                #expect(close(found.t, expected.t, 1e-9), "\(kind) \(c.a)")
                #expect(close(found.degreesOfFreedom, expected.df, 1e-9), "\(kind) \(c.a)")
                #expect(close(found.pValue, expected.p, 1e-8), "\(kind) \(c.a)")
                #expect(close(found.differenceInterval.lowerBound, expected.low, 1e-9), "\(kind) \(c.a)")
                #expect(close(found.differenceInterval.upperBound, expected.high, 1e-9), "\(kind) \(c.a)")
                #expect(close(try #require(found.effectSize), expected.effect, 1e-9), "\(kind) \(c.a)")
                let ratio = try #require(RatioInterval(a, against: other, evaluationVariance: found.evaluationVariance))
                #expect(close(ratio.interval.lowerBound, expected.ratioLow, 1e-9), "\(kind) \(c.a)")
                #expect(close(ratio.interval.upperBound, expected.ratioHigh, 1e-9), "\(kind) \(c.a)")
                // The evaluation set's term only ever raises p above the classic test's.
                if c.m != nil, let classic = MeanComparison(a, against: other) { #expect(found.pValue >= classic.pValue) }
            }
        }
    }

    /// Differences equal in decimal but not in binary (0.6909 − 0.7415 and 0.6882 − 0.7388, a long-range
    /// Image row) have no spread: no effect size of 10¹⁴, and the evaluation set's term alone makes the test.
    @Test func aRoundingErrorIsNoSpread() throws {
        let a: [UInt64: Double] = [0: 0.6909, 1: 0.6882], b: [UInt64: Double] = [0: 0.7415, 1: 0.7388]
        #expect((a[0]! - b[0]!) != (a[1]! - b[1]!), "the differences differ in binary")
        let found = try #require(MeanComparison(a, against: b, evaluationSize: 10_000))
        #expect(found.kind == .paired && found.effectSize == nil && found.spread == 0)
        #expect(abs(found.difference + 0.0506) < 1e-12 && found.pValue > 0 && found.pValue < 0.05)
        // A real spread, however small against the values, still counts.
        let spread = try #require(MeanComparison([0: 0.6909, 1: 0.6883], against: b, evaluationSize: 10_000))
        #expect(spread.effectSize != nil && spread.spread > 0)
        // Unpaired (other seeds): the pooled spread of two rounding-equal samples is no spread either.
        let sums: [UInt64: Double] = [0: 0.1 + 0.2, 1: 0.3], other: [UInt64: Double] = [7: 0.7 - 0.4, 8: 0.3]
        #expect(sums[0] != sums[1] && other[7] != other[8])
        let unpaired = try #require(MeanComparison(sums, against: other, evaluationSize: 100))
        #expect(unpaired.kind == .welch && unpaired.effectSize == nil)
    }

    @Test func minimumDetectableDifferencesMatchScipy() throws {
        for c in try loadFixture("statistics-mdd", as: Document<MDDCase>.self).cases {
            let found = try #require(MinimumDetectableDifference(
                spread: c.sigma, seeds: c.n, evaluationSize: c.m, fixedEvaluationVariance: c.fixed, alpha: c.alpha, power: c.power))
            #expect(close(found.value, c.mdd, 1e-9), "n=\(c.n) m=\(c.m.map(String.init) ?? "–")")
            // The approximation against statsmodels' exact non-central-t solution: at most 5.2 % low (n = 3).
            if let exact = c.exact { #expect(found.value <= exact * 1.001 && found.value >= exact * 0.948, "n=\(c.n)") }
        }
        // An evaluation set only adds to the MDD, and a larger one adds less.
        let seedsOnly = try #require(MinimumDetectableDifference(spread: 0.01, seeds: 3))
        let small = try #require(MinimumDetectableDifference(spread: 0.01, seeds: 3, evaluationSize: 500))
        let large = try #require(MinimumDetectableDifference(spread: 0.01, seeds: 3, evaluationSize: 50_000))
        #expect(seedsOnly.value < large.value && large.value < small.value)
        // Equal differences on a finite set (no spread) still leave a detectable difference above zero.
        #expect(try #require(MinimumDetectableDifference(spread: 0, seeds: 2, evaluationSize: 10_000)).value > 0.01)
        #expect(MinimumDetectableDifference(spread: 0.1, seeds: 3, evaluationSize: 0) == nil)
        #expect(MinimumDetectableDifference(spread: 0.1, seeds: 3, evaluationSize: -5) == nil)
        #expect(MinimumDetectableDifference(spread: 0.1, seeds: 3, fixedEvaluationVariance: -1) == nil)
        #expect(MinimumDetectableDifference(spread: 0.1, seeds: 3, fixedEvaluationVariance: .nan) == nil)
        #expect(MinimumDetectableDifference(spread: 0.1, seeds: 3, fixedEvaluationVariance: .infinity) == nil)
        // A spread so large that no difference of accuracies is detectable: the root exceeds 1 and says so
        // (σ = 1, n = 2, m = 100: 6.1073 by the closed form, scipy's quantiles).
        let hopeless = try #require(MinimumDetectableDifference(spread: 1, seeds: 2, evaluationSize: 100))
        #expect(abs(hopeless.value - 6.107333) < 1e-5 && hopeless.isBeyondAccuracyRange)
        #expect(!small.isBeyondAccuracyRange)
        #expect(!(try #require(MinimumDetectableDifference(spread: 1, seeds: 2))).isBeyondAccuracyRange, "no evaluation set: any scale")
        for c in try loadFixture("statistics-seeds-needed", as: Document<SeedsNeededCase>.self, snakeCaseKeys: true).cases {
            let found = try #require(MinimumDetectableDifference.seedsNeeded(
                for: c.difference, spread: c.sigma, evaluationVariance: c.evaluationVariance, alpha: c.alpha))
            let expected: MinimumDetectableDifference.SeedsNeeded = c.needed > 0 ? .seeds(c.needed)
                : c.needed == 0 ? .largerEvaluationSet : .moreThan(-c.needed)
            #expect(found == expected, "Δ=\(c.difference) σ=\(c.sigma)")
        }
        #expect(MinimumDetectableDifference(spread: 0.1, seeds: 1) == nil)
        #expect(MinimumDetectableDifference(spread: -0.1, seeds: 3) == nil)
        #expect(MinimumDetectableDifference(spread: 0.1, seeds: 3, alpha: 0) == nil)
        #expect(MinimumDetectableDifference(spread: 0.1, seeds: 3, power: 1) == nil)
        #expect(MinimumDetectableDifference.seedsNeeded(for: .nan, spread: 0.1) == nil)
        #expect(MinimumDetectableDifference.seedsNeeded(for: 0.1, spread: 0) == .seeds(2))
    }

    @Test func degenerateSamples() throws {
        #expect(SampleSummary([]) == nil)
        #expect(SampleSummary([1, .nan]) == nil)
        let single = try #require(SampleSummary([0.5]))
        #expect(single.mean == 0.5 && single.standardDeviation == nil && single.interval == nil)
        #expect(MeanComparison([0: 0.5], against: [0: 0.4]) == nil)  // one seed: no test
        #expect(MeanComparison([0: 0.5, 1: 0.6], against: [0: 0.4, 1: 0.5]) == nil)  // constant difference
        // A constant difference on a shared evaluation set is still uncertain: the set's term remains.
        let constant = try #require(MeanComparison([0: 0.5, 1: 0.6], against: [0: 0.4, 1: 0.5], evaluationSize: 200))
        #expect(constant.effectSize == nil && constant.pValue > 0 && constant.pValue < 1)
        #expect(MeanComparison([0: 0.5, 1: 0.5], against: [0: 0.5, 1: 0.5], evaluationSize: 200) == nil)  // identical
        #expect(MeanComparison([0: 0.5, 1: .nan], against: [0: 0.4, 1: 0.5]) == nil)
        #expect(MeanComparison([0: 0.5, 1: 0.7], against: [0: 0.4, 1: 0.5], evaluationSize: 0) == nil)
        #expect(RatioInterval([0: 0.5], against: [0: 0.4]) == nil)  // one seed
        #expect(RatioInterval([0: 0, 1: 0], against: [0: 0.4, 1: 0.5]) == nil)  // a zero mean
    }
}
