import Foundation
import MixLabCore
import MixLabKernels

/// The discrete fractional Fourier transform of order `a` along the sequence, the hidden axis or both,
/// real part by default: FNet's mixing with the transform's "angle" as a (fixed or learnable) knob.
///
/// For each example `X` of shape `(T, C)`:
///
///     y = Re(F_T^a · X · F_C^b),   F_n^a = V_n · diag(exp(−i·π/2·a·k_m)) · V_nᵀ
///
/// the Candan–Kutay–Ozaktas discrete fractional Fourier transform (`FractionalFourierBasis`: `V_n` real
/// orthogonal, eigenvectors shared by the DFT and the matrix that commutes with it; `k_m` the DFT
/// eigenvalue indices). `a` is the sequence order, `b` the hidden order (both `order` unless set apart).
/// With `axes = sequence` or `hidden` one factor is applied (`Re(F_T^a·X)` or `Re(X·F_C^b)`).
/// `output = imaginary` returns `Im(…)` instead.
///
/// - Orders: `F^0 = I`, `F^1` = the unitary DFT (numpy `fft(norm="ortho")`), `F^2` = reversal
///   `x[−n mod N]`, `F^3 = F^−1` = the unitary inverse DFT, `F^a·F^b = F^(a+b)`, and `F^a` is unitary and
///   symmetric for every real `a`. Orders are periodic with period 4 (every `k_m` is an integer), so any
///   finite real is accepted and reduced modulo 4; `[0, 4)` covers every transform. At `a = b = 1` with
///   the real part this is `fourier` with `norm=ortho` (unitary scaling; FNet's own mixer is
///   unnormalised: multiply by √(T·C) to compare).
/// - Learnable order (`learnable = true`): the parameter `order` holds one order per transformed axis
///   (shape `[1]`, or `[2]` = `[sequence, hidden]` for both axes), initialised from the configured
///   orders. Its gradient is analytic: `∂F^a/∂a = V·diag(−i·π/2·k_m·exp(−i·π/2·a·k_m))·Vᵀ`, and by the
///   product rule `∂L/∂a = Σ G ⊙ Re(∂F_T^a/∂a · X · F_C^b)`, `∂L/∂b = Σ G ⊙ Re(F_T^a · X · ∂F_C^b/∂b)`,
///   evaluated in the eigenbasis (see `FractionalFourierSpectral`). A non-finite order parameter is an
///   error at the next forward pass.
/// - Adjoint: the map is linear in `X` and self-adjoint for every order (`Re(A X B) = A_r X B_r − A_i X B_i`
///   with symmetric factors, whose adjoint `G ↦ A_rᵀ G B_rᵀ − A_iᵀ G B_iᵀ` is the same map; likewise for
///   the imaginary part), so the backward pass applies the forward map to the output gradient (and, when
///   learnable, adds the order gradient).
/// - Inverse: none. `Re(F^a) = V·diag(cos(π/2·a·k_m))·Vᵀ` is singular whenever `cos(π/2·a·k_m) = 0` for
///   some `m` — at every odd order, including `a = 1` (FNet's `Re(F)`, which maps every odd sequence to
///   zero) — and otherwise badly conditioned (condition number `1 / min_m |cos(π/2·a·k_m)|`, which
///   grows without bound as the `a·k_m` spread over many values). Taking a part drops information in
///   general, as in FNet.
/// - Padding: ignored, as in FNet: pad every input to the same length.
/// - Lengths: any T and C ≥ 1.
/// - Complexity: O(n²) per transformed axis, not O(n log n): no library offers a fast algorithm for this
///   eigenvector-defined transform. Every `F^a` maps even sequences to even ones and odd to odd, so both
///   kernels fold each transformed axis into its even and odd halves (`FractionalFourierParity`, O(n))
///   and multiply by blocks of about n/2: ≈ `2·B·T·C·(T + C)` flops of OpenBLAS GEMM for both axes
///   (half of the dense `4·B·T·C·(T + C)` that FNet's matrix path spends), `B·T²·C` or `B·T·C²` for one.
///   Fixed orders precompute the complex blocks of `F^a` (built in Double, rounded to Float) per shape
///   (`FractionalFourierMatrix`); learnable orders work in the eigenbasis (`FractionalFourierSpectral`),
///   where a new order costs a T×C table instead of an O(n³) rebuild. The eigenbasis of each length is
///   computed once per process with GSL's symmetric eigensolver (O(n³)) and kept (about 12·n² bytes).
///
/// References: Ç. Candan, M. A. Kutay, H. M. Ozaktas, "The discrete fractional Fourier transform", IEEE
/// Trans. Signal Processing 48(5), 2000; H. M. Ozaktas, Z. Zalevsky, M. A. Kutay, "The Fractional Fourier
/// Transform", Wiley 2001; J. Lee-Thorp et al., "FNet: Mixing Tokens with Fourier Transforms", NAACL 2022.
public final class FractionalFourierMixer: TokenMixer, @unchecked Sendable {
    /// Which part of the complex result is returned.
    public typealias Output = FractionalFourierBasis.Part

