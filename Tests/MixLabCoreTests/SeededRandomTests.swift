import Testing
import MixLabCore

@Suite struct SeededRandomTests {
    @Test func sameSeedSameStream() {
        var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42), c = SeededRandom(seed: 43)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
    }

    @Test func derivedStreamsAreIndependentAndStable() {
        let root = SeededRandom(seed: 7)
        var d1 = root.derived(1), d1again = root.derived(1), d2 = root.derived(2)
        let x = d1.next()
        #expect(x == d1again.next())
        #expect(x != d2.next())
    }

    @Test func normalValuesHaveUnitMoments() {
        var random = SeededRandom(seed: 1)
        let n = 200_000
        var sum = 0.0, squares = 0.0
        for _ in 0..<n {
            let v = random.nextNormal()
            sum += v
            squares += v * v
        }
        let mean = sum / Double(n), variance = squares / Double(n) - mean * mean
        // Standard errors: 1/√n ≈ 0.0022 for the mean, √(2/n) ≈ 0.0032 for the variance.
        #expect(abs(mean) < 0.011)
        #expect(abs(variance - 1) < 0.016)
    }

    @Test func uniformValuesAreInRange() {
        var random = SeededRandom(seed: 3)
        let t = Tensor.uniform([1000], lower: -2, upper: 3, using: &random)
        #expect(t.values.allSatisfy { $0 >= -2 && $0 < 3 })
        #expect(Set(t.values).count > 990)
    }
}

@Suite struct ParameterTests {
    @Test func backwardContributionsAccumulate() throws {
        let p = Parameter(name: "layer.weight", value: Tensor(zeros: [2]))
        p.accumulateGradient(try Tensor(shape: [2], values: [1, 2]))
        p.accumulateGradient(try Tensor(shape: [2], values: [10, 20]))
        #expect(p.gradient.values == [11, 22])
        p.zeroGradient()
        #expect(p.gradient.values == [0, 0])
    }

    @Test func loadChecksShapeAndNamesTheParameter() throws {
        let p = Parameter(name: "mixer.order", value: Tensor(zeros: [1]))
        try p.load(Tensor(shape: [1], values: [0.5]))
        #expect(p.value[0] == 0.5)
        #expect {
            try p.load(Tensor(zeros: [2]))
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .shapeMismatch && e.location.contains("mixer.order")
        }
    }
}

@Suite struct SeededRandomIntegerTests {
    @Test func boundedIntegersAreInRangeAndCoverIt() {
        var random = SeededRandom(seed: 11)
        var seen = Set<Int>()
        for _ in 0..<2000 {
            let value = random.nextIndex(below: 7)
            #expect((0..<7).contains(value))
            seen.insert(value)
        }
        #expect(seen.count == 7)
        for _ in 0..<200 { #expect((2...10).contains(random.nextInteger(in: 2...10))) }
    }

    @Test func boundedIntegersAreTheHighWordOfTheProduct() {
        // Lemire's method: the value is ⌊x · bound / 2⁶⁴⌋ of the raw 64-bit draw x (rejection is
        // needed only for the lowest `2⁶⁴ mod bound` products, which these draws do not hit).
        var random = SeededRandom(seed: 2024)
        var raw = SeededRandom(seed: 2024)
        for _ in 0..<100 {
            let expected = Int((UInt128(raw.next()) * 1000) >> 64)
            #expect(random.nextIndex(below: 1000) == expected)
        }
    }
}
