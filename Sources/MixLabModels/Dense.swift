import MixLabCore
import MixLabKernels

/// A fully connected layer `y = x·Wᵀ + b` over the last axis, on OpenBLAS.
///
/// `weight` is `[out, in]` (PyTorch's `Linear.weight` layout, so HF checkpoints load as they are),
/// `bias` is `[out]`. Inputs of any rank ≥ 1 are treated as `N` rows of `in` features.
/// Forward: one GEMM, `2·N·in·out` flops; backward: two GEMMs (`dX = dY·W`, `dW += dYᵀ·X`) and a
/// column sum for `db`.
public final class Dense: @unchecked Sendable {
    /// `[out, in]`.
    public let weight: Parameter
    /// `[out]`, or nil for a layer without bias.
    public let bias: Parameter?
    public let inputSize: Int
    public let outputSize: Int

    /// A layer with weights drawn from normal(0, `standardDeviation`) and zero bias (HF's init).
    public init(
        name: String, inputSize: Int, outputSize: Int, bias: Bool = true, standardDeviation: Float = 0.02,
        random: inout SeededRandom
    ) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        weight = Parameter(
            name: name + ".weight",
            value: Tensor.normal([outputSize, inputSize], standardDeviation: standardDeviation, using: &random))
        self.bias = bias ? Parameter(name: name + ".bias", value: Tensor(zeros: [outputSize])) : nil
    }

    /// The layer's parameters.
    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// `x·Wᵀ + b` for `x` of shape `[…, in]`; the result has shape `[…, out]`.
    public func forward(_ x: Tensor) throws -> Tensor {
        let rows = try rowCount(x)
        var y = Tensor(uninitialized: Array(x.shape.dropLast()) + [outputSize])
        try BLAS.requireAvailable(for: weight.name)
        x.withUnsafeBufferPointer { px in
            weight.value.withUnsafeBufferPointer { pw in
                y.withUnsafeMutableBufferPointer { py in
                    BLAS.sgemm(
                        transposeB: true, m: rows, n: outputSize, k: inputSize, a: px.baseAddress!, lda: inputSize,
                        b: pw.baseAddress!, ldb: inputSize, c: py.baseAddress!, ldc: outputSize)
                    if let bias {
                        bias.value.withUnsafeBufferPointer { pb in
                            let (out, b, width) = (py.baseAddress!, pb.baseAddress!, outputSize)
                            Elementwise.forEachRows(rows, width: width) { range in
                                for row in range {
                                    let target = out + row * width
                                    for j in 0..<width { target[j] += b[j] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// Adds `dW`, `db` into the gradients and returns `dX = dY·W`; `x` is the forward input.
    public func backward(_ dy: Tensor, input x: Tensor) throws -> Tensor {
        let rows = try rowCount(x)
        guard dy.shape == Array(x.shape.dropLast()) + [outputSize] else {
            throw MixLabError.shapeMismatch(
                expected: Shape.describe(Array(x.shape.dropLast()) + [outputSize]), found: dy.shape,
                location: "\(weight.name) output gradient")
        }
        var dx = Tensor(uninitialized: x.shape)
        dy.withUnsafeBufferPointer { pdy in
            x.withUnsafeBufferPointer { px in
                weight.value.withUnsafeBufferPointer { pw in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        BLAS.sgemm(
                            m: rows, n: inputSize, k: outputSize, a: pdy.baseAddress!, lda: outputSize,
                            b: pw.baseAddress!, ldb: inputSize, c: pdx.baseAddress!, ldc: inputSize)
                    }
                }
                weight.gradient.withUnsafeMutableBufferPointer { pdw in
                    BLAS.sgemm(
                        transposeA: true, m: outputSize, n: inputSize, k: rows, a: pdy.baseAddress!, lda: outputSize,
                        b: px.baseAddress!, ldb: inputSize, beta: 1, c: pdw.baseAddress!, ldc: inputSize)
                }
            }
            if let bias {
                // Column sums: per-thread partial sums over row ranges, added in chunk order.
                let (width, threads) = (outputSize, Parallelism.threads)
                var partial = [Float](repeating: 0, count: threads * width)
                partial.withUnsafeMutableBufferPointer { pp in
                    let (sums, g) = (pp.baseAddress!, pdy.baseAddress!)
                    Parallelism.forEachNumberedChunk(of: rows, chunks: threads) { chunk, range in
                        let target = sums + chunk * width
                        for row in range {
                            let source = g + row * width
                            for j in 0..<width { target[j] += source[j] }
                        }
                    }
                }
                bias.gradient.withUnsafeMutableBufferPointer { pdb in
                    for chunk in 0..<threads {
                        for j in 0..<width { pdb[j] += partial[chunk * width + j] }
                    }
                }
            }
        }
        return dx
    }

    private func rowCount(_ x: Tensor) throws -> Int {
        guard x.rank >= 1, x.shape.last == inputSize else {
            throw MixLabError.shapeMismatch(
                expected: "[…, \(inputSize)]", found: x.shape, location: "\(weight.name) input",
                fix: "pass activations whose last axis has \(inputSize) features")
        }
        return x.count / inputSize
    }
}