    /// The registry name, `fractional-fourier`: the descriptor's name and the key of `registration`.
    public static let name = "fractional-fourier"

    /// The transformed axes.
    public let axes: MixingAxes
    /// The part of the complex result that is returned.
    public let output: Output
    /// Whether the orders are trainable parameters.
    public let isLearnable: Bool
    /// The configured sequence order (the initial value when learnable; unused for `axes = hidden`).
    public let configuredSequenceOrder: Double
    /// The configured hidden order (the initial value when learnable; unused for `axes = sequence`).
    public let configuredHiddenOrder: Double
    /// Name, axes, linearity (always linear in the input) and the resolved settings.
    public let descriptor: MixerDescriptor
    /// `[order]` when learnable (one value per transformed axis: `[sequence, hidden]` for both), else empty.
    public let parameters: [Parameter]

    private let matrixKernels = KernelCache<[Int], FractionalFourierMatrix>()
    private let spectralKernels = KernelCache<[Int], FractionalFourierSpectral>()

    /// A mixer with the same order `order` on every transformed axis.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` when `order` is not finite.
    public convenience init(axes: MixingAxes = .both, order: Double = 1, output: Output = .real, learnable: Bool = false) throws {
        try self.init(axes: axes, sequenceOrder: order, hiddenOrder: order, output: output, learnable: learnable, sharedOrder: true)
    }

    /// A mixer over both axes with order `sequenceOrder` along the sequence and `hiddenOrder` along the
    /// hidden axis.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` when an order is not finite.
    public convenience init(sequenceOrder: Double, hiddenOrder: Double, output: Output = .real, learnable: Bool = false) throws {
        try self.init(
            axes: .both, sequenceOrder: sequenceOrder, hiddenOrder: hiddenOrder, output: output, learnable: learnable,
            sharedOrder: sequenceOrder == hiddenOrder)
    }

    private init(
        axes: MixingAxes, sequenceOrder: Double, hiddenOrder: Double, output: Output, learnable: Bool, sharedOrder: Bool
    ) throws {
        for (key, value) in [("sequence_order", sequenceOrder), ("hidden_order", hiddenOrder)] where !value.isFinite {
            throw Self.nonFiniteOrder(key: sharedOrder ? "order" : key, text: "\(value)")
        }
        self.axes = axes
        self.output = output
        self.isLearnable = learnable
        self.configuredSequenceOrder = sequenceOrder
        self.configuredHiddenOrder = hiddenOrder
        var configuration = ["axes": axes.rawValue, "output": output.rawValue, "learnable": "\(learnable)"]
        if sharedOrder || axes != .both {
            configuration["order"] = Self.format(axes == .hidden ? hiddenOrder : sequenceOrder)
        } else {
            configuration["sequence_order"] = Self.format(sequenceOrder)
            configuration["hidden_order"] = Self.format(hiddenOrder)
        }
        self.descriptor = MixerDescriptor(name: Self.name, axes: axes, isLinear: true, configuration: configuration)
        if learnable {
            let initial: [Float]
            switch axes {
            case .sequence: initial = [Float(sequenceOrder)]
            case .hidden: initial = [Float(hiddenOrder)]
            case .both: initial = [Float(sequenceOrder), Float(hiddenOrder)]
            }
            parameters = [Parameter(name: "order", value: try Tensor(shape: [initial.count], values: initial))]
        } else {
            parameters = []
        }
    }

    /// The orders in use now, `(sequence, hidden)`, unreduced: the parameter's values when learnable.
    ///
    /// - Throws: `MixLabError.nonFiniteValue` when a learnable order has become NaN or infinite.
    public func currentOrders() throws -> (sequence: Double, hidden: Double) {
        guard let parameter = parameters.first else { return (configuredSequenceOrder, configuredHiddenOrder) }
        return try orders(from: parameter.value)
    }

