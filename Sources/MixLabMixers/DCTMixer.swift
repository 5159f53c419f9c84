import Foundation
import MixLabCore
import MixLabKernels

/// The discrete cosine transform (types I–IV) over the sequence axis, the hidden axis, or both, exactly as
/// `scipy.fft.dctn(x, type=type, axes=…, norm=norm)`.
///
/// Along one axis of length n, for each example and every other index fixed (`N = 2(n−1)` for type I,
/// `2n` otherwise), the unnormalised (`norm = backward`) transforms are FFTW's `REDFT00/10/01/11`:
///
///     I:   y[k] = x[0] + (−1)^k·x[n−1] + 2·Σ_{j=1}^{n−2} x[j]·cos(πkj/(n−1))      (n ≥ 2)
///     II:  y[k] = 2·Σ_j x[j]·cos(πk(2j+1)/(2n))
///     III: y[k] = x[0] + 2·Σ_{j≥1} x[j]·cos(πj(2k+1)/(2n))
///     IV:  y[k] = 2·Σ_j x[j]·cos(π(2k+1)(2j+1)/(4n))
///
/// `forward` divides by N. `ortho` divides by √N and, as scipy does (its default `orthogonalize=True`),
/// makes the matrix orthogonal: type I multiplies `x[0]`, `x[n−1]` by √2 and divides `y[0]`, `y[n−1]`
/// by √2; type II divides `y[0]` by √2; type III multiplies `x[0]` by √2. Over both axes the transform is
/// separable: `Y = D_T·X·D_Cᵀ`, each factor normalised on its own (for `forward`, `1/(N_T·N_C)` overall).
/// Shapes: `(B, T, C) → (B, T, C)`.
///
/// - Adjoint: per axis, with `A = diag(post)·R·diag(pre)` (R the FFTW transform, `pre`/`post` the scipy
///   factors), `Aᵀ = diag(pre)·Rᵀ·diag(post)` where `REDFT10ᵀ = REDFT01·diag(2, 1, …, 1)`,
///   `REDFT01ᵀ = diag(½, 1, …, 1)·REDFT10`, `REDFT00ᵀ = diag(½, 1, …, 1, ½)·REDFT00·diag(2, 1, …, 1, 2)`,
///   `REDFT11ᵀ = REDFT11`. With `ortho` every type is orthogonal, so the adjoint is the inverse (the adjoint
///   of the orthonormal DCT-II is the orthonormal DCT-III).
/// - Inverse: every type is invertible: `REDFT10⁻¹ = REDFT01/(2n)`, `REDFT01⁻¹ = REDFT10/(2n)`,
///   `REDFT00⁻¹ = REDFT00/(2(n−1))`, `REDFT11⁻¹ = REDFT11/(2n)`, between the inverted scipy factors.
/// - Lengths: any T and C ≥ 1 for types II–IV; type I needs every transformed length ≥ 2 (its logical
///   FFT length is 2(n−1)): the descriptor declares `.atLeast(2)` on the transformed axes, and shorter
///   lengths are an `unsupportedLength` error at construction from the registry when the build context
///   gives the lengths (`checkLengths`), otherwise when the mixer runs.
/// - Complexity: O(B·T·C·log(TC)). Types II and III (forward, adjoint and inverse) use
///   `CosineTransformFFT`: one complex FFT of the example's size plus two passes (Makhoul's algorithm),
///   the same order of work as the Fourier mixer. Type IV with even transformed lengths uses
///   `CosineTransformIVFFT` (half-length complex FFTs per axis). Type I, type IV with an odd length, and
///   types II/III along the sequence alone with an odd C use FFTW's real-to-real transforms
///   (`RealToRealFFTW`), which have no SIMD codelets. The type-I DCT of length n is a real FFT of length
///   2(n−1): fast when 2(n−1) has only small prime factors (n = 2^k + 1), slow for powers of two
///   (n = 512 → 1022 = 2·7·73).
///
/// References: scipy.fft.dct documentation (definitions and `ortho` factors); FFTW 3 manual, "Real-to-Real
/// Transform Kinds"; J. Makhoul, "A fast cosine transform in one and two dimensions", IEEE Trans. ASSP
/// 28(1), 1980; FNet (arXiv 2105.03824) reports a DCT mixing ablation.
public final class DCTMixer: FixedLinearMixer, InvertibleMixer, @unchecked Sendable {
    /// The DCT type, as scipy's `type` argument.
    public enum TransformType: Int, Sendable, CaseIterable {
        case one = 1, two, three, four
    }

