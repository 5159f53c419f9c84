import Foundation
import Testing
import MixLabCore
@testable import MixLabKernels

@Suite struct BLASTests {
    @Test func openBLASLoadsAndReportsItsKernels() throws {
        try BLAS.requireAvailable(for: "test")
        let status = BLAS.status
        #expect(status.available)
        #expect(!status.coreName.isEmpty)
        #expect(status.configuration.contains("OpenBLAS"))
        #expect(!status.coreTypeReason.isEmpty)
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func sgemmMatchesNaiveProduct(_ transposeA: Bool, _ transposeB: Bool) throws {
        try BLAS.requireAvailable(for: "test")
        let (m, n, k) = (5, 7, 3)
        var random = SeededRandom(seed: 11)
        let a = Tensor.normal(transposeA ? [k, m] : [m, k], using: &random)
        let b = Tensor.normal(transposeB ? [n, k] : [k, n], using: &random)
        var c = Tensor(shape: [m, n], repeating: 1)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 2,
                               a: pa.baseAddress!, lda: transposeA ? m : k, b: pb.baseAddress!, ldb: transposeB ? k : n,
                               beta: 0.5, c: pc.baseAddress!, ldc: n)
                }
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for l in 0..<k {
                    sum += (transposeA ? a[l, i] : a[i, l]) * (transposeB ? b[j, l] : b[l, j])
                }
                #expect(abs(c[i, j] - (2 * sum + 0.5)) < 1e-5)
            }
        }
    }
}

@Suite struct GEMMPartitionTests {
    /// `C = op(A)·op(B)` with the blocks of a split over `threads`, each block one single-threaded call,
    /// run one after another.
    static func product(_ transposeA: Bool, _ transposeB: Bool, m: Int, n: Int, k: Int, threads: Int) -> [Float] {
        var random = SeededRandom(seed: 3)
        let a = Tensor.normal([m * k], using: &random), b = Tensor.normal([k * n], using: &random)
        var c = Tensor(zeros: [m * n])
        let partition = GEMMPartition(m: m, n: n, k: k, threads: threads)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    for index in 0..<partition.blockCount {
                        let block = partition.block(index)
                        let (lda, ldb) = (transposeA ? m : k, transposeB ? k : n)
                        let (a, b, c) = block.offsets(
                            a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!, transposeA: transposeA,
                            transposeB: transposeB, lda: lda, ldb: ldb, ldc: n)
                        BLAS.sgemmOnThisThread(
                            transposeA: transposeA, transposeB: transposeB, m: block.m, n: block.n, k: k, alpha: 1,
                            a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: n)
                    }
                }
            }
        }
        return c.values
    }

    @Test func blocksTileTheResultExactlyOnce() {
        for (m, n) in [(301, 75), (75, 301), (64, 64), (17, 2000)] {
            for threads in 1...3 {
                let partition = GEMMPartition(m: m, n: n, k: 600, threads: threads)
                var covered = [Int](repeating: 0, count: m * n)
                for index in 0..<partition.blockCount {
                    let block = partition.block(index)
                    for i in block.row..<(block.row + block.m) {
                        for j in block.column..<(block.column + block.n) { covered[i * n + j] += 1 }
                    }
                }
                #expect(covered.allSatisfy { $0 == 1 }, "\(m)×\(n) over \(threads) threads")
                #expect(partition.blockCount == (threads == 1 ? 1 : threads))
            }
        }
        #expect(GEMMPartition(m: 8, n: 8, k: 8, threads: 2).blockCount == 1)  // too small to split
    }

    /// The split never cuts the inner dimension: a split product agrees with one call up to the last bits
    /// (OpenBLAS's kernels may treat block edges differently), and the same split gives the same bits.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func splitProductsMatchOneCallAndRepeatExactly(_ transposeA: Bool, _ transposeB: Bool) throws {
        try BLAS.requireAvailable(for: "test")
        for (m, n, k) in [(301, 75, 97), (75, 301, 97), (40, 900, 64)] {
            let whole = Self.product(transposeA, transposeB, m: m, n: n, k: k, threads: 1)
            for threads in [2, 3] {
                let split = Self.product(transposeA, transposeB, m: m, n: n, k: k, threads: threads)
                let worst = zip(split, whole).map { abs($0.0 - $0.1) / max(1, abs($0.1)) }.max() ?? 0
                #expect(worst < 1e-5, "\(m)×\(n)×\(k) over \(threads) threads: relative difference \(worst)")
                let again = Self.product(transposeA, transposeB, m: m, n: n, k: k, threads: threads)
                #expect(zip(split, again).allSatisfy { $0.0.bitPattern == $0.1.bitPattern })
            }
        }
    }
}

