import Foundation
import MixLabCore
import MixLabKernels

/// A multi-level periodic discrete wavelet transform over the sequence and hidden axes, with GSL's
/// wavelet filters, optionally followed by learnable per-subband gains (WaveMix-style).
///
/// Along an axis of length n (a power of two), one level maps m values to `[low | high]`:
///
///     low[i]  = Σ_k h1[k] · a[(2i − offset + k) mod m],   high[i] = Σ_k g1[k] · a[(2i − offset + k) mod m]
///
/// (GSL's `dwt_step`: `h1, g1` are the analysis filters of `gsl_wavelet_alloc(family, k)`, `offset` its
/// alignment). L levels repeat it on the low half, giving `W_n` with layout `[cA_L | cD_L | … | cD_1]`
/// (bands of `n/2^L, n/2^L, n/2^(L−1), …, n/2`). For each example `X` `(T, C)`:
///
///     Z = W_T · X · W_Cᵀ,   y = G ⊙ Z
///
/// (one factor with `axes = sequence` or `hidden`). `axes = both` is the separable transform: L levels
/// along every column and along every row — at full depth exactly GSL's "standard" 2-D transform
/// `gsl_wavelet2d_transform` (each row fully, then each column fully). `G` is 1 without gains; with
/// `gains = true` it holds one learnable gain per subband, initialised to 1: the L+1 bands of the
/// transformed axis (`[cA_L, cD_L, …, cD_1]`), or, for `both`, the (L+1)×(L+1) blocks
/// (T-band i) × (C-band j), parameter `gains` of shape `[L+1]` or `[L+1, L+1]`.
///
/// - Families (`family`, GSL member `k`): `haar` (k = 2), `daubechies` (k = 4…20 even: k counts the
///   taps, so GSL k = 4 is pywt `db2`), `bspline` (k ∈ {103, 105, 202, 204, 206, 208, 301, 303, 305, 307,
///   309}, pywt `bior(k/100).(k%100)`), and each with `-centered` alignment. Haar and Daubechies are
///   orthogonal; the B-splines are biorthogonal (analysis and synthesis filters differ).
/// - Levels: `levels = L` on every transformed axis (L ≤ log₂ of each transformed length), or the
///   default full depth (log₂ n per axis, what GSL's transform does). Gains need a fixed L.
/// - Normalisation: none to choose — GSL's orthogonal filters have `Σh = √2`, so Haar and Daubechies
///   are orthonormal (unitary) maps; the B-splines are not.
/// - Adjoint (the backward pass): `Wᵀ`, the transpose of every analysis step from the coarsest level
///   to the finest, `a[(2i − offset + k) mod m] += h1[k]·low[i] + g1[k]·high[i]` — GSL's inverse pattern
///   with the **analysis** filters. For Haar and Daubechies `Wᵀ = W⁻¹`; for the B-splines it is not the
///   inverse. With gains: `∂x = W_Tᵀ (G ⊙ ∂y) W_C`, and `∂G` sums `∂y ⊙ Z` over each subband (and the
///   batch); Z is kept from the forward pass.
/// - Inverse: GSL's inverse pattern with the synthesis filters `h2, g2` (equal to
///   `gsl_wavelet_transform_inverse` at full depth), after dividing by the gains (an error if one is 0).
/// - Lengths: powers of two on the transformed axes; levels above log₂ n are an `unsupportedLength`
///   error naming the value and the maximum.
/// - Complexity: O(B·T·C·nc) multiply-adds (nc taps, ≤ 2× one level), Float32 SIMD filter banks
///   (`WaveletFilterBank`), parallel over the batch.
/// - PyWavelets: `pywt.wavedec(x, name, mode="periodization", level=L)` concatenated equals this layout
///   up to circular shifts: with `s = nc/2 − 1 − offset`, pywt's coefficients of x are the mixer's
///   coefficients of `roll(x, s·(2^L − 1))` with detail band j rolled back by `s·(2^(L−j) − 1)` (and
///   negated for B-spline k ≥ 200). Haar (s = 0) agrees exactly at every level count.
///
/// References: I. Daubechies, "Ten Lectures on Wavelets" (1992); S. Mallat, "A Wavelet Tour of Signal
/// Processing" (1999); GSL manual, "Wavelet Transforms"; P. Jeevan, A. Sethi, "WaveMix: Resource-efficient
/// Token Mixing for Images", arXiv 2203.03689; PyWavelets `wavedec`.
public final class WaveletMixer: TokenMixer, InvertibleMixer, @unchecked Sendable {
    /// The transformed axes.
    public let axes: MixingAxes
    /// GSL's filters (family and member).
    public let filters: WaveletFilters
    /// Levels per transformed axis, or nil for the full depth (log₂ of each transformed length).
    public let levels: Int?
    /// The per-subband gains (`[L+1]`, or `[L+1, L+1]` for both axes), when learned.
    public let gains: Parameter?
    /// Name `wavelet`, axes, linear, invertible, power-of-two lengths and the resolved configuration.
    public let descriptor: MixerDescriptor

