import CVectorKernels
import Foundation
import MixLabCore
import MixLabKernels
import Testing

@Suite struct KernelInstructionSetsTests {
    @Test func describesThisBuildAndProcess() {
        let sets = KernelInstructionSets.current
        #expect(sets.cKernels <= sets.cpu)
        #expect(sets.cKernels.rawValue == Int(mixlab_kernels_isa_level()))
        // The compile-time signal: what this test module sees through the same header, compiled with the
        // same Swift flags as MixLabKernels.
        #expect(sets.swiftLoops.rawValue == Int(MIXLAB_IMPORTER_ISA_LEVEL))
        #if arch(x86_64)
        #expect(sets.swiftLoops >= .x86_64 && sets.cpu >= .x86_64)
        #else
        #expect(sets.swiftLoops == .portable && sets.cKernels == .portable)
        #endif
        #expect(sets.summary.hasPrefix("Swift loops: \(sets.swiftLoops.name)"))
        #expect(sets.summary.contains("C kernels: \(sets.cKernels.name) (run-time dispatch)"))
    }

    @Test func summaryNamesBothSides() {
        let plain = KernelInstructionSets(swiftLoops: .x86_64, cKernels: .avx512F, cpu: .avx512F)
        #expect(plain.summary == "Swift loops: x86-64 baseline (SSE2); C kernels: AVX-512F (run-time dispatch)")
        #expect(plain.swiftLoopsBelowCPU)
        let native = KernelInstructionSets(swiftLoops: .avx512F, cKernels: .avx512F, cpu: .avx512F)
        #expect(native.summary == "Swift loops: AVX-512F (-target-cpu); C kernels: AVX-512F (run-time dispatch)")
        #expect(!native.swiftLoopsBelowCPU)
    }

    /// The variants this CPU can run, lowest first.
    static var variants: [mixlab_vector_kernels] {
        (0...3).compactMap { mixlab_vector_kernels_for_level(Int32($0))?.pointee }
    }