@Suite struct ParallelismTests {
    @Test func loopsInsideAParallelChunkRunInlineOverTheSameChunks() {
        let outer = 4
        let inner = 10
        let seen = UnsafeMutablePointer<Int>.allocate(capacity: outer * inner)
        seen.initialize(repeating: 0, count: outer * inner)
        defer { seen.deallocate() }
        let nested = UnsafeMutablePointer<Bool>.allocate(capacity: outer)
        nested.initialize(repeating: false, count: outer)
        defer { nested.deallocate() }
        Parallelism.forEachChunk(of: outer, chunks: outer) { range in
            for o in range {
                nested[o] = Parallelism.isInsideParallelRegion
                Parallelism.forEachNumberedChunk(of: inner, chunks: 3) { _, rows in
                    for i in rows { seen[o * inner + i] += 1 }
                }
            }
        }
        #expect((0..<(outer * inner)).allSatisfy { seen[$0] == 1 })
        #expect((0..<outer).allSatisfy { nested[$0] })
        #expect(!Parallelism.isInsideParallelRegion)
    }

    @Test func chunksCoverTheRangeExactlyOnce() {
        for count in [0, 1, 5, 17] {
            for chunks in 1...4 {
                let ranges = (0..<chunks).map { Parallelism.chunkRange($0, of: count, chunks: chunks) }
                #expect(ranges.flatMap { Array($0) } == Array(0..<count))
            }
        }
    }

    @Test func rejectsThreadCountBelowOne() {
        #expect(throws: MixLabError.self) { try Parallelism.setThreads(0) }
    }
}

@Suite struct FFTWPlannerTests {
    @Test func cachesPlansPerDescription() throws {
        let description = FFTWPlanDescription(kind: .realToComplex, lengths: [6, 10])
        let a = try FFTWPlanner.shared.plan(description)
        let b = try FFTWPlanner.shared.plan(description)
        #expect(a === b)
        var other = description
        other.lengths = [6, 12]
        #expect(try FFTWPlanner.shared.plan(other) !== a)
        #expect(FFTWPlanner.version.hasPrefix("fftw-3"))
    }

    @Test func realToComplexMatchesTheDFT() throws {
        let n = 12
        let plan = try FFTWPlanner.shared.plan(FFTWPlanDescription(kind: .realToComplex, lengths: [n]))
        var random = SeededRandom(seed: 5)
        let x = Tensor.normal([n], using: &random)
        var z = Tensor(zeros: [2 * (n / 2 + 1)])
        x.withUnsafeBufferPointer { px in
            z.withUnsafeMutableBufferPointer { pz in plan.executeRealToComplex(px.baseAddress!, pz.baseAddress!) }
        }
        let (real, imaginary) = DenseReference.dftMatrix(n)
        for k in 0...(n / 2) {
            var re = 0.0, im = 0.0
            for j in 0..<n {
                re += real[k * n + j] * Double(x[j])
                im += imaginary[k * n + j] * Double(x[j])
            }
            #expect(abs(Double(z[2 * k]) - re) < 1e-4)
            #expect(abs(Double(z[2 * k + 1]) - im) < 1e-4)
        }
    }

    @Test func wisdomRoundTripsAndMissingFileIsAnError() throws {
        let path = NSTemporaryDirectory() + "mixlab-wisdom-test-\(getpid())"
        defer { unlink(path) }
        try FFTWPlanner.shared.exportWisdom(to: path)
        try FFTWPlanner.shared.importWisdom(from: path)
        #expect(throws: MixLabError.self) { try FFTWPlanner.shared.importWisdom(from: path + ".missing") }
        #expect(throws: MixLabError.self) { try FFTWPlanner.shared.exportWisdom(to: "/nonexistent-dir/wisdom") }
    }
}

#if canImport(Glibc)
import Glibc
#endif

@Suite struct RealFourierKernelTests {
    static let shapes: [[Int]] = [[1, 1, 1], [2, 1, 5], [3, 4, 6], [2, 5, 3], [1, 9, 7], [4, 8, 16], [1, 33, 20], [2, 35, 71], [1, 70, 100]]

    @Test(arguments: shapes, MixingAxes.allCases)
    func fftAndMatrixPathsMatchTheDenseReference(_ shape: [Int], _ axes: MixingAxes) throws {
        var random = SeededRandom(seed: 3)
        let x = Tensor.normal(shape, using: &random)
        let reference = DenseReference.realPartOfDFT(x.values.map(Double.init), shape: shape, axes: axes, scale: 0.5)
        let fft = try RealFourierFFT(sequenceLength: shape[1], hiddenSize: shape[2], axes: axes, scale: 0.5)
        let matrix = try RealFourierMatrix(sequenceLength: shape[1], hiddenSize: shape[2], axes: axes, scale: 0.5)
        for apply in [fft.apply, matrix.apply] {
            var y = Tensor(zeros: shape)
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in apply(px.baseAddress!, py.baseAddress!, shape[0]) }
            }
            let scale = max(reference.map(abs).max()!, 1)
            for i in 0..<y.count {
                #expect(abs(Double(y[flat: i]) - reference[i]) <= 1e-5 * scale, "at \(y.multiIndex(ofFlat: i))")
            }
        }
    }
}
