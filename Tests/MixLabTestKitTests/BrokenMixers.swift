import Foundation
import MixLabCore
import MixLabMixers

// Deliberately broken mixers: each breaks one rule of the TokenMixer contract, and the conformance
// harness must name that rule. `SequenceMatrixMixer` is the correct mixer they are variations of.

/// A fixed, non-symmetric T×T matrix applied along the sequence: `Y[b] = M·X[b]`, with `M[i,j] = 1 + i + 2j`
/// scaled down (so a missing transpose is visible).
func sequenceMatrix(_ t: Int) -> [Float] {
    (0..<(t * t)).map { index in Float(1 + index / t + 2 * (index % t)) / Float(t * t) }
}

/// `Y[b] = M·X[b]` (or `Mᵀ·X[b]` when `transposed`), times `scale`.
func applySequenceMatrix(_ x: Tensor, transposed: Bool, scale: Float = 1) -> Tensor {
    let (batch, t, c) = (x.shape[0], x.shape[1], x.shape[2])
    let m = sequenceMatrix(t)
    var y = Tensor(zeros: x.shape)
    for b in 0..<batch {
        for i in 0..<t {
            for j in 0..<t {
                let weight = scale * (transposed ? m[j * t + i] : m[i * t + j])
                for k in 0..<c { y[b, i, k] += weight * x[b, j, k] }
            }
        }
    }
    return y
}

/// Correct: a fixed linear mixer with a true adjoint.
final class SequenceMatrixMixer: FixedLinearMixer, @unchecked Sendable {
    let descriptor = MixerDescriptor(name: "sequence-matrix", axes: .sequence, isLinear: true)
    func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        return applySequenceMatrix(input, transposed: false)
    }
    func applyAdjoint(_ gradient: Tensor) throws -> Tensor { applySequenceMatrix(gradient, transposed: true) }
}

/// Broken: the adjoint forgets the transpose.
final class MissingTransposeMixer: FixedLinearMixer, @unchecked Sendable {
    let descriptor = MixerDescriptor(name: "missing-transpose", axes: .sequence, isLinear: true)
    func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        return applySequenceMatrix(input, transposed: false)
    }
    func applyAdjoint(_ gradient: Tensor) throws -> Tensor { applySequenceMatrix(gradient, transposed: false) }
}

/// Broken: the adjoint is off by a factor of two.
final class WrongScaleMixer: FixedLinearMixer, @unchecked Sendable {
    let descriptor = MixerDescriptor(name: "wrong-scale", axes: .sequence, isLinear: true)
    func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        return applySequenceMatrix(input, transposed: false)
    }
    func applyAdjoint(_ gradient: Tensor) throws -> Tensor { applySequenceMatrix(gradient, transposed: true, scale: 2) }
}

/// Broken: every output sees the batch mean (like a normalisation over the wrong axis).
final class BatchLeakMixer: FixedLinearMixer, @unchecked Sendable {
    let descriptor = MixerDescriptor(name: "batch-leak", axes: .hidden, isLinear: true)
    func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        let batch = input.shape[0], example = input.count / max(batch, 1)
        return Tensor(shape: input.shape) { index in
            let position = index % example
            let mean = (0..<batch).map { input[flat: $0 * example + position] }.reduce(0, +) / Float(batch)
            return input[flat: index] + 0.5 * mean
        }
    }
    func applyAdjoint(_ gradient: Tensor) throws -> Tensor { try apply(gradient) }  // symmetric map
}

/// Broken: declares that it mixes features only, but mixes tokens.
final class WrongAxisMixer: FixedLinearMixer, @unchecked Sendable {
    let descriptor = MixerDescriptor(name: "wrong-axis", axes: .hidden, isLinear: true)
    func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        return applySequenceMatrix(input, transposed: false)
    }
    func applyAdjoint(_ gradient: Tensor) throws -> Tensor { applySequenceMatrix(gradient, transposed: true) }
}

/// Broken: claims to be linear, but squares its input.
final class FalselyLinearMixer: FixedLinearMixer, @unchecked Sendable {
    let descriptor = MixerDescriptor(name: "falsely-linear", axes: .hidden, isLinear: true)
    func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        return input.mapped { $0 * $0 }
    }
    func applyAdjoint(_ gradient: Tensor) throws -> Tensor { gradient }
}

/// Broken: declares power-of-two sequence lengths but never checks them.
final class UnenforcedLengthMixer: TokenMixer, @unchecked Sendable {
    let descriptor = MixerDescriptor(name: "unenforced-length", axes: .hidden, isLinear: true, sequenceLength: .powerOfTwo)
    var parameters: [Parameter] { [] }
    func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals) {
        guard input.rank == 3 else { throw MixLabError.shapeMismatch(expected: "(B, T, C)", found: input.shape, location: "test") }
        return (input, .none)
    }
    func backward(_ outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor { outputGradient }
}

