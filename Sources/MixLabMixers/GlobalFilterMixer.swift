import Foundation
import MixLabCore
import MixLabKernels

/// GFNet's global filter: a learned complex filter multiplying the real FFT of each example.
///
/// For each example `X` of shape `(T, C)`:
///
///     Y = irfft2(W ⊙ rfft2(X), s = (T, C))          axes = both (default)
///     Y = irfft(W ⊙ rfft(X, axis = T), n = T)       axes = sequence
///     Y = irfft(W ⊙ rfft(X, axis = C), n = C)       axes = hidden
///
/// with numpy's definitions, and a learnable complex `W` on the half spectrum:
///
/// | axes | `W` shape | what it is |
/// |---|---|---|
/// | `both` | `T × (C/2+1)` | a 2-D filter over (T, C), FNet-style: mixes tokens and features |
/// | `sequence` | `(T/2+1) × C` | one filter over the sequence per feature: GFNet's per-channel global filter on a 1-D token grid (GFNet filters the spatial axes of an image per channel) |
/// | `hidden` | `T × (C/2+1)` | one filter over the features per position |
///
/// - Parameters: `filter.real` and `filter.imag`, the real and imaginary parts of `W`, two real tensors of
///   the half-spectrum shape (an optimiser and a checkpoint see ordinary real matrices; GFNet's single
///   `(…, 2)` tensor holds the same numbers interleaved). Initialisation `init=normal` (default) is
///   GFNet's: both parts normal with σ = 0.02, so the mixing sublayer starts as a small perturbation and
///   the block `LN(x + Mix(x))` starts close to `LN(x)`. `init=identity` sets `W = 1` (real 1, imaginary
///   0): the mixer starts as the exact identity and learns away from it.
/// - Normalisation: numpy's `backward` convention (forward FFT unscaled, `irfft` divides by n = T·C, T or
///   C). The composite `irfft(W ⊙ rfft(X))` is the same for every convention (the two scales multiply to
///   1/n), so GFNet's `norm="ortho"` gives the same map for the same `W`.
/// - Self-paired bins: `irfft` reads only the Hermitian part of bins 0 and n/2 (n even) of the halved axis
///   (it drops their imaginary parts after the complex inverse along the other axis), so those entries of
///   `W` act through `P(W)`, their Hermitian part (`(W[k,l] + conj(W[−k,l]))/2` along T for `both`, `Re W`
///   for one axis); the other part of those entries has no effect and receives a zero gradient.
/// - Linear in `X` for a fixed `W` (`isLinear`): backward is the adjoint,
///   `∂ℓ/∂X = irfft(conj(P(W)) ⊙ rfft(G))`, and `∂ℓ/∂W = Σ_batch conj(rfft(X)) ⊙ (w/n) ⊙ rfft(G)`, where
///   `w` is 1 on self-paired bins and 2 elsewhere: the adjoint of `irfft` is *not* `rfft/n`, every bin that
///   also stands for its mirror image counts twice (derivation in `GlobalFilterFFT`).
/// - Inverse: `X = irfft(rfft(Y) / P(W))`, defined when no entry of `P(W)` is zero. `inverse` checks
///   this and throws when `P(W)` has a zero or non-finite entry, or a modulus range beyond Float32
///   (largest/smallest > 2²³, where rounding alone swamps the result).
/// - Residuals: in training mode the forward pass keeps `rfft(X)` (one tensor the size of the input) so
///   backward needs two FFTs; otherwise backward recomputes it (three FFTs).
/// - Lengths: exactly the T and C it was built for (`W` has their shape); the registry takes them from
///   `MixerBuildContext` and refuses to build without them.
/// - Complexity: O(B·T·C·log(T·C)) — one real FFT and one inverse per example forward, plus one complex
///   multiply per half-spectrum bin; backward two more FFTs; `T·(C/2+1)` complex parameters. Along the
///   sequence with an even C, column pairs share one complex FFT (`GlobalFilterFFT`), as in FNet's kernel.
///
/// References: Y. Rao, W. Zhao, Z. Zhu, J. Lu, J. Zhou, "Global Filter Networks for Image
/// Classification", NeurIPS 2021 (arXiv 2107.00645); J. Lee-Thorp et al., "FNet: Mixing Tokens with
/// Fourier Transforms", NAACL 2022 (arXiv 2105.03824).
public final class GlobalFilterMixer: TokenMixer, InvertibleMixer, @unchecked Sendable {
    /// How `W` starts.
    public enum Initialization: String, Sendable, CaseIterable {
        /// GFNet's: real and imaginary parts normal with σ = 0.02.
        case normal
        /// `W = 1`: the mixer starts as the identity.
        case identity
    }

    /// The sequence length T the filter was built for.
    public let sequenceLength: Int
    /// The hidden size C the filter was built for.
    public let hiddenSize: Int
    /// The transformed axes.
    public let axes: MixingAxes
    /// How `W` was initialised.
    public let initialization: Initialization
    /// Name, axes, linearity, invertibility and accepted lengths.
    public let descriptor: MixerDescriptor
    /// `Re W`, shape `[rows, columns]` of the half spectrum.
    public let filterReal: Parameter
    /// `Im W`, shape `[rows, columns]` of the half spectrum.
    public let filterImaginary: Parameter

