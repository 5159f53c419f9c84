import MixLabCore
import MixLabKernels

/// Trainable T×T and/or C×C mixing matrices initialised from a named basis: `Y = Q_T · X · Q_Cᵀ`.
///
/// For each example `X` of shape `(T, C)`:
///
///     Y = Q_T · X · Q_Cᵀ,   Q_T(0) = M_basis(T) (`sequence_basis`),  Q_C(0) = M_basis(C) (`hidden_basis`)
///
/// where `M_basis(n)` is the n×n analysis matrix of the chosen family (row k = k-th basis vector, so
/// `Q_T·X` takes the coefficients of every feature column in that basis, and `Y[t,:] = Q_C·X[t,:]`
/// those of every token; see `BasisMatrix`). With `axes = sequence` only `Q_T` exists, with
/// `axes = hidden` only `Q_C`. After initialisation the matrices are ordinary parameters, trained like
/// `LinearMixer`'s weights, unless frozen.
///
/// **Why it exists.** It answers "is the Fourier basis special, or just a good initialisation?". Train
/// the same model with, on the mixed axes:
/// - `fourier` (FNet, fixed) or `learned-basis basis=dft trainable=false` (the same fixed cos basis);
/// - `learned-basis basis=dft` (starts at the Fourier basis, free to move);
/// - `learned-basis basis=random-orthogonal` (or `linear`: same parameter count, generic start);
/// - other structured starts (`dct`, `hadamard`, `legendre`, `wavelet`, `identity`).
/// If the trained DFT start ends where the random start ends, Fourier was only a starting point; if the
/// frozen DFT matches the trained one and both beat generic starts, the basis itself carries the benefit.
/// Compare how far the matrices move (`‖Q − Q(0)‖`) as well as the accuracy.
///
/// Families (`basis`), all built in Double and rounded once (formulas and tests in `BasisMatrix`):
/// - `dft`: `s·cos(2π·jk/n)`, the real part of the DFT matrix, as FNet uses it. On ONE axis
///   `basis=dft scale=backward trainable=false` is exactly `fourier axes=sequence|hidden`. On BOTH axes
///   the separable product `C_T·X·C_C` is not FNet's `Re(F_T·X·F_C) = C_T·X·C_C − S_T·X·S_C`: for T, C > 2
///   no single pair of matrices gives FNet's 2-D operator (`C_T⊗C_C − S_T⊗S_C` has Kronecker rank 2).
/// - `dct`: the DCT-II matrix (`scipy.fft.dct(·, norm=…)`).
/// - `hadamard`: Sylvester order (`scipy.linalg.hadamard`); power-of-two lengths only.
/// - `legendre`: discrete orthonormal Legendre polynomials on the Gauss–Legendre nodes (GSL special
///   functions, modified Gram–Schmidt in Double).
/// - `chebyshev`: Chebyshev polynomials on the Chebyshev–Gauss nodes, orthonormalised; this equals the
///   orthonormal DCT-II with its columns reversed (documented identity, tested).
/// - `wavelet`: the orthonormal Haar wavelet matrix (GSL, full depth); power-of-two lengths only.
/// - `identity`; `random-orthogonal` (Haar-distributed, from the build context's generator or `seed`,
///   sub-streams `derived(31)` for T and `derived(32)` for C).
///
/// Normalisation (`scale`, scipy's names): `ortho` (default) makes every family orthonormal, so the
/// initial map preserves norms and keeps activations at the scale of the input. The exception is `dft`,
/// whose real part is not orthogonal: `ortho` there is `cos/√n`, the real part of the unitary DFT, which
/// preserves the norm of even sequences (`x[j] = x[−j mod n]`) and maps odd ones to zero. `backward` is the unnormalised textbook form (`dft`: `cos(2πjk/n)`, FNet's
/// scale; `dct`: `2·cos(…)`; `hadamard`: ±1) and `forward` its scipy counterpart (`dft`, `hadamard`:
/// divided by n; `dct`: by 2n). The other families exist only orthonormal (`scale=ortho`).
///
/// - Frozen: `trainable=false` sets `Parameter.isTrainable = false`: optimisers leave the matrices alone,
///   but backward still adds their gradients (useful to measure how much a basis "wants" to move).
/// - Gradients: `dX_b = Q_Tᵀ·G_b·Q_C`, `dQ_T += Σ_b G_b·(X_b·Q_Cᵀ)ᵀ`, `dQ_C += Σ_b (Q_Tᵀ·G_b)ᵀ·X_b`
///   (`SeparableMatrixProduct`), with the matrices of the forward pass.
/// - Linear in the input; no inverse is offered (a trained matrix need not be invertible).
/// - Padding: ignored, like FNet.
/// - Lengths: exactly the T (and C) given at construction; `hadamard` and `wavelet` also need powers of
///   two (an `unsupportedLength` error at construction otherwise).
/// - Complexity: `2·B·T·C·(T + C)` flops forward on OpenBLAS, twice that backward (a dense GEMM, whatever
///   the initial basis: once trained the matrix has no fast transform). Construction: O(n³) for
///   `legendre`, `chebyshev`, `random-orthogonal` (Gram–Schmidt), O(n²) otherwise.
///
/// References: Lee-Thorp et al., "FNet: Mixing Tokens with Fourier Transforms", NAACL 2022 (arXiv
/// 2105.03824), the Linear/Random baselines and the DCT/Hadamard ablations; see `BasisMatrix`.
public final class LearnedBasisMixer: TokenMixer, DenseReferenceProviding, Sendable {
    /// A basis family to initialise from.
    public enum Basis: String, Sendable, CaseIterable {
        /// `cos(2π·jk/n)`, the real part of the DFT matrix (FNet's cos part), scaled by `scale`.
        case dft
        /// The DCT-II matrix (scipy's `dct`, type 2), scaled by `scale`.
        case dct
        /// The Sylvester–Hadamard matrix (power-of-two lengths), scaled by `scale`.
        case hadamard
        /// Discrete orthonormal Legendre polynomials on the Gauss–Legendre nodes.
        case legendre
        /// Orthonormalised Chebyshev polynomials on the Chebyshev–Gauss nodes (a column-reversed DCT-II).
        case chebyshev
        /// The orthonormal Haar wavelet matrix, full depth (power-of-two lengths).
        case wavelet
        /// The identity: start from no mixing.
        case identity
        /// A Haar-distributed random orthogonal matrix, seeded.
        case randomOrthogonal = "random-orthogonal"