    private func orders(from value: Tensor) throws -> (sequence: Double, hidden: Double) {
        let values = value.values.map(Double.init)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw MixLabError(
                .nonFiniteValue, what: "the order parameter holds \(values[bad]) at index \(bad)",
                location: "\(descriptor.summary) parameter 'order'",
                fix: "orders must be finite: lower the learning rate, clip gradients, or reload a checkpoint")
        }
        switch axes {
        case .sequence: return (values[0], configuredHiddenOrder)
        case .hidden: return (configuredSequenceOrder, values[0])
        case .both: return (values[0], values[1])
        }
    }

    // MARK: Forward and backward

    /// `part(F_T^a · X · F_C^b)` (or one axis) at the current orders, for `input` of shape `(B, T, C)`.
    public func apply(_ input: Tensor) throws -> Tensor {
        try forward(input, context: .inference).output
    }

    /// The adjoint at the current orders, which equals `apply` (the map is self-adjoint).
    public func applyAdjoint(_ gradient: Tensor) throws -> Tensor {
        try apply(gradient)
    }

    /// Mixes `input`; when learnable, saves the spectrum and the orders used for `backward`.
    public func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals) {
        try descriptor.validate(input, checksFinite: context.checksFiniteInput)
        let (batch, t, c) = (input.shape[0], input.shape[1], input.shape[2])
        guard let parameter = parameters.first else {
            let kernel = try matrixKernel(sequenceLength: t, hiddenSize: c)
            return (mapExamples(input) { x, y, batch in kernel.apply(x, y, batch: batch) }, .none)
        }
        var result = Tensor(uninitialized: input.shape)
        let orderValue = parameter.value
        let (a, b) = try orders(from: orderValue)
        let kernel = try spectralKernel(sequenceLength: t, hiddenSize: c)
        var spectrum = Tensor(uninitialized: input.shape)
        input.withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { y in
                spectrum.withUnsafeMutableBufferPointer { z in
                    kernel.forward(
                        x.baseAddress!, y.baseAddress!, spectrum: z.baseAddress!, batch: batch, sequenceOrder: a,
                        hiddenOrder: b)
                }
            }
        }
        return (result, MixerResiduals([spectrum, orderValue]))
    }

    /// The input gradient (the forward map applied to `outputGradient`); when learnable, adds
    /// `∂L/∂order` into the parameter's gradient.
    ///
    /// - Throws: `MixLabError.shapeMismatch` when `outputGradient` does not match the forward pass.
    public func backward(_ outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor {
        guard let parameter = parameters.first else {
            try descriptor.validate(outputGradient)
            return try apply(outputGradient)
        }
        guard residuals.tensors.count == 2, residuals.tensors[1].shape == parameter.value.shape else {
            throw MixLabError(
                .invalidArgument, what: "the residuals hold \(residuals.tensors.count) tensors, not this mixer's spectrum and orders",
                location: "\(descriptor.summary) backward", fix: "pass the residuals returned by this mixer's forward pass")
        }
        let spectrum = residuals.tensors[0]
        guard outputGradient.shape == spectrum.shape else {
            throw MixLabError.shapeMismatch(
                expected: Shape.describe(spectrum.shape), found: outputGradient.shape,
                location: "\(descriptor.summary) backward (output gradient)",
                fix: "pass the gradient of the output of the forward pass these residuals came from")
        }
        let (a, b) = try orders(from: residuals.tensors[1])
        let (batch, t, c) = (spectrum.shape[0], spectrum.shape[1], spectrum.shape[2])
        let kernel = try spectralKernel(sequenceLength: t, hiddenSize: c)
        var inputGradient = Tensor(uninitialized: spectrum.shape)
        let gradients = outputGradient.withUnsafeBufferPointer { g in
            spectrum.withUnsafeBufferPointer { z in
                inputGradient.withUnsafeMutableBufferPointer { gx in
                    kernel.backward(
                        g.baseAddress!, spectrum: z.baseAddress!, gx.baseAddress!, batch: batch, sequenceOrder: a,
                        hiddenOrder: b)
                }
            }
        }
        let orderGradient: [Float]
        switch axes {
        case .sequence: orderGradient = [Float(gradients.sequence)]
        case .hidden: orderGradient = [Float(gradients.hidden)]
        case .both: orderGradient = [Float(gradients.sequence), Float(gradients.hidden)]
        }
        parameter.accumulateGradient(try Tensor(shape: parameter.value.shape, values: orderGradient))
        return inputGradient
    }

    // MARK: Kernels

    private func matrixKernel(sequenceLength t: Int, hiddenSize c: Int) throws -> FractionalFourierMatrix {
        try matrixKernels.kernel(for: [t, c]) {
            try FractionalFourierMatrix(
                sequenceLength: t, hiddenSize: c, axes: axes, sequenceOrder: configuredSequenceOrder,
                hiddenOrder: configuredHiddenOrder, part: output)
        }
    }

    private func spectralKernel(sequenceLength t: Int, hiddenSize c: Int) throws -> FractionalFourierSpectral {
        try spectralKernels.kernel(for: [t, c]) {
            try FractionalFourierSpectral(sequenceLength: t, hiddenSize: c, axes: axes, part: output)
        }
    }

    // MARK: Errors and formatting

    static func nonFiniteOrder(key: String, text: String) -> MixLabError {
        MixLabError(
            .invalidConfigValue, what: "\(key)=\(text) is not a finite number", location: "mixer \(name)",
            fix: "set \(key) to a finite real number; orders repeat with period 4, so [0, 4) covers every "
                + "transform (0 = identity, 1 = unitary DFT, 2 = reversal, 3 = inverse DFT)")
    }

    static func format(_ order: Double) -> String {
        order == order.rounded() && abs(order) < 1e15 ? String(Int(order)) : "\(order)"
    }
}

