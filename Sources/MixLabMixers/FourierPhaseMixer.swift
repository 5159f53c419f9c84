import Foundation
import MixLabCore
import MixLabKernels

/// FNet keeping the phase: a learned per-feature mix of the real and imaginary parts of the 2-D DFT.
///
/// For each example `X` of shape `(T, C)`, with `Z = F_T · X · F_C` (`F_n[j, k] = exp(−2πi·jk/n)`,
/// unnormalised as in FNet):
///
///     y[t, c] = α[c] · Re Z[t, c] + β[c] · Im Z[t, c]
///
/// With `axes = sequence` or `hidden` only one factor is applied (`Z = F_T·X` or `X·F_C`); `α` and `β`
/// are always per feature (output column), shape `[C]`.
///
/// FNet keeps only `Re Z` so that the rest of the block stays real (Lee-Thorp et al., §3); the imaginary
/// part carries the phase that `Re` discards. Here the block learns how much of each to keep, per feature.
/// Special cases: `α = 1, β = 0` (the initialisation) is FNet's `fourier` mixer exactly; `α = 1, β = −1`
/// is the paper's 2-D Hartley variant `Re(F) − Im(F)`, the kernel `cas(2π(jk/T + lm/C))`.
/// For FNet along one axis only, use `fourier` with `axes=sequence|hidden` (this mixer with those axes
/// keeps the phase of the one-axis DFT instead).
///
/// - Parameters: `real_weight` (`α`, initialised to 1) and `imag_weight` (`β`, initialised to 0), shape
///   `[C]`. With this start the mixer is FNet, and training can only add phase information.
/// - Linear in `X` for fixed `α, β` (`isLinear`). With `R(X) = Re Z` and `I(X) = Im Z`: for real `X`,
///   `R(X) = A_T X A_C − S_T X S_C` and `I(X) = −(S_T X A_C + A_T X S_C)`, where `A[j,k] = cos(2πjk/n)` and
///   `S[j,k] = sin(2πjk/n)` are symmetric, so both maps are self-adjoint. The adjoint of the mixer is
///   `G ↦ R(α ⊙ G) + I(β ⊙ G)` (not the mixer itself unless `β = 0`), and the parameter gradients are
///   `∂ℓ/∂α[c] = Σ_{b,t} G ⊙ R(X)`, `∂ℓ/∂β[c] = Σ_{b,t} G ⊙ I(X)`.
/// - Inverse: none in general. `α = 1, β = 0` is FNet's singular `Re(F)`; other choices (e.g. the
///   invertible Hartley transform at `β = −α`) are invertible, but the parameters move during training,
///   so the mixer does not declare an inverse.
/// - Residuals: in training mode the forward pass keeps the half spectrum of `X` (about the input's size);
///   otherwise backward recomputes it.
/// - Padding: ignored, as in FNet: pad every input to the same length.
/// - Lengths: any T; exactly the C it was built for (`α`, `β` have C entries).
/// - Complexity: O(B·T·C·log(T·C)): forward one FFT of real data per example (FFTW real-to-complex, or
///   packed column pairs along the sequence) plus one pass that unpacks the Hermitian half spectrum
///   (`RealSpectrumFFT.unpackRow`: mirrored entries are conjugated, so their imaginary parts change sign);
///   backward three such FFTs (two with kept spectra) per example.
///
/// References: J. Lee-Thorp et al., "FNet: Mixing Tokens with Fourier Transforms", NAACL 2022
/// (arXiv 2105.03824), §3 (keeping only the real part), and its Hartley ablation; R. N. Bracewell,
/// "The Hartley Transform", 1986.
public final class FourierPhaseMixer: TokenMixer, @unchecked Sendable {
    /// The transformed axes.
    public let axes: MixingAxes
    /// The hidden size C the weights were built for.
    public let hiddenSize: Int
    /// Name, axes, linearity, invertibility and accepted lengths.
    public let descriptor: MixerDescriptor
    /// `α`: the weight of `Re Z` per feature, shape `[C]`.
    public let realWeight: Parameter
    /// `β`: the weight of `Im Z` per feature, shape `[C]`.
    public let imaginaryWeight: Parameter

    /// `real_weight`, `imag_weight`.
    public var parameters: [Parameter] { [realWeight, imaginaryWeight] }

    private let kernels = KernelCache<Int, PhaseFourierFFT>()

    /// The mixer for hidden size `hiddenSize`, starting as FNet (`α = 1`, `β = 0`).
    ///
    /// - Throws: `MixLabError.invalidArgument` for a hidden size below 1.
    public init(hiddenSize: Int, axes: MixingAxes = .both) throws {
        guard hiddenSize >= 1 else {
            throw MixLabError(
                .invalidArgument, what: "cannot build fourier-phase for hidden size \(hiddenSize)",
                location: "mixer fourier-phase", fix: "pass a hidden size C of 1 or more")
        }
        self.axes = axes
        self.hiddenSize = hiddenSize
        descriptor = MixerDescriptor(
            name: "fourier-phase", axes: axes, isLinear: true, hiddenSize: .exactly(hiddenSize),
            configuration: ["axes": axes.rawValue])
        realWeight = Parameter(name: "real_weight", value: Tensor(shape: [hiddenSize], repeating: 1))
        imaginaryWeight = Parameter(name: "imag_weight", value: Tensor(zeros: [hiddenSize]))
    }

