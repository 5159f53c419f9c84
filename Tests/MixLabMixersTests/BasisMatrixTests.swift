import Foundation
import MixLabCore
import MixLabKernels
import Testing

// The kernel `BasisMatrix` is tested here, next to the mixer that uses it, because its golden values are
// fixture files and only this test target has a resource bundle.
@Suite struct BasisMatrixTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let family: String
            let n: Int
            let norm: String
            let call: String
            let matrix: [Double]
            let nodes: [Double]?
            let input: [Double]?
        }
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        try loadFixture("basis", as: Fixture.self)
    }

    static func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    /// `max |M·Mᵀ − I|`.
    static func orthonormalityError(_ m: [Double], _ n: Int) -> Double {
        var worst = 0.0
        for i in 0..<n {
            for j in 0..<n {
                var sum = 0.0
                for k in 0..<n { sum += m[i * n + k] * m[j * n + k] }
                worst = max(worst, abs(sum - (i == j ? 1 : 0)))
            }
        }
        return worst
    }

    @Test func matchesNumpyScipyAndPyWaveletsGoldenValues() throws {
        let fixture = try Self.fixture()
        var seen = Set<String>()
        for golden in fixture.cases {
            let n = golden.n
            let norm = try Normalization(parsing: golden.norm, location: "fixture")
            let matrix: [Double]
            var tolerance = 1e-13
            switch golden.family {
            case "dft": matrix = BasisMatrix.dft(n, normalization: norm)
            case "dct": matrix = BasisMatrix.dct(n, normalization: norm)
            case "hadamard": matrix = try BasisMatrix.hadamard(n, normalization: norm)
            case "wavelet": matrix = try BasisMatrix.haarWavelet(n)
            case "legendre":
                matrix = try BasisMatrix.legendre(n)
                let nodes = try BasisMatrix.gaussLegendreNodes(n)
                #expect(Self.maxDifference(nodes, try #require(golden.nodes)) < 1e-14, "Gauss–Legendre nodes n = \(n)")
                tolerance = 1e-12
            case "chebyshev":
                matrix = try BasisMatrix.chebyshev(n)
                #expect(Self.maxDifference(BasisMatrix.chebyshevNodes(n), try #require(golden.nodes)) < 1e-15, "Chebyshev nodes n = \(n)")
                tolerance = 1e-12
            case "gram-schmidt":
                matrix = try BasisMatrix.orthonormalizedRows(try #require(golden.input), count: n, length: n, location: "test")
                tolerance = 1e-12
            default:
                Issue.record("unknown family \(golden.family) in the fixture")
                continue
            }
            seen.insert(golden.family)
            let error = Self.maxDifference(matrix, golden.matrix)
            #expect(error < tolerance, "\(golden.call): max difference \(error)")
        }
        #expect(seen == ["dft", "dct", "hadamard", "wavelet", "legendre", "chebyshev", "gram-schmidt"])
    }

    @Test func orthonormalFamiliesAreOrthonormal() throws {
        var random = SeededRandom(seed: 3)
        for n in [1, 2, 3, 7, 16, 64] {
            var families: [(String, [Double])] = [
                ("dct", BasisMatrix.dct(n)), ("legendre", try BasisMatrix.legendre(n)),
                ("chebyshev", try BasisMatrix.chebyshev(n)), ("identity", BasisMatrix.identity(n)),
                ("random-orthogonal", try BasisMatrix.randomOrthogonal(n, random: &random)),
            ]
            if PowerOfTwo.contains(n) {
                families += [("hadamard", try BasisMatrix.hadamard(n)), ("wavelet", try BasisMatrix.haarWavelet(n))]
            }
            for (name, m) in families {
                let error = Self.orthonormalityError(m, n)
                #expect(error < 1e-12, "\(name) n = \(n): max |M·Mᵀ − I| = \(error)")
            }
        }
    }

    @Test func legendreStaysOrthonormalAtLargerLengths() throws {
        // Gauss–Legendre nodes keep the Legendre–Vandermonde matrix well conditioned; with one
        // re-orthogonalisation pass Gram–Schmidt is orthonormal to rounding.
        let n = 128
        let m = try BasisMatrix.legendre(n)
        #expect(Self.orthonormalityError(m, n) < 1e-12)
        // Row 1 is the normalised degree-1 polynomial: proportional to the nodes.
        let nodes = try BasisMatrix.gaussLegendreNodes(n)
        let norm = nodes.map { $0 * $0 }.reduce(0, +).squareRoot()
        #expect(Self.maxDifference(Array(m[n..<(2 * n)]), nodes.map { $0 / norm }) < 1e-13)
    }

    @Test func gaussLegendreNodesAreTheRootsOfPnAtLargeN() throws {
        let n = 700
        let nodes = try BasisMatrix.gaussLegendreNodes(n)
        #expect(zip(nodes, nodes.dropFirst()).allSatisfy { $0 < $1 } && nodes.first! > -1 && nodes.last! < 1)
        for x in nodes {
            var (previous, current) = (1.0, x)  // Bonnet: (k+1)P_{k+1} = (2k+1)x·P_k − k·P_{k−1}
            for k in 1..<n { (previous, current) = (current, ((2 * Double(k) + 1) * x * current - Double(k) * previous) / Double(k + 1)) }
            // The distance to the true root, to first order: |P_n(x) / P_n'(x)|.
            let derivative = Double(n) * (x * current - previous) / (x * x - 1)
            #expect(abs(current / derivative) < 1e-15, "P_\(n)(\(x)) / P_n' = \(current / derivative)")
        }
    }

    @Test func chebyshevOnChebyshevNodesIsTheColumnReversedDCT() throws {
        for n in [1, 2, 5, 16, 33] {
            let chebyshev = try BasisMatrix.chebyshev(n)
            let dct = BasisMatrix.dct(n, normalization: .ortho)
            var reversed = dct
            for k in 0..<n { for j in 0..<n { reversed[k * n + j] = dct[k * n + (n - 1 - j)] } }
            #expect(Self.maxDifference(chebyshev, reversed) < 1e-13, "n = \(n)")
        }
    }

    @Test func orthoDFTIsTheProjectionOntoEvenSequences() {
        // M = cos(2πjk/n)/√n satisfies M² = (I + P)/2, P the reversal j ↦ −j mod n.
        for n in [1, 2, 6, 9] {
            let m = BasisMatrix.dft(n)
            for i in 0..<n {
                for j in 0..<n {
                    var sum = 0.0
                    for k in 0..<n { sum += m[i * n + k] * m[k * n + j] }
                    let expected = ((i == j ? 1.0 : 0) + (j == (n - i) % n ? 1.0 : 0)) / 2
                    #expect(abs(sum - expected) < 1e-13, "n = \(n) [\(i), \(j)]")
                }
            }
        }
    }

    @Test func randomOrthogonalIsSeededAndIsTheQFactorOfItsGaussianMatrix() throws {
        let n = 6
        var first = SeededRandom(seed: 42), second = SeededRandom(seed: 42), other = SeededRandom(seed: 43)
        let q = try BasisMatrix.randomOrthogonal(n, random: &first)
        #expect(try BasisMatrix.randomOrthogonal(n, random: &second) == q)
        #expect(try BasisMatrix.randomOrthogonal(n, random: &other) != q)
        // G (drawn row by row from the same stream) = L·Q with L = G·Qᵀ lower triangular, positive diagonal.
        var replay = SeededRandom(seed: 42)
        let g = (0..<(n * n)).map { _ in replay.nextNormal() }
        for i in 0..<n {
            for j in 0..<n {
                var l = 0.0
                for k in 0..<n { l += g[i * n + k] * q[j * n + k] }
                if j > i { #expect(abs(l) < 1e-12, "L[\(i), \(j)] = \(l) above the diagonal") }
                if j == i { #expect(l > 0, "L[\(i), \(i)] = \(l) must be positive") }
            }
        }
    }

    @Test func powerOfTwoFamiliesRejectOtherLengths() {
        for length in [3, 6, 12] {
            #expect {
                _ = try BasisMatrix.hadamard(length)
            } throws: { error in
                let e = error as! MixLabError
                return e.code == .unsupportedLength && e.what.contains("\(length)") && e.location.contains("hadamard")
            }
            #expect {
                _ = try BasisMatrix.haarWavelet(length)
            } throws: { error in
                let e = error as! MixLabError
                return e.code == .unsupportedLength && e.what.contains("\(length)") && e.location.contains("wavelet")
                    && e.fix.contains("power of two")
            }
        }
    }

    @Test func gramSchmidtRejectsDependentRows() {
        // Row 2 = row 0 + row 1.
        let rows: [Double] = [1, 2, 0, 0, 1, 1, 1, 3, 1]
        #expect {
            _ = try BasisMatrix.orthonormalizedRows(rows, count: 3, length: 3, location: "test")
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("row 2") && e.location == "test"
        }
    }
}