/// Broken: returns a different result on every call.
final class NondeterministicMixer: FixedLinearMixer, @unchecked Sendable {
    let descriptor = MixerDescriptor(name: "nondeterministic", axes: .hidden, isLinear: true)
    private var calls: Float = 0
    func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        calls += 1
        return (1 + calls * 1e-3) * input
    }
    func applyAdjoint(_ gradient: Tensor) throws -> Tensor { gradient }
}

/// Broken: declares itself invertible, but its inverse is off by a sign.
final class WrongInverseMixer: FixedLinearMixer, InvertibleMixer, @unchecked Sendable {
    let descriptor = MixerDescriptor(name: "wrong-inverse", axes: .hidden, isLinear: true, isInvertible: true)
    func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        return 2 * input
    }
    func applyAdjoint(_ gradient: Tensor) throws -> Tensor { 2 * gradient }
    func inverse(_ output: Tensor) throws -> Tensor { -0.5 * output }
}

/// A learned per-feature gain `y[b,t,c] = w[c]·x[b,t,c]·tanh(x[b,t,c])` (non-linear, with a parameter),
/// correct or with one bug.
final class GainMixer: TokenMixer, @unchecked Sendable {
    enum Bug { case none, overwritesGradient, wrongParameterGradient, wrongInputGradient, cachesParameterValue }
    let descriptor: MixerDescriptor
    let gain: Parameter
    let bug: Bug
    private let initialGain: Tensor

    init(hiddenSize: Int, bug: Bug = .none) {
        self.bug = bug
        descriptor = MixerDescriptor(name: "gain", axes: .hidden, isLinear: false, hiddenSize: .exactly(hiddenSize))
        gain = Parameter(name: "gain", value: Tensor(shape: [hiddenSize]) { 0.5 + Float($0) / 4 })
        initialGain = gain.value
    }

    var parameters: [Parameter] { [gain] }

    func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals) {
        try descriptor.validate(input, checksFinite: context.checksFiniteInput)
        let c = input.shape[2]
        let w = bug == .cachesParameterValue ? initialGain : gain.value
        let y = Tensor(shape: input.shape) { i in w[flat: i % c] * input[flat: i] * tanh(input[flat: i]) }
        return (y, MixerResiduals([input]))
    }

    func backward(_ outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor {
        let x = residuals.tensors[0]
        let c = x.shape[2]
        var gw = Tensor(zeros: [c])
        for i in 0..<x.count { gw[flat: i % c] += outputGradient[flat: i] * x[flat: i] * tanh(x[flat: i]) }
        switch bug {
        case .overwritesGradient: gain.gradient = gw
        case .wrongParameterGradient: gain.accumulateGradient(0.5 * gw)
        default: gain.accumulateGradient(gw)
        }
        return Tensor(shape: x.shape) { i in
            let v = x[flat: i], t = tanh(v)
            let derivative = bug == .wrongInputGradient ? t : t + v * (1 - t * t)
            return outputGradient[flat: i] * gain.value[flat: i % c] * derivative
        }
    }
}

/// `y_t = x_t + mean_s x_s`: a sequence mixer with a first-positions pass, correct or with one bug.
final class MeanShiftMixer: FirstPositionsMixer, @unchecked Sendable {
    enum Bug { case none, returnsLastPositions, dropsTheMeanGradient }
    let descriptor = MixerDescriptor(name: "mean-shift", axes: .sequence, isLinear: true)
    let bug: Bug
    var parameters: [Parameter] { [] }

    init(bug: Bug = .none) { self.bug = bug }

    func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals) {
        try descriptor.validate(input, checksFinite: context.checksFiniteInput)
        return (Self.shift(input, positions: input.shape[1], from: 0), MixerResiduals([input]))
    }

    func backward(_ outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor {
        Self.shift(outputGradient, positions: outputGradient.shape[1], from: 0)
    }

    func forward(_ input: Tensor, firstPositions positions: Int, context: MixerContext) throws
        -> (output: Tensor, residuals: MixerResiduals)
    {
        try descriptor.validate(input, checksFinite: context.checksFiniteInput)
        try validateFirstPositions(positions, of: input)
        let start = bug == .returnsLastPositions ? input.shape[1] - positions : 0
        return (Self.shift(input, positions: positions, from: start), MixerResiduals([input]))
    }

    func backward(firstPositions outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor {
        let length = residuals.tensors[0].shape[1]
        let padded = outputGradient.padded(toPositions: length)
        guard bug != .dropsTheMeanGradient else { return padded }
        // The adjoint of `x ↦ x + mean x` is itself; the padded gradient's mean spreads to every position.
        return Self.shift(padded, positions: length, from: 0)
    }

    /// Positions `start ..< start + positions` of `x + mean_s x_s`.
    static func shift(_ x: Tensor, positions: Int, from start: Int) -> Tensor {
        let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
        return Tensor(shape: [b, positions, c]) { i in
            let (example, position, channel) = (i / (positions * c), (i / c) % positions, i % c)
            var mean: Float = 0
            for s in 0..<t { mean += x[example, s, channel] }
            return x[example, start + position, channel] + mean / Float(t)
        }
    }
}