    private let kernel: GlobalFilterFFT

    /// The filter's shape `[rows, columns]`: `[T, C/2+1]`, or `[T/2+1, C]` for `axes = sequence`.
    public var filterShape: [Int] { [kernel.transform.rows, kernel.transform.columns] }

    /// `filter.real`, `filter.imag`.
    public var parameters: [Parameter] { [filterReal, filterImaginary] }

    /// A global filter for examples of shape `(sequenceLength, hiddenSize)`, drawn from `random`.
    ///
    /// - Throws: `MixLabError.invalidArgument` naming the mixer for a length below 1, or when FFTW cannot
    ///   plan the shape.
    public init(
        sequenceLength: Int, hiddenSize: Int, axes: MixingAxes = .both, initialization: Initialization = .normal,
        random: SeededRandom = SeededRandom(seed: 0)
    ) throws {
        let configuration = ["axes": axes.rawValue, "init": initialization.rawValue]
        guard sequenceLength >= 1, hiddenSize >= 1 else {
            throw MixLabError(
                .invalidArgument,
                what: "cannot build a global filter for sequence length \(sequenceLength) and hidden size \(hiddenSize)",
                location: "mixer global-filter", fix: "pass a sequence length T and a hidden size C of 1 or more")
        }
        self.sequenceLength = sequenceLength
        self.hiddenSize = hiddenSize
        self.axes = axes
        self.initialization = initialization
        self.descriptor = MixerDescriptor(
            name: "global-filter", axes: axes, isLinear: true, isInvertible: true,
            sequenceLength: .exactly(sequenceLength), hiddenSize: .exactly(hiddenSize), configuration: configuration)
        kernel = try GlobalFilterFFT(sequenceLength: sequenceLength, hiddenSize: hiddenSize, axes: axes)
        let shape = [kernel.transform.rows, kernel.transform.columns]
        switch initialization {
        case .normal:
            var random = random
            filterReal = Parameter(name: "filter.real", value: Tensor.normal(shape, standardDeviation: 0.02, using: &random))
            filterImaginary = Parameter(name: "filter.imag", value: Tensor.normal(shape, standardDeviation: 0.02, using: &random))
        case .identity:
            filterReal = Parameter(name: "filter.real", value: Tensor(shape: shape, repeating: 1))
            filterImaginary = Parameter(name: "filter.imag", value: Tensor(zeros: shape))
        }
    }

    /// Checks that the parameters still have the filter's shape (their values may be replaced directly).
    private func checkParameterShapes() throws {
        for parameter in parameters where parameter.value.shape != filterShape {
            throw MixLabError.shapeMismatch(
                expected: Shape.describe(filterShape), found: parameter.value.shape,
                location: "\(descriptor.summary) parameter \(parameter.name)",
                fix: "assign a tensor of the half-spectrum shape \(Shape.describe(filterShape)) (use Parameter.load)")
        }
    }

    /// The effective filter for `use`, from the current parameter values.
    private func filter(for use: GlobalFilterFFT.FilterUse) throws -> [Float] {
        try checkParameterShapes()
        return filterReal.value.withUnsafeBufferPointer { real in
            filterImaginary.value.withUnsafeBufferPointer { imaginary in
                kernel.effectiveFilter(real: real.baseAddress!, imaginary: imaginary.baseAddress!, for: use)
            }
        }
    }