    /// The transformed axes.
    public let axes: MixingAxes
    /// The DCT type (scipy's `type`): I–IV, FFTW's REDFT00, REDFT10, REDFT01 and REDFT11 up to scaling.
    public let type: TransformType
    /// The scaling convention (scipy's `norm`).
    public let normalization: Normalization
    /// The mixer's name (`dct`), axes, linearity, invertibility, lengths and settings (see `MixerDescriptor`).
    public let descriptor: MixerDescriptor

    private enum Operation: Hashable {
        case forward, adjoint, inverse
    }

    private struct KernelKey: Hashable {
        let sequenceLength: Int
        let hiddenSize: Int
        let operation: Operation
    }

    private enum Kernel {
        case cosine(CosineTransformFFT)
        case cosineIV(CosineTransformIVFFT)
        case fftw(RealToRealFFTW)
    }

    private let kernels = KernelCache<KernelKey, Kernel>()

    /// The orthonormal DCT-II over both axes by default: `scipy.fft.dctn(x, axes=(1, 2), norm="ortho")`.
    public init(axes: MixingAxes = .both, type: TransformType = .two, normalization: Normalization = .ortho) {
        self.axes = axes
        self.type = type
        self.normalization = normalization
        let minimum: LengthRequirement = type == .one ? .atLeast(2) : .any
        self.descriptor = MixerDescriptor(
            name: "dct", axes: axes, isLinear: true, isInvertible: true,
            sequenceLength: axes.includesSequence ? minimum : .any, hiddenSize: axes.includesHidden ? minimum : .any,
            configuration: ["axes": axes.rawValue, "type": String(type.rawValue), "norm": normalization.rawValue])
    }

    /// `dctn(x, type, axes, norm)` for `input` of shape `(B, T, C)`.
    public func apply(_ input: Tensor) throws -> Tensor {
        try run(.forward, on: input)
    }

    /// The adjoint `Aᵀ·g` (equal to `inverse` for `norm = ortho`).
    public func applyAdjoint(_ gradient: Tensor) throws -> Tensor {
        try run(.adjoint, on: gradient)
    }

    /// The input `x` with `apply(x) = output`.
    public func inverse(_ output: Tensor) throws -> Tensor {
        try run(.inverse, on: output)
    }

    /// Checks the rank and the declared lengths (type I: every transformed length at least 2).
    private func validate(_ input: Tensor) throws {
        if input.rank == 3 { try checkLengths(sequenceLength: input.shape[1], hiddenSize: input.shape[2]) }
        try descriptor.validate(input)
    }

    /// Throws when a known length is one this mixer rejects: the type-1 DCT needs every transformed
    /// length ≥ 2 (types 2–4 take any length). The registry calls it with the model's lengths, so a
    /// mixer that could never run is refused at construction.
    ///
    /// - Throws: `MixLabError.unsupportedLength` naming the mixer, the axis and the length.
    public func checkLengths(sequenceLength: Int?, hiddenSize: Int?) throws {
        for (length, requirement, name) in [
            (sequenceLength, descriptor.sequenceLength, "sequence length T"), (hiddenSize, descriptor.hiddenSize, "hidden size C"),
        ] {
            guard let length, !requirement.accepts(length) else { continue }
            throw MixLabError(
                .unsupportedLength, what: "\(name) \(length) is too short for the type-1 DCT, which needs at least 2",
                location: descriptor.summary,
                fix: "pad the input to 2 or more, use type 2, 3 or 4 (any length), or mix along the other axis")
        }
    }

    private func run(_ operation: Operation, on input: Tensor) throws -> Tensor {
        try validate(input)
        let key = KernelKey(sequenceLength: input.shape[1], hiddenSize: input.shape[2], operation: operation)
        let kernel = try kernels.kernel(for: key) { try makeKernel(key) }
        return mapExamples(input) { x, y, batch in
            switch kernel {
            case .cosine(let cosine): cosine.apply(x, y, batch: batch)
            case .cosineIV(let cosine): cosine.apply(x, y, batch: batch)
            case .fftw(let fftw): fftw.apply(x, y, batch: batch)
            }
        }
    }