extension FractionalFourierMixer: DenseReferenceProviding {
    /// `part(F_T^a · X · F_C^b)` at the current orders, with `F^a` summed explicitly from the eigenbasis
    /// and applied by loops in Double (`DenseReference.fractionalFourier`).
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try descriptor.validate(input)
        let (a, b) = try currentOrders()
        return try DenseReference.fractionalFourier(
            input.values.map(Double.init), shape: input.shape, axes: axes, sequenceOrder: a, hiddenOrder: b, part: output)
    }
}

extension FractionalFourierMixer {
    /// The registry entry: `fractional-fourier` with keys `axes`, `order`, `sequence_order`,
    /// `hidden_order`, `learnable`, `output`.
    public static let registration = MixerRegistration(
        name: name,
        summary: "discrete fractional Fourier transform (Candan–Kutay–Ozaktas) of order a, real part; fixed or learnable a",
        keys: [
            MixerConfigurationKey.axes(),
            MixerConfigurationKey(
                "order", default: "1", allowed: "any finite real (period 4)",
                summary: "order a on every transformed axis: 0 identity, 1 unitary DFT, 2 reversal"),
            MixerConfigurationKey(
                "sequence_order", default: "order", allowed: "any finite real (period 4)",
                summary: "order along the sequence (axes=both or sequence)"),
            MixerConfigurationKey(
                "hidden_order", default: "order", allowed: "any finite real (period 4)",
                summary: "order along the hidden axis (axes=both or hidden)"),
            MixerConfigurationKey(
                "learnable", default: "false", allowed: "true|false", summary: "train the orders (parameter 'order')"),
            MixerConfigurationKey("output", default: "real", allowed: "real|imaginary", summary: "part of the complex result"),
        ]
    ) { configuration, _ in
        let axes = try configuration.axes(mixer: name)
        let order = try FractionalFourierMixer.order(configuration, "order", default: 1)
        for (key, used) in [("sequence_order", axes.includesSequence), ("hidden_order", axes.includesHidden)]
        where !used && configuration.values[key] != nil {
            throw MixLabError(
                .invalidConfigValue, what: "\(key) is set but axes=\(axes.rawValue) does not transform that axis",
                location: "mixer \(name)", fix: "remove \(key), or use order=… (or axes=both)")
        }
        let sequenceOrder = try FractionalFourierMixer.order(configuration, "sequence_order", default: order)
        let hiddenOrder = try FractionalFourierMixer.order(configuration, "hidden_order", default: order)
        let output = try configuration.option("output", default: Output.real, mixer: name)
        let learnable = try configuration.boolean("learnable", default: false, mixer: name)
        if axes == .both {
            return try FractionalFourierMixer(sequenceOrder: sequenceOrder, hiddenOrder: hiddenOrder, output: output, learnable: learnable)
        }
        return try FractionalFourierMixer(
            axes: axes, order: axes == .sequence ? sequenceOrder : hiddenOrder, output: output, learnable: learnable)
    }

    /// Parses an order key: any finite real.
    private static func order(_ configuration: MixerConfiguration, _ key: String, default defaultValue: Double) throws -> Double {
        guard let text = configuration.values[key] else { return defaultValue }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw nonFiniteOrder(key: key, text: text)
        }
        return value
    }
}