    /// `irfft(W ⊙ rfft(X))`; keeps `rfft(X)` for backward in training mode.
    public func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals) {
        try descriptor.validate(input, checksFinite: context.checksFiniteInput)
        let batch = input.shape[0]
        let filter = try filter(for: .forward)
        var output = Tensor(uninitialized: input.shape)
        let spectra = SpectrumResiduals.spectra(batch: batch, stride: kernel.transform.spectrumStride, context: context)
        withExtendedLifetime(spectra) {
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    filter.withUnsafeBufferPointer { w in
                        kernel.apply(
                            x.baseAddress!, y.baseAddress!, batch: batch, filter: w.baseAddress!, spectra: spectra?.storage.pointer)
                    }
                }
            }
        }
        return (output, SpectrumResiduals.residuals(input: input, spectra: spectra))
    }

    /// `irfft(conj(P(W)) ⊙ rfft(G))`; adds `∂ℓ/∂W` into the parameters' gradients.
    public func backward(_ outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor {
        let input = try SpectrumResiduals.input(from: residuals, matching: outputGradient, descriptor: descriptor)
        try descriptor.validate(outputGradient)
        let batch = input.shape[0]
        let spectra = try SpectrumResiduals.spectra(
            from: residuals, batch: batch, stride: kernel.transform.spectrumStride, descriptor: descriptor)
        let adjoint = try filter(for: .adjoint)
        var inputGradient = Tensor(uninitialized: input.shape)
        var filterGradient = [Float](repeating: 0, count: 2 * filterShape[0] * filterShape[1])
        outputGradient.withUnsafeBufferPointer { g in
            input.withUnsafeBufferPointer { x in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    adjoint.withUnsafeBufferPointer { w in
                        filterGradient.withUnsafeMutableBufferPointer { dw in
                            withExtendedLifetime(spectra) {
                                kernel.backward(
                                    g.baseAddress!, batch: batch, adjointFilter: w.baseAddress!, input: x.baseAddress!,
                                    spectra: spectra.map { UnsafePointer($0.storage.pointer) },
                                    inputGradient: dx.baseAddress!, filterGradient: dw.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        filterReal.gradient.withUnsafeMutableBufferPointer { real in
            filterImaginary.gradient.withUnsafeMutableBufferPointer { imaginary in
                for i in 0..<real.count {
                    real[i] += filterGradient[2 * i]
                    imaginary[i] += filterGradient[2 * i + 1]
                }
            }
        }
        return inputGradient
    }

    /// `irfft(rfft(Y) / P(W))`: the input that `forward` maps to `output`.
    ///
    /// - Throws: `MixLabError.invalidArgument` naming the bin when `P(W)` has a zero or non-finite entry,
    ///   or when its largest modulus exceeds 2²³ times its smallest (singular in Float32).
    public func inverse(_ output: Tensor) throws -> Tensor {
        try descriptor.validate(output)
        try checkParameterShapes()
        let range = filterReal.value.withUnsafeBufferPointer { real in
            filterImaginary.value.withUnsafeBufferPointer { imaginary in
                kernel.projectedModulusRange(real: real.baseAddress!, imaginary: imaginary.baseAddress!)
            }
        }
        let limit = Double(1 << 23)
        guard range.minimum > 0, range.maximum <= limit * range.minimum else {
            let bin = "[\(range.row), \(range.column)]"
            throw MixLabError(
                .invalidArgument,
                what: range.minimum.isNaN
                    ? "the filter W holds a non-finite value at bin \(bin), so the global filter has no inverse"
                    : "the effective filter P(W) has modulus \(range.minimum) at bin \(bin) against a largest "
                        + "modulus \(range.maximum), so the global filter is not invertible in Float32",
                location: "\(descriptor.summary) inverse",
                fix: "invert only filters whose every bin is non-zero (|P(W)| ≥ max|P(W)|/2^23); bins 0 and n/2 "
                    + "of the halved axis count through their Hermitian part (the real part for one axis)")
        }
        let filter = try filter(for: .inverse)
        var input = Tensor(uninitialized: output.shape)
        output.withUnsafeBufferPointer { y in
            input.withUnsafeMutableBufferPointer { x in
                filter.withUnsafeBufferPointer { w in
                    kernel.apply(y.baseAddress!, x.baseAddress!, batch: output.shape[0], filter: w.baseAddress!, spectra: nil)
                }
            }
        }
        return input
    }
}

extension GlobalFilterMixer: DenseReferenceProviding {
    /// numpy's `irfft2(W ⊙ rfft2(X))` (or one axis) by explicit DFT sums (`DenseReference.globalFilter`).
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        try checkParameterShapes()
        return DenseReference.globalFilter(
            input.values.map(Double.init), shape: input.shape, axes: axes,
            filterReal: filterReal.value.values.map(Double.init),
            filterImaginary: filterImaginary.value.values.map(Double.init))
    }
}

extension GlobalFilterMixer {
    /// The registry entry: `global-filter` with keys `axes`, `init`; T and C come from the build context.
    public static let registration = MixerRegistration(
        name: "global-filter",
        summary: "GFNet: irfft2(W ⊙ rfft2(X)) with a learned complex filter W (needs T and C)",
        keys: [
            MixerConfigurationKey.axes(summary: "axes to filter"),
            MixerConfigurationKey("init", default: "normal", allowed: "normal|identity", summary: "W ~ N(0, 0.02²) (GFNet) or W = 1"),
        ]
    ) { configuration, context in
        let axes = try configuration.axes(mixer: "global-filter")
        let initialization = try configuration.option("init", default: Initialization.normal, mixer: "global-filter")
        guard let t = context.sequenceLength, let c = context.hiddenSize else {
            let missing = [context.sequenceLength == nil ? "sequenceLength (T)" : nil, context.hiddenSize == nil ? "hiddenSize (C)" : nil]
                .compactMap { $0 }.joined(separator: " and ")
            throw MixLabError(
                .invalidArgument,
                what: "global-filter needs the model's \(missing) to build its filter, and the build context has none",
                location: "mixer global-filter",
                fix: "pass MixerBuildContext(sequenceLength: T, hiddenSize: C) (the encoder and `mixlab bench` do)")
        }
        return try GlobalFilterMixer(
            sequenceLength: t, hiddenSize: c, axes: axes, initialization: initialization, random: context.random)
    }
}
