import Foundation
import MixLabCore
import MixLabKernels

/// FNet's mixing on zero-padded input: the real part of the DFT of size 2n of each transformed axis,
/// cropped back to `(T, C)`, so the transform no longer wraps around.
///
/// For each example `X` of shape `(T, C)`, with `X̃` the example zero-padded to `(2T, 2C)`:
///
///     y = Re(F_2T · X̃ · F_2C)[:T, :C] = Re(M_T · X · M_C),   M_n[j, k] = exp(−iπ·jk/n),  j, k < n
///
/// (`np.fft.fftn(x, s=(2T, 2C), axes=(1, 2)).real[:, :T, :C]`), i.e. the kernel
/// `y[k, l] = Σ_{j,m} x[j, m]·cos(π(jk/T + ml/C))`. `M_n` is the top-left `n×n` block of the `2n`-point DFT
/// matrix. With `axes = sequence` or `hidden` only one factor is applied (`Re(M_T·X)` or `Re(X·M_C)`),
/// padding only that axis. Unnormalised, like FNet's `fourier`.
///
/// What the padding changes. FNet's kernel `cos(2π(jk/T + ml/C))` is periodic: index arithmetic is modulo
/// the length, so along an axis token `j` and token `n − j` enter every output identically (FNet along the
/// sequence sees only `x[j] + x[n − j]`: it maps every odd sequence to zero) and output `k` equals output
/// `n − k`. Zero padding to 2n is the device that turns an FFT's circular convolution into a linear one;
/// FNet does not convolve, and here the padding evaluates the DFT on a grid twice as fine (`πjk/n` instead
/// of `2πjk/n`) and keeps the first n frequencies, so there is no wrap-around: `cos(π(n − j)k/n) =
/// (−1)^k·cos(πjk/n)` tells `j` from `n − j`. The padded length is exactly 2n (not "a fast size ≥ 2n − 1"):
/// the operator depends on it (`cos(2πjk/p)`), and FFTW is fast for every even length.
///
/// - Adjoint: the map is linear and self-adjoint. Its matrix along each axis is `Re M_n` (and `Im M_n`),
///   the top-left block of the symmetric `Re F_2n` (`Im F_2n`), hence symmetric; `Re(M_T X M_C) =
///   A_T X A_C − S_T X S_C` with `A = cos(πjk/n)`, `S = sin(πjk/n)`, and `X ↦ A X A`, `X ↦ S X S` are
///   self-adjoint for symmetric `A`, `S`. Backward applies the same kernel to the output gradient.
/// - Inverse: none. Along one axis the matrix `cos(πjk/n)` is invertible (condition number ≈ 2√n: 8.3 at
///   n = 16, 46 at 512) but only by a dense O(n²) solve; over both axes the operator is singular for many
///   shapes (rank 7 of 9 at 3×3, 57 of 64 at 8×8).
/// - Padding tokens: like FNet, a padding mask is ignored; pad every input to the same length.
/// - Lengths: any T and C ≥ 1. For FNet along one axis without padding use `fourier` with
///   `axes=sequence|hidden`.
/// - Complexity: O(B·T·C·log(T·C)) — FFTs over the padded example (`PaddedRealFourierFFT`), 4·T·C points
///   for `both` (2·T·C for one axis): four times FNet's transform size, and the strided column pass of
///   length 2T dominates for long sequences. Unlike FNet's half-redundant `Re(F)` output (output k equals
///   output n − k), this output is (nearly) full rank, so no FFT route reaches FNet's cost; writing the
///   operator as DCT-I/DST-I products (`A X A − S X S` via FFTW's REDFT00/RODFT00) needs two real-to-real
///   transforms per term, without SIMD codelets, and is no faster.
///
/// References: J. Lee-Thorp et al., "FNet: Mixing Tokens with Fourier Transforms", NAACL 2022
/// (arXiv 2105.03824); A. V. Oppenheim, R. W. Schafer, "Discrete-Time Signal Processing", 3rd ed., §8.7
/// (linear convolution with the DFT by zero padding).
public final class FourierPaddedMixer: FixedLinearMixer, @unchecked Sendable {
    /// The transformed (padded) axes.
    public let axes: MixingAxes
    /// Name, axes, linearity, invertibility and accepted lengths.
    public let descriptor: MixerDescriptor

    private let kernels = KernelCache<[Int], PaddedRealFourierFFT>()

    /// The padded FNet mixer along `axes`.
    public init(axes: MixingAxes = .both) {
        self.axes = axes
        descriptor = MixerDescriptor(name: "fourier-padded", axes: axes, isLinear: true, configuration: ["axes": axes.rawValue])
    }

    /// `Re(M_T · X · M_C)` (or one axis) for `input` of shape `(B, T, C)`.
    public func apply(_ input: Tensor) throws -> Tensor {
        try descriptor.validate(input)
        let (t, c) = (input.shape[1], input.shape[2])
        let kernel = try kernels.kernel(for: [t, c]) { try PaddedRealFourierFFT(sequenceLength: t, hiddenSize: c, axes: axes) }
        return mapExamples(input) { x, y, batch in kernel.apply(x, y, batch: batch) }
    }

    /// The adjoint, which equals `apply` (the map is self-adjoint).
    public func applyAdjoint(_ gradient: Tensor) throws -> Tensor {
        try apply(gradient)
    }
}

extension FourierPaddedMixer: DenseReferenceProviding {
    /// `Re(M_T · X · M_C)` with explicit cropped DFT matrices (`DenseReference.partsOfDFT`, padding 2).
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        return DenseReference.partsOfDFT(input.values.map(Double.init), shape: input.shape, axes: axes, paddingFactor: 2).real
    }
}

extension FourierPaddedMixer {
    /// The registry entry: `fourier-padded` with key `axes`.
    public static let registration = MixerRegistration(
        name: "fourier-padded",
        summary: "FNet on zero-padded input: Re(F_2T·X̃·F_2C) cropped to (T, C), no wrap-around",
        keys: [
            MixerConfigurationKey.axes(summary: "axes to pad and transform"),
        ]
    ) { configuration, _ in
        FourierPaddedMixer(axes: try configuration.axes(mixer: "fourier-padded"))
    }
}
