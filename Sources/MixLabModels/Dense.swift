import MixLabCore
import MixLabKernels

/// A fully connected layer `y = x·Wᵀ + b` over the last axis, on OpenBLAS.
///
/// `weight` is `[out, in]` (PyTorch's `Linear.weight` layout, so HF checkpoints load as they are),
/// `bias` is `[out]`. Inputs of any rank ≥ 1 are treated as `N` rows of `in` features.
/// Forward: one GEMM, `2·N·in·out` flops, onto the bias; backward: two GEMMs (`dX = dY·W`,
/// `dW += dYᵀ·X`) and a column sum for `db` (which the encoder block takes from an earlier fused pass).
public final class Dense: @unchecked Sendable {
    /// `[out, in]`.
    public let weight: Parameter
    /// `[out]`, or nil for a layer without bias.
    public let bias: Parameter?
    /// The number of input features `in` (the input's last axis).
    public let inputSize: Int
    /// The number of output features `out` (the output's last axis).
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
    ///
    /// The bias is written into the result first and the GEMM adds `x·Wᵀ` to it (`beta = 1`): one pass
    /// over the result fewer than a GEMM into zeros followed by a bias pass.
    public func forward(_ x: Tensor) throws -> Tensor {
        let rows = try rowCount(x)
        var y = Tensor(uninitialized: Array(x.shape.dropLast()) + [outputSize])
        try BLAS.requireAvailable(for: weight.name)
        y.withUnsafeMutableBufferPointer { py in
            let (out, width) = (py.baseAddress!, outputSize)
            if let bias {
                bias.value.withUnsafeBufferPointer { pb in
                    let b = pb.baseAddress!
                    Elementwise.forEachRows(rows, width: width) { range in
                        for row in range { (out + row * width).update(from: b, count: width) }
                    }
                }
            }
            x.withUnsafeBufferPointer { px in
                weight.value.withUnsafeBufferPointer { pw in
                    BLAS.sgemm(
                        transposeB: true, m: rows, n: outputSize, k: inputSize, a: px.baseAddress!, lda: inputSize,
                        b: pw.baseAddress!, ldb: inputSize, beta: bias == nil ? 0 : 1, c: out, ldc: outputSize)
                }
            }
        }
        return y
    }

    /// Adds `dW`, `db` into the gradients and returns `dX = dY·W`; `x` is the forward input.
    public func backward(_ dy: Tensor, input x: Tensor) throws -> Tensor {
        try checkOutputGradient(dy, input: x)
        try BLAS.requireAvailable(for: weight.name)
        addParameterGradients(dy, input: x, biasGradient: nil)
        return inputGradient(dy)
    }

    /// Checks that `dy` has the shape of this layer's output for input `x`.
    func checkOutputGradient(_ dy: Tensor, input x: Tensor) throws {
        _ = try rowCount(x)
        guard dy.shape == Array(x.shape.dropLast()) + [outputSize] else {
            throw MixLabError.shapeMismatch(
                expected: Shape.describe(Array(x.shape.dropLast()) + [outputSize]), found: dy.shape,
                location: "\(weight.name) output gradient")
        }
    }

    /// Adds `dW = dYᵀ·X` and `db` (the column sums of `dY`, or `biasGradient` when the caller already
    /// summed them in an earlier pass) into the gradients.
    func addParameterGradients(_ dy: Tensor, input x: Tensor, biasGradient: [Float]?) {
        let rows = x.count / inputSize
        dy.withUnsafeBufferPointer { pdy in
            x.withUnsafeBufferPointer { px in
                weight.gradient.withUnsafeMutableBufferPointer { pdw in
                    BLAS.sgemm(
                        transposeA: true, m: outputSize, n: inputSize, k: rows, a: pdy.baseAddress!, lda: outputSize,
                        b: px.baseAddress!, ldb: inputSize, beta: 1, c: pdw.baseAddress!, ldc: inputSize)
                }
            }
            guard let bias else { return }
            let width = outputSize
            bias.gradient.withUnsafeMutableBufferPointer { pdb in
                if let biasGradient {
                    biasGradient.withUnsafeBufferPointer { FusedRows.accumulate($0.baseAddress!, into: pdb.baseAddress!, count: width) }
                    return
                }
                // Column sums: per-chunk partial sums over row ranges, added in chunk order.
                let partials = ColumnPartials(width: width, kinds: 1, rows: rows)
                let g = pdy.baseAddress!
                partials.run { range, sums in
                    for row in range { FusedRows.accumulate(g + row * width, into: sums, count: width) }
                }
                partials.add(kind: 0, into: pdb.baseAddress!)
            }
        }
    }

    /// `dX = dY·W` into a new tensor.
    func inputGradient(_ dy: Tensor) -> Tensor {
        let rows = dy.count / outputSize
        var dx = Tensor(uninitialized: Array(dy.shape.dropLast()) + [inputSize])
        dx.withUnsafeMutableBufferPointer { multiplyByWeight(dy, into: $0.baseAddress!, rows: rows, accumulating: false) }
        return dx
    }

    /// `target += dY·W`: the input gradient added to a gradient from another path (a residual
    /// connection) inside the GEMM (`beta = 1`), without a separate pass.
    func addInputGradient(_ dy: Tensor, into target: inout Tensor) {
        let rows = dy.count / outputSize
        precondition(target.count == rows * inputSize, "\(weight.name): accumulation target has \(target.count) values, not \(rows * inputSize)")
        target.withUnsafeMutableBufferPointer { multiplyByWeight(dy, into: $0.baseAddress!, rows: rows, accumulating: true) }
    }

    private func multiplyByWeight(_ dy: Tensor, into target: UnsafeMutablePointer<Float>, rows: Int, accumulating: Bool) {
        dy.withUnsafeBufferPointer { pdy in
            weight.value.withUnsafeBufferPointer { pw in
                BLAS.sgemm(
                    m: rows, n: inputSize, k: outputSize, a: pdy.baseAddress!, lda: outputSize,
                    b: pw.baseAddress!, ldb: inputSize, beta: accumulating ? 1 : 0, c: target, ldc: inputSize)
            }
        }
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
