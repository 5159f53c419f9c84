import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTestKit
import Testing

@Suite struct FractionalFourierMixerTests {
    // MARK: The conformance kit first: every axes choice, fixed and learnable orders.

    /// The kit's options: learnable orders need a finer finite-difference step than the default 1e-2,
    /// because ⟨G, Y⟩ oscillates in the order with frequencies up to π/2·(T + C) (1e-2 leaves ~5 %
    /// truncation error at T = 16, C = 8). 3e-3 balances that against the Float rounding noise of the
    /// input-gradient difference, which grows as the step shrinks (measured over 9 seeds × 3 orders × 3
    /// axes: 2 of 81 runs exceed the 1 % tolerance, at 1.2 % and on a near-zero gradient; the exact
    /// check is `orderGradientMatchesCentralDifferencesOfTheDenseReference`, in Double).
    /// With axes = sequence the T = 1 shape is left out for learnable orders: F^a = [1] for N = 1, so the
    /// order cannot change the output and the round-trip check's premise does not hold.
    static func options(axes: MixingAxes, learnable: Bool) -> ConformanceOptions {
        var options = ConformanceOptions()
        if learnable {
            options.finiteDifferenceStep = 3e-3
            if axes == .sequence { options.shapes.removeAll { $0[1] == 1 } }
        }
        return options
    }

    @Test(arguments: MixingAxes.allCases, [false, true])
    func conformsToTheMixerContract(_ axes: MixingAxes, _ learnable: Bool) {
        let report = MixerConformance.check(options: Self.options(axes: axes, learnable: learnable)) { _, _ in
            try FractionalFourierMixer(axes: axes, order: 0.6, learnable: learnable)
        }
        #expect(report.passed, "\(report)")
        #expect(report.checksRun.isSuperset(of: [.adjoint, .linearity, .inputGradient, .batchIndependence]))
        if learnable {
            #expect(report.checksRun.isSuperset(of: [.parameterGradient, .gradientAccumulation, .parameterRoundTrip]))
        }
    }

    @Test(arguments: [false, true])
    func imaginaryPartWithTwoOrdersConforms(_ learnable: Bool) {
        let report = MixerConformance.check(options: Self.options(axes: .both, learnable: learnable)) { _, _ in
            try FractionalFourierMixer(sequenceOrder: 0.4, hiddenOrder: 1.3, output: .imaginary, learnable: learnable)
        }
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: [0.0, 1.0, 2.0, 3.0, 3.7, -0.5])
    func fixedIntegerAndLargeOrdersConform(_ order: Double) {
        let report = MixerConformance.check { _, _ in try FractionalFourierMixer(order: order) }
        #expect(report.passed, "\(report)")
    }

    /// Learnable orders away from integers. At even integers the true order gradient of the real part is
    /// exactly 0 (every phase sits at an extremum), which the kit's purely relative comparison cannot
    /// confirm against Float noise in the central difference; integer orders are checked exactly in
    /// `orderGradientMatchesCentralDifferencesOfTheDenseReference`.
    @Test(arguments: [3.7, -0.5])
    func learnableLargeAndNegativeOrdersConform(_ order: Double) {
        let report = MixerConformance.check(options: Self.options(axes: .both, learnable: true)) { _, _ in
            try FractionalFourierMixer(order: order, learnable: true)
        }
        #expect(report.passed, "\(report)")
    }

    // MARK: Golden values from numpy (Scripts/fixtures/fractional_fourier.py)

    struct MixerFixture: Decodable {
        struct Case: Decodable {
            let shape: [Int]
            let axes: String
            let sequence_order: Double
            let hidden_order: Double
            let output: String
            let reference: String
            let input: [Float]
            let expected: [Double]
        }
        let cases: [Case]
    }

    struct MatrixFixture: Decodable {
        struct Case: Decodable {
            let length: Int
            let order: Double
            let real: [Double]
            let imaginary: [Double]
        }
        let cases: [Case]
    }

    static func mixer(for golden: MixerFixture.Case, learnable: Bool) throws -> FractionalFourierMixer {
        let axes = try MixingAxes(parsing: golden.axes, location: "fixture")
        let output = try #require(FractionalFourierMixer.Output(rawValue: golden.output))
        if axes == .both {
            return try FractionalFourierMixer(
                sequenceOrder: golden.sequence_order, hiddenOrder: golden.hidden_order, output: output, learnable: learnable)
        }
        return try FractionalFourierMixer(axes: axes, order: golden.sequence_order, output: output, learnable: learnable)
    }