    /// What to run along one axis: a core transform between two diagonal scalings.
    private struct AxisMap {
        enum Core {
            /// `REDFT10` (fast path forward direction).
            case redft10
            /// `REDFT10⁻¹` (fast path inverse direction).
            case inverseRedft10
            /// An FFTW real-to-real transform.
            case fftw(RealToRealKind)
        }
        var core: Core
        var pre: [Double]
        var post: [Double]
    }

    /// scipy's factors: `dct(type, norm) = diag(post)·R·diag(pre)` with R FFTW's transform.
    static func scipyFactors(type: TransformType, normalization: Normalization, length n: Int) -> (pre: [Double], post: [Double]) {
        var pre = [Double](repeating: 1, count: n), post = pre
        let bigN = Double(type == .one ? 2 * (n - 1) : 2 * n)
        switch normalization {
        case .backward:
            break
        case .forward:
            post = post.map { $0 / bigN }
        case .ortho:
            let root2 = 2.0.squareRoot()
            switch type {
            case .one:
                (pre[0], pre[n - 1], post[0], post[n - 1]) = (root2, root2, 1 / root2, 1 / root2)
            case .two: post[0] = 1 / root2
            case .three: pre[0] = root2
            case .four: break
            }
            post = post.map { $0 / bigN.squareRoot() }
        }
        return (pre, post)
    }

