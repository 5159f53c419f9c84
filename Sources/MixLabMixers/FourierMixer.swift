import Foundation
import MixLabCore
import MixLabKernels

/// FNet's mixing: the real part of the discrete Fourier transform over the sequence and hidden axes.
///
/// For each example `X` of shape `(T, C)`:
///
///     y = s · Re(F_T · X · F_C),   F_n[j, k] = exp(−2πi·jk/n)
///
/// unnormalised by default (`s = 1`, numpy's `norm="backward"`, as in FNet); `ortho` uses
/// `s = 1/√(TC)` and `forward` `s = 1/(TC)`. With `axes = sequence` or `hidden` only one factor is
/// applied (`Re(F_T·X)` or `Re(X·F_C)`); the scale then uses that axis's length.
///
/// - Adjoint: the map is linear and self-adjoint (`F` is symmetric, `Re` commutes with real scaling), so
///   the backward pass applies the same map to the output gradient.
/// - Inverse: none. Taking the real part discards information: `Re(F)` is singular for n > 2
///   (for instance it maps every odd sequence to zero).
/// - Padding: ignored, as in the original: padding tokens are mixed like any other token, so results
///   depend on how far an input is padded. Pad every input to the same length.
/// - Lengths: any T and C ≥ 1.
/// - Complexity: FFT path O(B·T·C·log(T·C)) via FFTW's real-to-complex transform and a Hermitian fill
///   (see `RealFourierFFT`); matrix path `4·B·T·C·(T + C)` flops of GEMM (see `RealFourierMatrix`).
///   `path = auto` takes the matrix path only where it measured faster on this kind of machine
///   (`FourierMixer.prefersMatrixPath`); `fft` or `matrix` force one.
///
/// References: J. Lee-Thorp et al., "FNet: Mixing Tokens with Fourier Transforms", NAACL 2022
/// (arXiv 2105.03824); google-research `f_net` (`fourier.py`); M. Frigo, S. G. Johnson, "The design and
/// implementation of FFTW3", Proc. IEEE 2005.
public final class FourierMixer: FixedLinearMixer, @unchecked Sendable {
    /// How the transform is computed.
    public enum Path: String, Sendable, CaseIterable {
        /// Measured choice between `fft` and `matrix` (see `prefersMatrixPath`).
        case auto
        /// FFTW real-to-complex transform plus Hermitian fill.
        case fft
        /// Products with precomputed DFT matrices (OpenBLAS GEMM).
        case matrix
    }

    /// The transformed axes.
    public let axes: MixingAxes
    /// The scaling convention.
    public let normalization: Normalization
    /// The requested computation path.
    public let path: Path
    /// The mixer's name (`fourier`), axes, linearity and settings (see `MixerDescriptor`).
    public let descriptor: MixerDescriptor

    private enum Kernel {
        case fft(RealFourierFFT)
        case matrix(RealFourierMatrix)
    }

    private let kernels = KernelCache<[Int], Kernel>()

    /// FNet's mixer: both axes, unnormalised, path chosen automatically.
    public init(axes: MixingAxes = .both, normalization: Normalization = .backward, path: Path = .auto) {
        self.axes = axes
        self.normalization = normalization
        self.path = path
        self.descriptor = MixerDescriptor(
            name: "fourier", axes: axes, isLinear: true,
            configuration: ["axes": axes.rawValue, "norm": normalization.rawValue, "path": path.rawValue])
    }

    /// Whether `auto` uses the matrix path for examples of shape `(T, C)` mixed along `axes`: while every
    /// transformed length is at most 32.
    ///
    /// The matrix path costs `4·T·C·(T + C)` flops per example against O(T·C·log(T·C)) for the FFT, but
    /// runs at GEMM speed, so it wins for short transforms only. The crossover 32 comes from
    /// `mixlab bench crossover`, which times both paths on the machine at hand.
    public static func prefersMatrixPath(sequenceLength t: Int, hiddenSize c: Int, axes: MixingAxes) -> Bool {
        let crossover = 32
        switch axes {
        case .sequence: return t <= crossover
        case .hidden: return c <= crossover
        case .both: return t <= crossover && c <= crossover
        }
    }

    /// The path used for examples of shape `(T, C)`.
    public func resolvedPath(sequenceLength t: Int, hiddenSize c: Int) -> Path {
        switch path {
        case .auto: return Self.prefersMatrixPath(sequenceLength: t, hiddenSize: c, axes: axes) ? .matrix : .fft
        case .fft, .matrix: return path
        }
    }

    /// `s · Re(F_T · X · F_C)` (or one axis) for `input` of shape `(B, T, C)`.
    public func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        let kernel = try kernel(sequenceLength: input.shape[1], hiddenSize: input.shape[2])
        return mapExamples(input) { x, y, batch in
            switch kernel {
            case .fft(let fft): fft.apply(x, y, batch: batch)
            case .matrix(let matrix): matrix.apply(x, y, batch: batch)
            }
        }
    }

    /// The adjoint, which equals `apply` (the map is self-adjoint).
    public func applyAdjoint(_ gradient: Tensor) throws -> Tensor {
        try apply(gradient)
    }

    private func kernel(sequenceLength t: Int, hiddenSize c: Int) throws -> Kernel {
        try kernels.kernel(for: [t, c]) {
            let transformed = (axes.includesSequence ? t : 1) * (axes.includesHidden ? c : 1)
            let scale = Float(normalization.forwardScale(length: transformed))
            switch resolvedPath(sequenceLength: t, hiddenSize: c) {
            case .matrix:
                return .matrix(try RealFourierMatrix(sequenceLength: t, hiddenSize: c, axes: axes, scale: scale))
            case .fft, .auto:
                return .fft(try RealFourierFFT(sequenceLength: t, hiddenSize: c, axes: axes, scale: scale))
            }
        }
    }
}

extension FourierMixer: DenseReferenceProviding {
    /// `s · Re(F_T · X · F_C)` with explicit DFT matrices (`DenseReference.realPartOfDFT`).
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        let (t, c) = (input.shape[1], input.shape[2])
        let transformed = (axes.includesSequence ? t : 1) * (axes.includesHidden ? c : 1)
        return DenseReference.realPartOfDFT(
            input.values.map(Double.init), shape: input.shape, axes: axes,
            scale: normalization.forwardScale(length: transformed))
    }
}

extension FourierMixer {
    /// The registry entry: `fourier` with keys `axes`, `norm`, `path`.
    public static let registration = MixerRegistration(
        name: "fourier",
        summary: "FNet: Re(F_T·X·F_C), the real part of the 2-D DFT (FFTW or DFT-matrix GEMM)",
        keys: [
            MixerConfigurationKey.axes(),
            MixerConfigurationKey("norm", default: "backward", allowed: "backward|ortho|forward", summary: "scaling (scipy names)"),
            MixerConfigurationKey("path", default: "auto", allowed: "auto|fft|matrix", summary: "FFT or DFT-matrix GEMM"),
        ]
    ) { configuration, _ in
        FourierMixer(
            axes: try configuration.axes(mixer: "fourier"),
            normalization: try configuration.option("norm", default: Normalization.backward, mixer: "fourier"),
            path: try configuration.option("path", default: FourierMixer.Path.auto, mixer: "fourier"))
    }
}