    private let kernels = KernelCache<[Int], WaveletFilterBank>()

    /// The wavelet family.
    public var family: WaveletFamily { filters.family }
    /// GSL's member number k.
    public var member: Int { filters.member }

    /// The gains, if learned.
    public var parameters: [Parameter] { gains.map { [$0] } ?? [] }

    /// A wavelet mixer (default: both axes, Haar, full depth, no gains).
    ///
    /// When `sequenceLength` or `hiddenSize` is given, the lengths are checked now as well as at every
    /// call.
    ///
    /// - Throws: `invalidConfigValue` for a member k outside the family, levels below 1, or gains
    ///   without a fixed level count; `unsupportedLength` for known lengths that are not powers of two
    ///   or allow fewer levels than asked.
    public init(
        axes: MixingAxes = .both, family: WaveletFamily = .haar, member: Int? = nil, levels: Int? = nil,
        learnsGains: Bool = false, sequenceLength: Int? = nil, hiddenSize: Int? = nil
    ) throws {
        let k = member ?? family.defaultMember
        let location = "mixer wavelet(family=\(family.rawValue))"
        guard family.members.contains(k) else {
            let note: String
            switch family {
            case .haar, .haarCentered: note = ""
            case .daubechies, .daubechiesCentered: note = " (GSL's k counts filter taps: k=4 is pywt db2)"
            case .bspline, .bsplineCentered: note = " (k = ij is pywt bior i.j)"
            }
            throw MixLabError(
                .invalidConfigValue, what: "k=\(k) is not a member of the \(family.rawValue) family", location: location,
                fix: "use k = one of: \(family.members.map(String.init).joined(separator: ", "))\(note)")
        }
        if let levels, levels < 1 {
            throw MixLabError(
                .invalidConfigValue, what: "levels=\(levels) is below 1", location: location,
                fix: "use levels ≥ 1, or full (the default) for log2 of each transformed length")
        }
        if learnsGains && levels == nil {
            throw MixLabError(
                .invalidConfigValue, what: "gains=true needs a fixed level count, but levels=full",
                location: location, fix: "set levels to a number (one gain per subband: levels + 1 per axis)")
        }
        self.axes = axes
        self.filters = try WaveletFilters(family: family, member: k)
        self.levels = levels
        if learnsGains, let levels {
            let bands = levels + 1
            let shape = axes == .both ? [bands, bands] : [bands]
            gains = Parameter(name: "gains", value: Tensor(shape: shape, repeating: 1))
        } else {
            gains = nil
        }
        descriptor = MixerDescriptor(
            name: "wavelet", axes: axes, isLinear: true, isInvertible: true,
            sequenceLength: axes.includesSequence ? .powerOfTwo : .any,
            hiddenSize: axes.includesHidden ? .powerOfTwo : .any,
            configuration: [
                "axes": axes.rawValue, "family": family.rawValue, "k": String(k),
                "levels": levels.map(String.init) ?? "full", "gains": String(learnsGains),
            ])
        if axes.includesSequence, let sequenceLength { _ = try levelCount(sequenceLength, axis: "sequence length T") }
        if axes.includesHidden, let hiddenSize { _ = try levelCount(hiddenSize, axis: "hidden size C") }
    }