    /// The map along one axis of length n for `operation`.
    private func axisMap(_ operation: Operation, length n: Int) -> AxisMap {
        let (pre, post) = Self.scipyFactors(type: type, normalization: normalization, length: n)
        let twoN = Double(2 * n)
        func times(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 * $1 } }
        func inverted(_ a: [Double]) -> [Double] { a.map { 1 / $0 } }
        func scaled(_ a: [Double], _ s: Double) -> [Double] { a.map { $0 * s } }
        // Diagonals of the transposes: REDFT10ᵀ = REDFT01·diag(first), REDFT01ᵀ = diag(firstHalved)·REDFT10,
        // REDFT00ᵀ = diag(endsHalved)·REDFT00·diag(endsDoubled).
        var first = [Double](repeating: 1, count: n), firstHalved = first, endsDoubled = first, endsHalved = first
        first[0] = 2
        firstHalved[0] = 0.5
        (endsDoubled[0], endsDoubled[n - 1], endsHalved[0], endsHalved[n - 1]) = (2, 2, 0.5, 0.5)
        switch (type, operation) {
        case (.two, .forward):
            return AxisMap(core: .redft10, pre: pre, post: post)
        case (.two, .adjoint):  // diag(pre)·REDFT01·diag(first ⊙ post), REDFT01 = 2n·REDFT10⁻¹
            return AxisMap(core: .inverseRedft10, pre: times(first, post), post: scaled(pre, twoN))
        case (.two, .inverse):
            return AxisMap(core: .inverseRedft10, pre: inverted(post), post: inverted(pre))
        case (.three, .forward):
            return AxisMap(core: .inverseRedft10, pre: pre, post: scaled(post, twoN))
        case (.three, .adjoint):  // diag(pre ⊙ firstHalved)·REDFT10·diag(post)
            return AxisMap(core: .redft10, pre: post, post: times(pre, firstHalved))
        case (.three, .inverse):  // REDFT01⁻¹ = REDFT10/(2n)
            return AxisMap(core: .redft10, pre: inverted(post), post: scaled(inverted(pre), 1 / twoN))
        case (.one, .forward):
            return AxisMap(core: .fftw(.redft00), pre: pre, post: post)
        case (.one, .adjoint):
            return AxisMap(core: .fftw(.redft00), pre: times(endsDoubled, post), post: times(pre, endsHalved))
        case (.one, .inverse):  // REDFT00⁻¹ = REDFT00/(2(n − 1))
            return AxisMap(core: .fftw(.redft00), pre: inverted(post), post: scaled(inverted(pre), 1 / Double(2 * (n - 1))))
        case (.four, .forward):
            return AxisMap(core: .fftw(.redft11), pre: pre, post: post)
        case (.four, .adjoint):
            return AxisMap(core: .fftw(.redft11), pre: post, post: pre)
        case (.four, .inverse):
            return AxisMap(core: .fftw(.redft11), pre: inverted(post), post: scaled(inverted(pre), 1 / twoN))
        }
    }

    private func makeKernel(_ key: KernelKey) throws -> Kernel {
        let (t, c) = (key.sequenceLength, key.hiddenSize)
        let ones = SeparableScale.identity(sequenceLength: t, hiddenSize: c)
        let sequenceMap = axes.includesSequence ? axisMap(key.operation, length: t) : nil
        let hiddenMap = axes.includesHidden ? axisMap(key.operation, length: c) : nil
        let core = (sequenceMap ?? hiddenMap)!.core  // both axes use the same core
        var input = ones, output = ones
        if let sequenceMap { (input.sequence, output.sequence) = (sequenceMap.pre, sequenceMap.post) }
        if let hiddenMap { (input.hidden, output.hidden) = (hiddenMap.pre, hiddenMap.post) }
        let packable = axes != .sequence || c % 2 == 0
        switch core {
        case .redft10 where packable, .inverseRedft10 where packable:
            let direction: CosineTransformFFT.Direction
            if case .redft10 = core { direction = .forward } else { direction = .inverse }
            return .cosine(try CosineTransformFFT(
                sequenceLength: t, hiddenSize: c, axes: axes, direction: direction, inputScale: input, outputScale: output))
        case .redft10:
            return .fftw(try RealToRealFFTW(
                sequenceLength: t, hiddenSize: c, axes: axes, kind: .redft10, inputScale: input, outputScale: output))
        case .inverseRedft10:  // REDFT10⁻¹ = REDFT01/(2T) along the sequence
            output.sequence = output.sequence.map { $0 / Double(2 * t) }
            return .fftw(try RealToRealFFTW(
                sequenceLength: t, hiddenSize: c, axes: axes, kind: .redft01, inputScale: input, outputScale: output))
        case .fftw(.redft11) where (!axes.includesSequence || t % 2 == 0) && (!axes.includesHidden || c % 2 == 0):
            // Type IV scalings are uniform (every scipy factor is 1/√(2n), 1/(2n) or 1): one scalar.
            let scale = [sequenceMap, hiddenMap].compactMap { $0 }.map { $0.pre[0] * $0.post[0] }.reduce(1, *)
            return .cosineIV(try CosineTransformIVFFT(sequenceLength: t, hiddenSize: c, axes: axes, scale: scale))
        case .fftw(let kind):
            return .fftw(try RealToRealFFTW(
                sequenceLength: t, hiddenSize: c, axes: axes, kind: kind, inputScale: input, outputScale: output))
        }
    }
}

extension DCTMixer: DenseReferenceProviding {
    /// `dctn(x, type, axes, norm)` with explicit DCT matrices (`DenseReference.dct`).
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try validate(input)
        return DenseReference.dct(
            input.values.map(Double.init), shape: input.shape, axes: axes, type: type.rawValue, normalization: normalization)
    }
}

extension DCTMixer {
    /// The registry entry: `dct` with keys `axes`, `type`, `norm`.
    public static let registration = MixerRegistration(
        name: "dct",
        summary: "discrete cosine transform, types 1–4, as scipy.fft.dctn (FFT-based DCT-II/III, FFTW r2r for I/IV)",
        keys: [
            MixerConfigurationKey.axes(),
            MixerConfigurationKey("type", default: "2", allowed: "1|2|3|4", summary: "DCT type (1 needs lengths ≥ 2)"),
            MixerConfigurationKey("norm", default: "ortho", allowed: "backward|ortho|forward", summary: "scaling (scipy names)"),
        ]
    ) { configuration, context in
        let type = try configuration.integer("type", default: 2, in: 1...4, mixer: "dct")
        let mixer = DCTMixer(
            axes: try configuration.axes(mixer: "dct"),
            type: TransformType(rawValue: type)!,
            normalization: try configuration.option("norm", default: Normalization.ortho, mixer: "dct"))
        try mixer.checkLengths(sequenceLength: context.sequenceLength, hiddenSize: context.hiddenSize)
        return mixer
    }
}