        /// Whether the family needs power-of-two lengths.
        public var requiresPowerOfTwo: Bool { self == .hadamard || self == .wavelet }

        /// Whether `scale` may be `backward` or `forward` (the family has an unnormalised form).
        public var hasUnnormalizedForm: Bool { self == .dft || self == .dct || self == .hadamard }
    }

    /// The initial basis family.
    public let basis: Basis
    /// The mixed axes.
    public let axes: MixingAxes
    /// The normalisation of the initial matrices.
    public let scale: Normalization
    /// `Q_T` (T×T), named `sequence_basis`; nil for `axes = hidden`.
    public let sequenceBasis: Parameter?
    /// `Q_C` (C×C), named `hidden_basis`; nil for `axes = sequence`.
    public let hiddenBasis: Parameter?
    /// The mixer's name (`learned-basis`), axes, exact lengths of the mixed axes and settings (see `MixerDescriptor`).
    public let descriptor: MixerDescriptor

    /// The matrices, sequence first.
    public var parameters: [Parameter] { [sequenceBasis, hiddenBasis].compactMap { $0 } }

    /// A mixer for sequence length `sequenceLength` and hidden size `hiddenSize`, initialised from `basis`.
    ///
    /// Only the lengths of mixed axes are needed. `random` feeds `random-orthogonal` only; `seed` is
    /// recorded in the descriptor when the caller derived `random` from it.
    ///
    /// - Throws: `MixLabError` — `invalidArgument` when a needed length is missing, `unsupportedLength`
    ///   when `hadamard`/`wavelet` meet a length that is not a power of two, `invalidConfigValue` for a
    ///   `scale` the family does not define.
    public init(
        basis: Basis = .dft, axes: MixingAxes = .both, sequenceLength: Int?, hiddenSize: Int?,
        scale: Normalization = .ortho, trainable: Bool = true, random: SeededRandom = SeededRandom(seed: 0), seed: Int? = nil
    ) throws {
        self.basis = basis
        self.axes = axes
        self.scale = scale
        let (t, c) = try SeparableMatrixMixing.mixedLengths(
            sequenceLength: sequenceLength, hiddenSize: hiddenSize, axes: axes, mixer: "learned-basis")
        let configuration = SeparableMatrixMixing.configuration(
            axes: axes, seed: seed, ["basis": basis.rawValue, "scale": scale.rawValue, "trainable": String(trainable)])
        let location = "mixer learned-basis(" + configuration.keys.sorted().map { "\($0)=\(configuration[$0]!)" }.joined(separator: ", ") + ")"
        guard basis.hasUnnormalizedForm || scale == .ortho else {
            throw MixLabError(
                .invalidConfigValue, what: "scale=\(scale.rawValue) is not defined for basis=\(basis.rawValue)",
                location: location,
                fix: "use scale=ortho (\(basis.rawValue) is orthonormal by construction); backward and forward apply to dft, dct and hadamard")
        }
        for (n, axis, symbol) in [(t, "sequence length", "T"), (c, "hidden size", "C")] {
            if let n, basis.requiresPowerOfTwo, !PowerOfTwo.contains(n) {
                let anyLength = Basis.allCases.filter { !$0.requiresPowerOfTwo }.map(\.rawValue).joined(separator: ", ")
                throw MixLabError(
                    .unsupportedLength,
                    what: "basis=\(basis.rawValue) needs a power-of-two \(axis), but \(symbol) = \(n)",
                    location: location,
                    fix: "pad to \(PowerOfTwo.atLeast(n)), or choose a basis that fits any length: \(anyLength)")
            }
        }
        var sequenceRandom = random.derived(31)
        var hiddenRandom = random.derived(32)
        sequenceBasis = try t.map { n in
            let values = try Self.matrix(basis, length: n, scale: scale, random: &sequenceRandom)
            return Parameter(name: "sequence_basis", value: try Tensor(shape: [n, n], values: values.map { Float($0) }), isTrainable: trainable)
        }
        hiddenBasis = try c.map { n in
            let values = try Self.matrix(basis, length: n, scale: scale, random: &hiddenRandom)
            return Parameter(name: "hidden_basis", value: try Tensor(shape: [n, n], values: values.map { Float($0) }), isTrainable: trainable)
        }
        descriptor = SeparableMatrixMixing.descriptor(name: "learned-basis", axes: axes, t: t, c: c, configuration: configuration)
    }