    private func kernel(sequenceLength t: Int) throws -> PhaseFourierFFT {
        try kernels.kernel(for: t) { try PhaseFourierFFT(sequenceLength: t, hiddenSize: hiddenSize, axes: axes) }
    }

    /// Checks that the weights still have shape `[C]` (their values may be replaced directly).
    private func checkParameterShapes() throws {
        for parameter in parameters where parameter.value.shape != [hiddenSize] {
            throw MixLabError.shapeMismatch(
                expected: "[\(hiddenSize)]", found: parameter.value.shape,
                location: "\(descriptor.summary) parameter \(parameter.name)",
                fix: "assign a tensor of shape [\(hiddenSize)] (use Parameter.load)")
        }
    }

    /// `α ⊙ Re Z + β ⊙ Im Z`; keeps the half spectrum of `X` for backward in training mode.
    public func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals) {
        try descriptor.validate(input, checksFinite: context.checksFiniteInput)
        try checkParameterShapes()
        let (batch, t) = (input.shape[0], input.shape[1])
        let kernel = try kernel(sequenceLength: t)
        var output = Tensor(uninitialized: input.shape)
        let spectra = SpectrumResiduals.spectra(batch: batch, stride: kernel.transform.spectrumStride, context: context)
        withExtendedLifetime(spectra) {
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    realWeight.value.withUnsafeBufferPointer { alpha in
                        imaginaryWeight.value.withUnsafeBufferPointer { beta in
                            kernel.apply(
                                x.baseAddress!, y.baseAddress!, batch: batch, realWeight: alpha.baseAddress!,
                                imaginaryWeight: beta.baseAddress!, spectra: spectra?.storage.pointer)
                        }
                    }
                }
            }
        }
        return (output, SpectrumResiduals.residuals(input: input, spectra: spectra))
    }

    /// `R(α ⊙ G) + I(β ⊙ G)`; adds `∂ℓ/∂α` and `∂ℓ/∂β` into the parameters' gradients.
    public func backward(_ outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor {
        let input = try SpectrumResiduals.input(from: residuals, matching: outputGradient, descriptor: descriptor)
        try descriptor.validate(outputGradient)
        try checkParameterShapes()
        let (batch, t) = (input.shape[0], input.shape[1])
        let kernel = try kernel(sequenceLength: t)
        let spectra = try SpectrumResiduals.spectra(
            from: residuals, batch: batch, stride: kernel.transform.spectrumStride, descriptor: descriptor)
        var inputGradient = Tensor(uninitialized: input.shape)
        var weightGradients = [Float](repeating: 0, count: 2 * hiddenSize)
        let c = hiddenSize
        outputGradient.withUnsafeBufferPointer { g in
            input.withUnsafeBufferPointer { x in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    realWeight.value.withUnsafeBufferPointer { alpha in
                        imaginaryWeight.value.withUnsafeBufferPointer { beta in
                            weightGradients.withUnsafeMutableBufferPointer { dw in
                                withExtendedLifetime(spectra) {
                                    kernel.backward(
                                        g.baseAddress!, batch: batch, realWeight: alpha.baseAddress!,
                                        imaginaryWeight: beta.baseAddress!, input: x.baseAddress!,
                                        spectra: spectra.map { UnsafePointer($0.storage.pointer) },
                                        inputGradient: dx.baseAddress!, realWeightGradient: dw.baseAddress!,
                                        imaginaryWeightGradient: dw.baseAddress! + c)
                                }
                            }
                        }
                    }
                }
            }
        }
        realWeight.gradient.withUnsafeMutableBufferPointer { d in
            for i in 0..<c { d[i] += weightGradients[i] }
        }
        imaginaryWeight.gradient.withUnsafeMutableBufferPointer { d in
            for i in 0..<c { d[i] += weightGradients[c + i] }
        }
        return inputGradient
    }
}

extension FourierPhaseMixer: DenseReferenceProviding {
    /// `α ⊙ Re(F_T X F_C) + β ⊙ Im(F_T X F_C)` with explicit DFT matrices (`DenseReference.partsOfDFT`).
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        try checkParameterShapes()
        let (real, imaginary) = DenseReference.partsOfDFT(input.values.map(Double.init), shape: input.shape, axes: axes)
        let (alpha, beta) = (realWeight.value.values.map(Double.init), imaginaryWeight.value.values.map(Double.init))
        return (0..<real.count).map { alpha[$0 % hiddenSize] * real[$0] + beta[$0 % hiddenSize] * imaginary[$0] }
    }
}

extension FourierPhaseMixer {
    /// The registry entry: `fourier-phase` with key `axes`; C comes from the build context.
    public static let registration = MixerRegistration(
        name: "fourier-phase",
        summary: "FNet keeping the phase: α ⊙ Re(F_T·X·F_C) + β ⊙ Im(…), α, β learned per feature (needs C)",
        keys: [
            MixerConfigurationKey.axes(),
        ]
    ) { configuration, context in
        let axes = try configuration.axes(mixer: "fourier-phase")
        guard let c = context.hiddenSize else {
            throw MixLabError(
                .invalidArgument,
                what: "fourier-phase needs the model's hiddenSize (C) to size its weights, and the build context has none",
                location: "mixer fourier-phase",
                fix: "pass MixerBuildContext(hiddenSize: C) (the encoder and `mixlab bench` do)")
        }
        return try FourierPhaseMixer(hiddenSize: c, axes: axes)
    }
}
