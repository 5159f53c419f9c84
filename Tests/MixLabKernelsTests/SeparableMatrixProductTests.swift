import MixLabCore
import Testing
@testable import MixLabKernels

@Suite struct SeparableMatrixProductTests {
    static let shapes: [[Int]] = [[2, 5, 3], [3, 8, 4], [1, 1, 2], [2, 6, 1]]

    struct Case {
        let x, g: Tensor
        let a, b: Tensor?
        var xd: [Double] { x.values.map(Double.init) }
        var gd: [Double] { g.values.map(Double.init) }
        var ad: [Double]? { a.map { $0.values.map(Double.init) } }
        var bd: [Double]? { b.map { $0.values.map(Double.init) } }
    }

    static func makeCase(_ shape: [Int], _ axes: MixingAxes, seed: UInt64) -> Case {
        var random = SeededRandom(seed: seed)
        let (t, c) = (shape[1], shape[2])
        return Case(
            x: Tensor.normal(shape, using: &random), g: Tensor.normal(shape, using: &random),
            a: axes.includesSequence ? Tensor.normal([t, t], using: &random) : nil,
            b: axes.includesHidden ? Tensor.normal([c, c], using: &random) : nil)
    }

    static func maxRelativeError(_ fast: [Float], _ reference: [Double]) -> Double {
        let scale = max(reference.map(abs).max() ?? 0, 1e-30)
        return zip(fast, reference).map { abs(Double($0) - $1) }.max()! / scale
    }

    @Test(arguments: MixingAxes.allCases)
    func forwardApplyAndAdjointMatchTheDenseReference(_ axes: MixingAxes) throws {
        for (index, shape) in Self.shapes.enumerated() {
            let data = Self.makeCase(shape, axes, seed: UInt64(10 + index))
            let product = try SeparableMatrixProduct(sequenceLength: shape[1], hiddenSize: shape[2], axes: axes, user: "test")
            let reference = DenseReference.separableProduct(data.xd, shape: shape, sequenceMatrix: data.ad, hiddenMatrix: data.bd)
            let (y, saved) = product.forward(data.x, sequenceMatrix: data.a, hiddenMatrix: data.b)
            #expect(Self.maxRelativeError(y.values, reference) < 1e-5, "\(axes) \(shape) forward")
            #expect(product.apply(data.x, sequenceMatrix: data.a, hiddenMatrix: data.b) == y, "apply equals forward bitwise")
            #expect((saved.intermediate != nil) == (axes == .both))
            let gradients = DenseReference.separableProductGradients(
                data.xd, outputGradient: data.gd, shape: shape, sequenceMatrix: data.ad, hiddenMatrix: data.bd)
            let adjoint = product.adjoint(data.g, sequenceMatrix: data.a, hiddenMatrix: data.b)
            #expect(Self.maxRelativeError(adjoint.values, gradients.input) < 1e-5, "\(axes) \(shape) adjoint")
        }
    }

    @Test(arguments: MixingAxes.allCases)
    func backwardAddsTheMatrixGradients(_ axes: MixingAxes) throws {
        for (index, shape) in Self.shapes.enumerated() {
            let (t, c) = (shape[1], shape[2])
            let data = Self.makeCase(shape, axes, seed: UInt64(20 + index))
            let product = try SeparableMatrixProduct(sequenceLength: t, hiddenSize: c, axes: axes, user: "test")
            let (_, saved) = product.forward(data.x, sequenceMatrix: data.a, hiddenMatrix: data.b)
            // Start from non-zero gradients: backward must add to them.
            var random = SeededRandom(seed: 99)
            let dA0 = Tensor.normal([t, t], using: &random), dB0 = Tensor.normal([c, c], using: &random)
            let sequence = Parameter(name: "a", value: data.a ?? Tensor(zeros: [t, t]))
            let hidden = Parameter(name: "b", value: data.b ?? Tensor(zeros: [c, c]))
            sequence.gradient = dA0
            hidden.gradient = dB0
            let dx = product.backward(data.g, saved: saved, sequenceGradient: sequence, hiddenGradient: hidden)
            let reference = DenseReference.separableProductGradients(
                data.xd, outputGradient: data.gd, shape: shape, sequenceMatrix: data.ad, hiddenMatrix: data.bd)
            #expect(Self.maxRelativeError(dx.values, reference.input) < 1e-5, "\(axes) \(shape) dX")
            if let dA = reference.sequence {
                let expected = zip(dA0.values, dA).map { Double($0) + $1 }
                #expect(Self.maxRelativeError(sequence.gradient.values, expected) < 1e-5, "\(axes) \(shape) dA")
            } else {
                #expect(sequence.gradient == dA0, "no sequence matrix: its gradient is untouched")
            }
            if let dB = reference.hidden {
                let expected = zip(dB0.values, dB).map { Double($0) + $1 }
                #expect(Self.maxRelativeError(hidden.gradient.values, expected) < 1e-5, "\(axes) \(shape) dB")
            } else {
                #expect(hidden.gradient == dB0, "no hidden matrix: its gradient is untouched")
            }
            // The adjoint alone gives the same input gradient.
            #expect(Self.maxRelativeError(product.adjoint(data.g, sequenceMatrix: data.a, hiddenMatrix: data.b).values,
                                          dx.values.map(Double.init)) < 1e-6)
        }
    }

    @Test func savedTensorsRoundTripAndRejectForeignResiduals() throws {
        let product = try SeparableMatrixProduct(sequenceLength: 4, hiddenSize: 3, axes: .both, user: "test")
        let data = Self.makeCase([2, 4, 3], .both, seed: 8)
        let (_, saved) = product.forward(data.x, sequenceMatrix: data.a, hiddenMatrix: data.b)
        let rebuilt = try #require(SeparableMatrixProduct.Saved(tensors: saved.tensors, for: product))
        #expect(rebuilt.input == saved.input && rebuilt.intermediate == saved.intermediate)
        #expect(SeparableMatrixProduct.Saved(tensors: [data.x], for: product) == nil)
        var wrong = saved.tensors
        wrong[1] = Tensor(zeros: [3, 3])
        #expect(SeparableMatrixProduct.Saved(tensors: wrong, for: product) == nil)
        let other = try SeparableMatrixProduct(sequenceLength: 5, hiddenSize: 3, axes: .both, user: "test")
        #expect(SeparableMatrixProduct.Saved(tensors: saved.tensors, for: other) == nil)
    }
}