    /// The initial n×n matrix of `basis` in Double, row-major (what the parameters start from, before
    /// rounding to Float).
    ///
    /// - Throws: `unsupportedLength` for `hadamard`/`wavelet` when n is not a power of two,
    ///   `invalidConfigValue` for a `scale` the family does not define, `invalidArgument` if GSL fails.
    public static func matrix(_ basis: Basis, length n: Int, scale: Normalization, random: inout SeededRandom) throws -> [Double] {
        guard basis.hasUnnormalizedForm || scale == .ortho else {
            throw MixLabError(
                .invalidConfigValue, what: "scale=\(scale.rawValue) is not defined for basis=\(basis.rawValue)",
                location: "LearnedBasisMixer.matrix", fix: "use scale=ortho")
        }
        switch basis {
        case .dft: return BasisMatrix.dft(n, normalization: scale)
        case .dct: return BasisMatrix.dct(n, normalization: scale)
        case .hadamard: return try BasisMatrix.hadamard(n, normalization: scale)
        case .legendre: return try BasisMatrix.legendre(n)
        case .chebyshev: return try BasisMatrix.chebyshev(n)
        case .wavelet: return try BasisMatrix.haarWavelet(n)
        case .identity: return BasisMatrix.identity(n)
        case .randomOrthogonal: return try BasisMatrix.randomOrthogonal(n, random: &random)
        }
    }

    /// `Q_T·X_b·Q_Cᵀ` for `input` `(B, T, C)`; keeps the input, the matrices and `X·Q_Cᵀ`.
    public func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals) {
        try SeparableMatrixMixing.forward(input, context: context, descriptor: descriptor, sequence: sequenceBasis, hidden: hiddenBasis)
    }

    /// `Q_Tᵀ·G_b·Q_C`; adds the matrices' gradients into their `gradient` (also when frozen).
    public func backward(_ outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor {
        try SeparableMatrixMixing.backward(
            outputGradient, residuals: residuals, descriptor: descriptor, sequence: sequenceBasis, hidden: hiddenBasis)
    }

    /// `Q_T·X_b·Q_Cᵀ` in Double for the current matrices.
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        return SeparableMatrixMixing.denseReference(input, sequenceMatrix: sequenceBasis?.value, hiddenMatrix: hiddenBasis?.value)
    }
}

extension LearnedBasisMixer {
    /// The registry entry: `learned-basis` with keys `basis`, `axes`, `scale`, `trainable`, `seed`.
    public static let registration = MixerRegistration(
        name: "learned-basis",
        summary: "trainable Q_T·X·Q_Cᵀ initialised from a named basis (dft, dct, hadamard, legendre, …), optionally frozen",
        keys: [
            MixerConfigurationKey(
                "basis", default: "dft", allowed: Basis.allCases.map(\.rawValue).joined(separator: "|"),
                summary: "initial basis family"),
            MixerConfigurationKey.axes(summary: "axes to mix"),
            MixerConfigurationKey(
                "scale", default: "ortho", allowed: "ortho|backward|forward",
                summary: "normalisation (backward/forward: dft, dct, hadamard only)"),
            MixerConfigurationKey("trainable", default: "true", allowed: "true|false", summary: "false freezes the matrices"),
            SeparableMatrixMixing.seedKey(summary: "random-orthogonal seed (default: the layer's generator)"),
        ]
    ) { configuration, context in
        let (random, seed) = try SeparableMatrixMixing.random(configuration, context: context, mixer: "learned-basis")
        return try LearnedBasisMixer(
            basis: try configuration.option("basis", default: Basis.dft, mixer: "learned-basis"),
            axes: try configuration.axes(mixer: "learned-basis"),
            sequenceLength: context.sequenceLength, hiddenSize: context.hiddenSize,
            scale: try configuration.option("scale", default: Normalization.ortho, mixer: "learned-basis"),
            trainable: try configuration.boolean("trainable", default: true, mixer: "learned-basis"),
            random: random, seed: seed)
    }
}