    @Test(arguments: [false, true])
    func matchesNumpyGoldenValues(_ learnable: Bool) throws {
        let fixture = try loadFixture("fractional_fourier", as: MixerFixture.self)
        #expect(fixture.cases.count >= 100)
        #expect(fixture.cases.contains { $0.reference.contains("norm='ortho'") && $0.sequence_order == 1 })
        for golden in fixture.cases {
            let mixer = try Self.mixer(for: golden, learnable: learnable)
            let y = try mixer.apply(try Tensor(shape: golden.shape, values: golden.input))
            let scale = max(golden.expected.map(abs).max()!, 1)
            let error = zip(y.values, golden.expected).map { abs(Double($0) - $1) }.max()!
            #expect(error <= 2e-6 * scale * Double(golden.shape[1] * golden.shape[2]).squareRoot(),
                    "\(golden.reference) \(golden.axes) a=\(golden.sequence_order),\(golden.hidden_order) \(golden.output) on \(golden.shape): max error \(error)")
        }
    }

    @Test func matricesMatchNumpy() throws {
        let fixture = try loadFixture("fractional_fourier_matrices", as: MatrixFixture.self)
        #expect(fixture.cases.count >= 30)
        for golden in fixture.cases {
            let basis = try FractionalFourierBasis.shared(length: golden.length)
            let fast = try basis.matrix(order: golden.order)
            let dense = DenseReference.fractionalFourierMatrix(basis, order: golden.order)
            for (name, computed) in [("dgemm", fast), ("dense", dense)] {
                let error = max(maxDifference(computed.real, golden.real), maxDifference(computed.imaginary, golden.imaginary))
                #expect(error < 1e-12, "\(name) N=\(golden.length) a=\(golden.order): \(error)")
            }
        }
    }

    // MARK: The defining properties, on the Double matrices

    static let propertyLengths = Array(1...33) + [48, 64, 100, 128]

    @Test func orderZeroIsTheIdentityAndOrderOneTheUnitaryDFT() throws {
        for n in Self.propertyLengths {
            let basis = try FractionalFourierBasis.shared(length: n)
            let identity = try basis.matrix(order: 0)
            #expect(maxDifference(identity.real, identityMatrix(n)) < 1e-12 && identity.imaginary.map(abs).max()! < 1e-12, "N=\(n)")
            let (dftReal, dftImaginary) = DenseReference.dftMatrix(n)
            let scale = 1 / Double(n).squareRoot()
            let one = try basis.matrix(order: 1)
            let error = max(maxDifference(one.real, dftReal.map { $0 * scale }), maxDifference(one.imaginary, dftImaginary.map { $0 * scale }))
            #expect(error < 1e-12, "F^1 vs unitary DFT, N=\(n): \(error)")
        }
    }

    @Test func orderTwoReversesAndOrderThreeIsTheInverseDFT() throws {
        for n in Self.propertyLengths {
            let basis = try FractionalFourierBasis.shared(length: n)
            var reversal = [Double](repeating: 0, count: n * n)
            for j in 0..<n { reversal[j * n + (n - j) % n] = 1 }
            let two = try basis.matrix(order: 2)
            #expect(maxDifference(two.real, reversal) < 1e-12 && two.imaginary.map(abs).max()! < 1e-12, "F^2, N=\(n)")
            let (dftReal, dftImaginary) = DenseReference.dftMatrix(n)
            let scale = 1 / Double(n).squareRoot()
            for order in [3.0, -1.0] {
                let inverse = try basis.matrix(order: order)
                let error = max(
                    maxDifference(inverse.real, dftReal.map { $0 * scale }),
                    maxDifference(inverse.imaginary, dftImaginary.map { -$0 * scale }))
                #expect(error < 1e-12, "F^\(order) vs unitary inverse DFT, N=\(n): \(error)")
            }
        }
    }

    @Test func additiveUnitaryAndSymmetric() throws {
        for n in Self.propertyLengths {
            let basis = try FractionalFourierBasis.shared(length: n)
            for (a, b) in [(0.7, 0.6), (0.25, 1.0), (2.5, 2.1), (-0.4, 0.9)] {
                let product = complexProduct(try basis.matrix(order: a), try basis.matrix(order: b), n)
                let sum = try basis.matrix(order: a + b)
                let error = max(maxDifference(product.real, sum.real), maxDifference(product.imaginary, sum.imaginary))
                #expect(error < 1e-11, "F^\(a)·F^\(b) vs F^\(a + b), N=\(n): \(error)")
            }
            let f = try basis.matrix(order: 0.3)
            let adjoint = (real: transposed(f.real, n), imaginary: transposed(f.imaginary, n).map { -$0 })
            let gram = complexProduct(f, adjoint, n)
            #expect(maxDifference(gram.real, identityMatrix(n)) < 1e-12 && gram.imaginary.map(abs).max()! < 1e-12, "unitary, N=\(n)")
            #expect(maxDifference(f.real, transposed(f.real, n)) < 1e-14 && maxDifference(f.imaginary, transposed(f.imaginary, n)) < 1e-14)
        }
    }

    @Test func ordersRepeatWithPeriodFour() throws {
        var random = SeededRandom(seed: 4)
        let x = Tensor.normal([2, 6, 5], using: &random)
        for learnable in [false, true] {
            let outputs = try [0.5, 4.5, -3.5, 8.5].map { try FractionalFourierMixer(order: $0, learnable: learnable).apply(x) }
            #expect(outputs.allSatisfy { $0 == outputs[0] }, "learnable \(learnable)")
        }
        #expect(FractionalFourierBasis.reducedOrder(-1) == 3 && FractionalFourierBasis.reducedOrder(7.25) == 3.25)
        #expect(FractionalFourierBasis.reducedOrder(-1e-300) < 4)
    }

    // MARK: The eigenbasis

    @Test func basisIsOrthonormalWithParityAndDescendingEigenvaluesPerParity() throws {
        for n in Self.propertyLengths {
            let basis = try FractionalFourierBasis.shared(length: n)
            let v = basis.vectors
            let gram = complexProduct((transposed(v, n), [Double](repeating: 0, count: n * n)), (v, [Double](repeating: 0, count: n * n)), n)
            #expect(maxDifference(gram.real, identityMatrix(n)) < 1e-12, "VᵀV = I, N=\(n)")
            let expectedIndices = Array(0..<(n - 1)) + [n % 2 == 1 ? n - 1 : n]
            #expect(basis.indices == expectedIndices, "N=\(n)")
            for m in 0..<n {
                let sign = basis.indices[m] % 2 == 0 ? 1.0 : -1.0
                let parityError = (0..<n).map { abs(v[$0 * n + m] - sign * v[((n - $0) % n) * n + m]) }.max()!
                #expect(parityError < 1e-12, "column \(m) of N=\(n) is not \(sign > 0 ? "even" : "odd")")
                // S·v = λ·v.
                let residual = (0..<n).map { i in
                    abs((0..<n).reduce(0.0) { $0 + FractionalFourierBasis.dftCommutingEntry(i, $1, length: n) * v[$1 * n + m] }
                        - basis.eigenvalues[m] * v[i * n + m])
                }.max()!
                #expect(residual < 1e-12, "S·v ≠ λ·v for column \(m), N=\(n)")
            }
            for parity in [0, 1] {
                let values = (0..<n).filter { basis.indices[$0] % 2 == parity }.sorted { basis.indices[$0] < basis.indices[$1] }
                    .map { basis.eigenvalues[$0] }
                #expect(zip(values, values.dropFirst()).allSatisfy { $0 - $1 > 1e-3 },
                        "eigenvalues of parity \(parity) must decrease strictly with k (simple), N=\(n)")
            }
        }
    }

    @Test func parityBlocksStaySeparatedAtTypicalLengths() throws {
        for n in [256, 512] {
            let basis = try FractionalFourierBasis.shared(length: n)
            for parity in [0, 1] {
                let values = (0..<n).filter { basis.indices[$0] % 2 == parity }.map { basis.eigenvalues[$0] }
                let gap = zip(values, values.dropFirst()).map { $0 - $1 }.min()!
                #expect(gap > 1e-3, "N=\(n) parity \(parity): smallest gap \(gap)")
            }
        }
    }

    @Test func theFullCommutingMatrixHasRepeatedEigenvaluesWhenFourDividesN() throws {
        // Why the basis splits S by parity: for N = 8, 12, 16 an even and an odd eigenvector share an
        // eigenvalue, so an eigensolver run on S alone may mix them into non-eigenvectors of the DFT.
        for n in [8, 12, 16, 32] {
            let basis = try FractionalFourierBasis.shared(length: n)
            let even = (0..<n).filter { basis.indices[$0] % 2 == 0 }.map { basis.eigenvalues[$0] }
            let odd = (0..<n).filter { basis.indices[$0] % 2 == 1 }.map { basis.eigenvalues[$0] }
            let closest = even.flatMap { e in odd.map { abs(e - $0) } }.min()!
            #expect(closest < 1e-10, "N=\(n): closest even/odd eigenvalues differ by \(closest)")
        }
        for n in [5, 6, 7, 9, 10] {
            let basis = try FractionalFourierBasis.shared(length: n)
            let sorted = basis.eigenvalues.sorted()
            #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $1 - $0 > 1e-3 }, "N=\(n) has simple eigenvalues")
        }
    }

    @Test func lowOrderEigenvectorsHaveKSignChanges() throws {
        // Centred at n = 0 (indices −N/2…N/2−1), eigenvector k changes sign k times for the lower half
        // of the spectrum, like the Hermite–Gauss function of order k.
        for n in [16, 31, 32, 64, 128] {
            let basis = try FractionalFourierBasis.shared(length: n)
            for m in 0..<(n / 2) {
                let centred = (0..<n).map { basis.vectors[(($0 - n / 2 + n) % n) * n + m] }
                let largest = centred.map(abs).max()!
                let significant = centred.filter { abs($0) > 1e-9 * largest }
                let changes = zip(significant, significant.dropFirst()).filter { $0 * $1 < 0 }.count
                #expect(changes == basis.indices[m], "N=\(n), column \(m): \(changes) sign changes, k=\(basis.indices[m])")
            }
        }
    }

    @Test func sampledHermiteGaussFunctionsAreApproximateEigenvectors() throws {
        // Independent of the ordering rule: F^a h_k ≈ exp(−iπak/2)·h_k for Hermite–Gauss h_k sampled at
        // x = n·√(2π/N) (Candan et al. §IV). A wrong k (say k + 4) would be off by |1 − e^{−iπa·2}| ≈ 2 at a = 0.5.
        let n = 128
        let basis = try FractionalFourierBasis.shared(length: n)
        let x = (0..<n).map { Double($0 < n / 2 ? $0 : $0 - n) * (2 * Double.pi / Double(n)).squareRoot() }
        for a in [0.5, 0.3, 1.7] {
            let f = try basis.matrix(order: a)
            for k in 0...3 {
                var h = x.map { hermite(k, $0) * exp(-$0 * $0 / 2) }
                let norm = h.reduce(0) { $0 + $1 * $1 }.squareRoot()
                h = h.map { $0 / norm }
                let theta = -Double.pi / 2 * a * Double(k)
                var error = 0.0
                for i in 0..<n {
                    var re = 0.0, im = 0.0
                    for j in 0..<n {
                        re += f.real[i * n + j] * h[j]
                        im += f.imaginary[i * n + j] * h[j]
                    }
                    error += pow(re - cos(theta) * h[i], 2) + pow(im - sin(theta) * h[i], 2)
                }
                #expect(error.squareRoot() < 0.03, "N=\(n) a=\(a) k=\(k): \(error.squareRoot())")
            }
        }
    }

    @Test func parityFoldIsCandansPAndMakesEveryMatrixBlockDiagonal() throws {
        for n in Array(1...12) + [31, 32] {
            // P from its definition, row-major.
            let (h, e) = ((n - 1) / 2, FractionalFourierParity.evenCount(n))
            var p = [Double](repeating: 0, count: n * n)
            let r = 1 / 2.0.squareRoot()
            p[0] = 1
            for j in stride(from: 1, through: h, by: 1) {
                p[j * n + j] = r
                p[j * n + n - j] = r
                p[(e + j - 1) * n + j] = -r
                p[(e + j - 1) * n + n - j] = r
            }
            if n % 2 == 0 && n >= 2 { p[(h + 1) * n + n / 2] = 1 }
            // The fast folds equal P (hidden: within rows; sequence: across rows) and unfold inverts them.
            var random = SeededRandom(seed: UInt64(n))
            let x = Tensor.normal([2, n, n], using: &random)
            var hidden = Tensor(zeros: x.shape), sequence = Tensor(zeros: x.shape), back = Tensor(zeros: x.shape)
            x.withUnsafeBufferPointer { xs in
                hidden.withUnsafeMutableBufferPointer { FractionalFourierParity.foldHidden(xs.baseAddress!, $0.baseAddress!, rows: 2 * n, length: n) }
                sequence.withUnsafeMutableBufferPointer { FractionalFourierParity.foldSequence(xs.baseAddress!, $0.baseAddress!, batch: 2, length: n, width: n) }
            }
            let xd = x.values.map(Double.init)
            let expectedHidden = DenseReference.applyAlongHidden(p, to: xd, shape: x.shape)
            let expectedSequence = DenseReference.applyAlongSequence(p, to: xd, shape: x.shape)
            #expect(maxDifference(hidden.values.map(Double.init), expectedHidden) < 1e-5, "foldHidden N=\(n)")
            #expect(maxDifference(sequence.values.map(Double.init), expectedSequence) < 1e-5, "foldSequence N=\(n)")
            hidden.withUnsafeBufferPointer { hs in
                back.withUnsafeMutableBufferPointer { FractionalFourierParity.unfoldHidden(hs.baseAddress!, $0.baseAddress!, rows: 2 * n, length: n) }
            }
            #expect(back.maxAbsDifference(x) < 1e-5, "unfoldHidden N=\(n)")
            sequence.withUnsafeBufferPointer { ss in
                back.withUnsafeMutableBufferPointer { FractionalFourierParity.unfoldSequence(ss.baseAddress!, $0.baseAddress!, batch: 2, length: n, width: n) }
            }
            #expect(back.maxAbsDifference(x) < 1e-5, "unfoldSequence N=\(n)")
            // F^a = Pᵀ·diag(F_even, F_odd)·P.
            let basis = try FractionalFourierBasis.shared(length: n)
            #expect(basis.evenCount == e)
            let blocks = try basis.blockMatrices(order: 0.45)
            for (part, full) in [(0, try basis.matrix(order: 0.45).real), (1, try basis.matrix(order: 0.45).imaginary)] {
                var diagonal = [Double](repeating: 0, count: n * n)
                let (even, odd) = part == 0 ? (blocks.even.real, blocks.odd.real) : (blocks.even.imaginary, blocks.odd.imaginary)
                for i in 0..<e { for j in 0..<e { diagonal[i * n + j] = even[i * e + j] } }
                for i in 0..<(n - e) { for j in 0..<(n - e) { diagonal[(e + i) * n + e + j] = odd[i * (n - e) + j] } }
                let zero = [Double](repeating: 0, count: n * n)
                let assembled = complexProduct(complexProduct((transposed(p, n), zero), (diagonal, zero), n), (p, zero), n).real
                #expect(maxDifference(assembled, full) < 1e-12, "N=\(n) part \(part)")
            }
        }
    }

    // MARK: Fast paths against the dense Double reference

    @Test func fastPathsMatchTheDenseReference() throws {
        var random = SeededRandom(seed: 11)
        let shape = [2, 24, 20]
        let x = Tensor.normal(shape, using: &random)
        for axes in MixingAxes.allCases {
            for output in FractionalFourierMixer.Output.allCases {
                for learnable in [false, true] {
                    let mixer = axes == .both
                        ? try FractionalFourierMixer(sequenceOrder: 0.37, hiddenOrder: 1.61, output: output, learnable: learnable)
                        : try FractionalFourierMixer(axes: axes, order: 0.37, output: output, learnable: learnable)
                    let y = try mixer.apply(x)
                    let reference = try mixer.denseReference(x)
                    let scale = reference.map(abs).max()!
                    let error = zip(y.values, reference).map { abs(Double($0) - $1) }.max()!
                    #expect(error < 1e-5 * scale, "\(mixer.descriptor.summary): \(error / scale)")
                }
            }
        }
    }

    @Test func orderOneRealPartIsTheOrthonormalFourierMixer() throws {
        var random = SeededRandom(seed: 12)
        let x = Tensor.normal([2, 12, 10], using: &random)
        for axes in MixingAxes.allCases {
            let fourier = try FourierMixer(axes: axes, normalization: .ortho).apply(x)
            for learnable in [false, true] {
                let fractional = try FractionalFourierMixer(axes: axes, order: 1, learnable: learnable).apply(x)
                #expect(fractional.maxAbsDifference(fourier) < 1e-5, "axes \(axes) learnable \(learnable)")
            }
        }
    }

    @Test func learnableAndFixedPathsAgreeAndParameterChangesTakeEffect() throws {
        var random = SeededRandom(seed: 13)
        let x = Tensor.normal([3, 9, 7], using: &random)
        let learnable = try FractionalFourierMixer(order: 0.5, learnable: true)
        #expect(learnable.parameters.map(\.name) == ["order"] && learnable.parameters[0].value.shape == [2])
        #expect(try learnable.apply(x).maxAbsDifference(FractionalFourierMixer(order: 0.5).apply(x)) < 1e-5)
        // A new value (as an optimiser step or a checkpoint load sets it) is used at the next forward pass.
        try learnable.parameters[0].load(try Tensor(shape: [2], values: [1.3, 0.2]))
        let expected = try FractionalFourierMixer(sequenceOrder: 1.3, hiddenOrder: 0.2).apply(x)
        #expect(try learnable.apply(x).maxAbsDifference(expected) < 1e-5)
        learnable.parameters[0].value = try Tensor(shape: [2], values: [0.5, 0.5])
        #expect(try learnable.apply(x).maxAbsDifference(FractionalFourierMixer(order: 0.5).apply(x)) < 1e-5)
        let (current, _) = try learnable.currentOrders()
        #expect(current == 0.5)
    }

    // MARK: The analytic order gradient

    @Test(arguments: MixingAxes.allCases, FractionalFourierMixer.Output.allCases)
    func orderGradientMatchesCentralDifferencesOfTheDenseReference(_ axes: MixingAxes, _ output: FractionalFourierMixer.Output) throws {
        for (shape, orders) in [([2, 7, 6], (0.43, 1.27)), ([2, 1, 4], (1.0, 1.0)), ([3, 5, 8], (2.0, 2.0)), ([1, 6, 9], (-0.7, 3.9))] {
            try checkOrderGradient(axes, output, shape: shape, orders: (sequence: orders.0, hidden: orders.1))
        }
    }

    func checkOrderGradient(
        _ axes: MixingAxes, _ output: FractionalFourierMixer.Output, shape: [Int], orders: (sequence: Double, hidden: Double)
    ) throws {
        var random = SeededRandom(seed: 14)
        let x = Tensor.normal(shape, using: &random)
        let g = Tensor.normal(shape, using: &random)
        let mixer = axes == .both
            ? try FractionalFourierMixer(sequenceOrder: orders.sequence, hiddenOrder: orders.hidden, output: output, learnable: true)
            : try FractionalFourierMixer(axes: axes, order: axes == .sequence ? orders.sequence : orders.hidden, output: output, learnable: true)
        let parameter = mixer.parameters[0]
        let (_, residuals) = try mixer.forward(x, context: .training)
        _ = try mixer.backward(g, residuals: residuals, context: .training)
        let analytic = parameter.gradient.values.map(Double.init)

        // L(a, b) = ⟨G, part(F_T^a X F_C^b)⟩ in Double; central differences with h = 1e-5.
        let xd = x.values.map(Double.init), gd = g.values.map(Double.init)
        func loss(_ a: Double, _ b: Double) throws -> Double {
            let y = try DenseReference.fractionalFourier(xd, shape: shape, axes: axes, sequenceOrder: a, hiddenOrder: b, part: output)
            return zip(y, gd).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let h = 1e-5
        var numeric: [Double] = []
        if axes.includesSequence {
            numeric.append((try loss(orders.sequence + h, orders.hidden) - loss(orders.sequence - h, orders.hidden)) / (2 * h))
        }
        if axes.includesHidden {
            numeric.append((try loss(orders.sequence, orders.hidden + h) - loss(orders.sequence, orders.hidden - h)) / (2 * h))
        }
        #expect(analytic.count == numeric.count)
        for (a, n) in zip(analytic, numeric) {
            #expect(abs(a - n) <= 1e-4 * max(abs(n), 1), "axes \(axes) \(output) \(shape) \(orders): analytic \(a) vs numeric \(n)")
        }
        // Backward adds: a second backward doubles the gradient.
        _ = try mixer.backward(g, residuals: residuals, context: .training)
        #expect(zip(parameter.gradient.values, analytic).allSatisfy { abs(Double($0) - 2 * $1) <= 1e-5 * max(abs($1), 1) })
    }

    @Test func gradientDescentRecoversATargetOrder() throws {
        // Fit Y = Re(F^0.8·X·F^0.8) starting from order 0.7 by plain gradient descent: the loss ½‖y − Y‖²
        // falls to ~0 and the learned orders reach 0.8. (The loss is not convex in the order: it
        // oscillates with frequencies up to π/2·(T + C), so a start far from the target can stall in
        // another minimum; numpy shows the same landscape.)
        var random = SeededRandom(seed: 15)
        let x = Tensor.normal([4, 8, 6], using: &random)
        let target = try FractionalFourierMixer(order: 0.8).apply(x)
        let mixer = try FractionalFourierMixer(order: 0.7, learnable: true)
        let order = mixer.parameters[0]
        var firstLoss = 0.0, lastLoss = 0.0
        for step in 0..<100 {
            order.zeroGradient()
            let (y, residuals) = try mixer.forward(x, context: .training)
            let difference = y - target
            lastLoss = 0.5 * difference.dot(difference)
            if step == 0 { firstLoss = lastLoss }
            _ = try mixer.backward(difference, residuals: residuals, context: .training)
            order.value = order.value - 2e-4 * order.gradient
        }
        #expect(lastLoss < 1e-4 * firstLoss, "loss \(firstLoss) → \(lastLoss)")
        #expect(order.value.values.allSatisfy { abs($0 - 0.8) < 1e-2 }, "\(order.value.values)")
    }

    // MARK: Not invertible

    @Test func takingTheRealPartLosesInformation() throws {
        let mixer = try FractionalFourierMixer(axes: .sequence, order: 1)
        #expect(!mixer.descriptor.isInvertible && !(mixer is any InvertibleMixer))
        // An odd sequence (x[n] = −x[−n]) has a purely imaginary DFT: Re(F¹x) = 0.
        var x = Tensor(zeros: [1, 8, 1])
        for (n, value) in [(1, 1.0), (2, -0.5), (3, 2.0)] as [(Int, Float)] {
            x[0, n, 0] = value
            x[0, 8 - n, 0] = -value
        }
        #expect(try mixer.apply(x).maxAbs < 1e-6)
    }

    // MARK: Registry and settings

    @Test func buildsByNameWithItsKeys() throws {
        let registry = MixerRegistry.shared
        #expect(registry.names.contains("fractional-fourier"))
        let mixer = try registry.make(
            "fractional-fourier", configuration: MixerConfiguration(["order": "0.5", "hidden_order": "1.25", "learnable": "true"]))
        let fractional = try #require(mixer as? FractionalFourierMixer)
        #expect(fractional.axes == .both && fractional.isLearnable && fractional.output == .real)
        #expect(fractional.configuredSequenceOrder == 0.5 && fractional.configuredHiddenOrder == 1.25)
        #expect(mixer.parameters[0].value.values == [0.5, 1.25])
        #expect(mixer.descriptor.summary
            == "fractional-fourier(axes=both, hidden_order=1.25, learnable=true, output=real, sequence_order=0.5)")
        let defaults = try registry.make("fractional-fourier")
        #expect(defaults.descriptor.summary == "fractional-fourier(axes=both, learnable=false, order=1, output=real)")
        #expect(defaults.parameters.isEmpty)
        let sequence = try registry.make(
            "fractional-fourier", configuration: MixerConfiguration(["axes": "sequence", "sequence_order": "-0.5", "output": "imaginary"]))
        #expect(sequence.descriptor.summary == "fractional-fourier(axes=sequence, learnable=false, order=-0.5, output=imaginary)")
    }

    // MARK: Bad input

    @Test func rejectsNonFiniteOrders() {
        for order in [Double.nan, .infinity, -.infinity] {
            #expect {
                _ = try FractionalFourierMixer(order: order)
            } throws: { error in
                let e = error as! MixLabError
                return e.code == .invalidConfigValue && e.what.contains("order=") && e.location.contains("fractional-fourier")
                    && e.fix.contains("period 4")
            }
        }
        #expect(throws: MixLabError.self) { try FractionalFourierMixer(sequenceOrder: 0.5, hiddenOrder: .nan) }
        for (key, text) in [("order", "nan"), ("order", "abc"), ("sequence_order", "inf"), ("hidden_order", "")] {
            #expect {
                _ = try MixerRegistry.shared.make("fractional-fourier", configuration: MixerConfiguration([key: text]))
            } throws: { error in
                let e = error as! MixLabError
                return e.code == .invalidConfigValue && e.what.contains("\(key)=\(text)") && e.what.contains("finite")
                    && e.location.contains("fractional-fourier")
            }
        }
    }

    @Test func rejectsUnknownSettings() {
        let cases: [([String: String], MixLabError.Code, String, String)] = [
            (["output": "complex"], .invalidConfigValue, "output=complex", "real, imaginary"),
            (["learnable": "maybe"], .invalidConfigValue, "learnable=maybe", "true or false"),
            (["axes": "time"], .invalidConfigValue, "axes=time", "sequence, hidden, both"),
            (["angle": "0.5"], .unknownConfigKey, "angle", "order, sequence_order, hidden_order"),
            (["axes": "sequence", "hidden_order": "0.5"], .invalidConfigValue, "hidden_order", "remove hidden_order"),
            (["axes": "hidden", "sequence_order": "0.5"], .invalidConfigValue, "sequence_order", "remove sequence_order"),
        ]
        for (settings, code, what, fix) in cases {
            #expect {
                _ = try MixerRegistry.shared.make("fractional-fourier", configuration: MixerConfiguration(settings))
            } throws: { error in
                let e = error as! MixLabError
                return e.code == code && e.what.contains(what) && e.fix.contains(fix) && e.location.contains("fractional-fourier")
            }
        }
    }

    @Test func rejectsANonFiniteLearnedOrderAtTheNextForwardPass() throws {
        let mixer = try FractionalFourierMixer(order: 0.5, learnable: true)
        try mixer.parameters[0].load(try Tensor(shape: [2], values: [0.5, .nan]))
        #expect {
            _ = try mixer.forward(Tensor(zeros: [1, 4, 4]), context: .training)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .nonFiniteValue && e.what.contains("nan") && e.what.contains("index 1")
                && e.location.contains("'order'") && e.fix.contains("learning rate")
        }
    }

    @Test func rejectsMismatchedBackwardInputsAndBadShapes() throws {
        let mixer = try FractionalFourierMixer(order: 0.5, learnable: true)
        let (_, residuals) = try mixer.forward(Tensor(zeros: [2, 4, 3]), context: .training)
        #expect {
            _ = try mixer.backward(Tensor(zeros: [2, 4, 4]), residuals: residuals, context: .training)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .shapeMismatch && e.what.contains("[2, 4, 3]") && e.location.contains("backward")
        }
        #expect {
            _ = try mixer.backward(Tensor(zeros: [2, 4, 3]), residuals: .none, context: .training)
        } throws: { error in
            (error as! MixLabError).code == .invalidArgument
        }
        for learnable in [false, true] {
            #expect {
                _ = try FractionalFourierMixer(learnable: learnable).forward(Tensor(zeros: [4, 8]), context: .inference)
            } throws: { error in
                let e = error as! MixLabError
                return e.code == .shapeMismatch && e.location.contains("fractional-fourier")
            }
        }
        #expect {
            _ = try FractionalFourierBasis(length: 0)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.what.contains("length 0")
        }
    }

    @Test func concurrentCallsAgreeWithSerialOnes() async throws {
        for learnable in [false, true] {
            let mixer = try FractionalFourierMixer(order: 0.7, learnable: learnable)
            var random = SeededRandom(seed: 16)
            let inputs = (0..<6).map { _ in Tensor.normal([2, 10, 6], using: &random) }
            let serial = try inputs.map { try mixer.apply($0) }
            let parallel = try await withThrowingTaskGroup(of: (Int, Tensor).self) { group in
                for (index, x) in inputs.enumerated() { group.addTask { (index, try mixer.apply(x)) } }
                var results = [Tensor?](repeating: nil, count: inputs.count)
                for try await (index, y) in group { results[index] = y }
                return results
            }
            #expect(parallel.map { $0! } == serial)
        }
    }
}