    @Test func everyVariantsExponentialIsWithinOneAndAHalfUlp() {
        #expect(!Self.variants.isEmpty)
        let (low, high) = (VectorExponential.lowerLimit, VectorExponential.upperLimit)
        var inputs: [Float] = (0...20_000).map { low + (high - low) * Float($0) / 20_000 }
        inputs += [-1e-30, 1e-30, 0, 1, -0.346_573_6, 0.346_573_6, -100, 100, -.infinity, .infinity]
        for variant in Self.variants {
            var output = [Float](repeating: 0, count: inputs.count)
            variant.exp(inputs, &output, inputs.count)
            var worst = 0.0
            for (x, y) in zip(inputs, output) {
                let exact = Foundation.exp(Double(x))
                if x < low { #expect(y == 0); continue }
                if x > high { #expect(y == .infinity); continue }
                worst = max(worst, abs(Double(y) - exact) / Double(Float(exact).ulp))
            }
            #expect(worst <= 1.5, "level \(variant.level): worst \(worst) ulp")
        }
    }

    @Test func everyVariantComputesTheSameFunctions() {
        var random = SeededRandom(seed: 5)
        let n = 1_000 + 7  // a tail for every width
        let x = (0..<n).map { _ in Float(random.nextUniform() * 12 - 6) }
        let dy = (0..<n).map { _ in Float(random.nextUniform() * 2 - 1) }
        for variant in Self.variants {
            var tanh = [Float](repeating: 0, count: n), gelu = tanh, activated = x, slope = tanh, dx = tanh
            variant.tanh(x, &tanh, n)
            variant.gelu_tanh(x, &gelu, n)
            variant.gelu_tanh_activate(&activated, &slope, n)
            variant.gelu_tanh_backward(x, dy, &dx, n)
            #expect(activated == gelu, "level \(variant.level): activate equals forward bit for bit")
            for i in 0..<n {
                let v = Double(x[i])
                let t = Foundation.tanh(v)
                #expect(abs(Double(tanh[i]) - t) < 2e-7)
                let u = 0.797_884_560_802_865_4 * (v + 0.044_715 * v * v * v)
                let tu = Foundation.tanh(u)
                let exactGelu = 0.5 * v * (1 + tu)
                let exactSlope = 0.5 * (1 + tu) + 0.5 * v * (1 - tu * tu) * 0.797_884_560_802_865_4 * (1 + 0.134_145 * v * v)
                #expect(abs(Double(gelu[i]) - exactGelu) <= 1e-6 * max(1, abs(exactGelu)))
                #expect(abs(Double(slope[i]) - exactSlope) <= 2e-6 * max(1, abs(exactSlope)))
                #expect(abs(Double(dx[i]) - Double(dy[i]) * exactSlope) <= 2e-6 * max(1, abs(exactSlope)))
            }
        }
    }

    @Test func everyVariantsSoftmaxRowsMatchDoubleAndRecomputeBitwise() {
        var random = SeededRandom(seed: 9)
        for n in [1, 5, 16, 37, 300] {
            let scores = (0..<n).map { _ in Float(random.nextUniform() * 20 - 10) }
            var bias = [Float](repeating: 0, count: n)
            if n > 2 { bias[1] = -.infinity }
            let g = (0..<n).map { _ in Float(random.nextUniform() * 2 - 1) }
            // Double reference.
            let shifted = zip(scores, bias).map { Double($0) + Double($1) }
            let top = shifted.max()!
            let e = shifted.map { Foundation.exp($0 - top) }
            let p = e.map { $0 / e.reduce(0, +) }
            let dot = zip(p, g).map { $0 * Double($1) }.reduce(0, +)
            for variant in Self.variants {
                var s = scores, statistics: [Float] = [0, 0]
                variant.softmax_row(&s, n, bias, &statistics)
                for i in 0..<n { #expect(abs(Double(s[i]) - p[i]) <= 1e-6, "level \(variant.level) n \(n)") }
                var again = scores
                variant.softmax_recompute_row(&again, n, bias, statistics)
                #expect(again == s)
                var gradient = g
                variant.softmax_gradient_row(s, &gradient, n)
                for i in 0..<n { #expect(abs(Double(gradient[i]) - p[i] * (Double(g[i]) - dot)) <= 1e-6) }
            }
        }
        // Every key masked: zeros and statistics (0, 0).
        for variant in Self.variants {
            var s: [Float] = [1, 2, 3], statistics: [Float] = [7, 7]
            let bias = [Float](repeating: -.infinity, count: 3)
            variant.softmax_row(&s, 3, bias, &statistics)
            #expect(s == [0, 0, 0] && statistics == [0, 0])
        }
    }

    /// The DCT row passes have no multiply-adds to fuse and no sums across lanes: every variant gives
    /// bitwise the same rows.
    @Test func everyVariantsDCTRowsAreBitwiseEqual() {
        var random = SeededRandom(seed: 13)
        for n in [2, 6, 32, 96, 130] {
            let half = n / 2 + 1
            let x = (0..<n).map { _ in Float(random.nextUniform() * 2 - 1) }
            let f = (0..<n).map { _ in Float(random.nextUniform() + 0.5) }
            let z = (0..<(2 * half)).map { _ in Float(random.nextUniform() * 2 - 1) }
            let mirror = (0..<(2 * half)).map { _ in Float(random.nextUniform() * 2 - 1) }
            let tables = (0..<4).map { _ in (0..<half).map { _ in Float(random.nextUniform() * 2 - 1) } }
            var results: [[Float]] = []
            for variant in Self.variants {
                var v = [Float](repeating: .nan, count: n), y = v
                variant.dct_gather_reordered(x, f, 0.75, &v, n)
                variant.dct_output_row(z, 0.6, -0.8, mirror, 0.28, 0.96, tables[0], tables[1], tables[2], tables[3], &y, n, half)
                #expect(!v.contains { $0.isNaN } && !y.contains { $0.isNaN }, "every output written (n = \(n))")
                for m in 0..<((n + 1) / 2) { #expect(v[m] == 0.75 * f[2 * m] * x[2 * m]) }
                results.append(v + y)
            }
            #expect(Set(results).count == 1, "n = \(n)")
        }
    }

    @Test func requestsThatCannotBeHonouredAreExplained() {
        #expect(KernelInstructionSets.requestProblem(nil, cpu: .avx512F) == nil)
        #expect(KernelInstructionSets.requestProblem("avx2", cpu: .avx512F) == nil)
        #expect(KernelInstructionSets.requestProblem("avx512", cpu: .avx512F)?.contains("is not one of") == true)
        #expect(KernelInstructionSets.requestProblem("avx512f", cpu: .avx2FMA)?.contains("which this CPU lacks") == true)
    }
}