    // MARK: Forward and backward

    /// `Z = W_T · X · W_Cᵀ` (or one axis), then `y = G ⊙ Z`; keeps Z when gains are learned.
    public func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals) {
        let bank = try validatedKernel(input, checksFinite: context.checksFiniteInput)
        let z = run(bank, input, .analysis)
        guard let gains else { return (z, .none) }
        return (scaled(z, by: gainMap(gains.value, bank), bank, dividing: false), MixerResiduals([z]))
    }

    /// `W_Tᵀ · (G ⊙ ∂y) · W_C`; adds `Σ_subband ∂y ⊙ Z` into the gains' gradient.
    public func backward(_ outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor {
        let bank = try validatedKernel(outputGradient)
        guard let gains else { return run(bank, outputGradient, .adjoint) }
        guard let z = residuals.tensors.first, z.shape == outputGradient.shape else {
            throw MixLabError(
                .shapeMismatch, what: "the residuals do not hold this input's coefficients",
                location: "\(descriptor.summary) backward",
                fix: "pass the residuals returned by forward on an input of shape \(Shape.describe(outputGradient.shape))")
        }
        gains.accumulateGradient(subbandSums(outputGradient, z, bank))
        let map = gainMap(gains.value, bank)
        return run(bank, scaled(outputGradient, by: map, bank, dividing: false), .adjoint)
    }

    /// `W_T⁻¹ · (Y ⊘ G) · W_C⁻ᵀ`: the input that `forward` maps to `output`.
    ///
    /// - Throws: `invalidArgument` when a gain is zero (that subband was erased).
    public func inverse(_ output: Tensor) throws -> Tensor {
        let bank = try validatedKernel(output)
        guard let gains else { return run(bank, output, .synthesis) }
        if let zero = gains.value.values.firstIndex(of: 0) {
            throw MixLabError(
                .invalidArgument, what: "gain \(Shape.describe(gains.value.multiIndex(ofFlat: zero))) is 0, "
                    + "so that subband was erased", location: "\(descriptor.summary) inverse",
                fix: "invert only while every gain is nonzero")
        }
        return run(bank, scaled(output, by: gainMap(gains.value, bank), bank, dividing: true), .synthesis)
    }

    // MARK: Lengths and kernels

    /// The levels along an axis of `length`: `levels` or log₂(length), after checking both.
    private func levelCount(_ length: Int, axis: String) throws -> Int {
        guard PowerOfTwo.contains(length) else {
            throw MixLabError(
                .unsupportedLength, what: "\(axis) \(length) is not a power of two", location: descriptor.summary,
                fix: "pad the input to \(PowerOfTwo.atLeast(length)) (GSL's wavelet transforms are periodic on powers of two)")
        }
        let maximum = length.trailingZeroBitCount
        guard let levels else { return maximum }
        guard levels <= maximum else {
            throw MixLabError(
                .unsupportedLength,
                what: "levels=\(levels) exceeds the maximum \(maximum) for \(axis) \(length) (log2 \(length) = \(maximum))",
                location: descriptor.summary,
                fix: "use levels ≤ \(maximum), or inputs with \(axis) of at least \(1 << levels)")
        }
        return levels
    }

    private func validatedKernel(_ input: Tensor, checksFinite: Bool = false) throws -> WaveletFilterBank {
        if input.rank == 3 {
            if axes.includesSequence { _ = try levelCount(input.shape[1], axis: "sequence length T") }
            if axes.includesHidden { _ = try levelCount(input.shape[2], axis: "hidden size C") }
        }
        try descriptor.validate(input, checksFinite: checksFinite)
        let (t, c) = (input.shape[1], input.shape[2])
        let sequenceLevels = axes.includesSequence ? try levelCount(t, axis: "sequence length T") : 0
        let hiddenLevels = axes.includesHidden ? try levelCount(c, axis: "hidden size C") : 0
        return kernels.kernel(for: [t, c]) {
            WaveletFilterBank(
                filters: filters, sequenceLength: t, hiddenSize: c, axes: axes,
                sequenceLevels: sequenceLevels, hiddenLevels: hiddenLevels)
        }
    }

    private func run(_ bank: WaveletFilterBank, _ input: Tensor, _ direction: WaveletFilterBank.Direction) -> Tensor {
        mapExamples(input) { x, y, batch in bank.apply(x, y, batch: batch, direction: direction) }
    }

    // MARK: Gains

    /// The subband (0 = cA_L, then cD_L … cD_1) of position p on an axis of `length` with `levels` levels.
    public static func subband(_ p: Int, length: Int, levels: Int) -> Int {
        guard levels > 0, p >= length >> levels else { return 0 }
        let log2p = Int.bitWidth - 1 - p.leadingZeroBitCount
        return levels - length.trailingZeroBitCount + log2p + 1
    }

    /// The gain of every coefficient as rows: `rows[i][c]` for T-band i (one row class without the
    /// sequence axis), flattened `(rowClasses, C)`.
    private func gainMap(_ g: Tensor, _ bank: WaveletFilterBank) -> [Float] {
        let c = bank.hiddenSize
        let rowClasses = axes.includesSequence ? bank.sequenceLevels + 1 : 1
        let columnClasses = axes.includesHidden ? bank.hiddenLevels + 1 : 1
        var map = [Float](repeating: 0, count: rowClasses * c)
        for i in 0..<rowClasses {
            for column in 0..<c {
                let j = axes.includesHidden ? Self.subband(column, length: c, levels: bank.hiddenLevels) : 0
                map[i * c + column] = g[flat: i * columnClasses + j]
            }
        }
        return map
    }

    /// `x ⊙ G` (or `x ⊘ G`) with G given as `gainMap` rows.
    private func scaled(_ x: Tensor, by map: [Float], _ bank: WaveletFilterBank, dividing: Bool) -> Tensor {
        let (t, c) = (bank.sequenceLength, bank.hiddenSize)
        let rowClass = (0..<t).map { axes.includesSequence ? Self.subband($0, length: t, levels: bank.sequenceLevels) : 0 }
        var y = Tensor(uninitialized: x.shape)
        x.withUnsafeBufferPointer { source in
            y.withUnsafeMutableBufferPointer { target in
                map.withUnsafeBufferPointer { gains in
                    Parallelism.forEachChunk(of: x.shape[0] * t) { rows in
                        for row in rows {
                            let g = gains.baseAddress! + rowClass[row % t] * c
                            let (s, d) = (source.baseAddress! + row * c, target.baseAddress! + row * c)
                            if dividing {
                                for i in 0..<c { d[i] = s[i] / g[i] }
                            } else {
                                for i in 0..<c { d[i] = s[i] * g[i] }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// `∂G[block] = Σ_(b, t, c) ∈ block ∂y · Z`, accumulated in Double in a fixed order.
    private func subbandSums(_ dy: Tensor, _ z: Tensor, _ bank: WaveletFilterBank) -> Tensor {
        let (batch, t, c) = (dy.shape[0], bank.sequenceLength, bank.hiddenSize)
        let columnClasses = axes.includesHidden ? bank.hiddenLevels + 1 : 1
        // The column ranges of the C-bands in gain order: cA_L, cD_L, …, cD_1 (one range without the hidden axis).
        var ranges: [Range<Int>] = [0..<c]
        if axes.includesHidden {
            let l = bank.hiddenLevels
            ranges = [0..<(c >> l)]
            for band in stride(from: 1, through: l, by: 1) { ranges.append((c >> (l - band + 1))..<(c >> (l - band))) }
        }
        var sums = [Double](repeating: 0, count: gains!.value.count)
        dy.withUnsafeBufferPointer { g in
            z.withUnsafeBufferPointer { zz in
                for row in 0..<(batch * t) {
                    let i = axes.includesSequence ? Self.subband(row % t, length: t, levels: bank.sequenceLevels) : 0
                    for (j, range) in ranges.enumerated() {
                        var sum: Float = 0
                        for column in range { sum += g[row * c + column] * zz[row * c + column] }
                        sums[i * columnClasses + j] += Double(sum)
                    }
                }
            }
        }
        return Tensor(shape: gains!.value.shape) { Float(sums[$0]) }
    }
}

extension WaveletMixer: DenseReferenceProviding {
    /// `G ⊙ (W_T · X · W_Cᵀ)` with the filter bank written out in Double (`DenseReference.waveletAnalysis`).
    public func denseReference(_ input: Tensor) throws -> [Double] {
        let bank = try validatedKernel(input)
        var z = DenseReference.waveletAnalysis(
            input.values.map(Double.init), shape: input.shape, low: filters.analysisLow, high: filters.analysisHigh,
            offset: filters.offset, sequenceLevels: bank.sequenceLevels, hiddenLevels: bank.hiddenLevels)
        if let gains {
            let (t, c) = (bank.sequenceLength, bank.hiddenSize)
            let columnClasses = axes.includesHidden ? bank.hiddenLevels + 1 : 1
            for index in z.indices {
                let (row, column) = ((index / c) % t, index % c)
                let i = axes.includesSequence ? Self.subband(row, length: t, levels: bank.sequenceLevels) : 0
                let j = axes.includesHidden ? Self.subband(column, length: c, levels: bank.hiddenLevels) : 0
                z[index] *= Double(gains.value[flat: i * columnClasses + j])
            }
        }
        return z
    }
}

extension WaveletMixer {
    /// The registry entry: `wavelet` with keys `axes`, `family`, `k`, `levels`, `gains`.
    public static let registration = MixerRegistration(
        name: "wavelet",
        summary: "periodic multi-level DWT with GSL's filters (Haar, Daubechies, B-spline), optional subband gains",
        keys: [
            MixerConfigurationKey.axes(),
            MixerConfigurationKey(
                "family", default: "haar", allowed: WaveletFamily.allCases.map(\.rawValue).joined(separator: "|"),
                summary: "GSL wavelet family"),
            MixerConfigurationKey(
                "k", default: "smallest of the family",
                allowed: "haar: 2; daubechies: 4…20 even, taps (4 = pywt db2); bspline: 103|105|202|204|206|208|301|303|305|307|309",
                summary: "GSL family member"),
            MixerConfigurationKey("levels", default: "full", allowed: "full|1…30", summary: "decomposition levels per axis"),
            MixerConfigurationKey("gains", default: "false", allowed: "true|false", summary: "learnable gain per subband"),
        ]
    ) { configuration, context in
        let location = "wavelet"
        let family = try configuration.option("family", default: WaveletFamily.haar, mixer: location)
        let member: Int?
        if let text = configuration.values["k"] {
            guard let value = Int(text) else {
                throw MixLabError(
                    .invalidConfigValue, what: "k=\(text) is not an integer", location: "mixer wavelet",
                    fix: "use k = one of: \(family.members.map(String.init).joined(separator: ", ")) for family \(family.rawValue)")
            }
            member = value
        } else {
            member = nil
        }
        let levels: Int?
        if configuration.values["levels"] == nil || configuration.values["levels"] == "full" {
            levels = nil
        } else {
            levels = try configuration.integer("levels", default: 1, in: 1...30, mixer: location)
        }
        return try WaveletMixer(
            axes: try configuration.axes(mixer: location),
            family: family, member: member, levels: levels,
            learnsGains: try configuration.boolean("gains", default: false, mixer: location),
            sequenceLength: context.sequenceLength, hiddenSize: context.hiddenSize)
    }
}