// MARK: Helpers (Double, row-major n×n)

private func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

private func identityMatrix(_ n: Int) -> [Double] {
    var m = [Double](repeating: 0, count: n * n)
    for i in 0..<n { m[i * n + i] = 1 }
    return m
}

private func transposed(_ m: [Double], _ n: Int) -> [Double] {
    var t = m
    for i in 0..<n { for j in 0..<n { t[j * n + i] = m[i * n + j] } }
    return t
}

private func complexProduct(
    _ a: (real: [Double], imaginary: [Double]), _ b: (real: [Double], imaginary: [Double]), _ n: Int
) -> (real: [Double], imaginary: [Double]) {
    var real = [Double](repeating: 0, count: n * n), imaginary = real
    for i in 0..<n {
        for k in 0..<n {
            let (ar, ai) = (a.real[i * n + k], a.imaginary[i * n + k])
            for j in 0..<n {
                real[i * n + j] += ar * b.real[k * n + j] - ai * b.imaginary[k * n + j]
                imaginary[i * n + j] += ar * b.imaginary[k * n + j] + ai * b.real[k * n + j]
            }
        }
    }
    return (real, imaginary)
}

/// The physicists' Hermite polynomial H_k(x).
private func hermite(_ k: Int, _ x: Double) -> Double {
    var (previous, current) = (1.0, 2 * x)
    if k == 0 { return previous }
    for n in stride(from: 1, to: k, by: 1) { (previous, current) = (current, 2 * x * current - 2 * Double(n) * previous) }
    return current
}
